// The kubeconfig Gantry writes to `<data-dir>/kubeconfig` for stock kubectl (cluster CA inline,
// bearer token) and reads back for its own HTTP client and CLI. With several API servers the
// first one is the cluster's `server` (kubectl knows only one); the full list is kept in a
// cluster extension for Gantry's client to fail over.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

export const SERVERS_EXTENSION = 'gantry.dev/servers';

export interface KubeconfigInput {
  server: string | string[];
  caPem: string;
  token: string;
  contextName?: string;
}

export interface KubeconfigCredentials {
  /** The server kubectl uses (the first one). */
  server: string;
  /** Every API server, first one first. */
  servers: string[];
  caPem?: string;
  token?: string;
  insecureSkipTlsVerify?: boolean;
}

function serverList(server: string | string[]): string[] {
  const list = (Array.isArray(server) ? server : [server]).map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) {
    throw new Error('kubeconfig needs at least one server URL');
  }
  for (const s of list) {
    let url: URL;
    try {
      url = new URL(s);
    } catch (err) {
      throw new Error(`kubeconfig server ${JSON.stringify(s)} is not a URL`, { cause: err });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(`kubeconfig server ${JSON.stringify(s)} must be http(s)`);
    }
  }
  return list;
}

/** The kubeconfig document as YAML text (pure). */
export function renderKubeconfig(input: KubeconfigInput): string {
  const servers = serverList(input.server);
  const name = input.contextName ?? 'gantry';
  const user = `${name}-admin`;
  const cluster: Record<string, unknown> = {
    server: servers[0],
    'certificate-authority-data': Buffer.from(input.caPem, 'utf8').toString('base64'),
  };
  if (servers.length > 1) {
    cluster.extensions = [{ name: SERVERS_EXTENSION, extension: { servers } }];
  }
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name: user, user: { token: input.token } }],
    contexts: [{ name, context: { cluster: name, user } }],
    'current-context': name,
    preferences: {},
  };
  return stringify(doc, { lineWidth: 0 });
}

/** Writes the kubeconfig with mode 0600 (it holds the admin token). */
export async function writeKubeconfig(path: string, input: KubeconfigInput): Promise<void> {
  const text = renderKubeconfig(input);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

function named(list: unknown, name: string, what: string, path: string): Record<string, any> {
  const entry = Array.isArray(list) ? list.find((e) => e?.name === name) : undefined;
  if (!entry || typeof entry[what] !== 'object' || entry[what] === null) {
    throw new Error(`${path}: no ${what} named ${JSON.stringify(name)}`);
  }
  return entry[what];
}

/** A parsed kubeconfig whose CA or token may still live in files (absolute paths). */
export interface ParsedKubeconfig extends KubeconfigCredentials {
  caFile?: string;
  tokenFile?: string;
}

/** Parses kubeconfig text; `baseDir` resolves relative file references (pure). */
export function parseKubeconfig(text: string, path: string, baseDir: string): ParsedKubeconfig {
  let doc: any;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid YAML`, { cause: err });
  }
  if (!doc || typeof doc !== 'object') {
    throw new Error(`${path}: not a kubeconfig`);
  }
  let contextName: unknown = doc['current-context'];
  if (typeof contextName !== 'string' || contextName === '') {
    const contexts = Array.isArray(doc.contexts) ? doc.contexts : [];
    if (contexts.length !== 1) {
      throw new Error(`${path}: no current-context`);
    }
    contextName = contexts[0]?.name;
  }
  const context = named(doc.contexts, String(contextName), 'context', path);
  const cluster = named(doc.clusters, String(context.cluster), 'cluster', path);
  if (typeof cluster.server !== 'string' || cluster.server === '') {
    throw new Error(`${path}: cluster ${JSON.stringify(context.cluster)} has no server`);
  }
  const out: ParsedKubeconfig = { server: cluster.server, servers: [cluster.server] };
  const ext = Array.isArray(cluster.extensions)
    ? cluster.extensions.find((e: any) => e?.name === SERVERS_EXTENSION)
    : undefined;
  const extra: unknown = ext?.extension?.servers;
  if (Array.isArray(extra) && extra.every((s) => typeof s === 'string')) {
    out.servers = [cluster.server, ...extra.filter((s) => s !== cluster.server)];
  }
  if (typeof cluster['certificate-authority-data'] === 'string') {
    out.caPem = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  } else if (typeof cluster['certificate-authority'] === 'string') {
    out.caFile = resolveFrom(baseDir, cluster['certificate-authority']);
  }
  if (cluster['insecure-skip-tls-verify'] === true) {
    out.insecureSkipTlsVerify = true;
  }
  const user = context.user === undefined ? {} : named(doc.users, String(context.user), 'user', path);
  if (typeof user.token === 'string' && user.token !== '') {
    out.token = user.token;
  } else if (typeof user.tokenFile === 'string') {
    out.tokenFile = resolveFrom(baseDir, user.tokenFile);
  }
  return out;
}

function resolveFrom(baseDir: string, file: string): string {
  return isAbsolute(file) ? file : resolve(baseDir, file);
}

async function readReferenced(file: string, what: string, path: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${path}: read ${what} ${file}`, { cause: err });
  }
}

/** Reads a kubeconfig's current context: server(s), CA and token (file references resolved). */
export async function readKubeconfig(path: string): Promise<KubeconfigCredentials> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`read kubeconfig ${path}`, { cause: err });
  }
  const { caFile, tokenFile, ...creds } = parseKubeconfig(text, path, dirname(resolve(path)));
  if (caFile !== undefined) {
    creds.caPem = await readReferenced(caFile, 'certificate-authority', path);
  }
  if (tokenFile !== undefined) {
    const token = (await readReferenced(tokenFile, 'tokenFile', path)).trim();
    if (token !== '') {
      creds.token = token;
    }
  }
  return creds;
}
