import { describe, expect, it } from 'vitest';
import { parseRoute, type Route, routePath, tokenFromHash } from '../../ui/src/lib/route.js';

describe('routes', () => {
  it('parses every page and round-trips through routePath', () => {
    const routes: Route[] = [
      { page: 'apps' },
      { page: 'app', name: 'web-production' },
      { page: 'rollout', namespace: 'production', name: 'shop' },
      { page: 'nodes' },
      { page: 'pods' },
      { page: 'pods', namespace: 'staging' },
      { page: 'pod', namespace: 'production', name: 'web-7d9-abc' },
      { page: 'app', name: 'odd name/with slash' },
    ];
    for (const r of routes) {
      const url = new URL(routePath(r), 'https://x');
      expect(parseRoute(url.pathname, url.search)).toEqual(r);
    }
  });

  it('treats /ui, /ui/ and /ui/applications as the list; anything else is not found', () => {
    expect(parseRoute('/ui')).toEqual({ page: 'apps' });
    expect(parseRoute('/ui/')).toEqual({ page: 'apps' });
    expect(parseRoute('/ui/applications/')).toEqual({ page: 'apps' });
    expect(parseRoute('/ui/rollouts/only-ns')).toEqual({ page: 'notFound', path: '/ui/rollouts/only-ns' });
    expect(parseRoute('/uix')).toEqual({ page: 'notFound', path: '/uix' });
    expect(parseRoute('/ui/applications/%E0%A4%A')).toEqual({
      page: 'notFound',
      path: '/ui/applications/%E0%A4%A',
    });
  });
});

describe('tokenFromHash', () => {
  it('takes the token out of the fragment and keeps the rest', () => {
    expect(tokenFromHash('#token=abc.def')).toEqual({ token: 'abc.def', rest: '' });
    expect(tokenFromHash('#token=abc&tab=diff')).toEqual({ token: 'abc', rest: '#tab=diff' });
    expect(tokenFromHash('#tab=diff')).toEqual({ rest: '#tab=diff' });
    expect(tokenFromHash('')).toEqual({ rest: '' });
    expect(tokenFromHash('#token=')).toEqual({ rest: '#token=' });
  });
});
