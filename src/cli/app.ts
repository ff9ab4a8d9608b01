// `gantry app list|get|diff|sync|history|wait|create|delete`: Argo CD's `argocd app` verbs over the
// Application objects in namespace `gantry`, through the HTTP client and the kubeconfig. Thin: the
// layout lives in app-view.ts, the diff in app-diff.ts, sync/wait in app-sync.ts, the rules in
// src/sync. Every command is a function `(ctx, …) → exit code`, so tests run them in-process.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { isApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import { describeRevision } from '../promote/revision.js';
import { GitSource } from '../sync/git-source.js';
import { APPLICATION_NAMESPACE } from '../sync/types.js';
import {
  type AppCliContext,
  describeError,
  getApp,
  KUBECONFIG_OPTION,
  nowOf,
  runWithKubeClient,
  withKind,
} from './app-context.js';
import { diffApplication } from './app-diff.js';
import { refreshApp } from './app-refresh.js';
import { appSync, appWait, type SyncFlags, type WaitFlags } from './app-sync.js';
import { IN_CLUSTER, renderApp, renderHistory, renderList } from './app-view.js';
import { parseOutputFormat, toJson, toYamlText } from './output.js';

export {
  type AppCliContext,
  clientFromKubeconfig,
  defaultKubeconfigPath,
  describeError,
} from './app-context.js';
export { appSync, appWait, type SyncFlags, type WaitFlags } from './app-sync.js';

export async function appList(ctx: AppCliContext, opts: { output?: string } = {}): Promise<number> {
  const format = parseOutputFormat(opts.output, ['table', 'wide', 'json', 'yaml', 'name']);
  const list = await ctx.client.list(R.applications, { namespace: APPLICATION_NAMESPACE });
  const apps = list.items
    .map(withKind)
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  if (format === 'json') {
    ctx.out.write(toJson(apps));
  } else if (format === 'yaml') {
    ctx.out.write(toYamlText(apps));
  } else if (format === 'name') {
    ctx.out.write(apps.map((a) => `${a.metadata.name}\n`).join(''));
  } else {
    ctx.out.write(renderList(apps));
  }
  return 0;
}

export interface GetFlags {
  readonly output?: string;
  /** Ask the sync engine to compare with git again first, and wait for it. */
  readonly refresh?: boolean;
  /** The same, also re-reading the repository (no cached manifests). */
  readonly hardRefresh?: boolean;
  /** How long --refresh waits (default 1m). */
  readonly timeout?: string;
}

export async function appGet(ctx: AppCliContext, name: string, opts: GetFlags = {}): Promise<number> {
  const format = parseOutputFormat(opts.output, ['table', 'wide', 'json', 'yaml']);
  const app = withKind(
    opts.refresh || opts.hardRefresh
      ? await refreshApp(ctx, name, { hard: opts.hardRefresh === true, timeout: opts.timeout })
      : await getApp(ctx, name),
  );
  if (format === 'json') {
    ctx.out.write(toJson(app));
  } else if (format === 'yaml') {
    ctx.out.write(toYamlText(app));
  } else {
    ctx.out.write(renderApp(app, nowOf(ctx)));
  }
  return 0;
}

/** Prints the diff between git and the cluster; 1 when they differ, 0 when in sync, 2 on error. */
export async function appDiff(
  ctx: AppCliContext,
  name: string,
  opts: { revision?: string; output?: string } = {},
): Promise<number> {
  try {
    const format = parseOutputFormat(opts.output, ['table', 'json', 'yaml']);
    const app = await getApp(ctx, name);
    const d = await diffApplication(ctx.client, app, {
      revision: opts.revision,
      cacheDir: ctx.cacheDir ?? join(homedir(), '.gantry', 'cache'),
      color: ctx.out.isTTY === true && format === 'table',
    });
    if (format === 'table') {
      ctx.out.write(d.text);
    } else {
      // the dashboard's shape: the text and each differing resource with its own diff
      const doc = {
        revision: d.revision,
        text: d.text,
        resources: d.results
          .filter((r) => r.diff !== '' || r.status !== 'Synced')
          .map((r) => ({ ...r.key, status: r.status, diff: r.diff, ...(r.error ? { error: r.error } : {}) })),
      };
      ctx.out.write(format === 'json' ? toJson(doc) : toYamlText(doc));
    }
    return d.text === '' ? 0 : 1;
  } catch (e) {
    ctx.err.write(`gantry app diff: ${describeError(e)}\n`);
    return 2;
  }
}

