// Options of the HTTP control plane, shared by app.ts, server.ts and the route modules.
import type { Logger } from 'pino';
import type { TransitionRecord } from '../types.ts';
import type { NamedToken } from './roles.ts';

export interface HttpOptions {
  /** When set, bearer auth guards everything except GET /health, /ready, /metrics and / (the dashboard). */
  token?: string;
  /** Named tokens with roles (viewer: reads and events; operator: task actions, breaker reset; admin: all). */
  tokens?: readonly NamedToken[];
  /** The seq of the last record published, so a Last-Event-ID ahead of it is told so. */
  lastSeq?: () => number;
  /** Where free disk is measured for the detailed health; omitted → `disk: null`. */
  dataDir?: string;
  /** Records after `seq`, oldest first, for an SSE `Last-Event-ID` resume; absent → live events only. */
  replay?: (afterSeq: number) => Promise<TransitionRecord[]> | TransitionRecord[];
  /** The warden's clock, for times in request bodies (a Retry-After date). @defaultValue Date.now */
  now?: () => number;
  /** Where 5xx causes are logged. @defaultValue pino() at level 'info' */
  logger?: Logger;
}
