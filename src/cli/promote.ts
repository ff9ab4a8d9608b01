// `gantry promote APP --from ENV --to ENV` and `gantry rollback APP`: thin wrappers over
// src/promote. With a reachable cluster (kubeconfig) the repository, folders and revisions come from
// the Applications `<app>-<env>` (read only); otherwise from --repo/--path/--revision and the
// repository layout. Each command is a function `(ctx, …) → exit code`, so tests run it in-process.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { applicationName, findApplication, sourceOf } from '../promote/environments.js';
import { isPromoteError, PromoteError } from '../promote/errors.js';
import { parseGitHubRemote, resolveGitHubToken } from '../promote/github.js';
import { renderPlan } from '../promote/plan.js';
import { promote } from '../promote/promote.js';
import { type RollbackResult, rollback } from '../promote/rollback.js';
import { recordPromotion } from '../sync/app-promotion.js';
import { rollbackApplication } from '../sync/app-rollback.js';
import { clientFromKubeconfig, defaultKubeconfigPath, describeError } from './app.js';
import type { Output } from './output.js';

export interface PromoteCliContext {
  /** Read-only cluster access; undefined when no cluster is reachable. */
  readonly client?: Client;
  readonly out: Output;
  readonly err: Output;
  readonly env?: NodeJS.ProcessEnv;
  /** Where temporary clones go (default `$GANTRY_DATA_DIR|~/.gantry` + `/promote`). */
  readonly tmpRoot?: string;
  readonly fetch?: typeof fetch;
}

export interface PromoteFlags {
  readonly from: string;
  readonly to: string;
  readonly imagesOnly?: boolean;
  readonly all?: boolean;
  readonly openPr?: boolean;
  readonly merge?: boolean;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly repo?: string;
  readonly revision?: string;
  readonly path?: string;
  readonly githubUrl?: string;
  readonly githubTokenSecret?: string;
}

export interface RollbackFlags {
  readonly to?: string;
  readonly dryRun?: boolean;
  readonly repo?: string;
  readonly env?: string;
  readonly path?: string;
  readonly revision?: string;
}

function tmpRootOf(ctx: PromoteCliContext): string {
  const env = ctx.env ?? process.env;
  return ctx.tmpRoot ?? join(env.GANTRY_DATA_DIR ?? join(homedir(), '.gantry'), 'promote');
}

