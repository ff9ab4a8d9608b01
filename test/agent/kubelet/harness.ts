// A kubelet over fakes, driven through a real registry + InProcessClient (no runc, no root).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kubelet, type KubeletOptions } from '../../../src/agent/kubelet/kubelet.js';
import type { KObject, Pod } from '../../../src/api/types.js';
import { InProcessClient } from '../../../src/client/in-process.js';
import { R } from '../../../src/client/resources.js';
import { MemoryEventRecorder } from '../../../src/cluster/events.js';
import { Registry } from '../../../src/cluster/registry/index.js';
import { MemoryStore } from '../../../src/cluster/store/memory.js';
import { type FakeClock, FakeImages, FakeMounter, FakeNetwork, FakeRuntime } from './fakes.js';

export interface KubeletHarness {
  readonly client: InProcessClient;
  readonly registry: Registry;
  readonly images: FakeImages;
  readonly runtime: FakeRuntime;
  readonly network: FakeNetwork;
  readonly mounter: FakeMounter;
  readonly dataDir: string;
  readonly clock: { now(): Date };
  /** The pod lifecycle events the kubelet reported. */
  readonly recorder: MemoryEventRecorder;
  kubelet: Kubelet;
  /** Starts a (new) kubelet over the same fakes, as an agent restart does. */
  startKubelet(over?: Partial<KubeletOptions>): Promise<Kubelet>;
  createPod(spec: Partial<Pod['spec']>, name?: string, meta?: Partial<Pod['metadata']>): Promise<Pod>;
  getPod(name: string): Promise<Pod>;
  cleanup(): Promise<void>;
}

export async function newKubeletHarness(
  opts: { clock?: FakeClock; kubelet?: Partial<KubeletOptions> } = {},
): Promise<KubeletHarness> {
  const registry = new Registry({ store: new MemoryStore() });
  await registry.bootstrap();
  const client = new InProcessClient(registry);
  const clock = opts.clock ?? { now: () => new Date() };
  const images = new FakeImages();
  images.add('busybox:1.36', { entrypoint: ['/bin/sh'], cmd: ['-c', 'sleep 3600'], env: ['PATH=/bin'] });
  const runtime = new FakeRuntime(clock);
  const network = new FakeNetwork();
  const mounter = new FakeMounter();
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-kubelet-'));
  const kubelets: Kubelet[] = [];
  const recorder = new MemoryEventRecorder();
  const h: KubeletHarness = {
    recorder,
    client,
    registry,
    images,
    runtime,
    network,
    mounter,
    dataDir,
    clock,
    kubelet: undefined as unknown as Kubelet,
    async startKubelet(over = {}) {
      const k = new Kubelet({
        client,
        nodeName: 'node-1',
        images,
        runtime,
        network,
        dataDir,
        clock,
        mounter,
        hostIP: '192.168.1.10',
        orphanGraceMs: 200,
        recorder,
        ...opts.kubelet,
        ...over,
      });
      await k.start();
      kubelets.push(k);
      h.kubelet = k;
      return k;
    },
    async createPod(spec, name = 'web', meta = {}) {
      const body: KObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default', ...meta },
        spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'busybox:1.36' }], ...spec },
      };
      return (await client.create(R.pods, body)) as Pod;
    },
    async getPod(name) {
      return (await client.get(R.pods, 'default', name)) as Pod;
    },
    async cleanup() {
      for (const k of kubelets) {
        await k.stop().catch(() => {});
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await h.startKubelet();
  return h;
}
