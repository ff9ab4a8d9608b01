// The demo behind `npm start`: the bundled manifests/ become a local git repository Gantry
// syncs from (one Application per <env>/<app> folder), and the demo's web images are built here
// from the host's static busybox, so nothing needs a registry or the network.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { parseAllDocuments } from 'yaml';
import { buildHttpdImage, type LocalImageStore } from '../agent/images/index.js';
import type { Client } from '../client/types.js';
import { ensureApplication } from '../sync/bootstrap.js';

const run = promisify(execFile);

export const DEMO_IMAGE = 'gantry.local/demo/web';
const DEMO_VERSIONS = ['v1', 'v2', 'v3'];

export interface DemoInfo {
  readonly repoURL: string;
  readonly apps: readonly { readonly name: string; readonly path: string; readonly namespace: string }[];
  readonly links: readonly string[];
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Gantry demo',
  GIT_AUTHOR_EMAIL: 'demo@gantry.local',
  GIT_COMMITTER_NAME: 'Gantry demo',
  GIT_COMMITTER_EMAIL: 'demo@gantry.local',
};

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd, env: GIT_ENV })).stdout;
}

/** A bare repository holding manifests/ on branch main; created once, kept (with the user's pushes) after. */
async function ensureRepo(dataDir: string, manifests: string): Promise<string> {
  const bare = join(dataDir, 'demo', 'manifests.git');
  if (await exists(join(bare, 'HEAD'))) {
    return bare;
  }
  await mkdir(bare, { recursive: true });
  await git(bare, 'init', '--quiet', '--bare', '--initial-branch=main');
  const work = await mkdtemp(join(tmpdir(), 'gantry-demo-'));
  try {
    await cp(manifests, join(work, 'manifests'), { recursive: true });
    await git(work, 'init', '--quiet', '--initial-branch=main');
    await git(work, 'add', '.');
    await git(work, 'commit', '--quiet', '-m', 'Demo manifests: web and shop in staging and production');
    await git(work, 'push', '--quiet', bare, 'main');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return bare;
}

async function ensureImages(images: LocalImageStore, log: Logger): Promise<void> {
  const have = new Set((await images.list()).map((i) => i.ref));
  for (const v of DEMO_VERSIONS) {
    const ref = `${DEMO_IMAGE}:${v}`;
    if (have.has(ref)) {
      continue;
    }
    const dir = await mkdtemp(join(tmpdir(), 'gantry-demo-image-'));
    try {
      const built = await buildHttpdImage(dir, ref, `<h1>Gantry demo web ${v}</h1>\n`);
      await images.importLayout(built.dir, ref);
      log.info({ ref }, 'demo image built');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function nodePortLinks(dir: string, env: string, app: string): Promise<string[]> {
  const links: string[] = [];
  for (const f of await readdir(dir)) {
    if (!/\.ya?ml$/.test(f)) {
      continue;
    }
    for (const doc of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) {
      const o = doc.toJS() as {
        kind?: string;
        metadata?: { name?: string };
        spec?: { ports?: { nodePort?: number }[] };
      };
      for (const p of o?.kind === 'Service' ? (o.spec?.ports ?? []) : []) {
        if (p.nodePort) {
          links.push(`${app} (${env}) service ${o.metadata?.name}: curl http://127.0.0.1:${p.nodePort}/`);
        }
      }
    }
  }
  return links;
}

export async function prepareDemo(o: {
  client: Client;
  dataDir: string;
  manifests: string;
  images: LocalImageStore;
  log: Logger;
}): Promise<DemoInfo> {
  const bare = await ensureRepo(o.dataDir, o.manifests);
  await ensureImages(o.images, o.log);
  const repoURL = `file://${bare}`;
  const apps: { name: string; path: string; namespace: string }[] = [];
  const links: string[] = [];
  for (const env of (await readdir(o.manifests, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    for (const app of (await readdir(join(o.manifests, env.name), { withFileTypes: true })).filter((d) =>
      d.isDirectory(),
    )) {
      const a = {
        name: `${app.name}-${env.name}`,
        path: `manifests/${env.name}/${app.name}`,
        namespace: env.name,
      };
      await ensureApplication(o.client, { ...a, repoURL, targetRevision: 'main' });
      apps.push(a);
      links.push(...(await nodePortLinks(join(o.manifests, env.name, app.name), env.name, app.name)));
    }
  }
  return { repoURL, apps, links };
}
