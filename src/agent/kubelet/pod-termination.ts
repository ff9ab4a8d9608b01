// Planning the end of a pod on the node (pure): a pod being deleted that still receives Service
// traffic is first drained (kept running until it is out of the node's service rules, plus a short
// delay: planDrain), then gets its preStop hooks, then SIGTERM, then SIGKILL once the grace period
// (terminationGracePeriodSeconds, capped by the deletion's grace, drain included) is over; when every container has stopped the pod is torn down (containers,
// rootfs, volumes, network) and its deletion confirmed with grace 0. A pod gone from the API (or
// every pod when the agent stops with removePods) goes the same way with the orphan grace, no hooks.

import type { Pod } from '../../api/types.js';
import type { ObservedContainer } from './naming.js';
import { baseViews, Collector, isTerminalPhase, podGraceMs } from './plan-helpers.js';
import type { PodAction, PodPlan, PodPlanInput } from './pod-memory.js';
import { buildPodStatus, isRunning, isStopped, type PodPhase, podPhase } from './pod-status.js';

/** Kill running containers of a pod that is being deleted or is gone; then tear down and confirm. */
export function planTermination(input: PodPlanInput, byName: Map<string, ObservedContainer[]>): PodPlan {
  const { pod, memory, now } = input;
  const out = new Collector(now);
  const live = input.containers.filter((c) => !isStopped(c));
  let status: Pod['status'];
  if (pod) {
    const views = baseViews(pod, byName, input.probes);
    const allStopped = live.length === 0;
    const regular = views.regular;
    // Never a terminal phase here: the API removes a terminal pod being deleted at once, before
    // its teardown; the deletion is confirmed by the deletePod action after the teardown instead.
    const computed = podPhase(pod.spec.restartPolicy ?? 'Always', true, false, regular);
    const previous = pod.status?.phase;
    const phase: PodPhase = isTerminalPhase(computed)
      ? previous === 'Pending' || previous === 'Running'
        ? previous
        : 'Running'
      : computed;
    status = isTerminalPhase(pod.status?.phase)
      ? undefined
      : buildPodStatus({
          pod,
          init: views.init,
          regular,
          phase,
          initialized: pod.status?.conditions?.find((c) => c.type === 'Initialized')?.status === 'True',
          sandboxReady: !!memory.network && !allStopped,
          podIP: memory.network?.ip,
          hostIP: input.hostIP,
          now,
        });
  }
  if (live.length > 0) {
    const graceMs = pod ? podGraceMs(pod) : input.orphanGraceMs;
    if (!memory.termination) {
      const draining = pod ? planDrain(input, graceMs) : undefined;
      if (draining) {
        return { actions: draining.actions, status, requeueAfterMs: draining.requeueAfterMs, done: false };
      }
      const drainStart = memory.drain?.startedAt;
      const specs = new Map(
        [...(pod?.spec.initContainers ?? []), ...(pod?.spec.containers ?? [])].map((c) => [c.name, c]),
      );
      const preStop = live
        .filter((c) => isRunning(c) && specs.get(c.name)?.lifecycle?.preStop)
        .map((c) => ({ id: c.id, container: specs.get(c.name)! }));
      out.actions.push(
        drainStart
          ? {
              kind: 'beginTermination',
              preStop,
              timeoutMs: Math.max(0, graceMs - (now.getTime() - drainStart.getTime())),
              startedAt: drainStart,
            }
          : { kind: 'beginTermination', preStop, timeoutMs: graceMs },
      );
      return { actions: out.actions, status, requeueAfterMs: 0, done: false };
    }
    const deadline = memory.termination.startedAt.getTime() + graceMs;
    for (const c of live) {
      const st = memory.stopping.get(c.id);
      if (!st) {
        const remaining = Math.max(0, deadline - now.getTime());
        out.actions.push({
          kind: 'killContainer',
          id: c.id,
          name: c.name,
          signal: isRunning(c) && remaining > 0 ? 'SIGTERM' : 'SIGKILL',
          graceMs: remaining,
          reason: pod ? 'pod is being deleted' : 'pod is no longer assigned to this node',
        });
        out.at(now.getTime() + remaining);
      } else if (!st.sigkill) {
        const killAt = Math.min(st.sigtermAt.getTime() + st.graceMs, Math.max(deadline, now.getTime()));
        if (now.getTime() >= killAt) {
          out.actions.push({
            kind: 'killContainer',
            id: c.id,
            name: c.name,
            signal: 'SIGKILL',
            graceMs: 0,
            reason: 'grace period over',
          });
        } else {
          out.at(killAt);
        }
      } else {
        out.at(now.getTime() + 1000);
      }
    }
    return { actions: out.actions, status, requeueAfterMs: out.requeue(), done: false };
  }
  if (!memory.tornDown) {
    out.actions.push({ kind: 'teardownPod' });
  }
  if (pod) {
    out.actions.push({ kind: 'deletePod' });
  }
  return { actions: out.actions, status, done: !pod && memory.tornDown };
}

/**
 * The drain before SIGTERM of a deleted pod that receives traffic (pure): wait until it is out of
 * the node's service rules (at most the drain timeout), then the drain delay, both within the
 * grace period. Undefined once termination may begin.
 */
export function planDrain(
  input: PodPlanInput,
  graceMs: number,
): { actions: PodAction[]; requeueAfterMs?: number } | undefined {
  const { drain, memory, now } = input;
  const d = memory.drain;
  if (!drain || graceMs <= 0) {
    return undefined;
  }
  if (!d) {
    // a pod the rules still route to is drained; one they dropped moments ago (the proxy was
    // quicker than this kubelet) still gets the rest of the drain delay
    if (drain.serving) {
      return { actions: [{ kind: 'beginDrain' }], requeueAfterMs: 0 };
    }
    if (drain.leftAt && now.getTime() < drain.leftAt.getTime() + drain.delayMs) {
      return { actions: [{ kind: 'beginDrain', outAt: drain.leftAt }], requeueAfterMs: 0 };
    }
    return undefined;
  }
  const t = now.getTime();
  const start = d.startedAt.getTime();
  const graceEnd = start + graceMs;
  if (!d.outAt) {
    const giveUp = Math.min(start + drain.timeoutMs, graceEnd);
    if (drain.serving && t < giveUp) {
      return { actions: [], requeueAfterMs: giveUp - t };
    }
    return { actions: [{ kind: 'endDrain', timedOut: drain.serving }], requeueAfterMs: 0 };
  }
  const sigtermAt = Math.min(d.outAt.getTime() + drain.delayMs, graceEnd);
  return t < sigtermAt ? { actions: [], requeueAfterMs: sigtermAt - t } : undefined;
}
