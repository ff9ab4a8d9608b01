// Node agent metrics under kubelet's names: kubelet_pod_start_duration_seconds (the agent sees
// the pod bound to its node → all its containers run), kubelet_running_pods and
// kubelet_running_containers (read at scrape time from each running kubelet), plus
// gantry_image_pull_duration_seconds.
import { Gauge, Histogram } from 'prom-client';
import { LiveSources, registry } from './metrics.js';

export interface KubeletCounts {
  /** Pods with at least one running container. */
  readonly pods: number;
  readonly containers: number;
}

const kubelets = new LiveSources<() => KubeletCounts>();

function total(f: (c: KubeletCounts) => number): number {
  return kubelets.all().reduce((n, s) => n + f(s()), 0);
}

new Gauge({
  name: 'kubelet_running_pods',
  help: 'Number of pods that have a running container on this node.',
  registers: [registry],
  collect() {
    this.set(total((c) => c.pods));
  },
});

new Gauge({
  name: 'kubelet_running_containers',
  help: 'Number of containers currently running on this node.',
  labelNames: ['container_state'] as const,
  registers: [registry],
  collect() {
    this.set(
      { container_state: 'running' },
      total((c) => c.containers),
    );
  },
});

const podStart = new Histogram({
  name: 'kubelet_pod_start_duration_seconds',
  help: 'Duration in seconds from the agent seeing a pod bound to its node to all its containers running.',
  buckets: [
    0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700,
    3600,
  ],
  registers: [registry],
});

const imagePull = new Histogram({
  name: 'gantry_image_pull_duration_seconds',
  help: 'Duration of image pulls from a registry, by result.',
  labelNames: ['result'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
  registers: [registry],
});

/** Reports a kubelet's running pods and containers until the returned function is called. */
export function reportKubelet(counts: () => KubeletCounts): () => void {
  return kubelets.add(counts);
}

export function observePodStart(seconds: number): void {
  podStart.observe(seconds);
}

export function observeImagePull(seconds: number, ok: boolean): void {
  imagePull.observe({ result: ok ? 'success' : 'error' }, seconds);
}
