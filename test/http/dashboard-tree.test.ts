// The dashboard's supervision tree marks children added while running and shows a supervisor's counts
// and a pool's limit: treeOf from the page's script, run on plain stand-ins for its DOM helpers.
import { describe, expect, it } from 'vitest';
import { DASHBOARD_VIEWS } from '../../src/http/dashboard-views.ts';

type Node = { tag?: string; text?: string; kids?: unknown[]; pill?: string };
const el = (tag: string, attrs: { text?: string } | null, kids?: unknown[]): Node => ({ tag, text: attrs?.text, kids });
const pill = (t: string): Node => ({ pill: t });
const treeOf = new Function('el', 'pill', `${DASHBOARD_VIEWS}; return treeOf;`)(el, pill) as (sups: unknown[], agents: unknown[]) => Node;

function texts(n: unknown, out: string[] = []): string[] {
  if (typeof n === 'string') out.push(n);
  else if (n && typeof n === 'object') {
    const x = n as Node;
    if (x.text) out.push(x.text);
    if (x.pill) out.push(`[${x.pill}]`);
    for (const k of x.kids ?? []) texts(k, out);
  }
  return out;
}

describe('dashboard tree', () => {
  it('marks dynamic children, shows active/specs and a pool max', () => {
    const pool = { name: 'tenant', strategy: 'simple_one_for_one', restarts: 0, status: 'RUNNING', pool: { max: 5 }, counts: { specs: 1, active: 0 }, dynamic: ['t:1'], children: ['t:1'] };
    const root = { name: 'root', strategy: 'one_for_one', restarts: 1, status: 'RUNNING', counts: { specs: 3, active: 2 }, dynamic: ['x'], children: ['base', 'x', pool] };
    const agents = [
      { name: 'base', lifecycle: 'RUNNING', circuit: 'CLOSED' },
      { name: 'x', lifecycle: 'RUNNING', circuit: 'CLOSED' },
      { name: 't:1', lifecycle: 'STOPPED', circuit: 'CLOSED' },
    ];
    const words = texts(treeOf([root], agents)).join(' ').replace(/\s+/g, ' ');
    expect(words).toContain('root one_for_one · 1 restarts · 2/3 active [RUNNING]');
    expect(words).toContain('base [RUNNING]');
    expect(words).toContain('x dynamic [RUNNING]');
    expect(words).toContain('tenant simple_one_for_one · 0 restarts · 0/1 active · pool max 5 [RUNNING]');
    expect(words).toContain('t:1 dynamic [STOPPED]');
  });
});
