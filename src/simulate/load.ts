// What `warden simulate` reads from disk: a config module (as `warden --config` loads it) and a
// scenario, by built-in name or as a JSON file. Every failure is a LoadError with a sentence for the user.
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { WardenConfig } from '../config.ts';
import { BUILTIN_SCENARIOS, builtinScenario } from './builtins.ts';
import { parseScenario, type Scenario } from './scenario.ts';
import type { Topology } from './topology.ts';
import { isRecord } from '../config/schemas.ts';

export class LoadError extends Error {
  override name = 'LoadError';
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The config a module exports: its default export or `config`, a config or a (maybe async) function making one. */
export async function loadConfigFile(file: string, ctx: { dataDir: string; logger: Logger }): Promise<WardenConfig> {
  let mod: Record<string, unknown>;
  try {
    mod = /\.json$/i.test(file)
      ? { default: JSON.parse(readFileSync(resolve(file), 'utf8')) as unknown }
      : ((await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?ts$/i.test(file)) {
      throw new LoadError(`cannot load config ${file}: Node cannot load TypeScript here; use a .js, .mjs or .json config, or run under a loader (node --import tsx)`);
    }
    throw new LoadError(`cannot load config ${file}: ${messageOf(err)}`);
  }
  let exported = mod.default ?? mod.config;
  if (exported === undefined) throw new LoadError(`invalid config: ${file} exports neither a default export nor one named "config"`);
  if (typeof exported === 'function') {
    try {
      exported = await (exported as (c: typeof ctx) => unknown)(ctx);
    } catch (err) {
      throw new LoadError(`invalid config: the config function of ${file} threw: ${messageOf(err)}`);
    }
  }
  if (!isRecord(exported) || !isRecord(exported.agents)) throw new LoadError(`invalid config: the export of ${file} must be an object with agents`);
  return exported as unknown as WardenConfig;
}

/** A built-in scenario (made for this config and run length) or a scenario file. */
export function loadScenario(nameOrFile: string, topology: Topology, durationMs: number | undefined): Scenario {
  const builtin = builtinScenario(nameOrFile, topology, durationMs);
  if (builtin) return builtin;
  if (!existsSync(nameOrFile)) {
    throw new LoadError(`unknown scenario "${nameOrFile}": not a built-in one (${BUILTIN_SCENARIOS.join(', ')}) and no file by that name`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(nameOrFile, 'utf8'));
  } catch (err) {
    throw new LoadError(`scenario file ${nameOrFile} is not valid JSON: ${messageOf(err)}`);
  }
  return parseScenario(json, basename(nameOrFile).replace(/\.json$/i, ''));
}
