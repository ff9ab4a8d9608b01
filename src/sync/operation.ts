// The sync operation as a resumable step function (CONVENTIONS.md #7, gitops-engine's
// SyncContext): PreSync hooks → waves in apply order (each applied, then awaited healthy before the
// next) → prune (reverse order, only tracked objects, only when enabled) → PostSync hooks →
// finish. Where it stands lives in status.operationState.step and the per-resource results in
// syncResult, persisted by the caller after every call, so a controller killed at any line
// continues the same revision from the wave it was in: applies are idempotent, hooks carry the id
// of the operation that created them and are not created twice. Never throws halfway: every
// resource gets a result, a failure ends the operation as Failed (or schedules a retry).
import { rfc3339 } from '../api/clock.js';
import { keyOf, keyString } from '../api/keys.js';
import { resourceFor, splitApiVersion } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import {
  type DiffOptions,
  type DiffResult,
  diffResources,
  pruneOrder,
  syncOrder,
  syncPhase,
  syncWave,
} from '../diff/index.js';
import { applyResource, createHook, hookDeletePolicies, hookPhaseOf, pruneResource } from './apply.js';
import type { HealthStatus } from './health.js';
import { appSyncOptions, isFalse, isTrue, mayRetry, resourceSyncOptions, retryDelayMs } from './policy.js';
import type { OperationState, OperationStep, OpSyncPhase, ResourceResult } from './types.js';

export interface OperationInput {
  readonly client: Client;
  readonly app: KObject;
  /** The running operation (phase Running). */
  readonly state: OperationState;
  /** The revision's manifests that are resources (not hooks), tracking label/annotation added. */
  readonly desired: readonly KObject[];
  /** The revision's hooks (PreSync, Sync, PostSync). */
  readonly hooks: readonly KObject[];
  /** Live objects this Application tracks. */
  readonly live: readonly KObject[];
  /** Health of a live object (the caller knows its children). */
  readonly healthOf: (live: KObject) => HealthStatus;
  readonly now: Date;
  readonly diffOptions?: DiffOptions;
}

export interface StepResult {
  readonly state: OperationState;
  /** Call again after this long (0: at once); undefined when the operation has completed. */
  readonly requeueAfterMs?: number;
}

const WAIT_MS = 1000;

function resultKey(r: Pick<ResourceResult, 'group' | 'kind' | 'namespace' | 'name' | 'syncPhase'>): string {
  return `${r.group}/${r.kind}/${r.namespace}/${r.name}/${r.syncPhase}`;
}

function resultFor(
  obj: KObject,
  status: ResourceResult['status'],
  message: string,
  syncPhase: OpSyncPhase,
  extra: Partial<ResourceResult> = {},
): ResourceResult {
  const k = keyOf(obj);
  return {
    group: k.group,
    version: splitApiVersion(obj.apiVersion).version,
    kind: k.kind,
    namespace: k.namespace,
    name: k.name,
    status,
    message,
    syncPhase,
    ...extra,
  };
}

/** A copy of `state` with `results` recorded (replacing earlier results of the same resource). */
function record(state: OperationState, results: readonly ResourceResult[]): OperationState {
  const byKey = new Map(state.syncResult.resources.map((r) => [resultKey(r), r]));
  for (const r of results) {
    byKey.set(resultKey(r), r);
  }
  return { ...state, syncResult: { ...state.syncResult, resources: [...byKey.values()] } };
}

/** The waves of the Sync phase, in order (resources and Sync hooks). */
export function wavesOf(desired: readonly KObject[], hooks: readonly KObject[]): number[] {
  const waves = new Set<number>();
  for (const o of desired) {
    waves.add(syncWave(o));
  }
  for (const h of hooks) {
    if (syncPhase(h) === 'Sync') {
      waves.add(syncWave(h));
    }
  }
  return [...waves].sort((a, b) => a - b);
}

/** The step after `step`, given the waves there are. */
export function nextStep(step: OperationStep, waves: readonly number[]): OperationStep {
  switch (step.kind) {
    case 'PreSync': {
      const first = waves[0];
      return first === undefined ? { kind: 'Prune' } : { kind: 'Wave', wave: first, applied: false };
    }
    case 'Wave': {
      const next = waves.find((w) => w > step.wave);
      return next === undefined ? { kind: 'Prune' } : { kind: 'Wave', wave: next, applied: false };
    }
    case 'Prune':
      return { kind: 'PostSync' };
    case 'PostSync':
    case 'Finish':
      return { kind: 'Finish' };
  }
}

function fail(input: OperationInput, state: OperationState, message: string): StepResult {
  const retry = state.operation.retry ?? input.app.spec?.syncPolicy?.retry;
  const count = state.retryCount ?? 0;
  if (mayRetry(retry, count)) {
    const delay = retryDelayMs(retry, count + 1);
    return {
      state: {
        ...state,
        phase: 'Running',
        retryCount: count + 1,
        step: { kind: 'PreSync' },
        nextRetryAt: new Date(input.now.getTime() + delay).toISOString(),
        message: `${message} (retrying attempt #${count + 1} in ${Math.round(delay / 1000)}s)`,
      },
      requeueAfterMs: delay,
    };
  }
  return {
    state: { ...state, phase: 'Failed', message, finishedAt: rfc3339(input.now), step: { kind: 'Finish' } },
  };
}