export async function runPromote(ctx: PromoteCliContext, app: string, f: PromoteFlags): Promise<number> {
  try {
    if (f.imagesOnly && f.all) {
      throw new PromoteError('LayoutMismatch', '--images-only and --all exclude each other');
    }
    if (f.from === f.to) {
      throw new PromoteError('UnknownEnvironment', `--from and --to are both '${f.from}'`);
    }
    let githubToken: string | undefined;
    if (f.openPr) {
      const target = ctx.client ? await findApplication(ctx.client, app, f.to) : undefined;
      const repo = f.repo ?? (target ? sourceOf(target).repoURL : undefined);
      if (repo && parseGitHubRemote(repo, f.githubUrl)) {
        githubToken = await resolveGitHubToken({
          env: ctx.env ?? process.env,
          ...(ctx.client ? { client: ctx.client } : {}),
          ...(f.githubTokenSecret ? { secretName: f.githubTokenSecret } : {}),
        });
      }
    }
    const res = await promote(
      {
        app,
        from: f.from,
        to: f.to,
        mode: f.all ? 'all' : 'images',
        ...(f.repo ? { repo: f.repo } : {}),
        ...(f.revision ? { revision: f.revision } : {}),
        ...(f.path !== undefined ? { root: f.path } : {}),
        openPr: f.openPr === true,
        merge: f.merge === true,
        dryRun: f.dryRun === true,
        force: f.force === true,
        ...(f.githubUrl ? { githubUrl: f.githubUrl } : {}),
        ...(githubToken ? { githubToken } : {}),
      },
      {
        ...(ctx.client ? { client: ctx.client } : {}),
        tmpRoot: tmpRootOf(ctx),
        ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
      },
    );
    if (ctx.client && !f.dryRun) {
      await recordPromotion(ctx.client, {
        app,
        from: f.from,
        to: f.to,
        result: res,
        component: 'gantry-cli',
      });
    }
    const rd = res.source.readiness;
    ctx.out.write(
      `Promoting ${app}: ${f.from} -> ${f.to} (source revision ${res.sourceRevision.slice(0, 7)}` +
        `${rd ? `, ${f.from} ${rd.sync}/${rd.health}` : ''}; target branch ${res.targetBranch})\n`,
    );
    ctx.out.write(renderPlan(res.plan).replace(/^/gm, '  '));
    for (const s of res.plan.skipped) {
      ctx.out.write(`  skipped: ${s}\n`);
    }
    for (const n of res.notes) {
      ctx.err.write(`note: ${n}\n`);
    }
    if (f.dryRun) {
      ctx.out.write(`\n${res.diff}\ndry run: nothing was committed or pushed\n`);
      return 0;
    }
    if (res.pushed === 'branch' || res.pr) {
      ctx.out.write(`Pushed branch ${res.branch} (${res.commit?.slice(0, 7)})\n`);
    }
    if (res.pr) {
      ctx.out.write(
        `Pull request #${res.pr.number} ${res.pr.created ? 'opened' : 'updated'}: ${res.pr.url}\n`,
      );
    }
    if (res.merged) {
      ctx.out.write(
        `Merged into ${res.targetBranch} (${res.merged.slice(0, 7)}): the next sync rolls ${applicationName(app, f.to)} forward\n`,
      );
    } else if (res.pushed === 'branch' && !res.pr) {
      ctx.out.write(
        `Open a pull request for ${res.branch}, or re-run with --merge to merge it into ${res.targetBranch}\n`,
      );
    }
    return 0;
  } catch (e) {
    ctx.err.write(`gantry promote: ${isPromoteError(e) ? e.message : describeError(e)}\n`);
    return 1;
  }
}

export async function runRollback(ctx: PromoteCliContext, app: string, f: RollbackFlags): Promise<number> {
  try {
    let res: RollbackResult;
    let appName = f.env ? applicationName(app, f.env) : app;
    if (ctx.client && !(f.repo && f.to)) {
      const r = await rollbackApplication(ctx.client, {
        app,
        ...(f.env ? { env: f.env } : {}),
        ...(f.to ? { to: f.to } : {}),
        ...(f.repo ? { repo: f.repo } : {}),
        ...(f.path !== undefined ? { root: f.path } : {}),
        ...(f.revision ? { revision: f.revision } : {}),
        dryRun: f.dryRun === true,
        tmpRoot: tmpRootOf(ctx),
        component: 'gantry-cli',
      });
      res = r;
      appName = r.application;
    } else {
      if (!f.repo || !f.to || !f.env) {
        throw new PromoteError(
          'UnknownApp',
          'no cluster reachable (or no Application): pass --repo URL, --env ENV and --to REVISION (and --path ROOT for the layout)',
        );
      }
      res = await rollback(
        {
          repo: f.repo,
          app,
          toRevision: f.to,
          env: f.env,
          ...(f.path !== undefined ? { root: f.path } : {}),
          ...(f.revision ? { revision: f.revision } : {}),
          dryRun: f.dryRun === true,
        },
        { tmpRoot: tmpRootOf(ctx) },
      );
    }
    ctx.out.write(
      `Rolling back ${appName} (${res.path || '.'}) to ${res.toRevision.slice(0, 7)} by reverting:\n`,
    );
    for (const c of res.reverted) {
      ctx.out.write(`  ${c.sha.slice(0, 7)}  ${c.subject}\n`);
    }
    if (res.outside.length > 0) {
      ctx.out.write(`  (changes outside ${res.path} kept: ${res.outside.join(', ')})\n`);
    }
    if (f.dryRun) {
      ctx.out.write(`\n${res.diff}\ndry run: nothing was committed or pushed\n`);
      return 0;
    }
    ctx.out.write(
      `Pushed ${res.commit?.slice(0, 7)} to ${res.branch}: the next sync rolls ${appName} back (automated sync stays on)\n`,
    );
    return 0;
  } catch (e) {
    ctx.err.write(`gantry rollback: ${isPromoteError(e) ? e.message : describeError(e)}\n`);
    return 1;
  }
}

