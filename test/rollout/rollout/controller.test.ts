// The Rollout controller in an in-process cluster (registry + core controllers + scheduler + fake
// nodes): blue/green with preview, promotion in one Service update, delayed scale-down, abort and
// retry; canary steps with pauses, promote, timed pause; restart; undo.
import { afterEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { metricsText } from '../../../src/observe/metrics.js';
import { ROLLOUT_HASH_LABEL, SCALE_DOWN_DEADLINE } from '../../../src/rollout/rollout/context.js';
import {
  abortRolloutPatch,
  promoteRolloutPatch,
  type RolloutPatches,
  restartRolloutPatch,
  retryRolloutPatch,
  undoRolloutPatch,
} from '../../../src/rollout/rollout/controls.js';
import { samples, total } from '../../observe/prom.js';
import { activePods, type RolloutCluster, replicaSetsOf, startCluster, until } from '../harness.js';

let cluster: RolloutCluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
});

function rolloutBody(strategy: Record<string, unknown>, replicas = 3): KObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'app:v1' }] },
      },
      strategy,
    },
  };
}

function serviceBody(name: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  };
}

async function control(c: RolloutCluster, p: RolloutPatches): Promise<void> {
  if (p.main) {
    await c.client.patch(R.rollouts, 'default', 'web', 'merge', p.main);
  }
  if (p.status) {
    await c.client.patch(R.rollouts, 'default', 'web', 'merge', p.status, { subresource: 'status' });
  }
}

async function setImage(c: RolloutCluster, image: string): Promise<void> {
  await c.client.patch(R.rollouts, 'default', 'web', 'merge', {
    spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
  });
}

async function status(
  c: RolloutCluster,
  pred: (s: Record<string, any>, ro: KObject) => boolean,
  what: string,
) {
  return until(what, async () => {
    const ro = await c.client.get(R.rollouts, 'default', 'web');
    return ro.status && ro.status.observedGeneration === String(ro.metadata.generation) && pred(ro.status, ro)
      ? ro
      : undefined;
  });
}

async function selector(c: RolloutCluster, svc: string): Promise<string | undefined> {
  return (await c.client.get(R.services, 'default', svc)).spec?.selector?.[ROLLOUT_HASH_LABEL];
}

async function rsByHash(c: RolloutCluster, hash: string): Promise<KObject | undefined> {
  return (await replicaSetsOf(c.client, 'web')).find(
    (rs) => rs.metadata.labels?.[ROLLOUT_HASH_LABEL] === hash,
  );
}

