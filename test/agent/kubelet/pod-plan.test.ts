import { describe, expect, it } from 'vitest';
import { BACKOFF_MAX_MS } from '../../../src/agent/kubelet/backoff.js';
import { type PodAction, planPod } from '../../../src/agent/kubelet/pod-plan.js';
import { at, input, obs, pod, ready } from './plan-fixtures.js';

const kinds = (actions: PodAction[]) => actions.map((a) => a.kind);
const cs = (status: any, i = 0) => status.containerStatuses[i];
const cond = (status: any, type: string) => status.conditions.find((c: any) => c.type === type);

describe('planPod: start-up', () => {
  it('sets up the network first and reports Pending / ContainerCreating', () => {
    const m = ready();
    m.network = undefined;
    const plan = planPod(input(pod(), [], { memory: m }));
    expect(kinds(plan.actions)).toEqual(['setupNetwork']);
    expect(plan.status?.phase).toBe('Pending');
    expect(cs(plan.status).state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    expect(cond(plan.status, 'PodReadyToStartContainers').status).toBe('False');
    expect(cond(plan.status, 'PodScheduled')).toEqual({
      type: 'PodScheduled',
      status: 'True',
      lastTransitionTime: '2025-01-01T00:00:00Z',
    });
  });

  it('then the volumes, then starts attempt 0 of each container', () => {
    const m = ready();
    m.volumesReady = false;
    expect(kinds(planPod(input(pod(), [], { memory: m })).actions)).toEqual(['setupVolumes']);
    const plan = planPod(
      input(
        pod({
          containers: [
            { name: 'a', image: 'x:1' },
            { name: 'b', image: 'y:1' },
          ],
        }),
        [],
      ),
    );
    expect(plan.actions).toEqual([
      {
        kind: 'startContainer',
        container: { name: 'a', image: 'x:1' },
        containerKind: 'regular',
        attempt: 0,
      },
      {
        kind: 'startContainer',
        container: { name: 'b', image: 'y:1' },
        containerKind: 'regular',
        attempt: 0,
      },
    ]);
  });

  it('plans nothing for a converged pod and reports it Running and Ready like the kubelet', () => {
    const plan = planPod(input(pod(), [obs('app', 0, 'running', { started: 0 })], { now: at(5) }));
    expect(plan.actions).toEqual([]);
    expect(plan.requeueAfterMs).toBeUndefined();
    const s: any = plan.status;
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('10.244.1.5');
    expect(s.podIPs).toEqual([{ ip: '10.244.1.5' }]);
    expect(s.hostIP).toBe('192.168.1.10');
    expect(s.startTime).toBe('2025-01-01T00:00:05Z');
    expect(s.qosClass).toBe('BestEffort');
    expect(s.conditions.map((c: any) => [c.type, c.status])).toEqual([
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);
    expect(cs(s)).toEqual({
      name: 'app',
      state: { running: { startedAt: '2025-01-01T00:00:00Z' } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: 'docker.io/library/busybox:1.36',
      imageID: 'docker.io/library/busybox@sha256:abc',
      containerID: 'gantry://uid-1-app-0',
      started: true,
    });
  });

  it('keeps lastTransitionTime of conditions whose status did not change', () => {
    const p = pod();
    p.status = {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-12-31T00:00:00Z' }],
    };
    const plan = planPod(input(p, [obs('app', 0, 'running')], { now: at(60) }));
    expect(cond(plan.status, 'Ready').lastTransitionTime).toBe('2024-12-31T00:00:00Z');
    expect(cond(plan.status, 'ContainersReady').lastTransitionTime).toBe('2025-01-01T00:01:00Z');
  });
});

describe('planPod: restart policies and CrashLoopBackOff', () => {
  it.each([
    ['Always', 0, true, 'Running'],
    ['Always', 1, true, 'Running'],
    ['OnFailure', 0, false, 'Succeeded'],
    ['OnFailure', 2, true, 'Running'],
    ['Never', 0, false, 'Succeeded'],
    ['Never', 1, false, 'Failed'],
  ] as const)('restartPolicy %s, exit %i → restart %s, phase %s', (policy, code, restart, phase) => {
    const plan = planPod(
      input(pod({ restartPolicy: policy }), [obs('app', 0, 'stopped', { exitCode: code, finished: 3 })], {
        now: at(4),
      }),
    );
    expect(plan.actions.some((a) => a.kind === 'startContainer')).toBe(restart);
    expect(plan.status?.phase).toBe(phase);
    if (!restart) {
      expect(cs(plan.status).state.terminated).toMatchObject({
        exitCode: code,
        reason: code === 0 ? 'Completed' : 'Error',
      });
    }
  });

  it('restarts the first crash at once, then waits 10 s, 20 s, 40 s … up to 5 min', () => {
    // walk a container that crashes 1 s after every start
    let memory = ready();
    let now = 0;
    let attempt = 0;
    const delays: number[] = [];
    let finished = 1;
    for (let i = 0; i < 9; i++) {
      const c = obs('app', attempt, 'stopped', { exitCode: 1, started: finished - 1, finished });
      now = finished;
      let plan = planPod(input(pod(), [c], { memory, now: at(now) }));
      let waited = 0;
      if (!plan.actions.some((a) => a.kind === 'startContainer')) {
        expect(cs(plan.status).state.waiting.reason).toBe('CrashLoopBackOff');
        expect(plan.status?.phase).toBe('Running');
        waited = plan.requeueAfterMs ?? -1;
        now += waited / 1000;
        plan = planPod(input(pod(), [c], { memory, now: at(now) }));
      }
      const start = plan.actions.find((a) => a.kind === 'startContainer');
      expect(start).toMatchObject({ attempt: attempt + 1 });
      delays.push(waited);
      if (start?.kind === 'startContainer' && start.backoff) {
        memory = { ...memory, backoff: new Map([['app', start.backoff]]) };
      }
      attempt++;
      finished = now + 1;
    }
    expect(delays).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it('shows the back-off in the kubelet message format with the restart count and last state', () => {
    const memory = ready();
    memory.backoff.set('app', { delayMs: 40_000, lastUpdate: at(0) });
    const plan = planPod(
      input(
        pod(),
        [
          obs('app', 3, 'stopped', { exitCode: 2, started: 1, finished: 2 }),
          obs('app', 2, 'stopped', { exitCode: 1 }),
        ],
        {
          memory,
          now: at(3),
        },
      ),
    );
    const s = cs(plan.status);
    expect(s.state.waiting).toEqual({
      reason: 'CrashLoopBackOff',
      message: 'back-off 40s restarting failed container=app pod=web_default(uid-1)',
    });
    expect(s.restartCount).toBe(3);
    expect(s.lastState.terminated).toMatchObject({
      exitCode: 2,
      reason: 'Error',
      containerID: 'gantry://uid-1-app-3',
    });
    expect(s.ready).toBe(false);
    expect(plan.requeueAfterMs).toBe(39_000);
  });

  it('resets the back-off after 10 minutes of running', () => {
    const memory = ready();
    memory.backoff.set('app', { delayMs: BACKOFF_MAX_MS, lastUpdate: at(0) });
    const plan = planPod(
      input(pod(), [obs('app', 5, 'stopped', { exitCode: 1, started: 0, finished: 601 })], {
        memory,
        now: at(601),
      }),
    );
    expect(plan.actions).toContainEqual(
      expect.objectContaining({
        kind: 'startContainer',
        attempt: 6,
        backoff: { delayMs: 10_000, lastUpdate: at(601) },
      }),
    );
  });

  it('removes attempts older than the previous one', () => {
    const plan = planPod(
      input(pod(), [obs('app', 2, 'running'), obs('app', 1, 'stopped'), obs('app', 0, 'stopped')], {
        now: at(1),
      }),
    );
    expect(plan.actions).toEqual([{ kind: 'removeContainer', id: 'uid-1-app-0', name: 'app', attempt: 0 }]);
  });
});

describe('planPod: init containers', () => {
  const spec = {
    initContainers: [
      { name: 'init-a', image: 'busybox:1.36' },
      { name: 'init-b', image: 'busybox:1.36' },
    ],
  };

  it('runs init containers one at a time, in order, then the app', () => {
    let plan = planPod(input(pod(spec), []));
    expect(plan.actions).toEqual([
      expect.objectContaining({
        kind: 'startContainer',
        containerKind: 'init',
        container: expect.objectContaining({ name: 'init-a' }),
      }),
    ]);
    expect(plan.status?.phase).toBe('Pending');
    expect(cond(plan.status, 'Initialized')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [init-a init-b]',
    });
    expect(cs(plan.status).state.waiting.reason).toBe('PodInitializing');
    expect((plan.status as any).initContainerStatuses[1].state.waiting.reason).toBe('PodInitializing');

    plan = planPod(input(pod(spec), [obs('init-a', 0, 'running', { kind: 'init' })]));
    expect(plan.actions).toEqual([]);

    plan = planPod(input(pod(spec), [obs('init-a', 0, 'stopped', { kind: 'init', exitCode: 0 })]));
    expect(plan.actions).toEqual([
      expect.objectContaining({
        kind: 'startContainer',
        container: expect.objectContaining({ name: 'init-b' }),
      }),
    ]);
    expect((plan.status as any).initContainerStatuses[0]).toMatchObject({
      ready: true,
      state: { terminated: { reason: 'Completed', exitCode: 0 } },
    });

    plan = planPod(
      input(pod(spec), [
        obs('init-a', 0, 'stopped', { kind: 'init' }),
        obs('init-b', 0, 'stopped', { kind: 'init' }),
      ]),
    );
    expect(plan.actions).toEqual([
      expect.objectContaining({
        kind: 'startContainer',
        containerKind: 'regular',
        container: expect.objectContaining({ name: 'app' }),
      }),
    ]);
    expect(cond(plan.status, 'Initialized').status).toBe('True');
  });

  it('restarts a failed init container (Always) and fails the pod on Never', () => {
    const failed = [obs('init-a', 0, 'stopped', { kind: 'init', exitCode: 3, finished: 1 })];
    const always = planPod(input(pod(spec), failed, { now: at(2) }));
    expect(always.actions).toEqual([
      expect.objectContaining({
        kind: 'startContainer',
        attempt: 1,
        container: expect.objectContaining({ name: 'init-a' }),
      }),
    ]);
    expect(always.status?.phase).toBe('Pending');
    const never = planPod(input(pod({ ...spec, restartPolicy: 'Never' }), failed, { now: at(2) }));
    expect(never.actions).toEqual([]);
    expect(never.status?.phase).toBe('Failed');
  });

  it('does not rerun init containers of a pod whose app containers already ran', () => {
    const plan = planPod(input(pod(spec), [obs('app', 0, 'running')]));
    expect(plan.actions).toEqual([]);
    expect(plan.status?.phase).toBe('Running');
  });
});

describe('planPod: probes', () => {
  const probed = pod({
    containers: [{ name: 'app', image: 'busybox:1.36', readinessProbe: { exec: { command: ['true'] } } }],
  });

  it('Ready follows the readiness probe', () => {
    const running = [obs('app', 0, 'running')];
    const unready = planPod(input(probed, running));
    expect(cond(unready.status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [app]',
    });
    expect(cond(unready.status, 'ContainersReady').status).toBe('False');
    expect(unready.status?.phase).toBe('Running');
    const probes = new Map([
      ['uid-1-app-0', { started: true, ready: true, livenessFailed: false, startupFailed: false }],
    ]);
    const readyPlan = planPod(input(probed, running, { probes }));
    expect(cond(readyPlan.status, 'Ready').status).toBe('True');
    expect(cs(readyPlan.status).ready).toBe(true);
  });

  it('kills a container whose liveness probe failed (SIGTERM, then SIGKILL after the grace) and restarts it', () => {
    const p = pod({ terminationGracePeriodSeconds: 5 });
    const probes = new Map([
      ['uid-1-app-0', { started: true, ready: true, livenessFailed: true, startupFailed: false }],
    ]);
    const kill = planPod(input(p, [obs('app', 0, 'running')], { probes }));
    expect(kill.actions).toEqual([
      {
        kind: 'killContainer',
        id: 'uid-1-app-0',
        name: 'app',
        signal: 'SIGTERM',
        graceMs: 5000,
        reason: 'failed liveness probe, will be restarted',
      },
    ]);
    const memory = ready();
    memory.stopping.set('uid-1-app-0', { sigtermAt: at(0), graceMs: 5000, sigkill: false });
    expect(planPod(input(p, [obs('app', 0, 'running')], { probes, memory, now: at(2) })).requeueAfterMs).toBe(
      3000,
    );
    expect(planPod(input(p, [obs('app', 0, 'running')], { probes, memory, now: at(5) })).actions).toEqual([
      expect.objectContaining({ kind: 'killContainer', signal: 'SIGKILL' }),
    ]);
    const after = planPod(
      input(p, [obs('app', 0, 'stopped', { exitCode: 137, finished: 5 })], { memory, now: at(5) }),
    );
    expect(after.actions).toContainEqual(expect.objectContaining({ kind: 'startContainer', attempt: 1 }));
  });
});

describe('planPod: graceful termination', () => {
  const deleting = pod(
    {
      terminationGracePeriodSeconds: 30,
      containers: [
        { name: 'app', image: 'busybox:1.36', lifecycle: { preStop: { exec: { command: ['sleep', '1'] } } } },
        { name: 'side', image: 'busybox:1.36' },
      ],
    },
    { deletionTimestamp: '2025-01-01T00:00:10Z', deletionGracePeriodSeconds: 10 },
  );
  const running = [obs('app', 0, 'running'), obs('side', 0, 'running')];

  it('runs preStop hooks first, with the grace capped by deletionGracePeriodSeconds', () => {
    const plan = planPod(input(deleting, running));
    expect(plan.actions).toEqual([
      {
        kind: 'beginTermination',
        preStop: [{ id: 'uid-1-app-0', container: deleting.spec.containers[0] }],
        timeoutMs: 10_000,
      },
    ]);
  });

  it('then SIGTERM with the rest of the grace, SIGKILL at the deadline', () => {
    const memory = ready();
    memory.termination = { startedAt: at(0) };
    const term = planPod(input(deleting, running, { memory, now: at(2) }));
    expect(term.actions).toEqual([
      {
        kind: 'killContainer',
        id: 'uid-1-app-0',
        name: 'app',
        signal: 'SIGTERM',
        graceMs: 8000,
        reason: 'pod is being deleted',
      },
      {
        kind: 'killContainer',
        id: 'uid-1-side-0',
        name: 'side',
        signal: 'SIGTERM',
        graceMs: 8000,
        reason: 'pod is being deleted',
      },
    ]);
    memory.stopping.set('uid-1-app-0', { sigtermAt: at(2), graceMs: 8000, sigkill: false });
    memory.stopping.set('uid-1-side-0', { sigtermAt: at(2), graceMs: 8000, sigkill: false });
    const stillRunning = [obs('app', 0, 'running'), obs('side', 0, 'stopped', { exitCode: 143 })];
    const waiting = planPod(input(deleting, stillRunning, { memory, now: at(5) }));
    expect(waiting.actions).toEqual([]);
    expect(waiting.requeueAfterMs).toBe(5000);
    expect(planPod(input(deleting, stillRunning, { memory, now: at(10) })).actions).toEqual([
      {
        kind: 'killContainer',
        id: 'uid-1-app-0',
        name: 'app',
        signal: 'SIGKILL',
        graceMs: 0,
        reason: 'grace period over',
      },
    ]);
  });

  it('then tears the pod down and confirms the deletion with grace 0', () => {
    const memory = ready();
    memory.termination = { startedAt: at(0) };
    const stopped = [obs('app', 0, 'stopped', { exitCode: 137 }), obs('side', 0, 'stopped', { exitCode: 0 })];
    const plan = planPod(input(deleting, stopped, { memory, now: at(10) }));
    expect(kinds(plan.actions)).toEqual(['teardownPod', 'deletePod']);
    // not terminal: that would make the API drop the pod before its teardown
    expect(plan.status?.phase).toBe('Running');
    expect((plan.status as any).containerStatuses[0].state.terminated).toMatchObject({ exitCode: 137 });
    memory.tornDown = true;
    expect(kinds(planPod(input(deleting, [], { memory })).actions)).toEqual(['deletePod']);
    const gone = planPod(input(undefined, [], { memory }));
    expect(gone).toEqual({ actions: [], status: undefined, done: true });
  });

  it('stops containers of a pod gone from the API with the orphan grace and no hooks', () => {
    const first = planPod(input(undefined, running));
    expect(first.actions).toEqual([{ kind: 'beginTermination', preStop: [], timeoutMs: 2000 }]);
    expect(first.status).toBeUndefined();
  });
});

describe('planPod: failures', () => {
  it('shows ErrImagePull, then ImagePullBackOff, and retries after the back-off', () => {
    const memory = ready();
    memory.failures.set('app', {
      kind: 'pull',
      reason: 'ErrImagePull',
      message: 'manifest unknown',
      at: at(0),
      count: 1,
    });
    const fresh = planPod(input(pod(), [], { memory, now: at(1) }));
    expect(cs(fresh.status).state.waiting).toEqual({ reason: 'ErrImagePull', message: 'manifest unknown' });
    expect(fresh.actions).toEqual([]);
    expect(fresh.requeueAfterMs).toBe(1000);
    const later = planPod(input(pod(), [], { memory, now: at(3) }));
    expect(cs(later.status).state.waiting).toEqual({
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "busybox:1.36": manifest unknown',
    });
    expect(later.status?.phase).toBe('Pending');
    expect(kinds(planPod(input(pod(), [], { memory, now: at(10) })).actions)).toEqual(['startContainer']);
  });

  it('keeps CreateContainerConfigError while a config error is backed off', () => {
    const memory = ready();
    memory.failures.set('app', {
      kind: 'config',
      reason: 'CreateContainerConfigError',
      message: 'configmap "cfg" not found',
      at: at(0),
      count: 2,
    });
    const plan = planPod(input(pod(), [], { memory, now: at(15) }));
    expect(cs(plan.status).state.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message: 'configmap "cfg" not found',
    });
    expect(plan.requeueAfterMs).toBe(5000);
  });

  it('fails a rejected pod with its reason', () => {
    const plan = planPod(
      input(pod(), [], {
        rejection: {
          reason: 'HostPathNotAllowed',
          message: 'hostPath volume "h" (/etc) is outside the allowed prefixes [/srv]',
        },
      }),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.status).toMatchObject({
      phase: 'Failed',
      reason: 'HostPathNotAllowed',
      message: expect.stringContaining('/etc'),
    });
  });

  it('releases the network of a pod the API already holds as terminal, without touching its status', () => {
    const p = pod({ restartPolicy: 'Never' });
    p.status = { phase: 'Succeeded' };
    const plan = planPod(input(p, [obs('app', 0, 'stopped')]));
    expect(plan.actions).toEqual([{ kind: 'teardownNetwork' }]);
    expect(plan.status).toBeUndefined();
  });
});
