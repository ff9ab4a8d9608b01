// What a pod worker remembers between passes, the actions its planner emits and the planner's
// input and output (the pure planner is in pod-plan.ts, termination in pod-termination.ts).
import type { Container, Pod } from '../../api/types.js';
import type { PodNetworkInfo } from '../types.js';
import type { BackoffEntry } from './backoff.js';
import type { ContainerKind, ObservedContainer } from './naming.js';
import type { ProbeStatus } from './pod-status.js';

/** A start that failed: the image (pull), the pod's config, or the runtime (create). */
export interface StartFailure {
  readonly kind: 'pull' | 'config' | 'create';
  readonly reason: string;
  readonly message: string;
  readonly at: Date;
  /** Consecutive failures (the retry delay grows with it). */
  readonly count: number;
}

export interface Stopping {
  readonly sigtermAt: Date;
  readonly graceMs: number;
  readonly sigkill: boolean;
}

/** What a pod worker remembers between passes (lost on agent restart, which is safe). */
export interface PodMemory {
  network?: PodNetworkInfo;
  networkTornDown: boolean;
  volumesReady: boolean;
  volumeFailure?: StartFailure;
  readonly failures: Map<string, StartFailure>;
  readonly backoff: Map<string, BackoffEntry>;
  readonly stopping: Map<string, Stopping>;
  termination?: { readonly startedAt: Date };
  /**
   * A deleted pod that was serving traffic: when the wait for it to leave the node's service rules
   * began, and when it was out of them (or the wait timed out).
   */
  drain?: { readonly startedAt: Date; readonly outAt?: Date };
  tornDown: boolean;
}

export function newPodMemory(): PodMemory {
  return {
    networkTornDown: false,
    volumesReady: false,
    failures: new Map(),
    backoff: new Map(),
    stopping: new Map(),
    tornDown: false,
  };
}

export type PodAction =
  | { readonly kind: 'setupNetwork' }
  | { readonly kind: 'setupVolumes' }
  | {
      readonly kind: 'startContainer';
      readonly container: Container;
      readonly containerKind: ContainerKind;
      readonly attempt: number;
      /** The crash back-off entry to record once started (restarts only). */
      readonly backoff?: BackoffEntry;
    }
  | {
      readonly kind: 'killContainer';
      readonly id: string;
      readonly name: string;
      readonly signal: 'SIGTERM' | 'SIGKILL';
      readonly graceMs: number;
      readonly reason: string;
    }
  | { readonly kind: 'removeContainer'; readonly id: string; readonly name: string; readonly attempt: number }
  | {
      readonly kind: 'beginTermination';
      readonly preStop: readonly { readonly id: string; readonly container: Container }[];
      readonly timeoutMs: number;
      /** When the grace period began (the start of the drain), if not now. */
      readonly startedAt?: Date;
    }
  /**
   * The deleted pod receives traffic: wait for it to leave the service rules first; or it left
   * them just now (`outAt`): wait the drain delay.
   */
  | { readonly kind: 'beginDrain'; readonly outAt?: Date }
  /** Out of the service rules (or the wait timed out): SIGTERM after the drain delay. */
  | { readonly kind: 'endDrain'; readonly timedOut: boolean }
  | { readonly kind: 'teardownNetwork' }
  | { readonly kind: 'teardownPod' }
  | { readonly kind: 'deletePod' };

export interface PodPlanInput {
  /** The pod as the API has it; undefined once it is no longer assigned to this node. */
  readonly pod?: Pod;
  readonly containers: readonly ObservedContainer[];
  readonly probes: ReadonlyMap<string, ProbeStatus>;
  readonly memory: Readonly<PodMemory>;
  readonly now: Date;
  readonly hostIP: string;
  /** The pod cannot run on this node (hostPath outside the allowed prefixes, …). */
  readonly rejection?: { readonly reason: string; readonly message: string };
  /** Grace for containers of pods that are gone from the API. */
  readonly orphanGraceMs: number;
  /** For a pod being deleted: whether it still receives traffic (absent: no drain step). */
  readonly drain?: DrainInput;
}

/**
 * Traffic draining of a deleted pod. Containers get SIGTERM only once the pod is out of the node's
 * service rules (its IP no longer a ready endpoint the proxy routes new connections to) and
 * `delayMs` more have passed, for requests already on their way and for other nodes' proxies; the
 * wait for the rules gives up after `timeoutMs`. All of it counts against the grace period.
 */
export interface DrainInput {
  /** The pod's IP is a ready endpoint in the service rules applied on this node. */
  readonly serving: boolean;
  /** When it left those rules, if it did recently. */
  readonly leftAt?: Date;
  readonly delayMs: number;
  readonly timeoutMs: number;
}

export interface PodPlan {
  readonly actions: PodAction[];
  /** The status to report (undefined: leave the pod's status alone). */
  readonly status?: Pod['status'];
  readonly requeueAfterMs?: number;
  /** Nothing of the pod is left on the node and the API no longer has it: the worker may go. */
  readonly done: boolean;
}
