// `gantry rollout get|promote|abort|retry|pause|resume|restart|undo NAME`: the verbs of
// `kubectl argo rollouts`, over the HTTP client. Thin: the controls are merge patches from
// src/rollout (the controller does the work); the view is a pure function of the objects.
import type { Command } from 'commander';
import { isApiError } from '../api/errors.js';
import { labelSelectorAsSelector } from '../api/labels.js';
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
} from '../rollout/index.js';
import { clientFromKubeconfig, defaultKubeconfigPath } from './app.js';
import { humanDuration, type Output, summary } from './output.js';

const HASH = 'rollouts-pod-template-hash';
const REVISION = 'rollout.argoproj.io/revision';

export interface RolloutCliContext {
  readonly client: Client;
  readonly out: Output;
  readonly err: Output;
  readonly now?: () => Date;
}

interface RolloutView {
  readonly rollout: KObject;
  readonly replicaSets: readonly KObject[];
  readonly pods: readonly KObject[];
}

async function load(client: Client, ns: string, name: string): Promise<RolloutView> {
  let rollout: KObject;
  try {
    rollout = await client.get(R.rollouts, ns, name);
  } catch (e) {
    if (isApiError(e, 404)) {
      throw new Error(`rollout "${name}" not found in namespace ${ns}`);
    }
    throw e;
  }
  const selector = labelSelectorAsSelector(rollout.spec?.selector ?? {}).toString();
  const owned = (o: KObject) =>
    o.metadata.ownerReferences?.some((r) => r.uid === rollout.metadata.uid) ?? false;
  const replicaSets = (
    await client.list(R.replicasets, { namespace: ns, labelSelector: selector })
  ).items.filter(owned);
  const rsUids = new Set(replicaSets.map((rs) => rs.metadata.uid));
  const pods = (await client.list(R.pods, { namespace: ns, labelSelector: selector })).items.filter((p) =>
    p.metadata.ownerReferences?.some((r) => rsUids.has(r.uid)),
  );
  return { rollout, replicaSets, pods };
}

function podReady(p: KObject): boolean {
  return (p.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
  );
}

function podStatus(p: KObject): string {
  if (p.metadata.deletionTimestamp) {
    return 'Terminating';
  }
  const waiting = (p.status?.containerStatuses ?? []).find((c: any) => c.state?.waiting)?.state.waiting
    .reason;
  return waiting ?? p.status?.phase ?? 'Pending';
}

/** What kubectl argo rollouts get shows: a summary, then each revision's ReplicaSet and its pods. Pure. */
export function renderRollout(v: RolloutView, now: Date): string {
  const ro = v.rollout;
  const st = ro.status ?? {};
  const bg = ro.spec?.strategy?.blueGreen;
  const steps: unknown[] = ro.spec?.strategy?.canary?.steps ?? [];
  const stableHash: string | undefined = st.stableRS;
  const currentHash: string | undefined = st.currentPodHash;
  const activeHash: string | undefined = st.blueGreen?.activeSelector;
  const previewHash: string | undefined = st.blueGreen?.previewSelector;
  const markers = (hash: string | undefined): string[] => {
    const m: string[] = [];
    if (hash && hash === stableHash) {
      m.push('stable');
    }
    if (bg) {
      if (hash && hash === activeHash) {
        m.push('active');
      }
      if (hash && hash === previewHash && hash !== activeHash) {
        m.push('preview');
      }
    } else if (hash && hash === currentHash && hash !== stableHash) {
      m.push('canary');
    }
    return m;
  };
  const images = v.replicaSets
    .filter((rs) => (rs.spec?.replicas ?? 0) > 0)
    .flatMap((rs) =>
      (rs.spec?.template?.spec?.containers ?? []).map((c: { image?: string }) => {
        const m = markers(rs.metadata.labels?.[HASH]);
        return `${c.image ?? ''}${m.length ? ` (${m.join(', ')})` : ''}`;
      }),
    );
  const fields: [string, string][] = [
    ['Name', ro.metadata.name ?? ''],
    ['Namespace', ro.metadata.namespace ?? ''],
    ['Status', `${st.phase ?? 'Progressing'}${st.message ? ` (${st.message})` : ''}`],
    ['Strategy', bg ? 'BlueGreen' : 'Canary'],
  ];
  if (!bg) {
    fields.push(['  Step', `${st.currentStepIndex ?? 0}/${steps.length}`]);
    const desired = ro.spec?.replicas ?? 1;
    const canaryReplicas = v.replicaSets
      .filter((rs) => rs.metadata.labels?.[HASH] === currentHash && currentHash !== stableHash)
      .reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
    fields.push(['  ActualWeight', String(desired > 0 ? Math.round((100 * canaryReplicas) / desired) : 0)]);
  }
  fields.push(['Images', images.join('\n'.padEnd(21)) || '<none>']);
  fields.push(['Replicas', '']);
  fields.push(['  Desired', String(ro.spec?.replicas ?? 1)]);
  fields.push(['  Current', String(st.replicas ?? 0)]);
  fields.push(['  Updated', String(st.updatedReplicas ?? 0)]);
  fields.push(['  Ready', String(st.readyReplicas ?? 0)]);
  fields.push(['  Available', String(st.availableReplicas ?? 0)]);
  let text = summary(fields);
  text += '\nNAME                                  KIND        STATUS        AGE  INFO\n';
  text += `${`⟳ ${ro.metadata.name}`.padEnd(38)}Rollout     ${(st.phase ?? 'Progressing').padEnd(14)}`;
  text += `${humanDuration(now.getTime() - Date.parse(ro.metadata.creationTimestamp ?? now.toISOString()))}\n`;
  const byRevision = [...v.replicaSets].sort(
    (a, b) =>
      Number(b.metadata.annotations?.[REVISION] ?? 0) - Number(a.metadata.annotations?.[REVISION] ?? 0),
  );
  for (const rs of byRevision) {
    const rev = rs.metadata.annotations?.[REVISION] ?? '?';
    const replicas = rs.spec?.replicas ?? 0;
    const state =
      replicas === 0
        ? 'ScaledDown'
        : (rs.status?.availableReplicas ?? 0) >= replicas
          ? 'Healthy'
          : 'Progressing';
    const m = markers(rs.metadata.labels?.[HASH]);
    text += `└──# revision:${rev}\n`;
    text += `${`   └──⧉ ${rs.metadata.name}`.padEnd(38)}ReplicaSet  ${state.padEnd(14)}`;
    text += `${humanDuration(now.getTime() - Date.parse(rs.metadata.creationTimestamp ?? now.toISOString()))}  ${m.join(',')}\n`;
    for (const p of v.pods.filter((p) =>
      p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid),
    )) {
      const ready = podReady(p) ? '✔' : '◌';
      text += `${`      └──□ ${p.metadata.name}`.padEnd(38)}Pod         ${`${ready} ${podStatus(p)}`.padEnd(14)}`;
      text += `${humanDuration(now.getTime() - Date.parse(p.metadata.creationTimestamp ?? now.toISOString()))}  ready:${podReady(p) ? '1/1' : '0/1'}\n`;
    }
  }
  return text;
}

