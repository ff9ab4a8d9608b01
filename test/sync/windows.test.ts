import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import {
  evaluateSyncWindows,
  globMatch,
  parseDuration,
  type SyncWindow,
  syncWindowTarget,
  validateSyncWindow,
  windowMatches,
} from '../../src/sync/windows.js';

const web = {
  name: 'web',
  namespace: 'production',
  server: 'https://kubernetes.default.svc',
  cluster: 'in-cluster',
};
const at = (iso: string) => new Date(iso);

const nightlyFreeze: SyncWindow = {
  kind: 'deny',
  schedule: '0 22 * * *',
  duration: '8h',
  applications: ['*'],
};
const businessHours: SyncWindow = {
  kind: 'allow',
  schedule: '0 9 * * 1-5',
  duration: '8h',
  namespaces: ['production'],
};

describe('parseDuration', () => {
  it.each([
    ['1h', 3_600_000],
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '1d', '10', 'h', '-1h', '0s', '1h 30m'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
});

describe('globMatch', () => {
  it.each([
    ['*', 'anything', true],
    ['web-*', 'web-frontend', true],
    ['web-*', 'api', false],
    ['prod?', 'prod1', true],
    ['prod?', 'prod12', false],
    ['{staging,production}', 'production', true],
    ['{staging,production}', 'dev', false],
    ['team-[ab]', 'team-a', true],
    ['team-[ab]', 'team-c', false],
    ['team-[!ab]', 'team-c', true],
    ['a.b', 'axb', false],
    ['https://*.example.com', 'https://k8s.example.com', true],
    ['web', 'web', true],
    ['web', 'web2', false],
  ] as const)('%s ~ %s → %s', (pattern, text, want) => {
    expect(globMatch(pattern, text)).toBe(want);
  });
});

describe('windowMatches', () => {
  it('matches by application, namespace or cluster (any of them)', () => {
    expect(windowMatches({ ...nightlyFreeze, applications: ['api-*'] }, web)).toBe(false);
    expect(windowMatches({ ...nightlyFreeze, applications: ['api-*'], namespaces: ['prod*'] }, web)).toBe(
      true,
    );
    expect(windowMatches({ ...nightlyFreeze, applications: undefined, clusters: ['in-*'] }, web)).toBe(true);
    expect(
      windowMatches(
        { ...nightlyFreeze, applications: undefined, clusters: ['https://kubernetes.default.svc'] },
        web,
      ),
    ).toBe(true);
    expect(windowMatches({ ...nightlyFreeze, applications: undefined, clusters: ['remote'] }, web)).toBe(
      false,
    );
  });

  it('with andOperator every selector must match', () => {
    const w: SyncWindow = {
      ...nightlyFreeze,
      applications: ['web'],
      namespaces: ['staging'],
      andOperator: true,
    };
    expect(windowMatches(w, web)).toBe(false);
    expect(windowMatches({ ...w, namespaces: ['production'] }, web)).toBe(true);
  });

  it('a window without selectors applies to the application it is evaluated for', () => {
    expect(windowMatches({ kind: 'deny', schedule: '* * * * *', duration: '1h' }, web)).toBe(true);
  });

  it('reads the target from an Application object', () => {
    const app: KObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'web', namespace: 'gantry' },
      spec: { destination: { namespace: 'production', server: 'https://kubernetes.default.svc' } },
    };
    expect(syncWindowTarget(app)).toEqual({
      name: 'web',
      namespace: 'production',
      server: 'https://kubernetes.default.svc',
    });
    expect(evaluateSyncWindows([nightlyFreeze], app, at('2024-05-01T23:00:00Z')).allowed).toBe(false);
  });
});

