// The snapshot: <dataDir>/state.json through lowdb (temp file + rename), validated on read.
// A bad snapshot stops the start with an error naming the file and what to do; its bytes stay as they are.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fsp from 'node:fs/promises';
import { Low, type Adapter } from 'lowdb';
import { z } from 'zod';
import { WardenError } from '../errors.ts';
import { AGENT_LIFECYCLES, CIRCUIT_STATES, GATE_STATES, SUPERVISOR_STATUSES, TASK_STATUSES } from '../types.ts';
import { emptyState, SCHEMA_VERSION, type PersistedState } from './state.ts';

export const SNAPSHOT_FILE = 'state.json';

const int = z.number().int().nonnegative();
const record = z.object({
  seq: int,
  at: z.number(),
  kind: z.enum(['task', 'agent', 'supervisor', 'provider']),
  id: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  event: z.string(),
});
const amount = z.number().finite().nonnegative();
const usageSchema = z.object({ turns: amount, tokens: amount, costUsd: amount, wallMs: amount });
const limit = z.number().finite().positive().optional();
const budgetSchema = z.object({ turns: limit, tokens: limit, costUsd: limit, wallMs: limit });
const providerSchema = z.looseObject({
  gate: z.enum(GATE_STATES),
  closedUntil: z.number().finite().optional(),
  closedAt: z.number().finite().optional(),
});
const taskSchema = z.object({
  ctx: z.looseObject({
    id: z.string(),
    type: z.string(),
    agent: z.string(),
    status: z.enum(TASK_STATUSES),
    attempts: int,
    maxRetries: int,
    failureCounts: z.record(z.string(), int),
    usage: usageSchema.optional(),
    budget: budgetSchema.optional(),
  }),
  createdAt: z.number(),
  updatedAt: z.number(),
  idempotencyKey: z.string().optional(),
  history: z.array(z.looseObject(record.shape)),
});
const schema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  n: int,
  seq: int,
  savedAt: z.number(),
  tasks: z.record(z.string(), taskSchema),
  agents: z.record(
    z.string(),
    z.looseObject({ circuit: z.enum(CIRCUIT_STATES), lifecycle: z.enum(AGENT_LIFECYCLES), failures: z.array(z.number()), restarts: int }),
  ),
  supervisors: z.record(
    z.string(),
    z.looseObject({ status: z.enum(SUPERVISOR_STATUSES), restartTimes: z.array(z.number()) }),
  ),
  providers: z.record(z.string(), providerSchema).optional(),
  alerts: z.array(z.looseObject({ id: z.string(), level: z.enum(['WARNING', 'CRITICAL']) })),
  archived: z.array(z.string()).optional(),
  archive: z
    .array(
      z.object({
        bits: z.base64(),
        capacity: z.number().int().positive(),
        count: z.number().int().nonnegative(),
        newestAt: z.number().finite(),
      }),
    )
    .optional(),
});

function bad(file: string, what: string): WardenError {
  return new WardenError(
    'corrupt_state',
    `${file} ${what}. It was left untouched. Restore ${file}.bak (the snapshot before it) or move the file aside to start from the journal alone.`,
    { file },
  );
}

let writes = 0;

/**
 * lowdb's adapter for state.json. Its own DataFile writes through one fixed temp name and retries a
 * failed rename on setTimeout; this one gives every write its own temp file (two writes can never
 * rename each other's bytes) and takes no timer, so a write settles on I/O alone, under any clock.
 */
class SnapshotFile implements Adapter<PersistedState> {
  constructor(private readonly file: string) {}

  async read(): Promise<PersistedState | null> {
    try {
      return JSON.parse(await fsp.readFile(this.file, 'utf8')) as PersistedState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async write(data: PersistedState): Promise<void> {
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.${++writes}.tmp`);
    // Before the first await: the parts besides the tasks (the archive's filter among them) are
    // still changing, the tasks' objects are not (contexts are replaced, histories copied on write).
    const chunks = jsonChunks(data);
    try {
      await fsp.writeFile(tmp, chunks, 'utf8');
      await fsp.rename(tmp, this.file);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }
}

const CHUNK_CHARS = 1 << 20;

/**
 * The snapshot's JSON in pieces of about 1 MiB, the tasks one at a time. One JSON.stringify of
 * 100,000 tasks was a 60 MiB string and then a 60 MiB buffer, and the process kept those pages
 * (about 50 MiB more RSS while it held them live).
 */
function jsonChunks(data: PersistedState): Generator<string> {
  const { tasks, ...rest } = data;
  const head = JSON.stringify(rest);
  return (function* () {
    let out = `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"tasks":{`;
    let first = true;
    for (const id in tasks) {
      out += `${first ? '' : ','}${JSON.stringify(id)}:${JSON.stringify(tasks[id])}`;
      first = false;
      if (out.length >= CHUNK_CHARS) {
        yield out;
        out = '';
      }
    }
    yield `${out}}}`;
  })();
}

/** A snapshot write cut short by a crash leaves its temp file; the lock holder clears them at open. */
export function removeStaleTemps(dir: string): void {
  for (const f of fs.readdirSync(dir)) if (/^\.state\.json\..+\.tmp$/.test(f)) fs.rmSync(path.join(dir, f), { force: true });
}

function database(file: string) {
  return new Low<PersistedState>(new SnapshotFile(file), emptyState());
}

/** Reads and validates the snapshot; a missing file is an empty state. */
export async function readSnapshot(dir: string): Promise<PersistedState> {
  const file = path.join(dir, SNAPSHOT_FILE);
  if (!fs.existsSync(file)) return emptyState();
  if (fs.statSync(file).size === 0) throw bad(file, 'is empty');
  const db = database(file);
  try {
    await db.read();
  } catch (err) {
    throw bad(file, `is not valid JSON (${(err as Error).message}); it may be truncated`);
  }
  const data: unknown = db.data;
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    throw bad(file, `has schemaVersion ${version}, newer than this Warden understands (${SCHEMA_VERSION}); run the newer version`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bad(file, `does not have the expected shape at ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`);
  }
  // The parsed JSON itself, checked, rather than zod's copy of it: the copy doubled the work and its
  // objects (built key by key) held the restored tasks in about a third more heap. Unknown keys the
  // copy would have stripped stay, unread: the restore picks the fields it knows.
  return data as PersistedState;
}

/** Writes the snapshot atomically, keeping the previous one as state.json.bak. */
export async function writeSnapshot(dir: string, state: PersistedState): Promise<void> {
  const file = path.join(dir, SNAPSHOT_FILE);
  if (fs.existsSync(file)) {
    // A hard link keeps the old snapshot's bytes under the .bak name at no copying cost.
    const tmp = `${file}.bak.tmp`;
    fs.rmSync(tmp, { force: true });
    fs.linkSync(file, tmp);
    fs.renameSync(tmp, `${file}.bak`);
  }
  const db = database(file);
  db.data = state;
  await db.write();
}