/** Runs the hooks of one phase: creates the missing ones, then waits until all have completed. */
async function runHooks(
  input: OperationInput,
  state: OperationState,
  phase: OpSyncPhase,
  hooks: readonly KObject[],
): Promise<{ state: OperationState; outcome: 'done' | 'wait' | 'failed'; message?: string }> {
  const opId = state.id ?? state.startedAt;
  const appName = input.app.metadata.name ?? '';
  const results: ResourceResult[] = [];
  let waiting = false;
  let failure: string | undefined;
  for (const hook of syncOrder(hooks)) {
    const created = await createHook(input.client, hook, appName, opId);
    const live = created.live;
    const named = live ?? hook;
    if (!created.ok) {
      results.push(resultFor(named, 'SyncFailed', created.message, phase, { hookPhase: 'Failed' }));
      failure ??= `${hook.kind} ${hook.metadata.name ?? hook.metadata.generateName}: ${created.message}`;
      continue;
    }
    const res = resourceFor(named.apiVersion, named.kind);
    const fresh =
      res && live
        ? await input.client.get(res, live.metadata.namespace, live.metadata.name ?? '').catch(() => live)
        : live;
    const hp = hookPhaseOf(fresh);
    const policies = hookDeletePolicies(hook);
    if (hp.phase === 'Running') {
      waiting = true;
    } else if (hp.phase === 'Failed') {
      failure ??= `${phase} hook ${named.kind} ${named.metadata.name} failed: ${hp.message}`;
    }
    if (
      res &&
      fresh &&
      ((hp.phase === 'Succeeded' && policies.has('HookSucceeded')) ||
        (hp.phase === 'Failed' && policies.has('HookFailed')))
    ) {
      await input.client
        .delete(res, fresh.metadata.namespace, fresh.metadata.name ?? '', { propagationPolicy: 'Background' })
        .catch(() => undefined);
    }
    results.push(
      resultFor(named, hp.phase === 'Failed' ? 'SyncFailed' : 'Synced', hp.message, phase, {
        hookPhase: hp.phase,
        syncWave: syncWave(hook),
      }),
    );
  }
  const next = record(state, results);
  if (failure) {
    return { state: next, outcome: 'failed', message: failure };
  }
  return { state: next, outcome: waiting ? 'wait' : 'done' };
}

function diffs(input: OperationInput): DiffResult[] {
  return diffResources(input.desired, input.live, { ...input.diffOptions, render: false });
}

function pruneEnabled(state: OperationState): boolean {
  return state.operation.sync?.prune === true;
}