/** A client when the kubeconfig exists and its cluster answers; otherwise undefined and why. */
export async function connect(kubeconfig: string): Promise<{ client?: Client; reason?: string }> {
  if (!existsSync(kubeconfig)) {
    return { reason: `no kubeconfig at ${kubeconfig}` };
  }
  let client: Awaited<ReturnType<typeof clientFromKubeconfig>> | undefined;
  try {
    client = await clientFromKubeconfig(kubeconfig);
    await Promise.race([
      client.list(R.applications, { namespace: 'gantry', limit: 1 }),
      new Promise((_, rej) => setTimeout(() => rej(new Error('no answer within 5s')), 5000).unref()),
    ]);
    return { client };
  } catch (e) {
    client?.close();
    return { reason: `cluster not reachable (${describeError(e)})` };
  }
}

function stdio(): Pick<PromoteCliContext, 'out' | 'err'> {
  return {
    out: { write: (s) => void process.stdout.write(s), isTTY: process.stdout.isTTY === true },
    err: { write: (s) => void process.stderr.write(s) },
  };
}

async function withContext(cmd: Command, fn: (ctx: PromoteCliContext) => Promise<number>): Promise<void> {
  const opts = cmd.optsWithGlobals() as { kubeconfig?: string };
  const { client, reason } = await connect(opts.kubeconfig ?? defaultKubeconfigPath());
  const io = stdio();
  if (!client) {
    io.err.write(`note: ${reason}: working from the repository alone\n`);
  }
  try {
    process.exitCode = await fn({ ...io, ...(client ? { client } : {}) });
  } finally {
    (client as { close?: () => void } | undefined)?.close?.();
  }
}

export function registerPromoteCommands(program: Command): void {
  program
    .command('promote <app>')
    .description('promote what one environment runs to another, by pull request or merge (git only)')
    .requiredOption('--from <env>', 'source environment (e.g. staging)')
    .requiredOption('--to <env>', 'target environment (e.g. production)')
    .option('--images-only', 'promote container images only (the default)')
    .option('--all', 'promote the whole spec except environment-specific fields')
    .option('--open-pr', 'open (or update) a GitHub pull request')
    .option('--merge', 'merge into the target branch (through the PR with --open-pr)')
    .option('--dry-run', 'show what would change; commit and push nothing')
    .option('--force', 'promote even if the source environment is not Synced and Healthy')
    .option('--repo <url>', 'repository URL or local working copy (default: from the Applications)')
    .option(
      '--revision <branch>',
      'target branch (default: the Application targetRevision or the default branch)',
    )
    .option('--path <root>', 'root folder of the per-environment layout (without Applications)')
    .option('--github-url <url>', 'GitHub Enterprise URL (e.g. https://ghe.example.com/api/v3)')
    .option(
      '--github-token-secret <name>',
      'Secret in namespace gantry holding the GitHub token (key "token")',
    )
    .option('--kubeconfig <path>', 'kubeconfig to use (default $KUBECONFIG or ~/.gantry/kubeconfig)')
    .action(async (app: string, flags: PromoteFlags, cmd: Command) =>
      withContext(cmd, (ctx) => runPromote(ctx, app, flags)),
    );
  program
    .command('rollback <app>')
    .description('revert the commits that changed an app since its previous successful sync (git only)')
    .option('--to <revision>', 'revision to return to (default: the previous successful sync)')
    .option('--dry-run', 'show the revert; commit and push nothing')
    .option('--repo <url>', 'repository URL or local working copy (default: from the Application)')
    .option('--env <env>', 'environment (the Application <app>-<env>)')
    .option('--path <root>', 'root folder of the per-environment layout (without Applications)')
    .option('--revision <branch>', 'branch to revert on (default: the Application targetRevision)')
    .option('--kubeconfig <path>', 'kubeconfig to use (default $KUBECONFIG or ~/.gantry/kubeconfig)')
    .action(async (app: string, flags: RollbackFlags, cmd: Command) =>
      withContext(cmd, (ctx) => runRollback(ctx, app, flags)),
    );
}
