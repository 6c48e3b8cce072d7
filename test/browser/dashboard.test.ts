// The dashboard in a real browser: Debian's chromium driven by playwright-core, a real Warden in a child
// process on a real socket behind it. Every step has a timeout; screenshots go to test-results/.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TaskView } from '../../src/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'browser-test-token.0123456789';
const SHOTS = 'test-results';
const STEP_MS = 8_000;
const have = existsSync(CHROMIUM);
if (!have) console.log(`browser tests skipped: ${CHROMIUM} is missing (CI installs the chromium package through .ci/run)`);

let server: ChildProcess | undefined;
let url = '';
let browser: Browser | undefined;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(STEP_MS),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + STEP_MS;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const statusOf = async (id: string) => (await call<TaskView>('GET', `/api/tasks/${id}`)).status;

function startServer(): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/dashboard-server.ts', TOKEN], { stdio: ['pipe', 'pipe', 'inherit'] });
  server = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not print its URL in 15 s')), 15_000);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^URL (\S+)$/m.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
}

/** Chromium, bounded: a cold start on two loaded cores once took longer than 15 s, so a launch gets
 *  40 s and one more try (a launch that hangs is killed by playwright at its timeout). */
async function launch(): Promise<Browser> {
  const opts = {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    timeout: 40_000,
  };
  try {
    return await chromium.launch(opts);
  } catch (err) {
    console.log(`chromium did not start (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); trying once more`);
    return chromium.launch(opts);
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true, timeout: STEP_MS });
}

