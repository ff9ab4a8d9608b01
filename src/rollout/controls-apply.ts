// Sends a user control (promote, abort, retry, pause, resume, restart, undo) to a Rollout through
// the Client: reads the current objects, computes the merge patches (src/rollout/rollout/controls.ts)
// and writes them — spec first, then the status subresource. Shared by the CLI and the dashboard.
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import {
  abortRolloutPatch,
  pauseRolloutPatch,
  promoteRolloutPatch,
  type RolloutPatches,
  restartRolloutPatch,
  resumeRolloutPatch,
  retryRolloutPatch,
  undoRolloutPatch,
} from './rollout/controls.js';
import { loadRolloutObjects } from './view-load.js';

export type RolloutControlVerb = 'promote' | 'abort' | 'retry' | 'pause' | 'resume' | 'restart' | 'undo';

export interface RolloutControlOptions {
  /** promote: skip every remaining step. */
  readonly full?: boolean;
  /** undo: the revision to go back to (default: the previous one). */
  readonly toRevision?: number;
  /** restart: the time pods created before are replaced (default now). */
  readonly now?: Date;
}

/**
 * Applies one control and returns the Rollout as the last write left it. Throws
 * RolloutControlError (nothing written) when the control does not apply (promote when aborted…).
 */
export async function applyRolloutControl(
  client: Client,
  ns: string,
  name: string,
  verb: RolloutControlVerb,
  opts: RolloutControlOptions = {},
): Promise<KObject> {
  const v = await loadRolloutObjects(client, ns, name);
  const patches: Record<RolloutControlVerb, () => RolloutPatches> = {
    promote: () => promoteRolloutPatch(v.rollout, opts.full === true),
    abort: () => abortRolloutPatch(),
    retry: () => retryRolloutPatch(),
    pause: () => pauseRolloutPatch(),
    resume: () => resumeRolloutPatch(),
    restart: () => restartRolloutPatch(opts.now ?? new Date()),
    undo: () => undoRolloutPatch(v.rollout, v.replicaSets, opts.toRevision),
  };
  const p = patches[verb]();
  let result = v.rollout;
  if (p.main) {
    result = await client.patch(R.rollouts, ns, name, 'merge', p.main);
  }
  if (p.status) {
    result = await client.patch(R.rollouts, ns, name, 'merge', p.status, { subresource: 'status' });
  }
  return result;
}
