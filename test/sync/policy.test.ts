import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import type { DiffResult } from '../../src/diff/index.js';
import { decideSync } from '../../src/sync/auto-sync.js';
import { hookKind } from '../../src/sync/manifests.js';
import { nextStep, wavesOf } from '../../src/sync/operation.js';
import {
  appSyncOptions,
  automatedPolicy,
  mayRetry,
  parseDuration,
  resourceSyncOptions,
  retryDelayMs,
} from '../../src/sync/policy.js';
import { credentialsOf, matchRepoSecret } from '../../src/sync/repo-credentials.js';
import { appendHistory, setCondition, statusChanged, syncStatusOf } from '../../src/sync/status.js';
import type { OperationState } from '../../src/sync/types.js';

const cm = (name: string, annotations: Record<string, string> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, annotations },
});

describe('sync policy', () => {
  it('reads automated, syncOptions and per-resource options', () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'a' },
      spec: {
        syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true', 'Prune=false'] },
      },
    } as KObject;
    expect(automatedPolicy(app)).toEqual({ prune: true, selfHeal: false });
    expect(
      automatedPolicy({ ...app, spec: { syncPolicy: { automated: { enabled: false } } } }),
    ).toBeUndefined();
    expect(appSyncOptions(app, ['Prune=true'])).toEqual({ CreateNamespace: 'true', Prune: 'true' });
    expect(
      resourceSyncOptions(cm('x', { 'argocd.argoproj.io/sync-options': 'Prune=false, Validate=false' })),
    ).toEqual({
      Prune: 'false',
      Validate: 'false',
    });
  });

  it('computes retry backoff like Argo CD (5s × 2 up to 3m by default)', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('soon')).toBeNaN();
    expect(retryDelayMs(undefined, 1)).toBe(5000);
    expect(retryDelayMs({ backoff: { duration: '1s', factor: 3, maxDuration: '5s' } }, 2)).toBe(3000);
    expect(retryDelayMs({ backoff: { duration: '1s', factor: 3, maxDuration: '5s' } }, 3)).toBe(5000);
    expect(mayRetry({ limit: 2 }, 1)).toBe(true);
    expect(mayRetry({ limit: 2 }, 2)).toBe(false);
    expect(mayRetry({ limit: -1 }, 99)).toBe(true);
    expect(mayRetry(undefined, 0)).toBe(false);
  });
});

describe('operation steps', () => {
  it('orders waves and steps: PreSync → waves → Prune → PostSync → Finish', () => {
    const waves = wavesOf(
      [
        cm('a', { 'argocd.argoproj.io/sync-wave': '2' }),
        cm('b'),
        cm('c', { 'argocd.argoproj.io/sync-wave': '-1' }),
      ],
      [],
    );
    expect(waves).toEqual([-1, 0, 2]);
    expect(nextStep({ kind: 'PreSync' }, waves)).toEqual({ kind: 'Wave', wave: -1, applied: false });
    expect(nextStep({ kind: 'Wave', wave: 0, applied: true }, waves)).toEqual({
      kind: 'Wave',
      wave: 2,
      applied: false,
    });
    expect(nextStep({ kind: 'Wave', wave: 2, applied: true }, waves)).toEqual({ kind: 'Prune' });
    expect(nextStep({ kind: 'PreSync' }, [])).toEqual({ kind: 'Prune' });
    expect(nextStep({ kind: 'Prune' }, waves)).toEqual({ kind: 'PostSync' });
    expect(nextStep({ kind: 'PostSync' }, waves)).toEqual({ kind: 'Finish' });
  });

  it('tells hooks from resources', () => {
    expect(hookKind(cm('a'))).toBe('resource');
    expect(hookKind(cm('a', { 'argocd.argoproj.io/hook': 'PreSync' }))).toBe('hook');
    expect(hookKind(cm('a', { 'argocd.argoproj.io/hook': 'Skip' }))).toBe('skip');
  });
});

describe('status helpers', () => {
  it('keeps a condition transition time while its message stays the same', () => {
    const t1 = new Date('2024-01-01T00:00:00Z');
    const t2 = new Date('2024-01-01T00:01:00Z');
    const c1 = setCondition(undefined, 'ComparisonError', 'x', t1);
    expect(setCondition(c1, 'ComparisonError', 'x', t2)[0]?.lastTransitionTime).toBe('2024-01-01T00:00:00Z');
    expect(setCondition(c1, 'ComparisonError', 'y', t2)[0]?.lastTransitionTime).toBe('2024-01-01T00:01:00Z');
    expect(setCondition(c1, 'ComparisonError', undefined, t2)).toEqual([]);
  });

  it('keeps the last 10 history entries with increasing ids', () => {
    const op = (rev: string): OperationState => ({
      operation: { sync: { revision: rev } },
      phase: 'Succeeded',
      message: '',
      startedAt: '2024-01-01T00:00:00Z',
      finishedAt: '2024-01-01T00:00:01Z',
      syncResult: { revision: rev, resources: [] },
    });
    let h = appendHistory(undefined, op('r0'), { repoURL: 'u' });
    for (let i = 1; i < 12; i++) {
      h = appendHistory(h, op(`r${i}`), { repoURL: 'u' });
    }
    expect(h).toHaveLength(10);
    expect(h[0]?.id).toBe(2);
    expect(h.at(-1)).toMatchObject({ id: 11, revision: 'r11' });
  });

  it('an Extra resource makes the app OutOfSync; status changes ignore reconciledAt', () => {
    const d = (status: DiffResult['status']): DiffResult => ({
      key: { group: '', kind: 'ConfigMap', namespace: 'n', name: 'a' },
      keyString: '/ConfigMap/n/a',
      status,
      patch: [],
      diff: '',
    });
    expect(syncStatusOf([d('Synced')])).toBe('Synced');
    expect(syncStatusOf([d('Synced'), d('Extra')])).toBe('OutOfSync');
    expect(
      statusChanged(
        { reconciledAt: 'a', sync: { status: 'Synced' } },
        { reconciledAt: 'b', sync: { status: 'Synced' } },
      ),
    ).toBe(false);
    expect(statusChanged({ sync: { status: 'Synced' } }, { sync: { status: 'OutOfSync' } })).toBe(true);
  });
});

