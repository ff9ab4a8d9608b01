// The pod worker's planner (pure): from a pod, the runtime containers observed for it, probe
// results, what the worker remembers (network, failures, back-offs, kills in flight) and now,
// the next actions and the status to report. Called again after every action batch, container
// exit, probe change, pod update or timer, so it is level-triggered: nothing here assumes the
// previous call's actions succeeded.
import type { Container, Pod } from '../../api/types.js';
import { type BackoffEntry, failureDelayMs, inBackoff, nextBackoff } from './backoff.js';
import { type ContainerKind, goDuration, type ObservedContainer } from './naming.js';
import {
  baseViews,
  Collector,
  groupByName,
  isTerminalPhase,
  podGraceMs,
  podRef,
  probeGraceMs,
  type Views,
  withWaiting,
} from './plan-helpers.js';
import type { PodAction, PodPlan, PodPlanInput, StartFailure } from './pod-memory.js';
import {
  buildPodStatus,
  type ContainerView,
  defaultProbeStatus,
  exitCodeOf,
  isRunning,
  isStopped,
  type PodPhase,
  podPhase,
  type Waiting,
} from './pod-status.js';
import { planTermination } from './pod-termination.js';

export { isTerminalPhase } from './plan-helpers.js';
export {
  newPodMemory,
  type PodAction,
  type PodMemory,
  type PodPlan,
  type PodPlanInput,
  type StartFailure,
  type Stopping,
} from './pod-memory.js';

/** How long a fresh pull error shows as ErrImagePull before it reads ImagePullBackOff. */
export const ERR_DISPLAY_MS = 2_000;

/** Waiting reason of a container held back by a failed start, or undefined when it may start. */
function failureWaiting(
  f: StartFailure | undefined,
  image: string,
  now: Date,
  out: Collector,
): Waiting | undefined {
  if (!f) {
    return undefined;
  }
  const retryAt = f.at.getTime() + failureDelayMs(f.count);
  if (now.getTime() >= retryAt) {
    return undefined;
  }
  out.at(retryAt);
  if (f.kind === 'pull' && f.reason === 'ErrImagePull') {
    const fresh = now.getTime() - f.at.getTime() < ERR_DISPLAY_MS;
    if (fresh) {
      out.at(f.at.getTime() + ERR_DISPLAY_MS);
      return { reason: 'ErrImagePull', message: f.message };
    }
    return { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ${f.message}` };
  }
  return { reason: f.reason, message: f.message };
}

interface Decision {
  readonly waiting?: Waiting;
  readonly start?: PodAction;
}

/** Start (or restart) a container that is absent or stopped and should run. */
function decideStart(
  pod: Pod,
  spec: Container,
  kind: ContainerKind,
  latest: ObservedContainer | undefined,
  input: PodPlanInput,
  out: Collector,
): Decision {
  const { memory, now } = input;
  let backoff: BackoffEntry | undefined;
  if (latest && isStopped(latest)) {
    const finished = latest.state.finishedAt ?? now;
    const specChanged = latest.image !== '' && latest.image !== spec.image;
    const entry = memory.backoff.get(spec.name);
    const wait = specChanged ? undefined : inBackoff(entry, finished, now);
    if (wait) {
      out.at(wait.until.getTime());
      return {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${goDuration(entry!.delayMs)} restarting failed container=${spec.name} pod=${podRef(pod)}`,
        },
      };
    }
    backoff = specChanged ? entry : nextBackoff(entry, finished, now);
  }
  const held = failureWaiting(memory.failures.get(spec.name), spec.image ?? '', now, out);
  if (held) {
    return { waiting: held };
  }
  return {
    waiting: { reason: 'ContainerCreating' },
    start: {
      kind: 'startContainer',
      container: spec,
      containerKind: kind,
      attempt: latest ? latest.attempt + 1 : 0,
      ...(backoff ? { backoff } : {}),
    },
  };
}

function wantsRestart(kind: ContainerKind, policy: string, latest: ObservedContainer): boolean {
  if (kind === 'sidecar' || policy === 'Always') {
    return kind !== 'init' || exitCodeOf(latest.state) !== 0;
  }
  return policy === 'OnFailure' && exitCodeOf(latest.state) !== 0;
}