/** Runs one transition of the operation (steps with nothing to do are passed at once). */
export async function stepOperation(input: OperationInput): Promise<StepResult> {
  let state = input.state;
  if (state.phase !== 'Running') {
    return { state };
  }
  if (state.nextRetryAt && Date.parse(state.nextRetryAt) > input.now.getTime()) {
    return { state, requeueAfterMs: Date.parse(state.nextRetryAt) - input.now.getTime() };
  }
  if (state.nextRetryAt) {
    const { nextRetryAt: _, ...rest } = state;
    state = { ...rest, syncResult: { ...rest.syncResult, resources: [] } };
  }
  const waves = wavesOf(input.desired, input.hooks);
  const opts = appSyncOptions(input.app, state.operation.sync?.syncOptions);
  for (let guard = 0; guard < 1000; guard++) {
    const step: OperationStep = state.step ?? { kind: 'PreSync' };
    switch (step.kind) {
      case 'PreSync':
      case 'PostSync': {
        const hooks = input.hooks.filter((h) => syncPhase(h) === step.kind);
        if (hooks.length > 0) {
          const r = await runHooks(input, state, step.kind, hooks);
          if (r.outcome === 'failed') {
            return fail(input, r.state, r.message ?? `${step.kind} hook failed`);
          }
          if (r.outcome === 'wait') {
            return {
              state: { ...r.state, message: `waiting for ${step.kind} hooks`, step },
              requeueAfterMs: WAIT_MS,
            };
          }
          state = r.state;
        }
        state = { ...state, step: nextStep(step, waves) };
        continue;
      }
      case 'Wave': {
        const inWave = input.desired.filter((o) => syncWave(o) === step.wave);
        const hooks = input.hooks.filter((h) => syncPhase(h) === 'Sync' && syncWave(h) === step.wave);
        if (!step.applied) {
          const onlyOutOfSync = isTrue(opts, 'ApplyOutOfSyncOnly');
          const status = new Map(diffs(input).map((d) => [d.keyString, d.status]));
          const results: ResourceResult[] = [];
          let failures = 0;
          for (const obj of syncOrder(inWave)) {
            if (onlyOutOfSync && status.get(keyString(keyOf(obj))) === 'Synced') {
              continue;
            }
            const out = await applyResource(input.client, obj);
            failures += out.ok ? 0 : 1;
            results.push(
              resultFor(obj, out.ok ? 'Synced' : 'SyncFailed', out.message, 'Sync', { syncWave: step.wave }),
            );
          }
          state = { ...record(state, results), step: { kind: 'Wave', wave: step.wave, applied: true } };
          if (failures > 0) {
            const first = results.find((r) => r.status === 'SyncFailed');
            return fail(
              input,
              state,
              `one or more objects failed to apply (wave ${step.wave}): ${first?.kind} ${first?.namespace ? `${first.namespace}/` : ''}${first?.name}: ${first?.message}`,
            );
          }
          // Persist after every wave (the caller writes the state and calls again at once).
          return { state: { ...state, message: `wave ${step.wave} applied` }, requeueAfterMs: 0 };
        }
        if (hooks.length > 0) {
          const r = await runHooks(input, state, 'Sync', hooks);
          if (r.outcome === 'failed') {
            return fail(input, r.state, r.message ?? 'Sync hook failed');
          }
          if (r.outcome === 'wait') {
            return {
              state: { ...r.state, message: `waiting for Sync hooks of wave ${step.wave}` },
              requeueAfterMs: WAIT_MS,
            };
          }
          state = r.state;
        }
        const next = nextStep(step, waves);
        const more = next.kind === 'Wave' || input.hooks.some((h) => syncPhase(h) === 'PostSync');
        if (more) {
          const wait = waitForWave(input, inWave);
          if (wait.degraded) {
            return fail(input, state, wait.degraded);
          }
          if (wait.pending) {
            return {
              state: {
                ...state,
                message: `waiting for wave ${step.wave} to become healthy: ${wait.pending}`,
              },
              requeueAfterMs: WAIT_MS,
            };
          }
        }
        state = { ...state, step: next };
        continue;
      }
      case 'Prune': {
        const extras = diffs(input).filter((d) => d.status === 'Extra' && d.live);
        const liveByKey = new Map(input.live.map((l) => [keyString(keyOf(l)), l]));
        const candidates = extras
          .map((d) => liveByKey.get(d.keyString))
          .filter((l): l is KObject => l !== undefined);
        const results: ResourceResult[] = [];
        let failures = 0;
        for (const live of pruneOrder(candidates)) {
          if (!pruneEnabled(state)) {
            results.push(resultFor(live, 'PruneSkipped', 'ignored (requires pruning)', 'Sync'));
            continue;
          }
          if (isFalse(resourceSyncOptions(live), 'Prune') || isFalse(opts, 'Prune')) {
            results.push(resultFor(live, 'PruneSkipped', 'ignored (Prune=false)', 'Sync'));
            continue;
          }
          const out = await pruneResource(input.client, live);
          failures += out.ok ? 0 : 1;
          results.push(resultFor(live, out.ok ? 'Pruned' : 'SyncFailed', out.message, 'Sync'));
        }
        state = { ...record(state, results), step: nextStep(step, waves) };
        if (failures > 0) {
          return fail(input, state, 'one or more objects failed to prune');
        }
        if (results.some((r) => r.status === 'Pruned')) {
          return { state: { ...state, message: 'pruned' }, requeueAfterMs: 0 };
        }
        continue;
      }
      case 'Finish':
        return {
          state: {
            ...state,
            phase: 'Succeeded',
            message: 'successfully synced (all tasks run)',
            finishedAt: rfc3339(input.now),
          },
        };
    }
  }
  return fail(input, state, 'operation did not converge');
}

/** Whether the wave's resources are healthy enough to go on: Degraded fails, others wait. */
function waitForWave(
  input: OperationInput,
  inWave: readonly KObject[],
): { pending?: string; degraded?: string } {
  const live = new Map(input.live.map((l) => [keyString(keyOf(l)), l]));
  for (const obj of inWave) {
    const k = keyOf(obj);
    const l = live.get(keyString(k));
    const label = `${k.kind} ${k.namespace ? `${k.namespace}/` : ''}${k.name}`;
    if (!l) {
      return { pending: `${label} not observed yet` };
    }
    const h = input.healthOf(l);
    if (h.status === 'Degraded') {
      return { degraded: `${label} is Degraded${h.message ? `: ${h.message}` : ''}` };
    }
    if (h.status === 'Progressing' || h.status === 'Missing') {
      return { pending: `${label} is ${h.status}${h.message ? ` (${h.message})` : ''}` };
    }
  }
  return {};
}

/** A new Running operation for `revision`. */
export function newOperationState(
  operation: OperationState['operation'],
  revision: string,
  source: OperationState['syncResult']['source'],
  now: Date,
  id: string,
): OperationState {
  return {
    operation,
    phase: 'Running',
    message: 'sync started',
    startedAt: rfc3339(now),
    id,
    step: { kind: 'PreSync' },
    syncResult: { revision, ...(source ? { source } : {}), resources: [] },
  };
}
