#!/usr/bin/env node
// `warden` (what `npm start` runs): the runtime with its HTTP control plane, on a user's config
// module or, without one, on the demo in examples/demo.ts.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { demoConfig, driveDemo } from '../examples/demo.ts';
import { isWardenError } from './errors.ts';
import { REDACT_PATHS } from './runtime/logger.ts';
import { redactConnectionString } from './store/postgres-connect.ts';
import { createWarden, type ServerHandle, type Warden } from './index.ts';
import { startInspectorBridge, type InspectorBridge } from './inspector-bridge.ts';
import { loadTokensFile, tokenBannerLine } from './cli-tokens.ts';
import type { WardenConfig } from './config.ts';
import type { NamedToken } from './types.ts';
import { runSimulateCli } from './simulate/cli.ts';
import { isRecord } from './config/schemas.ts';

const USAGE = `Usage: warden [options]
       warden simulate --scenario NAME|FILE [--config FILE] …   (see warden simulate --help)

Runs Warden with its HTTP control plane and dashboard. Without --config it runs the demo
(examples/demo.ts): simulated LLM agents, an external executor and a supervised child process.

Options:
  -c, --config <file>    a module (.js, .mjs; .ts under tsx, as in \`npm start\`) whose default export
                         (or export named "config") is a Warden config, or a function returning
                         one (it may be async); or a .json file holding a config
  -p, --port <n>         port to listen on; 0 picks a free one      (default: $PORT, else 3000)
      --host <address>   address to listen on                        (default: 127.0.0.1)
  -d, --data-dir <dir>   where state.json, journal.jsonl and token live
                                                         (default: the config's dataDir, else ./data)
      --token <token>    bearer token for the API, an admin's (prefer $WARDEN_TOKEN: flags show up in ps)
      --tokens <file>    a JSON list of named tokens with roles:
                         [{ "name": "alice", "token": "…", "role": "viewer" | "operator" | "admin" }]
      --postgres <url>   keep state in PostgreSQL instead of <data-dir> (several processes may share
                         one database; see "Past one machine" in the README)  (default: $WARDEN_DATABASE_URL)
      --inspect <port>   stream every actor to the Stately inspector through a bridge on <port>,
                         bound to --host; it sends task inputs and outputs unredacted
  -h, --help             print this help

Token: --token, else $WARDEN_TOKEN, else the config's token, else (unless --tokens is given)
<data-dir>/token (generated on first run, mode 0600). The banner prints a token from that file
only on a terminal; otherwise it names the file. Logs: pino JSON on stdout (pretty on a terminal); level $WARDEN_LOG_LEVEL.
SIGTERM or SIGINT stops gracefully (final snapshot); a second one exits at once.
`;

const DEFAULT_PORT = 3000;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_DATA_DIR = './data';
/** A repeat of the first signal within this long is the same signal delivered twice. */
const DUPLICATE_SIGNAL_MS = 1_000;
const CLI_DRAIN_MS = 10_000;

/** Prints `message` to stderr (never a stack) and exits with `code`. */
function fail(message: string, code = 1): never {
  process.stderr.write(`warden: ${message}\n`);
  process.exit(code);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface Flags {
  config?: string;
  port: number;
  host: string;
  dataDir?: string;
  token?: string;
  /** a JSON file of named tokens with roles */
  tokens?: string;
  /** port of a local Stately inspector bridge, when asked for */
  inspect?: number;
  /** --postgres, else $WARDEN_DATABASE_URL */
  postgres?: string;
}

function parseFlags(argv: string[]): Flags {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'data-dir': { type: 'string', short: 'd' },
        token: { type: 'string' },
        tokens: { type: 'string' },
        inspect: { type: 'string' },
        postgres: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail(`${messageOf(err)}\n\n${USAGE}`, 2);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const rawPort = values.port ?? process.env.PORT ?? String(DEFAULT_PORT);
  const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!(port >= 0 && port <= 65_535)) {
    fail(`${values.port === undefined ? 'PORT' : '--port'} must be an integer from 0 to 65535, got ${JSON.stringify(rawPort)}`, 2);
  }
  for (const name of ['config', 'host', 'data-dir', 'token', 'tokens', 'postgres'] as const) {
    if (values[name] === '') fail(`--${name} must not be empty`, 2);
  }
  const inspect = values.inspect === undefined ? undefined : Number(values.inspect);
  if (inspect !== undefined && !(Number.isInteger(inspect) && inspect > 0 && inspect <= 65_535)) {
    fail(`--inspect must be a port from 1 to 65535, got ${JSON.stringify(values.inspect)}`, 2);
  }
  return {
    config: values.config,
    port,
    host: values.host ?? DEFAULT_HOST,
    dataDir: values['data-dir'],
    token: values.token,
    tokens: values.tokens,
    inspect,
    postgres: values.postgres ?? (process.env.WARDEN_DATABASE_URL || undefined),
  };
}

