// Rollout metrics: Argo Rollouts' rollout_info{namespace,name,strategy,phase} (computed at scrape
// time from the controllers' live caches, so a deleted Rollout leaves no series), plus
// gantry_rollout_phase_transitions_total and gantry_rollout_step_total.
import { Counter, Gauge } from 'prom-client';
import type { KObject } from '../api/types.js';
import { LiveSources, registry } from './metrics.js';

const rolloutSources = new LiveSources<() => readonly KObject[]>();

new Gauge({
  name: 'rollout_info',
  help: 'Information about each Rollout (always 1).',
  labelNames: ['namespace', 'name', 'strategy', 'phase'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const list of rolloutSources.all()) {
      for (const ro of list()) {
        this.set(rolloutInfoLabels(ro), 1);
      }
    }
  },
});

const transitions = new Counter({
  name: 'gantry_rollout_phase_transitions_total',
  help: 'Rollout phase changes (Healthy, Progressing, Paused, Degraded), by previous and new phase.',
  labelNames: ['namespace', 'name', 'from', 'to'] as const,
  registers: [registry],
});

const stepsTotal = new Counter({
  name: 'gantry_rollout_step_total',
  help: 'Canary steps completed.',
  labelNames: ['namespace', 'name'] as const,
  registers: [registry],
});

/** rollout_info's labels (pure). */
export function rolloutInfoLabels(ro: KObject): Record<string, string> {
  const strategy = ro.spec?.strategy?.blueGreen ? 'blueGreen' : ro.spec?.strategy?.canary ? 'canary' : 'none';
  return {
    namespace: ro.metadata.namespace ?? '',
    name: ro.metadata.name ?? '',
    strategy,
    phase: String(ro.status?.phase ?? ''),
  };
}

/** Reports the Rollouts `list()` returns in rollout_info until the returned function is called. */
export function reportRollouts(list: () => readonly KObject[]): () => void {
  return rolloutSources.add(list);
}

export function countRolloutTransition(ro: KObject, from: string, to: string): void {
  transitions.inc({ namespace: ro.metadata.namespace ?? '', name: ro.metadata.name ?? '', from, to });
}

export function countRolloutSteps(ro: KObject, n: number): void {
  if (n > 0) {
    stepsTotal.inc({ namespace: ro.metadata.namespace ?? '', name: ro.metadata.name ?? '' }, n);
  }
}
