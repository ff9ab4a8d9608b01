import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KObject, Pod } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { JobController } from '../../../src/cluster/controllers/job.js';
import {
  COMPLETION_INDEX,
  formatIndexes,
  type JobAction,
  parseIndexes,
  planJob,
} from '../../../src/cluster/controllers/job-plan.js';
import { MemoryEventRecorder } from '../../../src/cluster/events.js';
import { type FakeNode, startFakeNode } from '../../fake-node.js';
import { bindAllTo, type Harness, newHarness, waitFor } from './core-harness.js';

const T0 = new Date('2024-05-01T10:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const iso = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

function job(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid', generation: 1 },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      template: {
        metadata: { labels: { app: 'pi' } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'perl' }] },
      },
      ...spec,
    },
    status,
  };
}

let n = 0;
function pod(
  phase: Pod['status'] extends infer S ? (S extends { phase?: infer P } ? P : never) : never,
  extra: Partial<Pod['metadata']> = {},
  ready = phase === 'Running',
): Pod {
  n++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `pi-${n}`,
      namespace: 'default',
      uid: `p${n}`,
      creationTimestamp: iso(at(n)),
      ...extra,
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'c' }] },
    status: {
      phase,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: iso(T0) }],
      ...(phase === 'Failed'
        ? { containerStatuses: [{ name: 'c', state: { terminated: { finishedAt: iso(T0) } } }] }
        : {}),
    },
  };
}

const kinds = (as: readonly JobAction[]) => as.map((a) => a.kind);
const creates = (as: readonly JobAction[]) =>
  as.filter((a) => a.kind === 'createPod').map((a) => (a as { pod: Pod }).pod);
const statusOf = (as: readonly JobAction[]) =>
  (as.find((a) => a.kind === 'updateStatus') as { status: any } | undefined)?.status;