async function createCliLogger(): Promise<Logger> {
  const options = {
    level: process.env.WARDEN_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (!process.stdout.isTTY) return pino(options, pino.destination({ dest: 1, sync: true }));
  const pretty = await import('pino-pretty').then(
    (m) => m.default,
    () => undefined,
  );
  if (!pretty) return pino(options, pino.destination({ dest: 1, sync: true })); // installed without it: JSON
  return pino(options, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}

/** The user's config module: its default export or `config`, a config or a function making one. */
async function loadConfigModule(file: string, ctx: { dataDir: string; logger: Logger }): Promise<Record<string, unknown>> {
  let mod: Record<string, unknown>;
  try {
    mod = /\.json$/i.test(file)
      ? { default: JSON.parse(await readFile(resolve(file), 'utf8')) as unknown }
      : ((await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>);
  } catch (err) {
    // The installed CLI is plain JavaScript: without a TypeScript loader Node refuses a .ts config.
    if ((err as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?ts$/i.test(file)) {
      fail(`cannot load config ${file}: Node cannot load TypeScript here; use a .js, .mjs or .json config, or run the CLI under a loader (node --import tsx)`);
    }
    fail(`cannot load config ${file}: ${messageOf(err)}`);
  }
  let exported = mod.default ?? mod.config;
  if (exported === undefined) fail(`invalid config: ${file} exports neither a default export nor one named "config"`);
  if (typeof exported === 'function') {
    try {
      exported = await (exported as (c: typeof ctx) => unknown)(ctx);
    } catch (err) {
      fail(`invalid config: the config function of ${file} threw: ${messageOf(err)}`);
    }
  }
  if (!isRecord(exported)) fail(`invalid config: config must be an object (the export of ${file})`);
  return exported;
}

type TokenSource = 'flag' | 'env' | 'config' | 'file-read' | 'file-new';
const TOKEN_SHAPE = /^[A-Za-z0-9._~+/-]+=*$/;

/** --token, $WARDEN_TOKEN, the config's token, else <dataDir>/token (read, or generated with mode 0600). */
async function resolveToken(flag: string | undefined, config: Record<string, unknown>, dataDir: string): Promise<{ token: string; source: TokenSource; file?: string }> {
  if (flag) return { token: flag, source: 'flag' };
  const env = process.env.WARDEN_TOKEN;
  if (env) return { token: env, source: 'env' };
  if (typeof config.token === 'string' && config.token) return { token: config.token, source: 'config' };
  const file = resolve(dataDir, 'token');
  try {
    const saved = (await readFile(file, 'utf8')).trim();
    if (TOKEN_SHAPE.test(saved)) return { token: saved, source: 'file-read', file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') fail(`cannot read the token file ${file}: ${messageOf(err)}`);
  }
  const token = randomBytes(24).toString('base64url');
  try {
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, `${token}\n`, { mode: 0o600 });
  } catch (err) {
    fail(`cannot write the token file ${file}: ${messageOf(err)}`);
  }
  return { token, source: 'file-new', file };
}

function logTransitions(warden: Warden, logger: Logger): void {
  warden.on('transition', (r) => {
    const line = `${r.kind} ${r.id}: ${r.from ?? '∅'} → ${r.to}`;
    const fields = { seq: r.seq, kind: r.kind, id: r.id, from: r.from, to: r.to, event: r.event, agent: r.agent, attempt: r.attempt, errorKind: r.error?.kind };
    if (r.kind === 'task') logger.debug(fields, line);
    else logger.info(fields, line);
  });
}

interface CliConfig {
  config: Record<string, unknown>;
  dataDir: string;
  demo: boolean;
}

/** The demo's config without --config, else the user's module; the data dir from the flag, the config or the default. */
async function loadCliConfig(flags: Flags, logger: Logger): Promise<CliConfig> {
  if (flags.config === undefined) {
    const dataDir = flags.dataDir ?? DEFAULT_DATA_DIR;
    return { config: { ...demoConfig({ dataDir, logger }) }, dataDir, demo: true };
  }
  const loaded = await loadConfigModule(flags.config, { dataDir: flags.dataDir ?? DEFAULT_DATA_DIR, logger });
  const dataDir = flags.dataDir ?? (typeof loaded.dataDir === 'string' && loaded.dataDir ? loaded.dataDir : DEFAULT_DATA_DIR);
  return { config: { ...loaded, dataDir, logger: loaded.logger ?? logger }, dataDir, demo: false };
}

/**
 * Only on request: an inspector that cannot connect would keep the process alive, and its page needs
 * stately.ai. It streams task inputs and outputs unredacted, so it binds to --host (loopback by
 * default) like the API. Returns the config with the inspector in it, and how to stop it.
 */
async function openInspector(flags: Flags, config: Record<string, unknown>): Promise<{ config: Record<string, unknown>; stop?: () => Promise<void> }> {
  if (flags.inspect === undefined) return { config };
  // An optional peer dependency: only --inspect needs it.
  const { createWebSocketInspector } = await import('@statelyai/inspect').catch((err: unknown) =>
    fail(`--inspect needs the package @statelyai/inspect (npm install @statelyai/inspect): ${messageOf(err)}`),
  );
  let bridge: InspectorBridge;
  try {
    bridge = await startInspectorBridge({ host: flags.host, port: flags.inspect });
  } catch (err) {
    fail(`cannot open the inspector bridge on ${flags.host}:${flags.inspect}: ${messageOf(err)}`);
  }
  const inspector = createWebSocketInspector({ url: bridge.wsUrl });
  process.stdout.write(`Stately inspector: open ${bridge.url} to watch the machines live (it shows task inputs and outputs unredacted)\n`);
  return {
    config: { ...config, inspect: inspector.inspect },
    stop: async () => {
      inspector.stop();
      await bridge.stop();
    },
  };
}

/** What the flags add to the config: the database (the config may still name the schema) and a drain. */
function withFlags(flags: Flags, config: Record<string, unknown>): Record<string, unknown> {
  let out = config;
  if (flags.postgres !== undefined) {
    const given = (config.store as { postgres?: { schema?: string } } | undefined)?.postgres;
    out = { ...out, store: { postgres: { ...given, connectionString: flags.postgres } } };
  }
  // A service being shut down by SIGTERM lets its running attempts finish first, for a while.
  return { drainMs: CLI_DRAIN_MS, ...out };
}

async function listenOrFail(warden: Warden, flags: Flags, token: string | undefined, tokens: readonly NamedToken[] | undefined): Promise<ServerHandle> {
  try {
    return await warden.listen({ port: flags.port, hostname: flags.host, token, tokens });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`cannot listen on ${flags.host}:${flags.port}: the address is in use (try --port)`);
    fail(`cannot listen on ${flags.host}:${flags.port}: ${messageOf(err)}`);
  }
}

interface Shutdown {
  /** set once start() was called, so a signal during it waits for it */
  starting?: Promise<void>;
  stopDemo?: () => void;
  readonly requested: boolean;
}

/** SIGTERM / SIGINT: drain, final snapshot, close, exit 0; a second signal sent on purpose exits at once. */
function onSignals(warden: Warden, server: ServerHandle, logger: Logger, stopInspector: (() => Promise<void>) | undefined): Shutdown {
  let requested = false;
  let firstSignalAt = 0;
  const shutdown: Shutdown = {
    get requested() {
      return requested;
    },
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested) {
      // One Ctrl-C or `timeout` often arrives twice: from the terminal (or process group) and
      // relayed by npm/tsx. Only a signal sent on purpose, a moment later, cuts the shutdown short.
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
      process.stderr.write(`warden: second ${signal}, exiting now\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    requested = true;
    firstSignalAt = Date.now();
    logger.info({ signal }, 'shutting down: draining, writing the final snapshot');
    shutdown.stopDemo?.();
    void (async () => {
      await shutdown.starting?.catch(() => {});
      await warden.stop();
      await server.close(); // already closed by warden.stop() unless start() never finished
      await stopInspector?.();
      logger.info('stopped');
      process.exit(0);
    })().catch((err: unknown) => fail(`shutdown failed: ${messageOf(err)}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return shutdown;
}

function printBanner(o: { flags: Flags; cli: CliConfig; server: ServerHandle; tokenLine: string }): void {
  const { flags, cli, server } = o;
  const persisted = cli.config.persist !== false && cli.config.durability !== 'memory';
  const state =
    flags.postgres !== undefined
      ? `PostgreSQL ${redactConnectionString(flags.postgres)}`
      : persisted
        ? `${resolve(cli.dataDir)}  (state.json, journal.jsonl)`
        : 'in memory only (persist: false)';
  process.stdout.write(
    [
      `Warden is running${cli.demo ? ' the demo (examples/demo.ts)' : ` with ${flags.config ?? ''}`}`,
      `  dashboard: ${server.url}/`,
      `  api:       ${server.url}/api  (send "Authorization: Bearer <token>")`,
      `  token:     ${o.tokenLine}`,
      `  state:     ${state}`,
      `  stop:      Ctrl-C or SIGTERM`,
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === 'simulate') {
    process.exitCode = await runSimulateCli(process.argv.slice(3));
    return;
  }
  const flags = parseFlags(process.argv.slice(2));
  const logger = await createCliLogger();
  const cli = await loadCliConfig(flags, logger);
  const inspector = await openInspector(flags, cli.config);
  cli.config = withFlags(flags, inspector.config);

  let warden: Warden;
  try {
    warden = createWarden(cli.config as unknown as WardenConfig);
  } catch (err) {
    fail(isWardenError(err) && err.code === 'invalid_config' ? `invalid config: ${err.message}` : `cannot create warden: ${messageOf(err)}`);
  }

  const named = flags.tokens === undefined ? undefined : await loadTokensFile(flags.tokens).catch((err: unknown) => fail(messageOf(err)));
  // Named tokens replace the generated file token; an explicit single token still joins them as an admin.
  const explicit = Boolean(flags.token || process.env.WARDEN_TOKEN || (typeof cli.config.token === 'string' && cli.config.token));
  const token = named && !explicit ? undefined : await resolveToken(flags.token, cli.config, cli.dataDir);

  // Listen first, so /health answers and /ready says 503 while the state is restored.
  const server = await listenOrFail(warden, flags, token?.token, named?.tokens);
  const shutdown = onSignals(warden, server, logger, inspector.stop);
  shutdown.starting = warden.start();
  try {
    await shutdown.starting;
  } catch (err) {
    if (shutdown.requested) return;
    await server.close();
    fail(`cannot start: ${messageOf(err)}`);
  }
  if (shutdown.requested) return;

  // A token is printed only to a terminal: a service manager's log would keep it forever.
  printBanner({ flags, cli, server, tokenLine: tokenBannerLine(token, named, process.stdout.isTTY === true) });
  logTransitions(warden, logger);
  if (cli.demo) shutdown.stopDemo = driveDemo(warden, { logger });
}

await main();
