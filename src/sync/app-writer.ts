// Writes an Application's status (and clears a finished `operation`) through the Client, and
// remembers what it wrote: an informer cache that has not caught up with our own write must not
// make the next pass act on an older status (start an operation twice, redo a wave).
import { rfc3339 } from '../api/clock.js';
import { isApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { objectKey } from '../client/informer.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { REFRESH_ANNOTATION } from './app-actions.js';
import { statusChanged } from './status.js';
import type { ApplicationStatus } from './types.js';

function rv(o: KObject): number {
  return Number(o.metadata.resourceVersion ?? 0) || 0;
}

export class AppWriter {
  private readonly written = new Map<string, KObject>();

  constructor(
    private readonly client: Client,
    /** A status equal to the stored one is still rewritten (reconciledAt) this often. */
    private readonly refreshMs: number,
  ) {}

  /** The newer of the cached app and the copy written last (same object, higher resourceVersion). */
  current(key: string, cached: KObject | undefined): KObject | undefined {
    const mine = this.written.get(key);
    if (!cached) {
      return undefined;
    }
    if (mine && mine.metadata.uid === cached.metadata.uid && rv(mine) > rv(cached)) {
      return mine;
    }
    return cached;
  }

  forget(key: string): void {
    this.written.delete(key);
  }

  /** Replaces the status when it changed (or reconciledAt is older than refreshMs). */
  async writeStatus(app: KObject, status: ApplicationStatus, now: Date): Promise<void> {
    const last = Date.parse(app.status?.reconciledAt ?? '') || 0;
    if (!statusChanged(app.status, status) && now.getTime() - last < this.refreshMs) {
      return;
    }
    status.reconciledAt = rfc3339(now);
    const updated = await this.client.patch(
      R.applications,
      app.metadata.namespace,
      app.metadata.name ?? '',
      'json',
      [{ op: 'add', path: '/status', value: status }],
      { subresource: 'status' },
    );
    this.written.set(objectKey(app), updated);
  }

  /** Removes the refresh annotation once the refresh it asked for is under way. */
  clearRefresh(app: KObject): Promise<void> {
    return this.mergePatch(app, { metadata: { annotations: { [REFRESH_ANNOTATION]: null } } });
  }

  /** Removes the `operation` a finished sync answered (Argo CD does the same). */
  clearOperation(app: KObject): Promise<void> {
    return this.mergePatch(app, { operation: null });
  }

  /** A merge patch of the Application (nothing when it is gone), remembered as written. */
  private async mergePatch(app: KObject, patch: Record<string, unknown>): Promise<void> {
    try {
      const updated = await this.client.patch(
        R.applications,
        app.metadata.namespace,
        app.metadata.name ?? '',
        'merge',
        patch,
      );
      this.written.set(objectKey(app), updated);
    } catch (e) {
      if (!isApiError(e, 404)) {
        throw e;
      }
    }
  }
}
