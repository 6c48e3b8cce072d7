// docs/machines.md is drawn from the machines: it must match what `npm run docs` draws today.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { document, mermaid } from '../docs/diagrams.ts';
import { taskMachine } from '../machines/task.ts';

describe('machine diagrams', () => {
  it('are current (run `npm run docs` after changing a machine)', () => {
    expect(readFileSync(new URL('../docs/machines.md', import.meta.url), 'utf8')).toBe(document());
  });

  it('draw every task status and the edges the issue names', () => {
    const d = mermaid(taskMachine);
    for (const s of ['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'FAILED', 'RETRY_WAIT', 'ESCALATED', 'SUCCEEDED', 'CANCELLED']) {
      expect(d).toContain(`state "${s}" as ${s}`);
    }
    expect(d).toContain('FAILED --> RETRY_WAIT: always [decidedRetry]');
    expect(d).toContain('ESCALATED --> SUCCEEDED: RESOLVE');
    expect(d).toContain('note right of CANCELLED: CANCEL from any state');
  });
});