describe('RolloutController: blue/green', () => {
  it('previews v2, promotes with one active Service update, scales v1 down after the delay; abort keeps v1', async () => {
    cluster = await startCluster();
    const c = cluster;
    await c.node('node-a');
    await c.client.create(R.services, serviceBody('web-active'));
    await c.client.create(R.services, serviceBody('web-preview'));
    await c.rollouts();
    await c.client.create(
      R.rollouts,
      rolloutBody({
        blueGreen: {
          activeService: 'web-active',
          previewService: 'web-preview',
          autoPromotionEnabled: false,
          scaleDownDelaySeconds: 1,
          abortScaleDownDelaySeconds: 1,
        },
      }),
    );
    const first = await status(c, (s) => s.phase === 'Healthy', 'v1 healthy');
    const v1 = first.status.currentPodHash as string;
    expect(await selector(c, 'web-active')).toBe(v1);
    expect(first.status).toMatchObject({
      stableRS: v1,
      blueGreen: { activeSelector: v1, previewSelector: v1 },
    });

    // count every change of the active Service from here on
    const activeChanges: string[] = [];
    const watch = await c.client.watch(
      R.services,
      {
        namespace: 'default',
        resourceVersion: (await c.client.get(R.services, 'default', 'web-active')).metadata.resourceVersion,
      },
      (e) => {
        if (e.object.metadata.name === 'web-active' && e.type === 'MODIFIED') {
          activeChanges.push(e.object.spec.selector[ROLLOUT_HASH_LABEL]);
        }
      },
    );

    await setImage(c, 'app:v2');
    const paused = await status(c, (s) => s.phase === 'Paused', 'paused before promotion');
    const v2 = paused.status.currentPodHash as string;
    expect(paused.status).toMatchObject({
      message: 'BlueGreenPause',
      pauseConditions: [{ reason: 'BlueGreenPause' }],
      blueGreen: { activeSelector: v1, previewSelector: v2 },
    });
    expect(await selector(c, 'web-preview')).toBe(v2);
    expect(await selector(c, 'web-active')).toBe(v1);
    expect((await activePods(c.client, `${ROLLOUT_HASH_LABEL}=${v2}`)).length).toBe(3);

    await control(c, promoteRolloutPatch(paused, false));
    await until('active switched', async () => (await selector(c, 'web-active')) === v2);
    const old = await until('v1 scale-down deadline', async () => {
      const rs = await rsByHash(c, v1);
      return rs?.metadata.annotations?.[SCALE_DOWN_DEADLINE] ? rs : undefined;
    });
    expect(old.spec.replicas).toBe(3); // still up during the delay
    await until(
      'v1 scaled down after the delay',
      async () => (await rsByHash(c, v1))?.spec.replicas === 0,
      4_000,
    );
    const done = await status(c, (s) => s.phase === 'Healthy' && s.stableRS === v2, 'v2 healthy');
    expect(done.status.blueGreen).toEqual({ activeSelector: v2, previewSelector: v2 });
    expect(activeChanges).toEqual([v2]); // exactly one update of the active Service

    // abort an update before promotion: active stays on v2, the new pods go away
    await setImage(c, 'app:v3');
    const p3 = await status(c, (s) => s.phase === 'Paused', 'v3 paused');
    const v3 = p3.status.currentPodHash as string;
    await control(c, abortRolloutPatch());
    const aborted = await status(c, (s) => s.phase === 'Degraded', 'aborted');
    expect(aborted.status.message).toBe('RolloutAborted: Rollout aborted update to revision 3');
    expect(await selector(c, 'web-active')).toBe(v2);
    expect(await selector(c, 'web-preview')).toBe(v2);
    await until('v3 scaled to 0', async () => (await rsByHash(c, v3))?.spec.replicas === 0, 4_000);
    await until(
      'no v3 pods',
      async () => (await activePods(c.client, `${ROLLOUT_HASH_LABEL}=${v3}`)).length === 0,
    );
    // retry: the update runs again up to its pause
    await control(c, retryRolloutPatch());
    await status(
      c,
      (s) => s.phase === 'Paused' && s.blueGreen.previewSelector === v3,
      'paused again after retry',
    );
    expect(await selector(c, 'web-active')).toBe(v2);
    watch.stop();
    expect(activeChanges).toEqual([v2]);

    // what users see in `kubectl describe rollout web` (Argo Rollouts' reasons)
    const reasons = c.recorder.events.map((e) => `${e.reason}: ${e.message}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'RolloutUpdated: Rollout updated to revision 2',
        'RolloutPaused: Rollout is paused (BlueGreenPause)',
        'RolloutResumed: Rollout is resumed',
        `SwitchService: Switched selector for service 'web-active' from '${v1}' to '${v2}'`,
        'RolloutCompleted: Rollout completed update to revision 2: Completed blue-green update',
        'RolloutAborted: Rollout aborted update to revision 3',
      ]),
    );
    expect(c.recorder.events.find((e) => e.reason === 'RolloutAborted')?.type).toBe('Warning');
    expect(reasons.some((r) => r.startsWith('ScalingReplicaSet: Scaled down replica set'))).toBe(true);
  });
});

describe('RolloutController: canary', () => {
  it('setWeight 25 → pause {} → setWeight 50 → pause 1s → done; promote lifts the pause', async () => {
    cluster = await startCluster();
    const c = cluster;
    await c.node('node-a');
    await c.rollouts();
    await c.client.create(
      R.rollouts,
      rolloutBody(
        {
          canary: {
            steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '1s' } }],
          },
        },
        4,
      ),
    );
    const first = await status(c, (s) => s.phase === 'Healthy', 'v1 healthy');
    const v1 = first.status.currentPodHash as string;
    expect(first.status).toMatchObject({ stableRS: v1, currentStepIndex: 4 });
    await setImage(c, 'app:v2');
    const p1 = await status(c, (s) => s.phase === 'Paused', 'paused at step 1');
    const v2 = p1.status.currentPodHash as string;
    expect(p1.status).toMatchObject({ currentStepIndex: 1, stableRS: v1, message: 'CanaryPauseStep' });
    expect((await rsByHash(c, v2))?.spec.replicas).toBe(1);
    expect((await rsByHash(c, v1))?.spec.replicas).toBe(3);
    await control(c, promoteRolloutPatch(p1, false));
    const p3 = await status(
      c,
      (s) => s.phase === 'Paused' && s.currentStepIndex === 3,
      'timed pause at step 3',
    );
    expect(p3.status.stableRS).toBe(v1);
    expect((await rsByHash(c, v2))?.spec.replicas).toBe(2);
    expect((await rsByHash(c, v1))?.spec.replicas).toBe(2);
    const done = await status(c, (s) => s.phase === 'Healthy' && s.stableRS === v2, 'v2 healthy after 1s');
    expect(done.status.currentStepIndex).toBe(4);
    expect((await rsByHash(c, v1))?.spec.replicas).toBe(0);
    const pods = await activePods(c.client, 'app=web');
    expect(pods.map((p) => p.spec.containers[0]?.image)).toEqual(['app:v2', 'app:v2', 'app:v2', 'app:v2']);
    // one event per completed step, Argo's wording; the metrics moved with them
    expect(
      c.recorder.events.filter((e) => e.reason === 'RolloutStepCompleted').map((e) => e.message),
    ).toEqual([
      'Rollout step 1/4 completed (setWeight: 25)',
      'Rollout step 2/4 completed (pause: {})',
      'Rollout step 3/4 completed (setWeight: 50)',
      'Rollout step 4/4 completed (pause: {duration: 1s})',
    ]);
    expect(c.recorder.events.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['RolloutUpdated', 'RolloutPaused', 'RolloutResumed', 'RolloutCompleted']),
    );
    const metrics = await metricsText();
    expect(
      total(metrics.body, 'gantry_rollout_step_total', { namespace: 'default', name: 'web' }),
    ).toBeGreaterThanOrEqual(4);
    expect(
      total(metrics.body, 'gantry_rollout_phase_transitions_total', {
        name: 'web',
        from: 'Progressing',
        to: 'Paused',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(samples(metrics.body, 'rollout_info', { namespace: 'default', name: 'web' })).toEqual([
      expect.objectContaining({
        value: 1,
        labels: { namespace: 'default', name: 'web', strategy: 'canary', phase: 'Healthy' },
      }),
    ]);

    // undo: the v1 template comes back and goes through the steps again on the same ReplicaSet
    await control(c, undoRolloutPatch(done, await replicaSetsOf(c.client, 'web')));
    const u = await status(
      c,
      (s) => s.phase === 'Paused' && s.currentPodHash === v1,
      'undo paused at step 1',
    );
    expect(u.status.stableRS).toBe(v2);
    await control(c, promoteRolloutPatch(u, true));
    await status(c, (s) => s.phase === 'Healthy' && s.stableRS === v1, 'v1 healthy after promote --full');
    expect((await rsByHash(c, v1))?.metadata.annotations?.['rollout.argoproj.io/revision']).toBe('3');
    expect(await replicaSetsOf(c.client, 'web')).toHaveLength(2);

    // restart: every pod replaced
    const before = new Set((await activePods(c.client, 'app=web')).map((p) => p.metadata.uid));
    await control(c, restartRolloutPatch(new Date(Date.now() + 1000)));
    const restarted = await status(
      c,
      (s, ro) => s.restartedAt === ro.spec.restartAt && s.phase === 'Healthy',
      'restarted',
    );
    expect(restarted.status.restartedAt).toBeDefined();
    const after = await activePods(c.client, 'app=web');
    expect(after).toHaveLength(4);
    expect(after.some((p) => before.has(p.metadata.uid))).toBe(false);
  }, 15_000);
});
