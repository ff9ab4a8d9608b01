// `gantry rollout get|promote|abort|retry|pause|resume|restart|undo NAME`: the verbs of
// `kubectl argo rollouts`, over the HTTP client. Thin: the controls are merge patches from
// src/rollout (the controller does the work); the view is a pure function of the objects.
import type { Command } from 'commander';
import type { Client } from '../client/types.js';
import { applyRolloutControl, type RolloutControlVerb } from '../rollout/controls-apply.js';
import type { RolloutView } from '../rollout/view.js';
import { loadRolloutView } from '../rollout/view-load.js';
import { KUBECONFIG_OPTION, runWithKubeClient } from './app-context.js';
import { LiveView } from './live-view.js';
import {
  humanDuration,
  type Output,
  parseOutputFormat,
  parseTimeout,
  summary,
  toJson,
  toYamlText,
} from './output.js';
import { rolloutFrame } from './progress-frame.js';

export interface RolloutCliContext {
  readonly client: Client;
  readonly out: Output;
  readonly err: Output;
  readonly now?: () => Date;
}

const age = (now: Date, at: string | undefined): string =>
  humanDuration(now.getTime() - Date.parse(at ?? now.toISOString()));

/** What kubectl argo rollouts get shows: a summary, then each revision's ReplicaSet and its pods. Pure. */
export function renderRollout(v: RolloutView, now: Date): string {
  const bg = v.strategy === 'blueGreen';
  const images = v.revisions
    .filter((r) => r.desired > 0)
    .flatMap((r) => r.images.map((image) => `${image}${r.roles.length ? ` (${r.roles.join(', ')})` : ''}`));
  const fields: [string, string][] = [
    ['Name', v.name],
    ['Namespace', v.namespace],
    ['Status', `${v.status}${v.message ? ` (${v.message})` : ''}`],
    ['Strategy', bg ? 'BlueGreen' : 'Canary'],
  ];
  if (v.step) {
    fields.push(['  Step', `${v.step.index}/${v.step.total}`]);
    fields.push(['  SetWeight', String(v.setWeight ?? 0)]);
    fields.push(['  ActualWeight', String(v.actualWeight ?? 0)]);
  }
  fields.push(['Images', images.join('\n'.padEnd(21)) || '<none>']);
  fields.push(['Replicas', '']);
  fields.push(['  Desired', String(v.desired)]);
  fields.push(['  Current', String(v.current)]);
  fields.push(['  Updated', String(v.updated)]);
  fields.push(['  Ready', String(v.ready)]);
  fields.push(['  Available', String(v.available)]);
  let text = summary(fields);
  text += '\nNAME                                  KIND        STATUS        AGE  INFO\n';
  text += `${`⟳ ${v.name}`.padEnd(38)}Rollout     ${v.status.padEnd(14)}${age(now, v.createdAt)}\n`;
  for (const r of v.revisions) {
    text += `└──# revision:${r.revision || '?'}\n`;
    text += `${`   └──⧉ ${r.replicaSet}`.padEnd(38)}ReplicaSet  ${r.status.padEnd(14)}`;
    text += `${age(now, r.createdAt)}  ${r.roles.join(',')}\n`;
    for (const p of r.pods) {
      const ready = p.ready ? '✔' : '◌';
      text += `${`      └──□ ${p.name}`.padEnd(38)}Pod         ${`${ready} ${p.phase}`.padEnd(14)}`;
      text += `${age(now, p.createdAt)}  ready:${p.ready ? '1/1' : '0/1'}${p.restarts ? `,restarts:${p.restarts}` : ''}\n`;
    }
  }
  return text;
}

export interface RolloutGetOptions {
  /** Keep showing it until it is Healthy (exit 0) or Degraded (1), or the timeout passes (1). */
  readonly watch?: boolean;
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  readonly output?: string;
  /** Restore the cursor on Ctrl-C (the CLI sets it). */
  readonly handleSignals?: boolean;
}

/** Settled: the controller has seen the current spec and the phase is final. */
function outcome(v: RolloutView): 0 | 1 | undefined {
  if (!v.observed) {
    return undefined;
  }
  if (v.status === 'Degraded') {
    return 1;
  }
  return v.status === 'Healthy' ? 0 : undefined;
}

/**
 * `gantry rollout get NAME [--watch]`. Without --watch: the tree once (or -o json|yaml: the view).
 * With --watch: a live view redrawn in place on a terminal, timestamped change lines otherwise,
 * until the rollout is Healthy (0), Degraded (1) or the timeout passes (1).
 */