export async function appHistory(
  ctx: AppCliContext,
  name: string,
  opts: { output?: string } = {},
): Promise<number> {
  const format = parseOutputFormat(opts.output, ['table', 'json', 'yaml']);
  const app = await getApp(ctx, name);
  await annotateHistory(ctx, app);
  const history = app.status?.history ?? [];
  if (format === 'json') {
    ctx.out.write(toJson(history));
  } else if (format === 'yaml') {
    ctx.out.write(toYamlText(history));
  } else {
    ctx.out.write(renderHistory(app));
  }
  return 0;
}

/**
 * Marks history entries that were promotions (PR number) or reverts (of which commits), read
 * from the commits themselves (trailers and messages) in a local cache of the repository.
 * Best effort: without git access the plain history is shown.
 */
async function annotateHistory(ctx: AppCliContext, app: KObject): Promise<void> {
  const history: Record<string, any>[] = Array.isArray(app.status?.history) ? app.status.history : [];
  const url: string | undefined = app.spec?.source?.repoURL;
  if (history.length === 0 || !url) {
    return;
  }
  try {
    const git = new GitSource({ dataDir: ctx.cacheDir ?? join(homedir(), '.gantry', 'cache') });
    await git.resolve(url, app.spec?.source?.targetRevision ?? 'HEAD');
    for (const h of history) {
      if (typeof h.revision !== 'string' || h.revision === '') {
        continue;
      }
      const info = await describeRevision(git.repoDir(url), h.revision).catch(() => undefined);
      if (info?.promotion?.pr !== undefined) {
        h.pullRequest ??= `#${info.promotion.pr}`;
      }
      if (info?.isRevert && info.revertOf.length > 0) {
        h.revertOf ??= info.revertOf.map((s) => s.slice(0, 7)).join(',');
      }
    }
  } catch (e) {
    ctx.err.write(`note: could not read the repository for PR / revert details: ${describeError(e)}\n`);
  }
}

export interface CreateFlags {
  readonly repo: string;
  readonly path: string;
  readonly revision?: string;
  readonly destNamespace: string;
  readonly destServer?: string;
  readonly project?: string;
  readonly syncPolicy?: string;
  readonly selfHeal?: boolean;
  readonly autoPrune?: boolean;
  readonly syncOption?: readonly string[];
  readonly directoryRecurse?: boolean;
}

/** The Application `app create` writes (pure; exported for tests). */
export function buildApplication(name: string, f: CreateFlags): KObject {
  const policy = (f.syncPolicy ?? 'none').toLowerCase();
  const automated = ['automated', 'automatic', 'auto'].includes(policy);
  if (!automated && !['none', 'manual'].includes(policy)) {
    throw new Error(`--sync-policy "${f.syncPolicy}": use automated or none`);
  }
  if (!automated && (f.selfHeal || f.autoPrune)) {
    throw new Error('--self-heal and --auto-prune need --sync-policy automated');
  }
  const syncPolicy: Record<string, unknown> = {};
  if (automated) {
    syncPolicy.automated = { prune: f.autoPrune === true, selfHeal: f.selfHeal === true };
  }
  if (f.syncOption && f.syncOption.length > 0) {
    syncPolicy.syncOptions = [...f.syncOption];
  }
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: APPLICATION_NAMESPACE },
    spec: {
      project: f.project ?? 'default',
      source: {
        repoURL: f.repo,
        path: f.path,
        targetRevision: f.revision || 'HEAD',
        ...(f.directoryRecurse ? { directory: { recurse: true } } : {}),
      },
      destination: { server: f.destServer || IN_CLUSTER, namespace: f.destNamespace },
      ...(Object.keys(syncPolicy).length > 0 ? { syncPolicy } : {}),
    },
  };
}

export async function appCreate(ctx: AppCliContext, name: string, flags: CreateFlags): Promise<number> {
  const app = buildApplication(name, flags);
  try {
    await ctx.client.get(R.namespaces, undefined, APPLICATION_NAMESPACE);
  } catch (e) {
    if (!isApiError(e, 404)) {
      throw e;
    }
    await ctx.client.create(R.namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: APPLICATION_NAMESPACE },
    });
  }
  try {
    await ctx.client.create(R.applications, app);
  } catch (e) {
    if (isApiError(e, 409)) {
      throw new Error(`application '${name}' already exists`);
    }
    throw e;
  }
  ctx.out.write(`application '${name}' created\n`);
  return 0;
}

export async function appDelete(ctx: AppCliContext, name: string): Promise<number> {
  try {
    await ctx.client.delete(R.applications, APPLICATION_NAMESPACE, name);
  } catch (e) {
    if (isApiError(e, 404)) {
      throw new Error(`application '${name}' not found in namespace ${APPLICATION_NAMESPACE}`);
    }
    throw e;
  }
  ctx.out.write(`application '${name}' deleted\n`);
  return 0;
}