/** Remove attempts older than the last two of each name; kill strays that still run. */
function collectGarbage(pod: Pod, byName: Map<string, ObservedContainer[]>, out: Collector): void {
  const names = new Set([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name));
  for (const [name, list] of byName) {
    for (const c of list.slice(names.has(name) ? 2 : 0)) {
      out.actions.push(
        isRunning(c)
          ? {
              kind: 'killContainer',
              id: c.id,
              name: c.name,
              signal: 'SIGKILL',
              graceMs: 0,
              reason: 'stray container',
            }
          : { kind: 'removeContainer', id: c.id, name: c.name, attempt: c.attempt },
      );
    }
  }
}

function waitingAll(views: Views, initialized: boolean, reason?: Waiting): Views {
  const initWait = reason ?? { reason: 'PodInitializing' };
  const regWait = reason ?? { reason: initialized ? 'ContainerCreating' : 'PodInitializing' };
  return {
    init: views.init.map((v) => (isRunning(v.latest) || isStopped(v.latest) ? v : withWaiting(v, initWait))),
    regular: views.regular.map((v) =>
      isRunning(v.latest) || isStopped(v.latest) ? v : withWaiting(v, regWait),
    ),
  };
}

export function planPod(input: PodPlanInput): PodPlan {
  const { pod, memory, now } = input;
  const byName = groupByName(input.containers);
  if (!pod || pod.metadata.deletionTimestamp) {
    return planTermination(input, byName);
  }
  const out = new Collector(now);
  collectGarbage(pod, byName, out);
  const policy = pod.spec.restartPolicy ?? 'Always';
  let views = baseViews(pod, byName, input.probes);
  const status = (
    v: Views,
    phase: PodPhase,
    initialized: boolean,
    extra: { reason?: string; message?: string } = {},
  ): Pod['status'] =>
    buildPodStatus({
      pod,
      init: v.init,
      regular: v.regular,
      phase,
      initialized,
      sandboxReady: !!memory.network && !memory.networkTornDown,
      podIP: memory.network?.ip,
      hostIP: input.hostIP,
      now,
      ...extra,
    });

  // A pod the API already holds as Succeeded/Failed never runs again: release its network.
  if (isTerminalPhase(pod.status?.phase)) {
    for (const c of input.containers.filter((x) => isRunning(x))) {
      if (!memory.stopping.has(c.id)) {
        out.actions.push({
          kind: 'killContainer',
          id: c.id,
          name: c.name,
          signal: 'SIGTERM',
          graceMs: podGraceMs(pod),
          reason: 'pod is terminal',
        });
      }
    }
    if (!memory.networkTornDown) {
      out.actions.push({ kind: 'teardownNetwork' });
    }
    return { actions: out.actions, done: false, requeueAfterMs: out.actions.length > 0 ? 0 : undefined };
  }
  if (input.rejection) {
    const w = { reason: 'CreateContainerConfigError', message: input.rejection.message };
    return {
      actions: out.actions,
      status: status(waitingAll(views, false, w), 'Failed', false, input.rejection),
      done: false,
    };
  }
  const alreadyInitialized =
    views.init.length === 0 ||
    views.regular.some((v) => v.latest) ||
    pod.status?.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True') === true;
  // Setting up the sandbox (network, volumes) reports the pod Pending — except after an agent
  // restart, when a running pod's network and volumes are only being re-adopted: then nothing is
  // reported until they are, rather than a transient Pending / not-ready status (a readiness flap
  // that would take the pod out of its Services' endpoints on every agent restart).
  const readopting = input.containers.some((c) => isRunning(c));
  const sandboxPending = () =>
    readopting
      ? {}
      : { status: status(waitingAll(views, alreadyInitialized), 'Pending', alreadyInitialized) };
  if (!memory.network) {
    out.actions.push({ kind: 'setupNetwork' });
    return { actions: out.actions, ...sandboxPending(), done: false };
  }
  if (!memory.volumesReady) {
    const held = failureWaiting(memory.volumeFailure, '', now, out);
    if (held) {
      const v = waitingAll(views, alreadyInitialized, held);
      return {
        actions: out.actions,
        status: status(v, 'Pending', alreadyInitialized),
        requeueAfterMs: out.requeue(),
        done: false,
      };
    }
    out.actions.push({ kind: 'setupVolumes' });
    return { actions: out.actions, ...sandboxPending(), done: false };
  }

  // Running containers: kills in flight, failed liveness / startup probes, changed images.
  const handleRunning = (v: ContainerView): void => {
    const c = v.latest!;
    const st = memory.stopping.get(c.id);
    if (st) {
      if (!st.sigkill) {
        const killAt = st.sigtermAt.getTime() + st.graceMs;
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
      }
      return;
    }
    const p = v.probe ?? defaultProbeStatus(v.spec);
    const reason = p.startupFailed
      ? 'failed startup probe, will be restarted'
      : p.livenessFailed
        ? 'failed liveness probe, will be restarted'
        : c.image !== '' && c.image !== v.spec.image
          ? 'container spec changed, will be restarted'
          : undefined;
    if (reason) {
      const graceMs = probeGraceMs(pod, v.spec);
      out.actions.push({
        kind: 'killContainer',
        id: c.id,
        name: c.name,
        signal: graceMs > 0 ? 'SIGTERM' : 'SIGKILL',
        graceMs,
        reason,
      });
      out.at(now.getTime() + graceMs);
    }
  };

  // Init containers, one at a time, each to completion (sidecars: until started).
  let initialized = true;
  let initFailed = false;
  const init: ContainerView[] = [];
  let blocked = alreadyInitialized;
  for (const v of views.init) {
    if (blocked && v.kind !== 'sidecar') {
      init.push(v);
      continue;
    }
    if (isRunning(v.latest)) {
      handleRunning(v);
      init.push(v);
      if (v.kind === 'init' || !(v.probe ?? defaultProbeStatus(v.spec)).started) {
        initialized = alreadyInitialized;
        blocked = true;
      }
      continue;
    }
    if (isStopped(v.latest) && !wantsRestart(v.kind, policy, v.latest!)) {
      init.push(v);
      if (v.kind === 'init' && exitCodeOf(v.latest!.state) !== 0) {
        initFailed = !alreadyInitialized;
        initialized = alreadyInitialized;
        blocked = true;
      }
      continue;
    }
    const d = decideStart(pod, v.spec, v.kind, v.latest, input, out);
    if (d.start) {
      out.actions.push(d.start);
    }
    init.push(withWaiting(v, d.waiting));
    initialized = alreadyInitialized;
    blocked = true;
  }
  views = { init, regular: views.regular };
  if (!initialized) {
    const waited = waitingAll(views, false);
    const phase = podPhase(policy, false, initFailed, waited.regular);
    return {
      actions: out.actions,
      status: status(waited, phase, false),
      requeueAfterMs: out.requeue(),
      done: false,
    };
  }

  const regular: ContainerView[] = [];
  for (const v of views.regular) {
    if (isRunning(v.latest)) {
      handleRunning(v);
      regular.push(v);
      continue;
    }
    if (isStopped(v.latest) && !wantsRestart('regular', policy, v.latest!)) {
      regular.push(v);
      continue;
    }
    if (v.latest && !isStopped(v.latest)) {
      // created but never started, or unknown: clear it away and start a new attempt
      out.actions.push({
        kind: 'removeContainer',
        id: v.latest.id,
        name: v.latest.name,
        attempt: v.latest.attempt,
      });
      regular.push(withWaiting(v, { reason: 'ContainerCreating' }));
      continue;
    }
    const d = decideStart(pod, v.spec, 'regular', v.latest, input, out);
    if (d.start) {
      out.actions.push(d.start);
    }
    regular.push(withWaiting(v, d.waiting));
  }
  views = { init: views.init, regular };
  const phase = podPhase(policy, true, false, regular);
  if (isTerminalPhase(phase)) {
    // main containers are done: stop sidecars, release the network
    for (const v of views.init) {
      if (v.kind === 'sidecar' && isRunning(v.latest) && !memory.stopping.has(v.latest!.id)) {
        out.actions.push({
          kind: 'killContainer',
          id: v.latest!.id,
          name: v.spec.name,
          signal: 'SIGTERM',
          graceMs: podGraceMs(pod),
          reason: 'pod completed',
        });
      }
    }
  }
  return {
    actions: out.actions,
    status: status(views, phase, true),
    requeueAfterMs: out.requeue(),
    done: false,
  };
}
