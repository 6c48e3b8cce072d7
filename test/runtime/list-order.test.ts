// list({ order }): both directions page through exactly the live tasks, in creation order or its reverse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskContext } from '../../machines/task.ts';
import { createTaskTable, type ListQuery, type TaskTable } from '../../src/runtime/tasks.ts';

function add(table: TaskTable, id: string, agent: string): void {
  const context = { id, agent, status: 'PENDING' } as unknown as TaskContext;
  table.add({ id, createdAt: 0, updatedAt: 0, context, history: [] });
}

function walk(table: TaskTable, q: ListQuery): string[] {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = table.list({ ...q, cursor });
    ids.push(...page.items.map((e) => e.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
  throw new Error('paging did not end');
}

describe('list order', () => {
  it('asc and desc pages cover every live task once, in creation order and its reverse', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ agent: fc.constantFrom('a', 'b'), removed: fc.boolean() }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
        (specs, limit, agent) => {
          const table = createTaskTable();
          specs.forEach((s, i) => add(table, `t${i}`, s.agent));
          specs.forEach((s, i) => s.removed && table.remove(`t${i}`));
          const live = specs.flatMap((s, i) => (!s.removed && (!agent || s.agent === agent) ? [`t${i}`] : []));
          expect(walk(table, { limit, agent })).toEqual(live);
          expect(walk(table, { limit, agent, order: 'asc' })).toEqual(live);
          expect(walk(table, { limit, agent, order: 'desc' })).toEqual([...live].reverse());
        },
      ),
    );
  });

  it('newest first: the first desc page holds the latest tasks', () => {
    const table = createTaskTable();
    for (let i = 0; i < 10; i++) add(table, `t${i}`, 'a');
    expect(table.list({ order: 'desc', limit: 3 }).items.map((e) => e.id)).toEqual(['t9', 't8', 't7']);
  });

  it('an unknown order is refused naming the field', () => {
    const table = createTaskTable();
    expect(() => table.list({ order: 'sideways' as 'asc' })).toThrow(/order must be 'asc' or 'desc'/);
  });
});
