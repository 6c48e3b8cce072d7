import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_HTML } from '../../src/http/dashboard.ts';
import { harness, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.dispose();
});

describe('GET /', () => {
  it('serves the dashboard without a token, locked down by CSP', async () => {
    const res = await h.app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toBe(DASHBOARD_HTML);
  });

  it('is self-contained and renders without innerHTML', () => {
    expect(DASHBOARD_HTML).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//i);
    expect(DASHBOARD_HTML).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect(DASHBOARD_HTML).toContain('sessionStorage');
    expect(DASHBOARD_HTML).toContain("'Bearer ' + token()");
    expect(DASHBOARD_HTML).toContain('/api/events');
    for (const path of ['/api/health/detailed', '/api/health/alerts', '/api/tasks', '/api/agents/', '/api/health/circuit-breakers/']) {
      expect(DASHBOARD_HTML).toContain(path);
    }
    // exactly one inline script, and nothing in it closes the tag early
    expect(DASHBOARD_HTML.match(/<script>/g)).toHaveLength(1);
    expect(DASHBOARD_HTML.match(/<\/script>/g)).toHaveLength(1);
  });

  it('its script parses', () => {
    const script = DASHBOARD_HTML.slice(DASHBOARD_HTML.indexOf('<script>') + 8, DASHBOARD_HTML.indexOf('</script>'));
    expect(() => new Function(script)).not.toThrow();
  });
});