describe.skipIf(!have)('dashboard in chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    url = await startServer();
    browser = await launch();
  }, 100_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
  });

  it('an operator signs in, resets an open circuit, resolves an escalated task, cancels a running one and sees events live', async () => {
    // What the page will show: an escalated task (its failure opened flaky's circuit) and a running one.
    const escalated = await call<TaskView>('POST', '/api/tasks', { agent: 'flaky', input: { q: 'why' } });
    await until('the flaky task to escalate', async () => (await statusOf(escalated.id)) === 'ESCALATED');
    const running = await call<TaskView>('POST', '/api/tasks', { agent: 'ext', input: { job: 1 } });
    await until('the ext task to run', async () => (await statusOf(running.id)) === 'IN_PROGRESS');

    const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(STEP_MS);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
    });

    await page.goto(url, { timeout: STEP_MS });
    await page.locator('#status', { hasText: 'enter the token' }).waitFor();
    await shot(page, '01-asks-for-token');

    await page.fill('#token', TOKEN);
    await page.click('#save');
    const breakerCard = page.locator('#attention .card', { hasText: 'circuit OPEN' });
    await breakerCard.filter({ hasText: 'flaky' }).waitFor();
    await page.locator('#attention .card', { hasText: 'ESCALATED' }).filter({ hasText: 'upstream unavailable' }).waitFor();
    await page.locator('#live', { hasText: 'live' }).waitFor();
    await shot(page, '02-needs-a-person');

    await breakerCard.getByRole('button', { name: 'reset circuit' }).click();
    await page.locator('#agents tr', { hasText: 'flaky' }).locator('.pill', { hasText: 'CLOSED' }).waitFor();
    await expect.poll(async () => (await call<Array<{ agent: string; state: string }>>('GET', '/api/health/circuit-breakers')).find((b) => b.agent === 'flaky')?.state).toBe('CLOSED');
    await shot(page, '03-circuit-reset');

    const card = page.locator('#attention .card', { hasText: 'ESCALATED' });
    await card.getByRole('button', { name: 'open' }).click();
    await page.locator('#detail ol.timeline li', { hasText: 'ESCALATED' }).waitFor();
    await page.locator('#detail', { hasText: 'attempt 1' }).waitFor();
    await shot(page, '04-task-detail');
    await card.getByRole('button', { name: 'resolve…' }).click();
    await page.locator('#resolve-dialog[open]').waitFor();
    await page.fill('#resolve-output', '{ "answer": ');
    await page.locator('#resolve-error', { hasText: 'not JSON' }).waitFor();
    await page.fill('#resolve-output', '{ "answer": 42 }');
    await shot(page, '05-resolve-editor');
    await page.click('#resolve-ok');
    await until('the escalated task to be resolved', async () => (await statusOf(escalated.id)) === 'SUCCEEDED');
    expect((await call<TaskView>('GET', `/api/tasks/${escalated.id}`)).output).toEqual({ answer: 42 });
    await page.locator('#attention', { hasText: 'Nothing needs a person' }).waitFor();
    await page.locator('#detail .pill', { hasText: 'SUCCEEDED' }).first().waitFor();
    await shot(page, '06-resolved');

    const row = page.locator(`#tasks tr[data-id="${running.id}"]`);
    expect(await row.getByRole('button', { name: 'resolve…' }).count()).toBe(0);
    await row.getByRole('button', { name: 'cancel' }).click();
    await until('the running task to be cancelled', async () => (await statusOf(running.id)) === 'CANCELLED');
    await page.locator(`#tasks tr[data-id="${running.id}"][data-status="CANCELLED"]`).waitFor();
    expect(await page.locator(`#tasks tr[data-id="${running.id}"] button`).count()).toBe(0);
    await shot(page, '07-cancelled');

    await page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));
    const live = await call<TaskView>('POST', '/api/tasks', { agent: 'ok', input: { hello: 'world' } });
    await page.locator('#events', { hasText: live.id }).waitFor();
    await page.locator('#events', { hasText: 'SUCCEEDED' }).waitFor();
    expect(await page.evaluate(() => (globalThis as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await shot(page, '08-live-event');

    await page.setViewportSize({ width: 360, height: 800 });
    await page.waitForTimeout(200);
    // evaluated in the page (a string: the test's tsconfig has no DOM types)
    const widths = await page.evaluate<{ scroll: number; inner: number }>('({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })');
    expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
    await shot(page, '09-narrow-360');

    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('a task escalated for its spent budget offers a retry that grants more, and succeeds with it', async () => {
    const spent = await call<TaskView>('POST', '/api/tasks', { agent: 'spender', input: {}, budget: { costUsd: 0.5 } });
    await until('the spender task to escalate', async () => (await statusOf(spent.id)) === 'ESCALATED');
    const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(STEP_MS);
    await page.goto(url, { timeout: STEP_MS });
    await page.fill('#token', TOKEN);
    await page.click('#save');
    const card = page.locator('#attention .card', { hasText: 'ESCALATED' }).filter({ hasText: 'budget' });
    await card.waitFor();
    // A plain retry would be refused (the budget is spent): only the granting one is offered.
    expect(await card.getByRole('button', { name: 'retry', exact: true }).count()).toBe(0);
    await card.getByRole('button', { name: 'retry +budget' }).click();
    await until('the spender task to succeed', async () => (await statusOf(spent.id)) === 'SUCCEEDED');
    const after = await call<TaskView & { budget?: { costUsd?: number } }>('GET', `/api/tasks/${spent.id}`);
    expect(after.attempts).toBe(2);
    expect(after.budget?.costUsd).toBeCloseTo(1.5);
    await shot(page, '10-budget-granted');
    await page.close();
  }, 60_000);

  // GET /api/whoami arrives with token roles (another branch); until then the browser answers it from
  // page.route, with the server's real /openapi.json plus that one path, to prove what each role sees.
  it.each([
    ['viewer', { task: 0, reset: 0, agent: 0 }],
    ['operator', { task: 1, reset: 1, agent: 0 }],
    ['admin', { task: 1, reset: 1, agent: 1 }],
  ] as const)('role %s: the page shows only the actions the role may take', async (role, sees) => {
    await call('POST', '/api/tasks', { agent: 'flaky', input: { role } });
    await until('flaky to open its circuit', async () =>
      (await call<Array<{ agent: string; state: string }>>('GET', '/api/health/circuit-breakers')).some((b) => b.agent === 'flaky' && b.state === 'OPEN'));
    const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(STEP_MS);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.route('**/openapi.json', async (route) => {
      const res = await route.fetch({ timeout: STEP_MS });
      const doc = (await res.json()) as { paths: Record<string, unknown> };
      doc.paths['/api/whoami'] = { get: { responses: { '200': { description: 'the caller' } } } };
      await route.fulfill({ response: res, json: doc });
    });
    await page.route('**/api/whoami', (route) => route.fulfill({ json: { name: `a-${role}`, role } }));
    await page.goto(url, { timeout: STEP_MS });
    await page.fill('#token', TOKEN);
    await page.click('#save');
    await page.locator('#who', { hasText: `a-${role} (${role})` }).waitFor();
    await page.locator('#attention .card', { hasText: 'circuit OPEN' }).waitFor();
    await page.locator('#agents tr', { hasText: 'ext' }).waitFor();
    const count = (sel: string, name: string) => page.locator(sel).getByRole('button', { name, exact: true }).count();
    expect((await count('#attention', 'retry')) > 0 ? 1 : 0).toBe(sees.task);
    expect((await count('#attention', 'reset circuit')) > 0 ? 1 : 0).toBe(sees.reset);
    expect((await count('#agents', 'restart')) > 0 ? 1 : 0).toBe(sees.agent);
    await shot(page, `10-role-${role}`);
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);
});