export async function rolloutGet(
  ctx: RolloutCliContext,
  ns: string,
  name: string,
  opts: RolloutGetOptions = {},
): Promise<number> {
  const now = () => (ctx.now ? ctx.now() : new Date());
  const format = parseOutputFormat(opts.output, ['table', 'json', 'yaml']);
  if (!opts.watch) {
    const v = await loadRolloutView(ctx.client, ns, name);
    ctx.out.write(
      format === 'json' ? toJson(v) : format === 'yaml' ? toYamlText(v) : renderRollout(v, now()),
    );
    return 0;
  }
  if (format !== 'table') {
    throw new Error('--watch shows a live view: it cannot be combined with -o json|yaml');
  }
  const since = now();
  const start = Date.now();
  const live = new LiveView(ctx.out, { now, handleSignals: opts.handleSignals });
  try {
    for (;;) {
      const v = await loadRolloutView(ctx.client, ns, name);
      live.show(rolloutFrame(v, now(), since));
      const code = outcome(v);
      if (code !== undefined) {
        live.finish();
        if (code !== 0) {
          ctx.err.write(`rollout "${name}" is Degraded${v.message ? `: ${v.message}` : ''}\n`);
        }
        return code;
      }
      if (Date.now() - start >= (opts.timeoutMs ?? Number.POSITIVE_INFINITY)) {
        live.finish();
        ctx.err.write(
          `timed out after ${humanDuration(Date.now() - start)}: rollout "${name}" is ${v.status}\n`,
        );
        return 1;
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
    }
  } finally {
    live.finish();
  }
}

/**
 * `gantry rollout status NAME`: prints `Phase - message` each time it changes, as
 * `kubectl argo rollouts status` does, until Healthy (0), Degraded (1) or the timeout (1).
 */
export async function rolloutStatus(
  ctx: RolloutCliContext,
  ns: string,
  name: string,
  opts: { watch?: boolean; timeoutMs?: number; pollMs?: number } = {},
): Promise<number> {
  const start = Date.now();
  let last = '';
  for (;;) {
    const v = await loadRolloutView(ctx.client, ns, name);
    const line = `${v.status}${v.message ? ` - ${v.message}` : ''}`;
    if (line !== last) {
      ctx.out.write(`${line}\n`);
      last = line;
    }
    const code = outcome(v);
    if (code !== undefined) {
      return code;
    }
    if (!opts.watch) {
      return v.status === 'Degraded' ? 1 : 0;
    }
    if (Date.now() - start >= (opts.timeoutMs ?? Number.POSITIVE_INFINITY)) {
      ctx.err.write(
        `timed out after ${humanDuration(Date.now() - start)}: rollout "${name}" is ${v.status}\n`,
      );
      return 1;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
}

const DONE: Record<RolloutControlVerb, string> = {
  promote: 'promoted',
  abort: 'aborted',
  retry: 'retried',
  pause: 'paused',
  resume: 'resumed',
  restart: 'restarts',
  undo: 'undo',
};

/** One control verb: computes its patches from the current objects and sends them. */
export async function rolloutControl(
  ctx: RolloutCliContext,
  verb: RolloutControlVerb,
  ns: string,
  name: string,
  opts: { full?: boolean; toRevision?: number } = {},
): Promise<number> {
  await applyRolloutControl(ctx.client, ns, name, verb, { ...opts, now: ctx.now ? ctx.now() : new Date() });
  ctx.out.write(`rollout '${name}' ${DONE[verb]}\n`);
  return 0;
}

/** Adds `gantry rollout …` to the program (main.ts calls this once). */
export function registerRolloutCommands(program: Command): void {
  const rollout = program
    .command('rollout')
    .description('inspect and steer Rollouts (argoproj.io/v1alpha1) like kubectl argo rollouts')
    .option(...KUBECONFIG_OPTION)
    .option('-n, --namespace <ns>', 'namespace of the rollout', 'default');
  const run = (cmd: Command, fn: (ctx: RolloutCliContext, ns: string) => Promise<number>) =>
    runWithKubeClient(
      cmd,
      (e) => `gantry rollout ${cmd.name()}: ${(e as Error).message}\n`,
      (client, io) => fn({ client, ...io }, (cmd.optsWithGlobals() as { namespace: string }).namespace),
    );
  rollout
    .command('get <name>')
    .description('show a rollout, its revisions and pods')
    .option('-w, --watch', 'show it live until it is Healthy (exit 0) or Degraded (exit 1)')
    .option('--timeout <duration>', 'with --watch, give up after this long (exit 1), e.g. 5m')
    .option('-o, --output <format>', 'json | yaml')
    .action((name: string, o: { watch?: boolean; timeout?: string; output?: string }, cmd: Command) =>
      run(cmd, (ctx, ns) =>
        rolloutGet(ctx, ns, name, {
          watch: o.watch,
          output: o.output,
          handleSignals: true,
          ...(o.timeout ? { timeoutMs: parseTimeout(o.timeout) } : {}),
        }),
      ),
    );
  rollout
    .command('status <name>')
    .description('print the status until the rollout is Healthy (exit 0) or Degraded (exit 1)')
    .option('--no-watch', 'print the status once instead of waiting for the end')
    .option('--timeout <duration>', 'give up after this long (exit 1), e.g. 5m')
    .action((name: string, o: { watch?: boolean; timeout?: string }, cmd: Command) =>
      run(cmd, (ctx, ns) =>
        rolloutStatus(ctx, ns, name, {
          watch: o.watch !== false,
          ...(o.timeout ? { timeoutMs: parseTimeout(o.timeout) } : {}),
        }),
      ),
    );
  rollout
    .command('promote <name>')
    .description('lift the current pause (or with --full skip every remaining step)')
    .option('--full', 'skip all remaining steps')
    .action((name: string, o: { full?: boolean }, cmd: Command) =>
      run(cmd, (ctx, ns) => rolloutControl(ctx, 'promote', ns, name, { full: o.full })),
    );
  for (const verb of ['abort', 'retry', 'pause', 'resume', 'restart'] as const) {
    rollout
      .command(`${verb} <name>`)
      .description(`${verb} a rollout`)
      .action((name: string, _o: unknown, cmd: Command) =>
        run(cmd, (ctx, ns) => rolloutControl(ctx, verb, ns, name)),
      );
  }
  rollout
    .command('undo <name>')
    .description('roll back to the previous revision (or --to-revision N)')
    .option('--to-revision <n>', 'revision to go back to', (v) => Number.parseInt(v, 10))
    .action((name: string, o: { toRevision?: number }, cmd: Command) =>
      run(cmd, (ctx, ns) => rolloutControl(ctx, 'undo', ns, name, { toRevision: o.toRevision })),
    );
}
