// Options of the HTTP control plane, shared by app.ts, server.ts and the route modules.
import type { Logger } from 'pino';
import type { TransitionRecord } from '../types.ts';

export interface HttpOptions {
  /** When set, bearer auth guards everything except GET /health, /ready, /metrics and / (the dashboard). */
  token?: string;
  /** Where free disk is measured for the detailed health; omitted → `disk: null`. */
  dataDir?: string;
  /** Records after `seq`, oldest first, for an SSE `Last-Event-ID` resume; absent → live events only. */
  replay?: (afterSeq: number) => Promise<TransitionRecord[]> | TransitionRecord[];
  /** The warden's clock, for times in request bodies (a Retry-After date). @defaultValue Date.now */
  now?: () => number;
  /** Where 5xx causes are logged. @defaultValue pino() at level 'info' */
  logger?: Logger;
}
