// The Event a promotion leaves on the target environment's Application (`Promoted`), shared by
// `gantry promote` and any other caller of src/promote: the Application is read, never written.
import type { Client } from '../client/types.js';
import { findApplication } from '../promote/environments.js';
import type { PromoteResult } from '../promote/promote.js';
import { recordEvent } from './app-events.js';

export interface PromotionEventRequest {
  readonly app: string;
  readonly from: string;
  readonly to: string;
  readonly result: PromoteResult;
  /** Reporting component of the Event. */
  readonly component?: string;
}

/** `Promoted web:v2 from staging to production: <PR url | merged commit | branch>`. Pure. */
export function promotedMessage(r: PromotionEventRequest): string {
  const images = [...new Set(r.result.plan.images.map((i) => i.to))];
  const what = images.length > 0 ? images.join(', ') : `${r.result.plan.edits.length} change(s)`;
  const where = r.result.pr
    ? r.result.pr.url
    : r.result.merged
      ? r.result.merged.slice(0, 7)
      : r.result.pushed === 'branch'
        ? r.result.branch
        : (r.result.commit?.slice(0, 7) ?? r.result.branch);
  return `Promoted ${what} from ${r.from} to ${r.to}: ${where}`;
}

/**
 * Records a Normal Event `Promoted` on the Application `<app>-<to>` when the promotion reached the
 * remote (a pushed branch, a merge or a pull request); nothing for a dry run or without one.
 */
export async function recordPromotion(client: Client, r: PromotionEventRequest): Promise<boolean> {
  const res = r.result;
  if (res.pushed === 'none' && !res.pr && !res.merged) {
    return false;
  }
  const target = await findApplication(client, r.app, r.to).catch(() => undefined);
  if (!target) {
    return false;
  }
  await recordEvent(client, r.component ?? 'gantry', target, 'Normal', 'Promoted', promotedMessage(r));
  return true;
}
