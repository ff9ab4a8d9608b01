// The live progress views: the pure frames (replica bars old → new, step, health, resources) and
// how they reach a terminal (redrawn in place with cursor movement) or a pipe (changed lines only).
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { HIDE_CURSOR, LiveView, SHOW_CURSOR } from '../../src/cli/live-view.js';
import {
  appFrame,
  deploymentProgress,
  replicaBar,
  rolloutFrame,
  workloadLines,
} from '../../src/cli/progress-frame.js';
import type { RolloutView } from '../../src/rollout/view.js';
import type { OperationState } from '../../src/sync/types.js';

const ESC = String.fromCharCode(27);

class Capture {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {}
  write(s: string): void {
    this.text += s;
  }
}

const canary: RolloutView = {
  name: 'web',
  namespace: 'prod',
  strategy: 'canary',
  status: 'Paused',
  message: 'CanaryPauseStep',
  paused: true,
  aborted: false,
  step: { index: 1, total: 4, description: 'pause' },
  setWeight: 40,
  actualWeight: 40,
  desired: 5,
  current: 5,
  ready: 5,
  available: 5,
  updated: 2,
  observed: true,
  revisions: [
    {
      revision: 2,
      replicaSet: 'web-5c4b',
      hash: '5c4b',
      images: ['web:v2'],
      roles: ['canary'],
      desired: 2,
      ready: 2,
      available: 2,
      status: 'Healthy',
      pods: [],
    },
    {
      revision: 1,
      replicaSet: 'web-7d9f',
      hash: '7d9f',
      images: ['web:v1'],
      roles: ['stable'],
      desired: 3,
      ready: 3,
      available: 3,
      status: 'Healthy',
      pods: [],
    },
  ],
};

describe('frames', () => {
  it('draws one square per replica, filled for ready ones, scaled beyond 20', () => {
    expect(replicaBar(2, 5)).toBe('■■□□□');
    expect(replicaBar(0, 0)).toBe('');
    expect(replicaBar(50, 100)).toBe(`${'■'.repeat(10)}${'□'.repeat(10)}`);
  });

  it('shows a rollout: status, step and weight, then revisions old → new with their bars', () => {
    const f = rolloutFrame(canary, new Date('2026-01-01T00:01:05Z'), new Date('2026-01-01T00:00:00Z'));
    expect(f.lines).toEqual([
      'Rollout prod/web  Paused (CanaryPauseStep)  65s',
      'Strategy Canary  step 1/4 pause  weight 40/40',
      'Replicas desired 5  updated 2  ready 5  available 5',
      '',
      '    web-7d9f (rev 1, v1)  ■■■ 3/3  stable',
      '  → web-5c4b (rev 2, v2)  ■■  2/2  canary',
    ]);
    expect(f.events).toEqual([
      ['rollout', 'Rollout prod/web  Paused (CanaryPauseStep), step 1/4 pause'],
      ['workload:Rollout/prod/web', 'Rollout prod/web: web-7d9f 3/3 → web-5c4b 2/2'],
    ]);
  });

  it('shows a Deployment mid-rollout from its ReplicaSets, scaled-down old ones left out', () => {
    const d: KObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'prod', uid: 'd1' },
    };
    const rs = (name: string, rev: number, desired: number, ready: number, owner = 'd1'): KObject => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: 'prod',
        annotations: { 'deployment.kubernetes.io/revision': String(rev) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner }],
      },
      spec: {
        replicas: desired,
        template: { spec: { containers: [{ name: 'c', image: `reg:5000/web:v${rev}` }] } },
      },
      status: { readyReplicas: ready },
    });
    const w = deploymentProgress(
      d,
      [rs('web-3', 3, 3, 1), rs('web-1', 1, 0, 0), rs('web-2', 2, 2, 2), rs('other', 9, 1, 1, 'x')],
      'Progressing',
    );
    expect(workloadLines(w)).toEqual([
      'Deployment prod/web  Progressing',
      '    web-2 (rev 2, v2)  ■■  2/2',
      '  → web-3 (rev 3, v3)  ■□□ 1/3',
    ]);
  });

  it('shows an Application sync: operation with elapsed time, resources, workloads', () => {
    const op = {
      operation: { sync: {} },
      phase: 'Running',
      message: 'one or more tasks are running',
      startedAt: '2026-01-01T00:00:00Z',
      syncResult: {
        revision: '53e28ff9a1b2c3d4e5f60718293a4b5c6d7e8f90',
        resources: [
          {
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace: 'prod',
            name: 'web',
            status: 'Synced',
            message: 'deployment.apps/web configured',
            syncPhase: 'Sync',
          },
        ],
      },
    } as OperationState;
    const app: KObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'web-prod' },
      status: {
        sync: { status: 'OutOfSync' },
        health: { status: 'Progressing' },
        resources: [
          {
            group: '',
            version: 'v1',
            kind: 'Service',
            namespace: 'prod',
            name: 'web',
            status: 'Synced',
            health: { status: 'Healthy' },
          },
          {
            group: 'apps',
            version: 'v1',
            kind: 'Deployment',
            namespace: 'prod',
            name: 'web',
            status: 'OutOfSync',
            health: { status: 'Progressing' },
          },
        ],
      },
    };
    const f = appFrame(app, op, [], new Date('2026-01-01T00:00:12Z'));
    expect(f.lines).toEqual([
      'Application web-prod  Running: one or more tasks are running  12s',
      'Sync OutOfSync to 53e28ff  Health Progressing',
      '',
      'KIND        NAMESPACE  NAME  RESULT  HEALTH       MESSAGE',
      'Service     prod       web   Synced  Healthy',
      'Deployment  prod       web   Synced  Progressing  deployment.apps/web configured',
    ]);
    expect(f.events.map(([k]) => k)).toEqual([
      'operation',
      'resource:Service/prod/web',
      'resource:Deployment/prod/web',
    ]);
  });
});

describe('LiveView', () => {
  const frame = (lines: string[]) => ({ lines, events: lines.map((l, i) => [`k${i}`, l] as const) });

  it('on a terminal: hides the cursor, moves up over the last frame, rewrites, clears, shows the cursor at the end', () => {
    const out = new Capture(true, 80);
    const live = new LiveView(out);
    live.show(frame(['a', 'bb']));
    live.show(frame(['a2']));
    live.finish();
    expect(out.text).toBe(
      `${HIDE_CURSOR}a${ESC}[K\nbb${ESC}[K\n${ESC}[J${ESC}[2A\ra2${ESC}[K\n${ESC}[J${SHOW_CURSOR}`,
    );
  });

  it('cuts lines to the terminal width so the redraw stays in place', () => {
    const out = new Capture(true, 5);
    const live = new LiveView(out);
    live.show(frame(['abcdefgh']));
    live.finish();
    expect(out.text).toBe(`${HIDE_CURSOR}abcd${ESC}[K\n${ESC}[J${SHOW_CURSOR}`);
  });

  it('elsewhere: timestamped lines, each only when it changed; no escape sequences', () => {
    const out = new Capture(false);
    const live = new LiveView(out, { now: () => new Date('2026-01-01T00:00:00Z') });
    live.show(frame(['Running', 'web 1/3']));
    live.show(frame(['Running', 'web 2/3']));
    live.show(frame(['Running', 'web 2/3']));
    live.finish();
    expect(out.text).toBe(
      '2026-01-01T00:00:00.000Z  Running\n2026-01-01T00:00:00.000Z  web 1/3\n2026-01-01T00:00:00.000Z  web 2/3\n',
    );
  });
});
