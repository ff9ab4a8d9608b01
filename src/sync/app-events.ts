// Records one Event about an Application (promotion, rollback) and waits until the API server has
// stored it: CLI commands exit right after, so fire-and-forget would lose it. Best effort: a
// failure to record is not a failure of the operation it reports.
import type { KObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import { ApiEventRecorder, type EventType } from '../cluster/events.js';

export async function recordEvent(
  client: Client,
  component: string,
  obj: KObject,
  type: EventType,
  reason: string,
  message: string,
): Promise<void> {
  await new ApiEventRecorder(client, component).emit(obj, type, reason, message).catch(() => undefined);
}
