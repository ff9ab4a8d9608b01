// ApiEventRecorder over a real registry: repeats bump count, a chatty reason folds into one
// combined event (bounded), fieldPath and source are stored, and kubectl's field selectors find them.
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { InProcessClient } from '../../src/client/in-process.js';
import { R } from '../../src/client/resources.js';
import { ApiEventRecorder } from '../../src/cluster/events.js';
import { Registry } from '../../src/cluster/registry/index.js';
import { MemoryStore } from '../../src/cluster/store/memory.js';

async function setup(): Promise<{ client: InProcessClient; pod: KObject }> {
  const registry = new Registry({ store: new MemoryStore() });
  await registry.bootstrap();
  const client = new InProcessClient(registry);
  const pod = await client.create(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] },
  });
  return { client, pod };
}

describe('ApiEventRecorder', () => {
  it('aggregates repeats into count and stores source, host and fieldPath', async () => {
    const { client, pod } = await setup();
    const rec = new ApiEventRecorder(client, 'kubelet', { host: 'node-1' });
    for (let i = 0; i < 3; i++) {
      await rec.emit(pod, 'Warning', 'BackOff', 'Back-off restarting failed container app', {
        fieldPath: 'spec.containers{app}',
      });
    }
    const list = await client.list(R.events, {
      namespace: 'default',
      fieldSelector: `involvedObject.uid=${pod.metadata.uid},involvedObject.fieldPath=spec.containers{app},reason=BackOff,type=Warning,source=kubelet`,
    });
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      count: 3,
      source: { component: 'kubelet', host: 'node-1' },
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
    });
  });

  it('repeats that arrive while a write is in flight fold into one Event and a few writes', async () => {
    const { client, pod } = await setup();
    let writes = 0;
    const counting = new Proxy(client, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if ((prop === 'create' || prop === 'patch') && typeof v === 'function') {
          return (...args: unknown[]) => {
            writes++;
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const rec = new ApiEventRecorder(counting, 'replicaset-controller');
    await Promise.all(
      Array.from({ length: 50 }, () => rec.emit(pod, 'Normal', 'SuccessfulCreate', 'Created pod: web-1')),
    );
    const list = await client.list(R.events, {
      namespace: 'default',
      fieldSelector: 'reason=SuccessfulCreate',
    });
    expect(list.items).toHaveLength(1);
    expect(list.items[0]?.count).toBe(50);
    // the first create, then at most one patch carrying everything that queued behind it
    expect(writes).toBeLessThanOrEqual(2);
  });

  it('folds a reason with many different messages into one combined event', async () => {
    const { client, pod } = await setup();
    const rec = new ApiEventRecorder(client, 'kubelet');
    for (let i = 0; i < 30; i++) {
      await rec.emit(pod, 'Warning', 'Unhealthy', `Liveness probe failed: output ${i}`);
    }
    const list = await client.list(R.events, { namespace: 'default', fieldSelector: 'reason=Unhealthy' });
    expect(list.items.length).toBe(11);
    const combined = list.items.filter((e) =>
      String(e.message).startsWith('(combined from similar events): '),
    );
    expect(combined).toHaveLength(1);
    expect(combined[0]).toMatchObject({
      count: 20,
      message: '(combined from similar events): Liveness probe failed: output 29',
    });
    // another reason about the same object is not affected
    await rec.emit(pod, 'Normal', 'Started', 'Started container app');
    expect(
      (await client.list(R.events, { namespace: 'default', fieldSelector: 'reason=Started' })).items,
    ).toHaveLength(1);
  });

  it('starts a new Event counting from 1 when the one it was bumping is deleted (TTL)', async () => {
    const { client, pod } = await setup();
    const rec = new ApiEventRecorder(client, 'kubelet');
    const reason = { fieldSelector: 'reason=Killing' };
    for (let i = 0; i < 3; i++) {
      await rec.emit(pod, 'Normal', 'Killing', 'Stopping container app');
    }
    const [first] = (await client.list(R.events, { namespace: 'default', ...reason })).items;
    expect(first?.count).toBe(3);
    await client.delete(R.events, 'default', first!.metadata.name!);
    await rec.emit(pod, 'Normal', 'Killing', 'Stopping container app');
    await rec.emit(pod, 'Normal', 'Killing', 'Stopping container app');
    const after = (await client.list(R.events, { namespace: 'default', ...reason })).items;
    expect(after).toHaveLength(1);
    expect(after[0]?.metadata.name).not.toBe(first?.metadata.name);
    expect(after[0]?.count).toBe(2);
  });

  it('a failed write is retried with the repeats it missed by the next event', async () => {
    const { client, pod } = await setup();
    let fail = true;
    const flaky = new Proxy(client, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (prop === 'create' && typeof v === 'function') {
          return (...args: unknown[]) =>
            fail
              ? Promise.reject(new Error('connection refused'))
              : (v as (...a: unknown[]) => unknown).apply(target, args);
        }
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const rec = new ApiEventRecorder(flaky, 'kubelet');
    await expect(rec.emit(pod, 'Warning', 'Failed', 'Error: ErrImagePull')).rejects.toThrow(
      'connection refused',
    );
    fail = false;
    await rec.emit(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
    const list = await client.list(R.events, { namespace: 'default', fieldSelector: 'reason=Failed' });
    expect(list.items).toHaveLength(1);
    expect(list.items[0]?.count).toBe(2);
  });
});
