// `gantry promote APP --from A --to B`: find both environments (Applications, or the repository
// layout), refuse when the source is not Synced and Healthy at the revision promoted (unless
// forced), plan the edits, commit them on `promote/<app>/<from>-to-<to>-<sha>`, and then push the
// branch (updating it on a re-run), open or update its pull request, and/or merge it into the
// target branch. Nothing reaches the remote before the commit is complete; the cluster is only read.
import type { Client } from '../client/types.js';
import {
  applicationName,
  branchOf,
  findApplication,
  knownEnvironments,
  notReadyError,
  type Readiness,
  readiness,
  sourceOf,
} from './environments.js';
import { PromoteError } from './errors.js';
import { type GitAuth, redact, Workspace } from './git.js';
import {
  checkRepository,
  type GitHubRepoRef,
  mergePullRequest,
  openOrUpdatePullRequest,
  parseGitHubRemote,
} from './github.js';
import {
  type EnvLocation,
  environmentFromFiles,
  locateEnvironment,
  readEnvironment,
  readPromoteConfig,
} from './layout.js';
import { type ImageChange, type PromoteMode, type PromotionPlan, planPromotion } from './plan.js';
import { promotionTrailer } from './revision.js';
import { applyPlanToFiles } from './yaml-edit.js';

export interface PromoteRequest {
  readonly app: string;
  readonly from: string;
  readonly to: string;
  readonly mode?: PromoteMode;
  /** Repository URL or local working copy; default the Applications' repoURL. */
  readonly repo?: string;
  /** Target branch; default the Application's targetRevision, else the remote's default branch. */
  readonly revision?: string;
  /** Root folder of the per-environment layout (when there are no Applications). */
  readonly root?: string;
  readonly openPr?: boolean;
  readonly merge?: boolean;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly githubUrl?: string;
  /** Needed with openPr (resolved by the caller: GITHUB_TOKEN or a Secret). */
  readonly githubToken?: string;
  readonly auth?: GitAuth;
}

