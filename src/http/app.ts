// createApp(): the Hono control plane over a Warden. Routes only translate; the warden decides.
import { Hono } from 'hono';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import type { Warden } from '../api.ts';
import { createAuth } from './auth.ts';
import { mountDashboard } from './dashboard.ts';
import { createErrorHandler, notFound } from './errors.ts';
import { createLoopLag } from './loop-lag.ts';
import { createMetrics } from './metrics.ts';
import { mountOpenApi } from './openapi.ts';
import { agentRoutes } from './routes/agents.ts';
import { eventRoutes, metricsRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { providerRoutes } from './routes/providers.ts';
import { taskRoutes } from './routes/tasks.ts';
import { whoamiRoutes } from './routes/whoami.ts';
import { createEventHub } from './sse.ts';
import type { HttpOptions } from './types.ts';

export interface WardenApp {
  app: Hono;
  metrics: { registry: Registry };
  /** ends every SSE stream, stops the metrics and the event-loop monitor; safe to call twice */
  close(): void;
}

export function createApp(warden: Warden, opts: HttpOptions = {}): WardenApp {
  const logger = opts.logger ?? pino({ name: 'warden-http' });
  const auth = createAuth(opts.token, opts.tokens);
  const lag = createLoopLag();
  const metrics = createMetrics(warden, lag);
  const hub = createEventHub(warden, { replay: opts.replay, lastSeq: opts.lastSeq, logger });

  const app = new Hono();
  app.onError(createErrorHandler(logger));
  app.notFound(notFound);
  app.use('*', async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
  });
  app.use('*', auth);

  mountDashboard(app);
  mountOpenApi(app, opts.token !== undefined);
  app.route('/', healthRoutes(warden, { lag, dataDir: opts.dataDir }));
  app.route('/', metricsRoutes(metrics.registry));
  app.route('/', eventRoutes(hub));
  app.route('/api/agents', agentRoutes(warden));
  app.route('/api/tasks', taskRoutes(warden, opts.now ?? Date.now));
  app.route('/api/providers', providerRoutes(warden));
  app.route('/', whoamiRoutes());

  let closed = false;
  return {
    app,
    metrics: { registry: metrics.registry },
    close() {
      if (closed) return;
      closed = true;
      for (const step of [() => hub.close(), () => metrics.close(), () => lag.close()]) {
        try {
          step();
        } catch (err) {
          logger.error({ err }, 'control plane close step failed');
        }
      }
    },
  };
}
