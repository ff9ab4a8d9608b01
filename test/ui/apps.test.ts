import { describe, expect, it } from 'vitest';
import {
  appRow,
  EMPTY_FILTER,
  filterApps,
  optionsOf,
  shortRepo,
  shortSha,
  subject,
} from '../../ui/src/lib/apps.js';
import type { KObject } from '../../ui/src/lib/list-state.js';

function app(
  name: string,
  ns: string,
  sync: string,
  health: string,
  extra: Record<string, unknown> = {},
): KObject {
  return {
    metadata: { name, namespace: 'gantry' },
    spec: {
      source: {
        repoURL: 'file:///data/git/manifests.git',
        path: `manifests/${ns}/${name.split('-')[0]}`,
        targetRevision: 'main',
      },
      destination: { namespace: ns },
      syncPolicy: { automated: { prune: true } },
    },
    status: { sync: { status: sync, revision: 'abcdef1234567890' }, health: { status: health }, ...extra },
  };
}

describe('appRow', () => {
  it('reads the columns of the list', () => {
    const r = appRow(
      app('web-production', 'production', 'Synced', 'Healthy', {
        operationState: { phase: 'Succeeded', message: 'done', finishedAt: '2026-11-22T03:00:00Z' },
        history: [{ id: 1, revision: 'a', deployedAt: '2026-11-22T02:00:00Z' }],
        summary: { images: ['demo/web:v1'] },
      }),
    );
    expect(r).toMatchObject({
      name: 'web-production',
      sync: 'Synced',
      health: 'Healthy',
      revision: 'abcdef1234567890',
      lastSync: '2026-11-22T03:00:00Z',
      operationPhase: 'Succeeded',
      namespace: 'production',
      path: 'manifests/production/web',
      targetRevision: 'main',
      automated: true,
      images: ['demo/web:v1'],
    });
  });

  it('takes the last sync from history when it is newer, and defaults a bare app to Unknown', () => {
    const r = appRow(
      app('a', 'x', 'Synced', 'Healthy', {
        operationState: { phase: 'Succeeded', finishedAt: '2026-11-22T01:00:00Z' },
        history: [
          { id: 1, revision: 'a', deployedAt: '2026-11-22T02:00:00Z' },
          { id: 2, revision: 'b', deployedAt: '2026-11-22T04:00:00Z' },
        ],
      }),
    );
    expect(r.lastSync).toBe('2026-11-22T04:00:00Z');
    const bare = appRow({ metadata: { name: 'bare' } });
    expect(bare).toMatchObject({ sync: 'Unknown', health: 'Unknown', revision: '', automated: false });
    expect(bare.lastSync).toBeUndefined();
  });
});

describe('filterApps', () => {
  const rows = [
    app('web-production', 'production', 'Synced', 'Healthy'),
    app('web-staging', 'staging', 'OutOfSync', 'Healthy'),
    app('shop-production', 'production', 'Synced', 'Degraded'),
  ].map(appRow);

  it('filters by text (all words, any case), sync and health', () => {
    const names = (f: Partial<typeof EMPTY_FILTER>) =>
      filterApps(rows, { ...EMPTY_FILTER, ...f }).map((r) => r.name);
    expect(names({})).toHaveLength(3);
    expect(names({ text: 'WEB' })).toEqual(['web-production', 'web-staging']);
    expect(names({ text: 'web production' })).toEqual(['web-production']);
    expect(names({ text: 'manifests/staging' })).toEqual(['web-staging']);
    expect(names({ sync: 'Synced' })).toEqual(['web-production', 'shop-production']);
    expect(names({ health: 'Degraded' })).toEqual(['shop-production']);
    expect(names({ sync: 'OutOfSync', health: 'Degraded' })).toEqual([]);
  });

  it('offers the values present as options', () => {
    expect(optionsOf(rows, 'sync')).toEqual(['OutOfSync', 'Synced']);
    expect(optionsOf(rows, 'health')).toEqual(['Degraded', 'Healthy']);
  });
});

describe('text helpers', () => {
  it('shortens SHAs, messages and repositories', () => {
    expect(shortSha('abcdef1234567890')).toBe('abcdef1');
    expect(shortSha(undefined)).toBe('-');
    expect(subject('Bump web to v2\n\nlong body')).toBe('Bump web to v2');
    expect(subject(undefined)).toBe('');
    expect(shortRepo('https://github.com/acme/deploy.git')).toBe('acme/deploy');
    expect(shortRepo('file:///data/git/manifests.git')).toBe('git/manifests');
  });
});
