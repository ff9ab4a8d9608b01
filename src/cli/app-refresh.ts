// `gantry app get NAME --refresh | --hard-refresh`: asks the sync engine to look at git again
// (the refresh annotation, src/sync/app-actions.ts) and waits until the Application reports a
// reconciliation after the request, so what is shown next is fresh.
import type { KObject } from '../api/types.js';
import { REFRESH_ANNOTATION, requestRefresh } from '../sync/app-actions.js';
import { type AppCliContext, getApp, nowOf } from './app-context.js';
import { humanDuration, parseTimeout } from './output.js';

/** Whether `app` shows a reconciliation that began after `requestedAt` (RFC 3339 is whole seconds). */
export function refreshedSince(app: KObject, requestedAt: Date, before: string | undefined): boolean {
  if (app.metadata.annotations?.[REFRESH_ANNOTATION] !== undefined) {
    return false;
  }
  const at: string | undefined = app.status?.reconciledAt;
  if (!at || at === before) {
    return false;
  }
  return Date.parse(at) >= Math.floor(requestedAt.getTime() / 1000) * 1000;
}

/** Requests a refresh and waits for it (default up to 1m); the Application as it then is. */
export async function refreshApp(
  ctx: AppCliContext,
  name: string,
  opts: { hard?: boolean; timeout?: string } = {},
): Promise<KObject> {
  const limitMs = parseTimeout(opts.timeout ?? '1m');
  const before: string | undefined = (await getApp(ctx, name)).status?.reconciledAt;
  const requestedAt = nowOf(ctx);
  await requestRefresh(ctx.client, name, opts.hard === true);
  const start = Date.now();
  for (;;) {
    const app = await getApp(ctx, name);
    if (refreshedSince(app, requestedAt, before)) {
      return app;
    }
    if (Date.now() - start >= limitMs) {
      throw new Error(
        `refresh of application '${name}' requested, but it reported no reconciliation within ${humanDuration(limitMs)}`,
      );
    }
    await new Promise((r) => setTimeout(r, ctx.pollMs ?? 500));
  }
}
