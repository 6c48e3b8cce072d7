// The demo's config with every breaker out of reach (a threshold no window fills): what the demo's
// policy would do without circuit breakers. For `warden simulate --compare`, as in the README:
//   npm start -- simulate --scenario provider-outage --compare examples/demo-without-breakers.ts
import type { Logger } from 'pino';
import type { WardenConfig } from '../src/index.ts';
import { demoConfig } from './demo.ts';

export default function config(ctx: { dataDir: string; logger: Logger }): WardenConfig {
  const demo = demoConfig(ctx);
  const agents = Object.fromEntries(Object.entries(demo.agents).map(([name, def]) => [name, { ...def, breaker: { failureThreshold: 1_000_000_000, windowMs: 1_000 } }]));
  return { ...demo, agents };
}
