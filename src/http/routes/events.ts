// GET /api/events and GET /metrics: the two read-only feeds.
import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { EventHub } from '../sse.ts';

export function eventRoutes(hub: EventHub): Hono {
  const r = new Hono();
  r.get('/api/events', (c) => hub.handle(c));
  return r;
}

export function metricsRoutes(registry: Registry): Hono {
  const r = new Hono();
  r.get('/metrics', async (c) => c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }));
  return r;
}