describe('planJob', () => {
  it('creates up to parallelism pods with the Job labels and controller reference', () => {
    const plan = planJob(job({ parallelism: 2, completions: 3 }), [], T0);
    const pods = creates(plan.actions);
    expect(pods).toHaveLength(2);
    expect(pods[0]!.metadata.generateName).toBe('pi-');
    expect(pods[0]!.metadata.labels).toEqual({
      app: 'pi',
      'batch.kubernetes.io/controller-uid': 'job-uid',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': 'job-uid',
      'job-name': 'pi',
    });
    expect(pods[0]!.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        name: 'pi',
        uid: 'job-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(statusOf(plan.actions)).toMatchObject({ active: 2, succeeded: 0, failed: 0, startTime: iso(T0) });
  });

  it('creates only what completions still need', () => {
    const plan = planJob(
      job({ parallelism: 2, completions: 3 }, { startTime: iso(T0) }),
      [pod('Succeeded'), pod('Succeeded'), pod('Running')],
      at(5),
    );
    expect(creates(plan.actions)).toHaveLength(0);
    expect(statusOf(plan.actions)).toMatchObject({ active: 1, ready: 1, succeeded: 2 });
  });

  it('completes when enough pods succeeded, keeps the pods, and then does nothing', () => {
    const pods = [pod('Succeeded'), pod('Succeeded'), pod('Succeeded')];
    const plan = planJob(
      job({ parallelism: 2, completions: 3 }, { startTime: iso(T0), succeeded: 2, active: 1 }),
      pods,
      at(9),
    );
    expect(kinds(plan.actions)).toEqual(['event', 'updateStatus']);
    const st = statusOf(plan.actions);
    expect(st.completionTime).toBe(iso(at(9)));
    expect(st.conditions).toEqual([
      expect.objectContaining({ type: 'Complete', status: 'True', reason: 'CompletionsReached' }),
    ]);
    // converged: the finished Job with its pods plans nothing
    const done = job({ parallelism: 2, completions: 3 }, st);
    expect(planJob(done, pods, at(60)).actions).toEqual([]);
  });

  it('fails with BackoffLimitExceeded once failures pass backoffLimit, deleting active pods', () => {
    const running = pod('Running');
    const plan = planJob(
      job({ backoffLimit: 1, parallelism: 2, completions: 5 }, { startTime: iso(T0) }),
      [pod('Failed'), pod('Failed'), running],
      at(100),
    );
    expect(plan.actions).toContainEqual({ kind: 'deletePod', pod: running });
    const st = statusOf(plan.actions);
    expect(st.failed).toBe(2);
    expect(st.conditions).toContainEqual(
      expect.objectContaining({ type: 'Failed', reason: 'BackoffLimitExceeded' }),
    );
    expect(creates(plan.actions)).toEqual([]);
  });

  it('waits an exponential delay before replacing a failed pod', () => {
    const failed = [pod('Failed')];
    const early = planJob(job({}, { startTime: iso(T0) }), failed, at(3), { backoffBaseMs: 10_000 });
    expect(creates(early.actions)).toEqual([]);
    expect(early.requeueAfterMs).toBe(7000);
    const later = planJob(job({}, { startTime: iso(T0) }), failed, at(11), { backoffBaseMs: 10_000 });
    expect(creates(later.actions)).toHaveLength(1);
  });

  it('fails with DeadlineExceeded after activeDeadlineSeconds, and asks to be woken at the deadline before', () => {
    const j = job({ activeDeadlineSeconds: 30 }, { startTime: iso(T0), active: 1 });
    const p = pod('Running');
    expect(planJob(j, [p], at(10)).requeueAfterMs).toBe(20_000);
    const plan = planJob(j, [p], at(30));
    expect(plan.actions).toContainEqual({ kind: 'deletePod', pod: p });
    expect(statusOf(plan.actions).conditions).toContainEqual(
      expect.objectContaining({ type: 'Failed', reason: 'DeadlineExceeded' }),
    );
  });

  it('suspends: deletes active pods, Suspended condition, no startTime', () => {
    const p = pod('Running');
    const plan = planJob(job({ suspend: true }, { startTime: iso(T0), active: 1 }), [p], at(5));
    expect(plan.actions).toContainEqual({ kind: 'deletePod', pod: p });
    const st = statusOf(plan.actions);
    expect(st.startTime).toBeUndefined();
    expect(st.conditions).toContainEqual(
      expect.objectContaining({ type: 'Suspended', status: 'True', reason: 'JobSuspended' }),
    );
  });

  it('work-queue mode (no completions): no new pods after a success, complete when none is active', () => {
    const j = job({ completions: undefined, parallelism: 3 }, { startTime: iso(T0) });
    const running = pod('Running');
    const mid = planJob(j, [pod('Succeeded'), running], at(5));
    expect(creates(mid.actions)).toEqual([]);
    expect(statusOf(mid.actions)?.conditions).toBeUndefined();
    const end = planJob(j, [pod('Succeeded'), pod('Succeeded')], at(6));
    expect(statusOf(end.actions).conditions).toContainEqual(expect.objectContaining({ type: 'Complete' }));
  });

  it('Indexed: one pod per pending index with its index, completedIndexes in status', () => {
    const j = job({ completionMode: 'Indexed', completions: 4, parallelism: 2 }, { startTime: iso(T0) });
    const first = creates(planJob(j, [], T0).actions);
    expect(first.map((p) => p.metadata.annotations?.[COMPLETION_INDEX])).toEqual(['0', '1']);
    expect(first[1]!.spec.hostname).toBe('pi-1');
    expect(first[1]!.spec.containers[0]!.env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', value: '1' });
    const done0 = pod('Succeeded', { annotations: { [COMPLETION_INDEX]: '0' } });
    const run1 = pod('Running', { annotations: { [COMPLETION_INDEX]: '1' } });
    const plan = planJob(j, [done0, run1], at(5));
    expect(creates(plan.actions).map((p) => p.metadata.annotations?.[COMPLETION_INDEX])).toEqual(['2']);
    expect(statusOf(plan.actions)).toMatchObject({ completedIndexes: '0', succeeded: 1, active: 2 });
  });

  it('formats and parses completed index ranges', () => {
    expect(formatIndexes(new Set([0, 1, 2, 5, 7, 8]))).toBe('0-2,5,7-8');
    expect([...parseIndexes('0-2,5,7-8')]).toEqual([0, 1, 2, 5, 7, 8]);
  });

  it('deletes the Job once ttlSecondsAfterFinished has passed', () => {
    const j = job(
      { ttlSecondsAfterFinished: 10 },
      { completionTime: iso(T0), conditions: [{ type: 'Complete', status: 'True' }] },
    );
    expect(planJob(j, [], at(5)).requeueAfterMs).toBe(5000);
    expect(planJob(j, [], at(10)).actions).toEqual([{ kind: 'deleteJob' }]);
  });

  it('never runs more than parallelism pods, nor more than the completions left (property)', () => {
    const phase = fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed') as fc.Arbitrary<
      'Pending' | 'Running' | 'Succeeded' | 'Failed'
    >;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(phase, { maxLength: 10 }),
        (par, comp, phases) => {
          const pods = phases.map((p) => pod(p));
          const plan = planJob(
            job({ parallelism: par, completions: comp, backoffLimit: 100 }, { startTime: iso(T0) }),
            pods,
            at(1000),
          );
          const st = statusOf(plan.actions) ?? {};
          const succeeded = phases.filter((p) => p === 'Succeeded').length;
          const active = st.active ?? phases.filter((p) => p === 'Pending' || p === 'Running').length;
          expect(active).toBeLessThanOrEqual(par);
          expect(active).toBeLessThanOrEqual(Math.max(0, comp - succeeded));
          if (succeeded >= comp) {
            expect(creates(plan.actions)).toEqual([]);
          }
        },
      ),
    );
  });
});