export interface PromoteDeps {
  /** Read-only access to the cluster (Applications); undefined when no cluster is reachable. */
  readonly client?: Client;
  readonly tmpRoot?: string;
  readonly fetch?: typeof fetch;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface PromoteResult {
  readonly branch: string;
  readonly targetBranch: string;
  readonly sourceRevision: string;
  readonly plan: PromotionPlan;
  /** `git diff` of the change. */
  readonly diff: string;
  readonly commit?: string;
  /** What reached the remote: nothing (dry run), the branch, or the target branch (merged). */
  readonly pushed: 'none' | 'branch' | 'target';
  /** SHA of the target branch after a merge. */
  readonly merged?: string;
  readonly pr?: { readonly number: number; readonly url: string; readonly created: boolean };
  readonly source: { readonly application?: string; readonly readiness?: Readiness };
  readonly notes: string[];
}

export function promotionBranch(app: string, from: string, to: string, sourceRevision: string): string {
  return `promote/${app}/${from}-to-${to}-${sourceRevision.slice(0, 7)}`;
}

function imageLines(images: readonly ImageChange[]): string[] {
  return images.map((i) => `${i.resource} ${i.container}: ${i.from ?? '(none)'} -> ${i.to}`);
}

export function commitMessage(
  r: PromoteRequest,
  sourceRevision: string,
  plan: PromotionPlan,
  ready?: Readiness,
): string {
  const lines = [
    `Promote ${r.app} from ${r.from} to ${r.to} (${sourceRevision.slice(0, 7)})`,
    '',
    `Source: ${r.from} at ${sourceRevision}${ready ? ` (sync ${ready.sync}, health ${ready.health})` : ''}`,
  ];
  if (plan.images.length > 0) {
    lines.push('', 'Images:', ...imageLines(plan.images).map((l) => `  ${l}`));
  }
  const other = plan.edits.filter(
    (e) => e.path.at(-1) !== 'image' && e.resource !== 'kustomization images',
  ).length;
  if (other > 0) {
    lines.push('', `Other fields: ${other} (see the diff)`);
  }
  lines.push('', promotionTrailer(r.app, r.from, r.to, sourceRevision));
  return `${lines.join('\n')}\n`;
}

export function pullRequestBody(
  r: PromoteRequest,
  sourceRevision: string,
  res: Pick<PromoteResult, 'plan' | 'diff' | 'source'>,
): string {
  const rd = res.source.readiness;
  const health = rd
    ? `sync **${rd.sync}**, health **${rd.health}** (Application \`${res.source.application}\`)`
    : 'not checked (no cluster reachable)';
  const diff = res.diff.length > 50_000 ? `${res.diff.slice(0, 50_000)}\n… (diff truncated)` : res.diff;
  return [
    `Promotes **${r.app}** from \`${r.from}\` to \`${r.to}\`.`,
    '',
    `- Source revision: \`${sourceRevision}\``,
    `- Source environment \`${r.from}\`: ${health}`,
    '',
    ...(res.plan.images.length > 0
      ? ['### Images', '', ...imageLines(res.plan.images).map((l) => `- \`${l}\``), '']
      : []),
    ...(res.plan.skipped.length > 0
      ? ['### Not promoted', '', ...res.plan.skipped.map((s) => `- ${s}`), '']
      : []),
    '### Diff',
    '',
    '```diff',
    diff.trimEnd(),
    '```',
    '',
    `<!-- ${promotionTrailer(r.app, r.from, r.to, sourceRevision)} -->`,
  ].join('\n');
}

/** Files under `dir` at `rev` (repository-relative path → text). */
async function filesAt(ws: Workspace, rev: string, dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const list = await ws.git.raw(['ls-tree', '-r', '--name-only', '-z', rev, '--', dir === '' ? '.' : dir]);
  for (const file of list.split('\0').filter((f) => f !== '')) {
    out.set(file, await ws.git.show([`${rev}:${file}`]));
  }
  return out;
}

export async function promote(r: PromoteRequest, deps: PromoteDeps = {}): Promise<PromoteResult> {
  const log = deps.log ?? (() => {});
  const notes: string[] = [];
  const { client } = deps;
  const sourceApp = client ? await findApplication(client, r.app, r.from) : undefined;
  const targetApp = client ? await findApplication(client, r.app, r.to) : undefined;
  if (client && !r.repo && (!sourceApp || !targetApp)) {
    const known = await knownEnvironments(client, r.app);
    const missing = !sourceApp ? r.from : r.to;
    throw new PromoteError(
      known.length === 0 ? 'UnknownApp' : 'UnknownEnvironment',
      known.length === 0
        ? `unknown app '${r.app}': no Application named ${r.app}-<env> in namespace gantry (or pass --repo to work from the repository layout)`
        : `unknown environment '${missing}' of app '${r.app}': no Application ${applicationName(r.app, missing)} in namespace gantry; environments: ${known.join(', ')}`,
    );
  }
  const srcSource = sourceApp ? sourceOf(sourceApp) : {};
  const tgtSource = targetApp ? sourceOf(targetApp) : {};
  if (!r.repo && srcSource.repoURL && tgtSource.repoURL && srcSource.repoURL !== tgtSource.repoURL) {
    throw new PromoteError(
      'LayoutMismatch',
      `${r.from} and ${r.to} come from different repositories (${redact(srcSource.repoURL)}, ${redact(tgtSource.repoURL)}): promotion works within one repository`,
    );
  }
  const repo = r.repo ?? tgtSource.repoURL ?? srcSource.repoURL;
  if (!repo) {
    throw new PromoteError(
      'UnknownApp',
      `no repository for app '${r.app}': no Applications found; pass --repo URL`,
    );
  }
  let ready: Readiness | undefined;
  if (sourceApp) {
    ready = readiness(sourceApp);
    if (!ready.ready) {
      if (!r.force) {
        throw notReadyError(r.from, sourceApp, ready);
      }
      notes.push(`--force: promoting although ${r.from} is not ready (${ready.reason})`);
    }
  } else {
    notes.push(
      `source environment health not checked (${client ? `no Application ${applicationName(r.app, r.from)}` : 'no cluster reachable'})`,
    );
  }
  let github: GitHubRepoRef | undefined;
  const wantsPr = r.openPr === true;
  if (wantsPr) {
    github = parseGitHubRemote(repo, r.githubUrl);
    if (!github) {
      notes.push(
        `${redact(repo)} is not a GitHub repository${r.githubUrl ? ` on ${r.githubUrl}` : ''}: merging into the target branch instead of opening a pull request`,
      );
    } else if (!r.githubToken) {
      throw new PromoteError(
        'MissingToken',
        'no GitHub token: set GITHUB_TOKEN, or pass --github-token-secret NAME',
      );
    } else if (!r.dryRun) {
      await checkRepository({
        ref: github,
        token: r.githubToken,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
    }
  }
  const ws = await Workspace.open({
    repo,
    ...(r.revision || branchOf(tgtSource.targetRevision)
      ? { branch: r.revision || branchOf(tgtSource.targetRevision) }
      : {}),
    ...(deps.tmpRoot ? { tmpRoot: deps.tmpRoot } : {}),
    ...(r.auth ? { auth: r.auth } : {}),
  });
  try {
    const tip = (await ws.resolve('HEAD')) ?? '';
    let sourceRevision = tip;
    let fromApplication = false;
    // A ready source is promoted at the revision it runs; a forced one at what git has for it.
    if (ready?.ready && ready.revision) {
      const synced = await ws.resolve(ready.revision);
      if (synced) {
        sourceRevision = synced;
        fromApplication = true;
      } else if (!r.force) {
        throw new PromoteError(
          'UnknownRevision',
          `${r.from} is synced at ${ready.revision.slice(0, 7)}, which is not in ${redact(repo)} (${ws.branch}): history rewritten? pass --force to promote ${ws.branch}'s tip`,
        );
      }
    }
    const locate = (env: string, path?: string): Promise<EnvLocation> =>
      locateEnvironment(ws.dir, {
        app: r.app,
        env,
        ...(r.root !== undefined ? { root: r.root } : {}),
        ...(path !== undefined ? { path } : {}),
      });
    const srcLoc = await locate(r.from, r.repo ? undefined : srcSource.path);
    const tgtLoc = await locate(r.to, r.repo ? undefined : tgtSource.path);
    if (!fromApplication) {
      // Without a synced revision, what is promoted is the last commit that changed the source folder.
      const last = (await ws.git.raw(['log', '-1', '--format=%H', tip, '--', srcLoc.dir || '.'])).trim();
      sourceRevision = /^[0-9a-f]{40}$/.test(last) ? last : tip;
    }
    const source =
      sourceRevision === tip || !fromApplication
        ? await readEnvironment(ws.dir, srcLoc)
        : environmentFromFiles(srcLoc, await filesAt(ws, sourceRevision, srcLoc.dir));
    const target = await readEnvironment(ws.dir, tgtLoc);
    const plan = planPromotion(source, target, {
      mode: r.mode ?? 'images',
      ...(srcLoc.shared || tgtLoc.shared ? { app: r.app } : {}),
      config: await readPromoteConfig(ws.dir, r.root ?? ''),
    });
    if (plan.edits.length === 0) {
      throw new PromoteError(
        'NoChanges',
        `nothing to promote: ${r.to} (${tgtLoc.dir}) already has the ${r.mode === 'all' ? 'manifests' : 'images'} of ${r.from} at ${sourceRevision.slice(0, 7)}`,
      );
    }
    const texts = new Map(
      [...target.files, ...(target.kustomization ? [target.kustomization] : [])].map((f) => [f.file, f.text]),
    );
    await ws.writeFiles(applyPlanToFiles(texts, plan.edits));
    const diff = await ws.git.raw(['diff', '--no-color', 'HEAD']);
    const branch = promotionBranch(r.app, r.from, r.to, sourceRevision);
    const partial: PromoteResult = {
      branch,
      targetBranch: ws.branch,
      sourceRevision,
      plan,
      diff,
      pushed: 'none',
      source: {
        ...(sourceApp ? { application: sourceApp.metadata.name } : {}),
        ...(ready ? { readiness: ready } : {}),
      },
      notes,
    };
    if (r.dryRun) {
      return partial;
    }
    const message = commitMessage(r, sourceRevision, plan, ready);
    let commit = await ws.commit(message);
    log(`committed ${commit.slice(0, 7)} on ${branch}`);
    const merge = r.merge === true || (wantsPr && !github);
    if (!github) {
      if (merge) {
        const merged = await ws.pushTarget(commit);
        log(`pushed ${merged.slice(0, 7)} to ${ws.branch}`);
        return { ...partial, commit: merged, pushed: 'target', merged };
      }
    }
    // Push the branch: reuse what is there when it already holds this very change on this base.
    const remoteSha = await ws.remoteBranch(branch);
    if (remoteSha && (await sameChange(ws, remoteSha, commit))) {
      commit = remoteSha;
      log(`${branch} already holds this change (${remoteSha.slice(0, 7)})`);
    } else {
      await ws.pushBranch(commit, branch, remoteSha);
      log(
        `pushed ${branch} (${commit.slice(0, 7)})${remoteSha ? `, replacing ${remoteSha.slice(0, 7)}` : ''}`,
      );
    }
    const pushed: PromoteResult = { ...partial, commit, pushed: 'branch' };
    if (!github || !r.githubToken) {
      return pushed;
    }
    const gh = { ref: github, token: r.githubToken, ...(deps.fetch ? { fetch: deps.fetch } : {}) };
    let pr: Awaited<ReturnType<typeof openOrUpdatePullRequest>>;
    try {
      pr = await openOrUpdatePullRequest({
        ...gh,
        head: branch,
        base: ws.branch,
        title: `Promote ${r.app} from ${r.from} to ${r.to} (${sourceRevision.slice(0, 7)})`,
        body: pullRequestBody(r, sourceRevision, partial),
      });
    } catch (e) {
      throw new PromoteError(
        'GitHub',
        `${(e as Error).message}. The branch ${branch} was pushed and is complete; run the same command again to open the pull request (it reuses the branch)`,
        { cause: e },
      );
    }
    log(`${pr.created ? 'opened' : 'updated'} pull request #${pr.number}: ${pr.url}`);
    const withPr = { ...pushed, pr: { number: pr.number, url: pr.url, created: pr.created } };
    if (!r.merge) {
      return withPr;
    }
    const m = await mergePullRequest({ ...gh, number: pr.number, sha: commit });
    log(`merged pull request #${pr.number} (${m.sha.slice(0, 7)})`);
    return { ...withPr, pushed: 'target', merged: m.sha };
  } finally {
    await ws.close();
  }
}

/** Whether `existing` is the same change as `fresh`: same parent, same tree. */
async function sameChange(ws: Workspace, existing: string, fresh: string): Promise<boolean> {
  const info = async (sha: string) =>
    (await ws.git.raw(['show', '-s', '--format=%T %P', sha]).catch(() => '')).trim();
  const a = await info(existing);
  return a !== '' && a === (await info(fresh));
}
