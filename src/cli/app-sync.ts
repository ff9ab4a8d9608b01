// `gantry app sync` and `gantry app wait`: request an operation the way argocd does (the
// Application's `operation` field, honouring sync windows for manual syncs) and follow the
// Application's status until the operation ends or the wanted sync/health state is reached.
import type { KObject } from '../api/types.js';
import { requestSync } from '../sync/app-actions.js';
import { isCompleted, type OperationState } from '../sync/types.js';
import { type AppCliContext, getApp, nowOf } from './app-context.js';
import { RESOURCE_HEADERS, renderOperation, resourceRows } from './app-view.js';
import { humanDuration, parseTimeout, table } from './output.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SyncFlags {
  readonly prune?: boolean;
  readonly revision?: string;
  readonly watch?: boolean;
  readonly timeout?: string;
}

function operationOf(app: KObject): OperationState | undefined {
  return app.status?.operationState;
}

/** Requests a sync (sets the Application's `operation`); with `watch`, follows it to the end. */
export async function appSync(ctx: AppCliContext, name: string, flags: SyncFlags = {}): Promise<number> {
  const app = await requestSync(ctx.client, name, flags, nowOf(ctx));
  const before = operationOf(app);
  ctx.out.write(
    `sync requested for application '${name}'${flags.revision ? ` at revision ${flags.revision}` : ''}\n`,
  );
  if (!flags.watch) {
    return 0;
  }
  const isNew = (op: OperationState | undefined) =>
    op !== undefined && (op.startedAt !== before?.startedAt || op.id !== before?.id);
  let last = '';
  const done = await poll(ctx, name, flags.timeout, (cur) => {
    const op = operationOf(cur);
    if (!isNew(op) || !op) {
      return false;
    }
    const line = `${op.phase}: ${op.message ?? ''}`;
    if (line !== last) {
      last = line;
      ctx.out.write(`${nowOf(ctx).toISOString()}  ${line}\n`);
    }
    return !cur.operation && isCompleted(op.phase);
  });
  if (!done.ok) {
    ctx.err.write(
      `gantry app sync: timed out after ${done.waited} waiting for the sync of application '${name}'\n`,
    );
    return 1;
  }
  const op = operationOf(done.app);
  ctx.out.write(`\n${op ? renderOperation(op, nowOf(ctx)) : ''}`);
  const rows = resourceRows(done.app);
  if (rows.length > 0) {
    ctx.out.write(`\n${table(RESOURCE_HEADERS, rows)}`);
  }
  return op?.phase === 'Succeeded' ? 0 : 1;
}

export interface WaitFlags {
  readonly health?: boolean;
  readonly sync?: boolean;
  readonly timeout?: string;
}

/** Waits until the Application is Synced and/or Healthy with no operation running; 1 on timeout. */
export async function appWait(ctx: AppCliContext, name: string, flags: WaitFlags = {}): Promise<number> {
  const all = !flags.health && !flags.sync;
  const wantSync = all || flags.sync === true;
  const wantHealth = all || flags.health === true;
  const state = (app: KObject) => ({
    sync: app.status?.sync?.status ?? 'Unknown',
    health: app.status?.health?.status ?? 'Unknown',
    running: Boolean(app.operation) || operationOf(app)?.phase === 'Running',
  });
  const done = await poll(ctx, name, flags.timeout ?? '5m', (app) => {
    const s = state(app);
    return (
      (!wantSync || s.sync === 'Synced') && (!wantHealth || s.health === 'Healthy') && (!all || !s.running)
    );
  });
  const s = state(done.app);
  if (!done.ok) {
    const wanted = [wantSync ? 'Synced' : '', wantHealth ? 'Healthy' : '']
      .filter((x) => x !== '')
      .join(' and ');
    ctx.err.write(
      `gantry app wait: timed out after ${done.waited} waiting for application '${name}' to be ${wanted} ` +
        `(sync ${s.sync}, health ${s.health}${s.running ? ', operation running' : ''})\n`,
    );
    return 1;
  }
  ctx.out.write(`application '${name}': sync ${s.sync}, health ${s.health}\n`);
  return 0;
}

/** Re-reads the Application until `until` holds or the timeout passes. */
async function poll(
  ctx: AppCliContext,
  name: string,
  timeout: string | undefined,
  until: (app: KObject) => boolean,
): Promise<{ ok: boolean; app: KObject; waited: string }> {
  const limitMs = timeout ? parseTimeout(timeout) : Number.POSITIVE_INFINITY;
  const start = Date.now();
  for (;;) {
    const app = await getApp(ctx, name);
    if (until(app)) {
      return { ok: true, app, waited: humanDuration(Date.now() - start) };
    }
    if (Date.now() - start >= limitMs) {
      return { ok: false, app, waited: humanDuration(limitMs) };
    }
    await sleep(Math.min(ctx.pollMs ?? 500, Math.max(0, limitMs - (Date.now() - start))));
  }
}
