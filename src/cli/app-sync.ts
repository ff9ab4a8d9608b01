// `gantry app sync` and `gantry app wait`: request an operation the way argocd does (the
// Application's `operation` field, honouring sync windows for manual syncs) and follow the
// Application's status until the operation ends or the wanted sync/health state is reached.
import type { KObject } from '../api/types.js';
import { requestSync } from '../sync/app-actions.js';
import { isCompleted, type OperationState } from '../sync/types.js';
import { type AppCliContext, getApp, nowOf, withKind } from './app-context.js';
import { loadWorkloads } from './app-progress.js';
import { RESOURCE_HEADERS, renderOperation, resourceRows } from './app-view.js';
import { LiveView } from './live-view.js';
import {
  humanDuration,
  type OutputFormat,
  parseOutputFormat,
  parseTimeout,
  table,
  toJson,
  toYamlText,
} from './output.js';
import { appFrame } from './progress-frame.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SyncFlags {
  readonly prune?: boolean;
  readonly revision?: string;
  readonly watch?: boolean;
  readonly timeout?: string;
  /** json | yaml: the Application is printed at the end (progress goes to stderr). */
  readonly output?: string;
}

function printApp(app: KObject, format: OutputFormat): string {
  return format === 'json' ? toJson(withKind(app)) : toYamlText(withKind(app));
}

function operationOf(app: KObject): OperationState | undefined {
  return app.status?.operationState;
}

/**
 * Requests a sync (sets the Application's `operation`); with `watch`, follows it to the end and
 * then the Application's health while it is Progressing: a live view redrawn in place on a
 * terminal, timestamped lines of what changed otherwise. 0 when the operation succeeded and the
 * Application is not Degraded; 1 on failure, Degraded or timeout.
 */
export async function appSync(ctx: AppCliContext, name: string, flags: SyncFlags = {}): Promise<number> {
  const format = parseOutputFormat(flags.output, ['table', 'json', 'yaml']);
  const app = await requestSync(ctx.client, name, flags, nowOf(ctx));
  const before = operationOf(app);
  const progress = format === 'table' ? ctx.out : ctx.err;
  progress.write(
    `sync requested for application '${name}'${flags.revision ? ` at revision ${flags.revision}` : ''}\n`,
  );
  if (!flags.watch) {
    if (format !== 'table') {
      ctx.out.write(printApp(app, format));
    }
    return 0;
  }
  const isNew = (op: OperationState | undefined) =>
    op !== undefined && (op.startedAt !== before?.startedAt || op.id !== before?.id);
  const live = new LiveView(progress, { now: () => nowOf(ctx), handleSignals: ctx.handleSignals });
  let opDone = false;
  let done: Awaited<ReturnType<typeof poll>>;
  try {
    done = await poll(ctx, name, flags.timeout, async (cur) => {
      const op = operationOf(cur);
      const mine = isNew(op) ? op : undefined;
      live.show(appFrame(cur, mine, await loadWorkloads(ctx.client, cur), nowOf(ctx)));
      opDone = mine !== undefined && !cur.operation && isCompleted(mine.phase);
      // after a successful operation, follow the rollout it started until it settles
      return opDone && (mine?.phase !== 'Succeeded' || cur.status?.health?.status !== 'Progressing');
    });
  } finally {
    live.finish();
  }
  if (!done.ok) {
    ctx.err.write(
      opDone
        ? `gantry app sync: timed out after ${done.waited} waiting for application '${name}' to become healthy ` +
            `(health ${done.app.status?.health?.status ?? 'Unknown'})\n`
        : `gantry app sync: timed out after ${done.waited} waiting for the sync of application '${name}'\n`,
    );
    return 1;
  }
  const op = operationOf(done.app);
  if (format !== 'table') {
    ctx.out.write(printApp(done.app, format));
  } else {
    ctx.out.write(`\n${op ? renderOperation(op, nowOf(ctx)) : ''}`);
    const rows = resourceRows(done.app);
    if (rows.length > 0) {
      ctx.out.write(`\n${table(RESOURCE_HEADERS, rows)}`);
    }
  }
  const health = done.app.status?.health?.status;
  if (op?.phase === 'Succeeded' && health === 'Degraded') {
    ctx.err.write(`gantry app sync: application '${name}' is Degraded\n`);
  }
  return op?.phase === 'Succeeded' && health !== 'Degraded' ? 0 : 1;
}

export interface WaitFlags {
  readonly health?: boolean;
  readonly sync?: boolean;
  /** Wait for the running operation (if any) to finish. */
  readonly operation?: boolean;
  readonly timeout?: string;
  /** json | yaml: print the Application at the end instead of the one-line summary. */
  readonly output?: string;
}

/**
 * Waits until the Application is Synced and/or Healthy and/or has no operation running (all three
 * without flags, as argocd app wait); 1 on timeout.
 */
export async function appWait(ctx: AppCliContext, name: string, flags: WaitFlags = {}): Promise<number> {
  const format = parseOutputFormat(flags.output, ['table', 'json', 'yaml']);
  const all = !flags.health && !flags.sync && !flags.operation;
  const wantSync = all || flags.sync === true;
  const wantHealth = all || flags.health === true;
  const wantIdle = all || flags.operation === true;
  const state = (app: KObject) => ({
    sync: app.status?.sync?.status ?? 'Unknown',
    health: app.status?.health?.status ?? 'Unknown',
    running: Boolean(app.operation) || operationOf(app)?.phase === 'Running',
  });
  const done = await poll(ctx, name, flags.timeout ?? '5m', (app) => {
    const s = state(app);
    return (
      (!wantSync || s.sync === 'Synced') &&
      (!wantHealth || s.health === 'Healthy') &&
      (!wantIdle || !s.running)
    );
  });
  const s = state(done.app);
  if (!done.ok) {
    const wanted = [
      wantSync ? 'Synced' : '',
      wantHealth ? 'Healthy' : '',
      wantIdle ? 'done with its operation' : '',
    ]
      .filter((x) => x !== '')
      .join(' and ');
    ctx.err.write(
      `gantry app wait: timed out after ${done.waited} waiting for application '${name}' to be ${wanted} ` +
        `(sync ${s.sync}, health ${s.health}${s.running ? ', operation running' : ''})\n`,
    );
    return 1;
  }
  ctx.out.write(
    format === 'table'
      ? `application '${name}': sync ${s.sync}, health ${s.health}\n`
      : printApp(done.app, format),
  );
  return 0;
}

/** Re-reads the Application until `until` holds or the timeout passes. */
async function poll(
  ctx: AppCliContext,
  name: string,
  timeout: string | undefined,
  until: (app: KObject) => boolean | Promise<boolean>,
): Promise<{ ok: boolean; app: KObject; waited: string }> {
  const limitMs = timeout ? parseTimeout(timeout) : Number.POSITIVE_INFINITY;
  const start = Date.now();
  for (;;) {
    const app = await getApp(ctx, name);
    if (await until(app)) {
      return { ok: true, app, waited: humanDuration(Date.now() - start) };
    }
    if (Date.now() - start >= limitMs) {
      return { ok: false, app, waited: humanDuration(limitMs) };
    }
    await sleep(Math.min(ctx.pollMs ?? 500, Math.max(0, limitMs - (Date.now() - start))));
  }
}