export async function rolloutGet(
  ctx: RolloutCliContext,
  ns: string,
  name: string,
  opts: { watch?: boolean; timeoutMs?: number; pollMs?: number } = {},
): Promise<number> {
  const now = () => (ctx.now ? ctx.now() : new Date());
  let last = '';
  const deadline = Date.now() + (opts.timeoutMs ?? Number.POSITIVE_INFINITY);
  for (;;) {
    const view = renderRollout(await load(ctx.client, ns, name), now());
    if (view !== last) {
      // a TTY gets the view redrawn in place; a pipe gets each new state once
      ctx.out.write(
        opts.watch && ctx.out.isTTY ? `\x1b[H\x1b[2J${view}` : `${last && opts.watch ? '\n' : ''}${view}`,
      );
      last = view;
    }
    if (!opts.watch || Date.now() > deadline) {
      return 0;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
}

async function applyPatches(
  ctx: RolloutCliContext,
  ns: string,
  name: string,
  p: RolloutPatches,
): Promise<void> {
  if (p.main) {
    await ctx.client.patch(R.rollouts, ns, name, 'merge', p.main);
  }
  if (p.status) {
    await ctx.client.patch(R.rollouts, ns, name, 'merge', p.status, { subresource: 'status' });
  }
}

export type RolloutVerb = 'promote' | 'abort' | 'retry' | 'pause' | 'resume' | 'restart' | 'undo';

const DONE: Record<RolloutVerb, string> = {
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
  verb: RolloutVerb,
  ns: string,
  name: string,
  opts: { full?: boolean; toRevision?: number } = {},
): Promise<number> {
  const v = await load(ctx.client, ns, name);
  const patches: Record<RolloutVerb, () => RolloutPatches> = {
    promote: () => promoteRolloutPatch(v.rollout, opts.full === true),
    abort: () => abortRolloutPatch(),
    retry: () => retryRolloutPatch(),
    pause: () => pauseRolloutPatch(),
    resume: () => resumeRolloutPatch(),
    restart: () => restartRolloutPatch(ctx.now ? ctx.now() : new Date()),
    undo: () => undoRolloutPatch(v.rollout, v.replicaSets, opts.toRevision),
  };
  await applyPatches(ctx, ns, name, patches[verb]());
  ctx.out.write(`rollout '${name}' ${DONE[verb]}\n`);
  return 0;
}

/** Adds `gantry rollout …` to the program (main.ts calls this once). */
export function registerRolloutCommands(program: Command): void {
  const rollout = program
    .command('rollout')
    .description('inspect and steer Rollouts (argoproj.io/v1alpha1) like kubectl argo rollouts')
    .option('--kubeconfig <path>', 'kubeconfig to use (default $KUBECONFIG or ~/.gantry/kubeconfig)')
    .option('-n, --namespace <ns>', 'namespace of the rollout', 'default');
  const run = (cmd: Command, fn: (ctx: RolloutCliContext, ns: string) => Promise<number>) =>
    (async () => {
      const o = cmd.optsWithGlobals() as { kubeconfig?: string; namespace: string };
      const client = await clientFromKubeconfig(o.kubeconfig ?? defaultKubeconfigPath());
      try {
        const stdout = process.stdout;
        process.exitCode = await fn(
          {
            client,
            out: { write: (s) => void stdout.write(s), isTTY: stdout.isTTY === true },
            err: { write: (s) => void process.stderr.write(s) },
          },
          o.namespace,
        );
      } catch (e) {
        process.stderr.write(`gantry rollout ${cmd.name()}: ${(e as Error).message}\n`);
        process.exitCode = 1;
      } finally {
        client.close();
      }
    })();
  rollout
    .command('get <name>')
    .description('show a rollout, its revisions and pods')
    .option('-w, --watch', 'keep showing it as it changes')
    .action((name: string, o: { watch?: boolean }, cmd: Command) =>
      run(cmd, (ctx, ns) => rolloutGet(ctx, ns, name, { watch: o.watch })),
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