describe('repository secrets', () => {
  const secret = (name: string, type: string, url: string, password: string): KObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, labels: { 'argocd.argoproj.io/secret-type': type } },
    data: {
      url: Buffer.from(url).toString('base64'),
      username: Buffer.from('bot').toString('base64'),
      password: Buffer.from(password).toString('base64'),
    },
  });
  it('matches a repository Secret by URL, else the longest repo-creds prefix', () => {
    const secrets = [
      secret('org', 'repo-creds', 'https://git.example.com/org', 'p1'),
      secret('exact', 'repository', 'https://git.example.com/org/app.git', 'p2'),
    ];
    expect(matchRepoSecret(secrets, 'https://git.example.com/org/app')?.metadata.name).toBe('exact');
    expect(matchRepoSecret(secrets, 'https://git.example.com/org/other.git')?.metadata.name).toBe('org');
    expect(matchRepoSecret(secrets, 'https://elsewhere.example.com/x')).toBeUndefined();
    expect(credentialsOf(secrets[1]!)).toEqual({ username: 'bot', password: 'p2' });
  });
});

describe('decideSync', () => {
  const app = (automated?: object, operation?: object): KObject => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'a', namespace: 'gantry' },
    spec: { source: { repoURL: 'u', targetRevision: 'main' }, syncPolicy: automated ? { automated } : {} },
    ...(operation ? { operation } : {}),
  });
  const done = (phase: OperationState['phase'], finishedAt = '2024-01-01T00:00:00Z'): OperationState => ({
    operation: { sync: { revision: 'abc' }, initiatedBy: { automated: true } },
    phase,
    message: '',
    startedAt: '2024-01-01T00:00:00Z',
    finishedAt,
    syncResult: { revision: 'abc', resources: [] },
  });
  const now = new Date('2024-01-01T00:00:10Z');
  const base = { sha: 'abc', desiredCount: 1, now };

  it('does nothing for a Synced app, or for a manual app that is OutOfSync', () => {
    expect(
      decideSync({ ...base, app: app({ prune: true }), previous: done('Succeeded'), syncStatus: 'Synced' }),
    ).toEqual({ kind: 'none' });
    expect(decideSync({ ...base, app: app(), previous: undefined, syncStatus: 'OutOfSync' })).toEqual({
      kind: 'none',
    });
  });

  it('syncs a new revision automatically, once; drift of a synced revision only with selfHeal', () => {
    const fresh = decideSync({
      ...base,
      sha: 'def',
      app: app({ prune: true }),
      previous: done('Succeeded'),
      syncStatus: 'OutOfSync',
    });
    expect(fresh).toMatchObject({
      kind: 'start',
      manual: false,
      selfHeal: false,
      operation: { sync: { revision: 'def', prune: true } },
    });
    expect(
      decideSync({ ...base, app: app({}), previous: done('Failed'), syncStatus: 'OutOfSync' }).kind,
    ).toBe('none');
    expect(
      decideSync({ ...base, app: app({}), previous: done('Succeeded'), syncStatus: 'OutOfSync' }).kind,
    ).toBe('none');
    const heal = decideSync({
      ...base,
      app: app({ selfHeal: true }),
      previous: done('Succeeded'),
      syncStatus: 'OutOfSync',
    });
    expect(heal).toMatchObject({ kind: 'start', selfHeal: true });
    const again = decideSync({
      ...base,
      app: app({ selfHeal: true }),
      previous: done('Succeeded'),
      syncStatus: 'OutOfSync',
      selfHeal: { attempts: 2, lastFinishedMs: now.getTime() - 1000 },
    });
    expect(again).toEqual({ kind: 'wait', ms: 5000 });
  });

  it('a requested operation always starts, as a manual sync; pruning everything is refused', () => {
    const d = decideSync({
      ...base,
      app: app(undefined, { sync: { revision: 'v2' }, initiatedBy: { username: 'bob' } }),
      previous: done('Succeeded'),
      syncStatus: 'Synced',
    });
    expect(d).toMatchObject({ kind: 'start', manual: true, otherRevision: 'v2' });
    const empty = decideSync({
      ...base,
      sha: 'new',
      desiredCount: 0,
      app: app({ prune: true }),
      previous: undefined,
      syncStatus: 'OutOfSync',
    });
    expect(empty.kind).toBe('none');
  });
});
