// Liveness, readiness and the operator's health views (detailed, circuit breakers, alerts).
import { statfs } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Hono } from 'hono';
import type { Warden } from '../../api.ts';
import { principalOf } from '../auth.ts';
import { readJson } from '../body.ts';
import type { LoopLag } from '../loop-lag.ts';
import { actionBody, alertsQuery, parseOr400, queryOf } from '../validate.ts';

export interface DiskInfo {
  path: string;
  freeBytes: number;
  totalBytes: number;
  /** what the data directory's files take */
  usedBytes?: number;
}

export function healthRoutes(warden: Warden, deps: { lag: LoopLag; dataDir?: string }): Hono {
  const r = new Hono();

  r.get('/health', (c) => c.json({ status: 'ok' }));

  // Not ready while the database is lost either (PostgreSQL store), though the process answers.
  r.get('/ready', (c) => (warden.health().ready ? c.json({ status: 'ready' }) : c.json({ status: warden.state === 'running' ? 'store_unavailable' : warden.state }, 503)));

  r.get('/api/health/detailed', async (c) => {
    const h = warden.health();
    return c.json({
      status: h.status,
      uptimeMs: h.uptimeMs,
      memory: process.memoryUsage(),
      eventLoopLagMs: deps.lag.read(),
      disk: await disk(deps.dataDir, h.storage?.usedBytes),
      agents: h.agents,
      breakers: h.breakers,
      supervisors: h.supervisors,
      providers: h.providers,
      usage: h.usage,
      tasks: { byStatus: h.tasks.byStatus, total: h.tasks.total, inFlight: h.tasks.inFlight },
    });
  });

  r.get('/api/health/circuit-breakers', (c) => c.json(warden.breakers()));

  r.post('/api/health/circuit-breakers/:agent/reset', async (c) => {
    const body = parseOr400(actionBody, await readJson(c), 'body');
    return c.json(warden.resetBreaker(c.req.param('agent'), { by: principalOf(c).name, reason: body.reason }));
  });

  r.get('/api/health/alerts', (c) => {
    const q = parseOr400(alertsQuery, queryOf(c), 'query');
    return c.json(warden.alerts({ limit: q.limit ?? 100 }));
  });

  return r;
}

async function disk(dataDir: string | undefined, usedBytes: number | undefined): Promise<DiskInfo | null> {
  if (dataDir === undefined) return null;
  try {
    const s = await statfs(dataDir);
    const info: DiskInfo = { path: resolve(dataDir), freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    if (usedBytes !== undefined) info.usedBytes = usedBytes;
    return info;
  } catch {
    return null;
  }
}
