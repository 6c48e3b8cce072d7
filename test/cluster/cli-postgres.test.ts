// The CLI on PostgreSQL (`warden --postgres URL`), and the database going away mid-run: the CLI talks
// to PostgreSQL through a TCP proxy this test cuts and restores. While it is cut /ready is 503 and a
// submit fails with a clear error; acknowledged work is still there after, and Warden resumes.
import { describe, expect, it } from 'vitest';
import { cli, sleep, TOKEN, urlOf, useCliHarness } from '../support/cli.ts';
import { hasPg, sql, uniqueSchema } from '../support/postgres.ts';
import { pgProxy, useClusterHarness } from './helpers.ts';

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: { [k: string]: unknown } }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as { [k: string]: unknown }) : {} };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 8_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe.skipIf(!hasPg())('warden --postgres (end to end)', () => {
  useCliHarness();
  useClusterHarness();

  it('runs on PostgreSQL; with the database cut /ready is 503 and a submit fails clearly; it resumes when it returns', { timeout: 60_000 }, async () => {
    const schema = uniqueSchema();
    let proxy = await pgProxy();
    const url = `postgres://127.0.0.1:${proxy.port}/test`;
    const c = cli(['--config', 'test/fixtures/pg-config.ts', '--port', '0', '--postgres', url], { WARDEN_TOKEN: TOKEN, WARDEN_TEST_SCHEMA: schema });
    const base = await urlOf(c);
    expect(c.stdout()).toContain(`state:     PostgreSQL ${url}`);
    expect((await fetch(`${base}/ready`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);

    const before = await call(base, 'POST', '/api/tasks', { agent: 'ok', input: { n: 1 } });
    expect(before.status).toBe(201);
    const id = before.json.id as string;
    await eventually('the first task to succeed', async () => ((await call(base, 'GET', `/api/tasks/${id}`)).json.status === 'SUCCEEDED' ? true : undefined));

    await proxy.cut();
    await eventually('/ready to say 503', async () => ((await fetch(`${base}/ready`, { signal: AbortSignal.timeout(5_000) })).status === 503 ? true : undefined));
    const during = await call(base, 'POST', '/api/tasks', { agent: 'ok', input: { n: 2 } });
    expect(during.status).toBe(503);
    expect(during.json.error).toMatchObject({ code: 'store_unavailable' });
    expect(String((during.json.error as { message: string }).message)).toContain(`PostgreSQL at ${url} is not reachable`);
    expect((await fetch(`${base}/health`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);

    proxy = await pgProxy(proxy.port);
    await eventually('/ready to say 200 again', async () => ((await fetch(`${base}/ready`, { signal: AbortSignal.timeout(5_000) })).status === 200 ? true : undefined));
    const after = await call(base, 'POST', '/api/tasks', { agent: 'ok', input: { n: 3 } });
    expect(after.status).toBe(201);
    const afterId = after.json.id as string;
    await eventually('the task after the outage to succeed', async () => ((await call(base, 'GET', `/api/tasks/${afterId}`)).json.status === 'SUCCEEDED' ? true : undefined));
    // Lines the cut caught unwritten were kept and written once the database was back.
    await eventually('both tasks SUCCEEDED in PostgreSQL', async () => {
      const rows = await sql<{ status: string }>(`SELECT status FROM "${schema}".tasks WHERE id = ANY($1)`, [[id, afterId]]);
      return rows.length === 2 && rows.every((r) => r.status === 'SUCCEEDED') ? true : undefined;
    });
    c.child.kill('SIGTERM');
    await c.exited;
    await proxy.cut();
  });
});
