import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isApiError } from '../../../src/api/errors.js';
import type { Pod } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { waitFor } from '../../cluster/controllers/core-harness.js';
import { FakeClock } from './fakes.js';
import { type KubeletHarness, newKubeletHarness } from './harness.js';

let h: KubeletHarness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const cs = (p: Pod, name = 'app') => (p.status?.containerStatuses ?? []).find((c: any) => c.name === name);
const cond = (p: Pod, type: string) => p.status?.conditions?.find((c) => c.type === type);
/** `Reason: message` of the events the kubelet reported about a pod. */
const eventsOf = (k: KubeletHarness, pod = 'web') =>
  k.recorder.events.filter((e) => e.obj.metadata.name === pod).map((e) => `${e.reason}: ${e.message}`);

describe('Kubelet over fakes', () => {
  it('runs a bound pod: network, container, status Running with its IP', async () => {
    h = await newKubeletHarness();
    const created = await h.createPod({
      containers: [{ name: 'app', image: 'busybox:1.36', env: [{ name: 'X', value: '1' }] }],
    });
    const p = await waitFor('Running', async () => {
      const x = await h!.getPod('web');
      return x.status?.phase === 'Running' && cond(x, 'Ready')?.status === 'True' ? x : undefined;
    });
    expect(p.status?.podIP).toBe(h.network.pods.get(created.metadata.uid!)?.ip);
    expect(p.status?.hostIP).toBe('192.168.1.10');
    expect(cs(p)).toMatchObject({
      ready: true,
      started: true,
      restartCount: 0,
      containerID: `gantry://${created.metadata.uid}-app-0`,
    });
    const c = h.runtime.latest('app')!;
    expect(c.spec.args).toEqual(['/bin/sh', '-c', 'sleep 3600']);
    expect(c.spec.env).toEqual(['PATH=/bin', 'X=1']);
    expect(c.spec.netnsPath).toBe(`/var/run/netns/fake-${created.metadata.uid}`);
    // not on the node yet: looked for locally, then pulled with the default policy of a tagged image
    expect(h.images.pulls).toEqual([
      { ref: 'busybox:1.36', policy: 'Never' },
      { ref: 'busybox:1.36', policy: 'IfNotPresent' },
    ]);
    expect(eventsOf(h)).toEqual([
      'Pulling: Pulling image "busybox:1.36"',
      expect.stringMatching(/^Pulled: Successfully pulled image "busybox:1.36" in \d+(\.\d+)?m?s$/),
      'Created: Created container app',
      'Started: Started container app',
    ]);
    expect(
      h.recorder.events.every((e) => e.fieldPath === 'spec.containers{app}' && e.type === 'Normal'),
    ).toBe(true);
    // a second pod with the same image finds it on the node
    await h.createPod({}, 'web2');
    await waitFor('web2 started', () => eventsOf(h!, 'web2').includes('Started: Started container app'));
    expect(eventsOf(h, 'web2')[0]).toBe('Pulled: Container image "busybox:1.36" already present on machine');
  });

  it('restarts a crashing container with CrashLoopBackOff back-off (injected clock)', async () => {
    const clock = new FakeClock(Date.now());
    h = await newKubeletHarness({ clock });
    h.runtime.behaviour.set('app', { exitCode: 1 });
    await h.createPod({});
    // first crash: restarted at once (attempt 1), which crashes too → back-off 10 s
    const p = await waitFor('CrashLoopBackOff', async () => {
      const x = await h!.getPod('web');
      return cs(x)?.state?.waiting?.reason === 'CrashLoopBackOff' ? x : undefined;
    });
    expect(cs(p).restartCount).toBe(1);
    expect(cs(p).state.waiting.message).toMatch(
      /^back-off 10s restarting failed container=app pod=web_default\(/,
    );
    expect(cs(p).lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(p.status?.phase).toBe('Running');
    expect(h.runtime.events.filter((e) => e.startsWith('run'))).toEqual(['run app#0', 'run app#1']);
    clock.advance(9_000);
    h.kubelet.resync();
    await h.kubelet.idle();
    expect(h.runtime.events.filter((e) => e.startsWith('run'))).toHaveLength(2);
    clock.advance(1_000);
    h.kubelet.resync();
    const p2 = await waitFor('back-off 20s', async () => {
      const x = await h!.getPod('web');
      return cs(x)?.state?.waiting?.message?.startsWith('back-off 20s') ? x : undefined;
    });
    expect(cs(p2).restartCount).toBe(2);
    const backOff = h.recorder.events.filter((e) => e.reason === 'BackOff');
    expect(backOff.length).toBeGreaterThanOrEqual(2);
    expect(backOff[0]).toMatchObject({
      type: 'Warning',
      fieldPath: 'spec.containers{app}',
      message: `Back-off restarting failed container app in pod web_default(${p.metadata.uid})`,
    });
    // only the last two attempts are kept
    await waitFor('attempt 0 removed', () => h!.runtime.events.includes('remove app#0'));
  });

  it('runs init containers in order before the app container', async () => {
    h = await newKubeletHarness();
    h.runtime.behaviour.set('init-a', { exitCode: 0 });
    h.runtime.behaviour.set('init-b', { exitCode: 0 });
    await h.createPod({
      initContainers: [
        { name: 'init-a', image: 'busybox:1.36' },
        { name: 'init-b', image: 'busybox:1.36' },
      ],
    });
    const p = await waitFor('Running', async () => {
      const x = await h!.getPod('web');
      return x.status?.phase === 'Running' ? x : undefined;
    });
    expect(h.runtime.events.filter((e) => e.startsWith('run'))).toEqual([
      'run init-a#0',
      'run init-b#0',
      'run app#0',
    ]);
    expect(p.status?.initContainerStatuses?.map((s: any) => s.state.terminated.reason)).toEqual([
      'Completed',
      'Completed',
    ]);
    expect(cond(p, 'Initialized')?.status).toBe('True');
  });

  it('follows the readiness probe into the Ready condition within a fraction of a second', async () => {
    h = await newKubeletHarness();
    let healthy = false;
    h.runtime.execHandler = () => ({ exitCode: healthy ? 0 : 1, output: '', timedOut: false });
    await h.createPod({
      containers: [
        {
          name: 'app',
          image: 'busybox:1.36',
          readinessProbe: { exec: { command: ['check'] }, periodSeconds: 1 },
        },
      ],
    });
    await waitFor('Running, not ready', async () => {
      const x = await h!.getPod('web');
      return (
        x.status?.phase === 'Running' &&
        cond(x, 'Ready')?.status === 'False' &&
        cond(x, 'Ready')?.reason === 'ContainersNotReady'
      );
    });
    healthy = true;
    const flipped = Date.now();
    await waitFor('Ready', async () => cond(await h!.getPod('web'), 'Ready')?.status === 'True', 3000);
    // a probe period (1 s) at most, plus the status write
    expect(Date.now() - flipped).toBeLessThan(1_500);
    healthy = false;
    await waitFor(
      'unready after 3 failures',
      async () => cond(await h!.getPod('web'), 'Ready')?.status === 'False',
      6000,
    );
  });

  it('restarts a container whose liveness probe fails', async () => {
    h = await newKubeletHarness();
    h.runtime.execHandler = (spec) => ({ exitCode: spec.attempt === 0 ? 1 : 0, output: '', timedOut: false });
    await h.createPod({
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'app',
          image: 'busybox:1.36',
          livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 1, failureThreshold: 1 },
        },
      ],
    });
    const p = await waitFor(
      'restarted',
      async () => {
        const x = await h!.getPod('web');
        return cs(x)?.restartCount === 1 && cs(x)?.state?.running ? x : undefined;
      },
      6000,
    );
    expect(cs(p).lastState.terminated).toMatchObject({ exitCode: 143 });
    expect(h.runtime.events).toContain('kill app#0 SIGTERM');
    h.runtime.execHandler = () => ({ exitCode: 0, output: 'fine', timedOut: false });
    expect(eventsOf(h)).toEqual(
      expect.arrayContaining([
        'Unhealthy: Liveness probe failed: ',
        'Killing: Container app failed liveness probe, will be restarted',
      ]),
    );
    expect(h.recorder.events.find((e) => e.reason === 'Unhealthy')?.type).toBe('Warning');
  });

  it('terminates gracefully: preStop, SIGTERM, SIGKILL after the grace, teardown, DELETE with grace 0', async () => {
    h = await newKubeletHarness();
    h.runtime.behaviour.set('app', { ignoreSigterm: true });
    const created = await h.createPod({
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'app', image: 'busybox:1.36', lifecycle: { preStop: { exec: { command: ['drain'] } } } },
      ],
    });
    const uid = created.metadata.uid!;
    await waitFor('Running', async () => (await h!.getPod('web')).status?.phase === 'Running');
    const started = Date.now();
    await h.client.delete(R.pods, 'default', 'web');
    await waitFor(
      'pod gone',
      async () => {
        try {
          await h!.getPod('web');
          return false;
        } catch (e) {
          return isApiError(e, 404);
        }
      },
      5000,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const seq = h.runtime.events.filter((e) => /exec|kill|remove/.test(e));
    expect(seq).toEqual(['exec app drain', 'kill app#0 SIGTERM', 'kill app#0 SIGKILL', 'remove app#0']);
    // one Killing event, not one per signal
    expect(eventsOf(h).filter((e) => e.startsWith('Killing'))).toEqual(['Killing: Stopping container app']);
    expect(h.network.pods.has(uid), h.network.events.join(',')).toBe(false);
    expect(existsSync(join(h.dataDir, 'pods', uid))).toBe(false);
  });

  it('adopts running containers after a restart without restarting them', async () => {
    h = await newKubeletHarness();
    await h.createPod({});
    await waitFor('Ready', async () => cond(await h!.getPod('web'), 'Ready')?.status === 'True');
    const before = await h.getPod('web');
    await h.kubelet.stop();
    await h.startKubelet();
    await h.kubelet.idle();
    await new Promise((r) => setTimeout(r, 100));
    await h.kubelet.idle();
    const after = await h.getPod('web');
    expect(h.runtime.events.filter((e) => e.startsWith('run'))).toEqual(['run app#0']);
    expect(h.runtime.events.filter((e) => e.startsWith('kill'))).toEqual([]);
    expect(after.status).toEqual(before.status);
    // not even a transient status (Pending / sandbox not ready) was written while re-adopting: that
    // would flap the pod's readiness (endpoint churn) on every agent restart
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    // nothing was started again, so nothing is reported again
    expect(eventsOf(h).filter((e) => e.startsWith('Started'))).toHaveLength(1);
  });

  it('cleans up containers, network and files of pods no longer assigned to the node', async () => {
    h = await newKubeletHarness();
    const created = await h.createPod({ volumes: [{ name: 'mem', emptyDir: { medium: 'Memory' } }] });
    const uid = created.metadata.uid!;
    await waitFor('Running', async () => (await h!.getPod('web')).status?.phase === 'Running');
    expect(h.mounter.mounts.size).toBe(1);
    await h.kubelet.stop();
    // while the agent is down the pod is force-deleted (e.g. evicted by the node controller)
    await h.client.delete(R.pods, 'default', 'web', { gracePeriodSeconds: 0 });
    await h.startKubelet();
    await waitFor(
      'torn down',
      () =>
        h!.runtime.containers.size === 0 &&
        !h!.network.pods.has(uid) &&
        !existsSync(join(h!.dataDir, 'pods', uid)),
    );
    expect(h.mounter.mounts.size).toBe(0);
    expect(h.runtime.events).toContain('kill app#0 SIGTERM');
  });

  it('fails a pod whose hostPath is outside the allowed prefixes', async () => {
    h = await newKubeletHarness({ kubelet: { allowedHostPaths: ['/srv/data'] } });
    await h.createPod({ volumes: [{ name: 'h', hostPath: { path: '/etc' } }] });
    const p = await waitFor('Failed', async () => {
      const x = await h!.getPod('web');
      return x.status?.phase === 'Failed' ? x : undefined;
    });
    expect(p.status?.reason).toBe('HostPathNotAllowed');
    expect(p.status?.message).toContain('/etc');
    expect(h.runtime.containers.size).toBe(0);
  });

  it('reports ErrImagePull for an unknown image and a config error for a missing ConfigMap', async () => {
    h = await newKubeletHarness();
    await h.createPod({ containers: [{ name: 'app', image: 'nope:1' }] }, 'bad-image');
    await h.createPod(
      {
        containers: [
          {
            name: 'app',
            image: 'busybox:1.36',
            env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a' } } }],
          },
        ],
      },
      'bad-cfg',
    );
    const img = await waitFor('ErrImagePull', async () => {
      const x = await h!.client.get(R.pods, 'default', 'bad-image');
      return cs(x as Pod)?.state?.waiting?.reason === 'ErrImagePull' ? x : undefined;
    });
    expect(cs(img as Pod).state.waiting.message).toContain('not found');
    const cfg = await waitFor('CreateContainerConfigError', async () => {
      const x = await h!.client.get(R.pods, 'default', 'bad-cfg');
      return cs(x as Pod)?.state?.waiting?.reason === 'CreateContainerConfigError' ? x : undefined;
    });
    expect(cs(cfg as Pod).state.waiting.message).toBe('configmap "cfg" not found');
    expect(eventsOf(h, 'bad-image')).toEqual(
      expect.arrayContaining([
        'Pulling: Pulling image "nope:1"',
        'Failed: Failed to pull image "nope:1": failed to pull image "nope:1": not found',
        'Failed: Error: ErrImagePull',
      ]),
    );
    expect(eventsOf(h, 'bad-cfg')).toContain('Failed: Error: configmap "cfg" not found');
    expect(h.recorder.events.filter((e) => e.reason === 'Failed').every((e) => e.type === 'Warning')).toBe(
      true,
    );
  });

  it('stop({ removePods }) leaves nothing behind and keeps the pods in the API', async () => {
    h = await newKubeletHarness();
    await h.createPod({ volumes: [{ name: 's', secret: { secretName: 'x', optional: true } }] });
    await waitFor('Running', async () => (await h!.getPod('web')).status?.phase === 'Running');
    await h.kubelet.stop({ removePods: true });
    expect(h.runtime.containers.size).toBe(0);
    expect(h.network.pods.size).toBe(0);
    expect(h.mounter.mounts.size).toBe(0);
    expect(h.images.mounted.size).toBe(0);
    expect((await h.getPod('web')).metadata.name).toBe('web');
  });
});