type Runner = (ctx: AppCliContext) => Promise<number>;

function runWith(cmd: Command, fn: Runner): Promise<void> {
  return runWithKubeClient(
    cmd,
    (e) => `gantry app ${cmd.name()}: ${describeError(e)}\n`,
    (client, io) => fn({ client, ...io, handleSignals: true }),
  );
}

const collect = (v: string, acc: string[]) => [...acc, v];

/** Adds `gantry app …` to the program (main.ts calls this once). */
export function registerAppCommands(program: Command): void {
  const app = program
    .command('app')
    .description('manage Applications (argoproj.io/v1alpha1) like argocd app')
    .option(...KUBECONFIG_OPTION);
  app
    .command('list')
    .description('list applications')
    .option('-o, --output <format>', 'json | yaml | name | wide')
    .action((o: { output?: string }, cmd: Command) => runWith(cmd, (ctx) => appList(ctx, o)));
  app
    .command('get <name>')
    .description('show an application: status, sync window, resources, last failed operation')
    .option('-o, --output <format>', 'json | yaml | wide')
    .option('--refresh', 'compare with git again first (and wait for it)')
    .option('--hard-refresh', 'the same, re-reading the repository')
    .option('--timeout <duration>', 'how long --refresh waits', '1m')
    .action((name: string, o: GetFlags, cmd: Command) => runWith(cmd, (ctx) => appGet(ctx, name, o)));
  app
    .command('diff <name>')
    .description('diff git against the cluster (exit code 1 when they differ)')
    .option('--revision <rev>', 'compare with this revision instead of the target revision')
    .option('-o, --output <format>', 'json | yaml')
    .action((name: string, o: { revision?: string; output?: string }, cmd: Command) =>
      runWith(cmd, (ctx) => appDiff(ctx, name, o)),
    );
  app
    .command('sync <name>')
    .description('sync an application now')
    .option('--prune', 'delete resources that are no longer in git')
    .option('--revision <rev>', 'sync this revision instead of the target revision')
    .option('--watch', 'show the operation live until it ends and the application is no longer Progressing')
    .option('--timeout <duration>', 'with --watch, give up after this long (e.g. 5m)')
    .option('-o, --output <format>', 'with --watch, print the application at the end as json | yaml')
    .action((name: string, o: SyncFlags, cmd: Command) => runWith(cmd, (ctx) => appSync(ctx, name, o)));
  app
    .command('history <name>')
    .description('list the revisions deployed')
    .option('-o, --output <format>', 'json | yaml')
    .action((name: string, o: { output?: string }, cmd: Command) =>
      runWith(cmd, (ctx) => appHistory(ctx, name, o)),
    );
  app
    .command('wait <name>')
    .description('wait until the application is synced and healthy (exit code 1 on timeout)')
    .option('--health', 'wait for health only')
    .option('--sync', 'wait for sync only')
    .option('--operation', 'wait for the running operation to finish')
    .option('-o, --output <format>', 'print the application at the end as json | yaml')
    .option('--timeout <duration>', 'give up after this long', '5m')
    .action((name: string, o: WaitFlags, cmd: Command) => runWith(cmd, (ctx) => appWait(ctx, name, o)));
  app
    .command('create <name>')
    .description('create an application')
    .requiredOption('--repo <url>', 'git repository URL')
    .requiredOption('--path <dir>', 'directory of manifests in the repository')
    .option('--revision <rev>', 'branch, tag or commit to track', 'HEAD')
    .requiredOption('--dest-namespace <ns>', 'namespace manifests without one go to')
    .option('--dest-server <url>', 'destination cluster', IN_CLUSTER)
    .option('--project <name>', 'project', 'default')
    .option('--sync-policy <policy>', 'automated | none', 'none')
    .option('--self-heal', 'revert changes made in the cluster (automated only)')
    .option('--auto-prune', 'delete resources removed from git (automated only)')
    .option('--directory-recurse', 'read manifests in subdirectories too')
    .option('--sync-option <opt>', 'sync option, e.g. CreateNamespace=true (repeatable)', collect, [])
    .action((name: string, o: CreateFlags, cmd: Command) => runWith(cmd, (ctx) => appCreate(ctx, name, o)));
  app
    .command('delete <name>')
    .description('delete an application')
    .action((name: string, _o: unknown, cmd: Command) => runWith(cmd, (ctx) => appDelete(ctx, name)));
}