describe('JobController (registry + informers + fake node)', () => {
  let h: Harness;
  let node: FakeNode;
  let binder: { stop(): void };
  beforeEach(async () => {
    h = await newHarness();
    node = await startFakeNode(h.client, { name: 'node-1', completionDelayMs: 20 });
    binder = await bindAllTo(h.client, 'node-1');
  });
  afterEach(async () => {
    binder.stop();
    await node.stop();
    await h.stop();
  });

  const createJob = (name: string, command: string[], spec: Record<string, unknown>) =>
    h.client.create(R.jobs, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'default' },
      spec: {
        ...spec,
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command }] },
        },
      },
    });

  it('runs a Job of 3 completions to Complete and keeps its pods', async () => {
    const recorder = new MemoryEventRecorder();
    const c = new JobController({ client: h.client, informers: h.informers, recorder, backoffBaseMs: 10 });
    await h.informers.start();
    h.run(c.start());
    await createJob('three', ['true'], { completions: 3, parallelism: 2 });
    const done = await waitFor('job complete', async () => {
      const j = await h.client.get(R.jobs, 'default', 'three');
      return (j.status?.conditions ?? []).some((x: any) => x.type === 'Complete' && x.status === 'True')
        ? j
        : undefined;
    });
    expect(done.status).toMatchObject({ succeeded: 3, active: 0, failed: 0 });
    expect(done.status.completionTime).toBeDefined();
    const pods = (await h.client.list(R.pods, { namespace: 'default', labelSelector: 'job-name=three' }))
      .items;
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.status?.phase === 'Succeeded')).toBe(true);
    expect(recorder.events.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(3);
  });

  it('fails a Job whose pods keep failing once backoffLimit is passed', async () => {
    const c = new JobController({ client: h.client, informers: h.informers, backoffBaseMs: 10 });
    await h.informers.start();
    h.run(c.start());
    await createJob('bad', ['false'], { completions: 1, backoffLimit: 2 });
    const failed = await waitFor('job failed', async () => {
      const j = await h.client.get(R.jobs, 'default', 'bad');
      return (j.status?.conditions ?? []).some((x: any) => x.type === 'Failed' && x.status === 'True')
        ? j
        : undefined;
    });
    expect(failed.status.conditions).toContainEqual(
      expect.objectContaining({ reason: 'BackoffLimitExceeded' }),
    );
    expect(failed.status.failed).toBe(3);
    const pods = (await h.client.list(R.pods, { namespace: 'default', labelSelector: 'job-name=bad' })).items;
    expect(pods.map((p) => p.status?.phase)).toEqual(['Failed', 'Failed', 'Failed']);
  });
});