describe('evaluateSyncWindows', () => {
  it('no windows: allowed', () => {
    expect(evaluateSyncWindows([], web, at('2024-05-01T12:00:00Z'))).toEqual({ allowed: true, active: [] });
    expect(evaluateSyncWindows(undefined, web, at('2024-05-01T12:00:00Z')).allowed).toBe(true);
  });

  it('a deny window is active from its tick for its duration, across midnight', () => {
    const before = evaluateSyncWindows([nightlyFreeze], web, at('2024-05-01T21:59:59Z'));
    expect(before).toEqual({ allowed: true, active: [] });

    const atTick = evaluateSyncWindows([nightlyFreeze], web, at('2024-05-01T22:00:00Z'));
    expect(atTick.allowed).toBe(false);
    expect(atTick.active).toEqual([nightlyFreeze]);

    const afterMidnight = evaluateSyncWindows([nightlyFreeze], web, at('2024-05-02T03:15:00Z'));
    expect(afterMidnight.allowed).toBe(false);
    expect(afterMidnight.blockedBy).toBe("deny window '0 22 * * *' for 8h (active until 06:00Z)");
    expect(afterMidnight.retryAt).toEqual(at('2024-05-02T06:00:00Z'));

    const lastMinute = evaluateSyncWindows([nightlyFreeze], web, at('2024-05-02T05:59:59.999Z'));
    expect(lastMinute.allowed).toBe(false);

    const closed = evaluateSyncWindows([nightlyFreeze], web, at('2024-05-02T06:00:00Z'));
    expect(closed).toEqual({ allowed: true, active: [] });
  });

  it('a deny window for another application does not block', () => {
    const w = { ...nightlyFreeze, applications: ['billing-*'] };
    expect(evaluateSyncWindows([w], web, at('2024-05-01T23:00:00Z'))).toEqual({ allowed: true, active: [] });
  });

  it('allow windows: blocked outside them, allowed inside', () => {
    // Wednesday 2024-05-01.
    const inside = evaluateSyncWindows([businessHours], web, at('2024-05-01T10:00:00Z'));
    expect(inside).toEqual({ allowed: true, active: [businessHours] });

    const evening = evaluateSyncWindows([businessHours], web, at('2024-05-01T17:30:00Z'));
    expect(evening.allowed).toBe(false);
    expect(evening.blockedBy).toBe("outside allow window '0 9 * * 1-5' for 8h (opens at 09:00Z)");
    expect(evening.retryAt).toEqual(at('2024-05-02T09:00:00Z'));

    // Saturday: the next opening is Monday, more than a day away, so the date is shown.
    const weekend = evaluateSyncWindows([businessHours], web, at('2024-05-04T12:00:00Z'));
    expect(weekend.allowed).toBe(false);
    expect(weekend.blockedBy).toBe("outside allow window '0 9 * * 1-5' for 8h (opens at 2024-05-06 09:00Z)");
  });

  it('allow windows that do not match the application do not restrict it', () => {
    const w = { ...businessHours, namespaces: ['staging'] };
    expect(evaluateSyncWindows([w], web, at('2024-05-01T20:00:00Z')).allowed).toBe(true);
  });

  it('deny wins over an open allow window', () => {
    const lunchFreeze: SyncWindow = {
      kind: 'deny',
      schedule: '0 12 * * *',
      duration: '1h',
      applications: ['web'],
    };
    const d = evaluateSyncWindows([businessHours, lunchFreeze], web, at('2024-05-01T12:30:00Z'));
    expect(d.allowed).toBe(false);
    expect(d.active).toEqual([businessHours, lunchFreeze]);
    expect(d.blockedBy).toBe("deny window '0 12 * * *' for 1h (active until 13:00Z)");
  });

  it('manualSync lets manual syncs through a deny window, not automated ones', () => {
    const w = { ...nightlyFreeze, manualSync: true };
    const now = at('2024-05-01T23:00:00Z');
    expect(evaluateSyncWindows([w], web, now, false).allowed).toBe(false);
    expect(evaluateSyncWindows([w], web, now, true).allowed).toBe(true);
    // Every open deny window must allow manual syncs.
    expect(evaluateSyncWindows([w, nightlyFreeze], web, now, true).allowed).toBe(false);
  });

  it('manualSync on an allow window lets manual syncs run outside it', () => {
    const w = { ...businessHours, manualSync: true };
    const now = at('2024-05-01T20:00:00Z');
    expect(evaluateSyncWindows([w], web, now, false).allowed).toBe(false);
    expect(evaluateSyncWindows([w], web, now, true).allowed).toBe(true);
    expect(evaluateSyncWindows([businessHours], web, now, true).allowed).toBe(false);
  });

  it('reads the schedule in the window time zone', () => {
    // 22:00 in New York (EDT, UTC-4) is 02:00Z the next day.
    const ny: SyncWindow = { ...nightlyFreeze, duration: '2h', timeZone: 'America/New_York' };
    expect(evaluateSyncWindows([ny], web, at('2024-05-01T23:00:00Z')).allowed).toBe(true);
    const d = evaluateSyncWindows([ny], web, at('2024-05-02T03:00:00Z'));
    expect(d.allowed).toBe(false);
    expect(d.blockedBy).toBe(
      "deny window '0 22 * * *' America/New_York for 2h (active until 00:00 America/New_York)",
    );
    expect(d.retryAt).toEqual(at('2024-05-02T04:00:00Z'));
    // In winter (EST, UTC-5) the same window opens an hour later in UTC.
    expect(evaluateSyncWindows([ny], web, at('2024-01-16T02:30:00Z')).allowed).toBe(true);
    expect(evaluateSyncWindows([ny], web, at('2024-01-16T03:30:00Z')).allowed).toBe(false);
  });

  it('a window longer than its interval stays open across ticks', () => {
    const w: SyncWindow = { kind: 'deny', schedule: '0 * * * *', duration: '90m' };
    const d = evaluateSyncWindows([w], web, at('2024-05-01T10:45:00Z'));
    expect(d.allowed).toBe(false);
    expect(d.retryAt).toEqual(at('2024-05-01T11:30:00Z'));
  });

  it('descriptors work', () => {
    const w: SyncWindow = { kind: 'deny', schedule: '@daily', duration: '1h' };
    expect(evaluateSyncWindows([w], web, at('2024-05-01T00:30:00Z')).allowed).toBe(false);
    expect(evaluateSyncWindows([w], web, at('2024-05-01T01:30:00Z')).allowed).toBe(true);
  });

  it('a window it cannot read blocks syncs and says why', () => {
    const bad: SyncWindow = { kind: 'deny', schedule: '0 25 * * *', duration: '1h' };
    const d = evaluateSyncWindows([bad], web, at('2024-05-01T12:00:00Z'));
    expect(d.allowed).toBe(false);
    expect(d.blockedBy).toMatch(/^invalid sync window: deny window '0 25 \* \* \*' for 1h: /);
    expect(d.errors).toHaveLength(1);
  });

  it('validates schedule, duration and zone', () => {
    expect(validateSyncWindow(nightlyFreeze)).toEqual([]);
    expect(validateSyncWindow({ ...nightlyFreeze, schedule: '0 22 * *' })[0]).toMatch(
      /has 4 fields; expected 5/,
    );
    expect(validateSyncWindow({ ...nightlyFreeze, schedule: '0 0 22 * * *' })[0]).toMatch(/has 6 fields/);
    expect(validateSyncWindow({ ...nightlyFreeze, duration: '1d' })[0]).toMatch(/invalid duration "1d"/);
    expect(validateSyncWindow({ ...nightlyFreeze, timeZone: 'Mars/Olympus' })[0]).toBe(
      'unknown time zone "Mars/Olympus"',
    );
    expect(validateSyncWindow({ ...nightlyFreeze, schedule: '@every 1h' })[0]).toMatch(
      /@every is not supported/,
    );
    expect(validateSyncWindow({ ...nightlyFreeze, schedule: '61 * * * *' })).toHaveLength(1);
  });
});
