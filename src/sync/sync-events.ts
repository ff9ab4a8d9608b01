// What the Application controller tells users through Kubernetes Events (Argo CD's reasons):
// OperationStarted, OperationCompleted and ResourceUpdated (sync or health status changed). Pure.
import type { EventType } from '../cluster/events.js';
import type { ApplicationStatus, OperationState } from './types.js';

export interface AppEvent {
  readonly type: EventType;
  readonly reason: 'OperationStarted' | 'OperationCompleted' | 'ResourceUpdated';
  readonly message: string;
}

/** ResourceUpdated events for the changes of sync and health status between two statuses. */
export function statusChangeEvents(
  before: ApplicationStatus | undefined,
  after: ApplicationStatus,
): AppEvent[] {
  const out: AppEvent[] = [];
  const syncFrom = before?.sync?.status;
  const syncTo = after.sync?.status;
  if (syncFrom && syncTo && syncFrom !== syncTo) {
    out.push({
      type: 'Normal',
      reason: 'ResourceUpdated',
      message: `Updated sync status: ${syncFrom} -> ${syncTo}`,
    });
  }
  const healthFrom = before?.health?.status;
  const healthTo = after.health?.status;
  if (healthFrom && healthTo && healthFrom !== healthTo) {
    out.push({
      type: 'Normal',
      reason: 'ResourceUpdated',
      message: `Updated health status: ${healthFrom} -> ${healthTo}`,
    });
  }
  return out;
}

/** The OperationStarted event of a new sync operation. */
export function operationStartedEvent(op: OperationState): AppEvent {
  const rev = op.syncResult.revision.slice(0, 7);
  const by = op.operation.initiatedBy;
  return {
    type: 'Normal',
    reason: 'OperationStarted',
    message:
      by?.automated || !by?.username
        ? `Initiated ${by?.automated ? 'automated ' : ''}sync to ${rev}`
        : `${by.username} initiated sync to ${rev}`,
  };
}

/** The OperationCompleted event of a finished sync operation (Warning when it did not succeed). */
export function operationCompletedEvent(op: OperationState): AppEvent {
  const ok = op.phase === 'Succeeded';
  const rev = op.syncResult.revision.slice(0, 7);
  return {
    type: ok ? 'Normal' : 'Warning',
    reason: 'OperationCompleted',
    message: `Sync operation to ${rev} ${ok ? 'succeeded' : `failed: ${op.message}`}`,
  };
}
