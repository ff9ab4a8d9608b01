// A local stand-in for the GitHub REST API (GitHub is unreachable from the test machines): the few
// endpoints a promotion uses — get a repository, list/create/update pull requests, merge one — over
// real bare git repositories (a merge is a real merge commit in the bare repository). Every request
// and every response is validated against GitHub's published OpenAPI description
// (@octokit/openapi, api.github.com.json) with ajv: a call that GitHub would not accept, or a
// response GitHub would not send, is recorded in `violations` and answered with an error, so a
// wrong call fails the test. Response objects are filled from the schemas (every required field).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = any;
const require = createRequire(import.meta.url);
const SPEC_PATH = require.resolve('@octokit/openapi/generated/api.github.com.json');
const API_PREFIX = '/api/v3';
const DOCS = 'https://docs.github.com/rest';

let specCache: { spec: Json; ajv: Ajv; validators: Map<string, ValidateFunction> } | undefined;

function loadSpec() {
  if (!specCache) {
    const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
    const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
    const mod = addFormatsModule as unknown as ((a: Ajv) => void) | { default: (a: Ajv) => void };
    const addFormats = typeof mod === 'function' ? mod : mod.default;
    addFormats(ajv);
    ajv.addFormat('repo.nwo', /^[^/]+\/[^/]+$/);
    ajv.addSchema(spec, 'gh');
    specCache = { spec, ajv, validators: new Map() };
  }
  return specCache;
}

const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function validator(pointer: string): ValidateFunction {
  const s = loadSpec();
  let v = s.validators.get(pointer);
  if (!v) {
    v = s.ajv.compile({ $ref: `gh#${pointer}` });
    s.validators.set(pointer, v);
  }
  return v;
}

function resolveRef(node: Json): Json {
  let cur = node;
  while (cur && typeof cur === 'object' && typeof cur.$ref === 'string') {
    const parts = (cur.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    cur = parts.reduce((o: Json, k) => o?.[k], loadSpec().spec);
  }
  return cur;
}

/** A value valid for a schema: every required property, filled with the simplest valid value. */
function sample(schemaIn: Json, overrides?: Json): Json {
  const schema = resolveRef(schemaIn) ?? {};
  if (
    overrides !== undefined &&
    (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))
  ) {
    return overrides;
  }
  if (schema.allOf) {
    return Object.assign({}, ...schema.allOf.map((s: Json) => sample(s)), overrides ?? {});
  }
  if (schema.anyOf || schema.oneOf) {
    return sample((schema.anyOf ?? schema.oneOf)[0], overrides);
  }
  if (overrides === undefined && schema.nullable) {
    return null;
  }
  if (schema.enum) {
    return schema.enum[0];
  }
  switch (schema.type) {
    case 'string':
      return schema.format === 'date-time'
        ? '2024-01-01T00:00:00Z'
        : schema.format === 'uri'
          ? 'https://github.example/x'
          : schema.format === 'email'
            ? 'x@github.example'
            : 'x';
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default: {
      const out: Json = {};
      for (const k of schema.required ?? []) {
        out[k] = sample(schema.properties?.[k] ?? {}, overrides?.[k]);
      }
      for (const [k, v] of Object.entries(overrides ?? {})) {
        if (!(k in out)) {
          out[k] = sample(schema.properties?.[k] ?? {}, v);
        }
      }
      return out;
    }
  }
}

interface Route {
  readonly method: string;
  readonly path: string;
  readonly re: RegExp;
  readonly params: string[];
}

const ROUTES: Route[] = [
  ['GET', '/repos/{owner}/{repo}'],
  ['GET', '/repos/{owner}/{repo}/pulls'],
  ['POST', '/repos/{owner}/{repo}/pulls'],
  ['PATCH', '/repos/{owner}/{repo}/pulls/{pull_number}'],
  ['PUT', '/repos/{owner}/{repo}/pulls/{pull_number}/merge'],
].map(([method, path]) => ({
  method: method as string,
  path: path as string,
  re: new RegExp(`^${(path as string).replace(/\{[^}]+\}/g, '([^/]+)')}$`),
  params: [...(path as string).matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string),
}));

export interface FakePull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  mergeCommitSha: string | null;
  owner: string;
  repo: string;
}

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body?: Json;
}

export interface FakeGitHub {
  /** API base URL for octokit / `--github-url` (`http://127.0.0.1:PORT/api/v3`). */
  readonly apiUrl: string;
  readonly calls: RecordedCall[];
  readonly pulls: FakePull[];
  /** Requests or responses that do not match GitHub's OpenAPI description. */
  readonly violations: string[];
  addRepo(owner: string, repo: string, bareDir: string): void;
  /** The next request matching method + path regex gets this status and GitHub-shaped error body. */
  failNext(method: string, path: RegExp, status: number, body?: Json): void;
  close(): Promise<void>;
}

const GIT_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'GitHub',
  GIT_AUTHOR_EMAIL: 'noreply@github.example',
  GIT_COMMITTER_NAME: 'GitHub',
  GIT_COMMITTER_EMAIL: 'noreply@github.example',
};
const gitIn = (dir: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd: dir,
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
const tryGit = (dir: string, ...args: string[]) => {
  try {
    return gitIn(dir, ...args);
  } catch {
    return undefined;
  }
};

export async function startFakeGitHub(opts: { token: string }): Promise<FakeGitHub> {
  loadSpec();
  const repos = new Map<string, { owner: string; repo: string; bare: string; id: number }>();
  const pulls: FakePull[] = [];
  const calls: RecordedCall[] = [];
  const violations: string[] = [];
  const faults: { method: string; path: RegExp; status: number; body?: Json }[] = [];
  let base = '';

  const userObj = (login: string) =>
    sample(
      { $ref: '#/components/schemas/simple-user' },
      { login, id: 1, type: 'User', html_url: `${base}/${login}` },
    );
  const repoObj = (r: { owner: string; repo: string; bare: string; id: number }, schema: string) =>
    sample(
      { $ref: `#/components/schemas/${schema}` },
      {
        id: r.id,
        name: r.repo,
        full_name: `${r.owner}/${r.repo}`,
        owner: userObj(r.owner),
        private: false,
        html_url: `${base}/${r.owner}/${r.repo}`,
        default_branch: tryGit(r.bare, 'symbolic-ref', '--short', 'HEAD') ?? 'main',
      },
    );
  const pullObj = (p: FakePull, schema: 'pull-request' | 'pull-request-simple') => {
    const r = repos.get(`${p.owner}/${p.repo}`);
    if (!r) {
      throw new Error('repo vanished');
    }
    const sha = (ref: string) => tryGit(r.bare, 'rev-parse', `refs/heads/${ref}`) ?? '0'.repeat(40);
    const branch = (ref: string) => ({
      label: `${p.owner}:${ref}`,
      ref,
      sha: sha(ref),
      user: userObj(p.owner),
      repo: repoObj(r, 'repository'),
    });
    return sample(
      { $ref: `#/components/schemas/${schema}` },
      {
        id: 1000 + p.number,
        number: p.number,
        state: p.state,
        title: p.title,
        body: p.body,
        html_url: `${base}/${p.owner}/${p.repo}/pull/${p.number}`,
        user: userObj(p.owner),
        head: branch(p.head),
        base: branch(p.base),
        labels: [],
        ...(schema === 'pull-request'
          ? {
              merged: p.merged,
              mergeable: !p.merged,
              merge_commit_sha: p.mergeCommitSha,
              maintainer_can_modify: false,
            }
          : { merge_commit_sha: p.mergeCommitSha }),
      },
    );
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        violations.push(`fake-github crashed: ${(e as Error).stack}`);
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(e) }));
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    let body: Json;
    const route = ROUTES.find((r) => r.method === method && r.re.test(path));
    const opPtr = route ? `/paths/${esc(route.path)}/${method.toLowerCase()}` : '';
    const reply = (status: number, payload: Json) => {
      if (route) {
        const op = resolveRef({ $ref: `#${opPtr}` });
        const documented = op.responses?.[String(status)];
        const content = resolveRef(documented)?.content?.['application/json'];
        // A documented response may be a $ref to components/responses: validate against its schema.
        const responsePtr =
          typeof documented?.$ref === 'string'
            ? documented.$ref.replace(/^#/, '')
            : `${opPtr}/responses/${status}`;
        const ptr = documented
          ? `${responsePtr}/content/${esc('application/json')}/schema`
          : '/components/schemas/basic-error';
        if (!documented && status < 400) {
          violations.push(`${method} ${path}: response ${status} is not in the OpenAPI description`);
        }
        if (!documented || content) {
          const v = validator(ptr);
          if (!v(payload)) {
            violations.push(
              `${method} ${path}: response ${status} does not match the schema: ${JSON.stringify(v.errors?.slice(0, 3))}`,
            );
          }
        }
      }
      calls.push({ method, path, status, ...(body !== undefined ? { body } : {}) });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(payload));
    };
    const error = (status: number, message: string, errors?: Json[]) =>
      reply(status, {
        message,
        documentation_url: DOCS,
        ...(errors ? { errors } : {}),
        status: String(status),
      });

    if (!route) {
      violations.push(`${method} ${path}: not an endpoint this fake implements`);
      error(404, 'Not Found');
      return;
    }
    // Request validation: auth, path and query parameters, body.
    const op = resolveRef({ $ref: `#${opPtr}` });
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}`) {
      error(401, 'Bad credentials');
      return;
    }
    const m = route.re.exec(path) ?? [];
    const pathParams: Record<string, string> = {};
    route.params.forEach((p, i) => {
      pathParams[p] = decodeURIComponent(m[i + 1] ?? '');
    });
    const params = (op.parameters ?? []).map(resolveRef);
    const problems: string[] = [];
    for (const p of params) {
      const value =
        p.in === 'path'
          ? pathParams[p.name]
          : p.in === 'query'
            ? (url.searchParams.get(p.name) ?? undefined)
            : undefined;
      if (value === undefined) {
        if (p.required && p.in !== 'header') {
          problems.push(`missing ${p.in} parameter ${p.name}`);
        }
        continue;
      }
      const coerced = p.schema?.type === 'integer' ? Number(value) : value;
      const v = loadSpec().ajv.compile(p.schema ?? {});
      if (!v(coerced)) {
        problems.push(`${p.in} parameter ${p.name}=${value}: ${JSON.stringify(v.errors)}`);
      }
    }
    for (const k of url.searchParams.keys()) {
      if (!params.some((p: Json) => p.in === 'query' && p.name === k)) {
        problems.push(`unknown query parameter ${k}`);
      }
    }
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        problems.push('body is not JSON');
      }
    }
    const rb = resolveRef(op.requestBody);
    if (rb) {
      if (body === undefined && rb.required) {
        problems.push('missing request body');
      } else if (body !== undefined) {
        const v = validator(`${opPtr}/requestBody/content/${esc('application/json')}/schema`);
        if (!v(body)) {
          problems.push(`body: ${JSON.stringify(v.errors)}`);
        }
      }
    } else if (body !== undefined) {
      problems.push('this endpoint takes no body');
    }
    if (problems.length > 0) {
      violations.push(
        `${method} ${path}: request does not match the OpenAPI description: ${problems.join('; ')}`,
      );
      error(400, `fake-github: request does not match GitHub's OpenAPI description: ${problems.join('; ')}`);
      return;
    }
    const fault = faults.findIndex((f) => f.method === method && f.path.test(path));
    if (fault >= 0) {
      const f = faults.splice(fault, 1)[0];
      if (f) {
        reply(
          f.status,
          f.body ?? { message: 'Injected failure', documentation_url: DOCS, status: String(f.status) },
        );
        return;
      }
    }
    const r = repos.get(`${pathParams.owner}/${pathParams.repo}`);
    if (!r) {
      error(404, 'Not Found');
      return;
    }
    const branchExists = (b: string) =>
      tryGit(r.bare, 'rev-parse', '--verify', '--quiet', `refs/heads/${b}`) !== undefined;
    const pull = pulls.find(
      (p) => p.owner === r.owner && p.repo === r.repo && p.number === Number(pathParams.pull_number),
    );
    switch (`${method} ${route.path}`) {
      case 'GET /repos/{owner}/{repo}':
        reply(200, repoObj(r, 'full-repository'));
        return;
      case 'GET /repos/{owner}/{repo}/pulls': {
        const state = url.searchParams.get('state') ?? 'open';
        const head = url.searchParams.get('head');
        const baseRef = url.searchParams.get('base');
        const list = pulls.filter(
          (p) =>
            p.owner === r.owner &&
            p.repo === r.repo &&
            (state === 'all' || p.state === state) &&
            (!head || `${p.owner}:${p.head}` === head) &&
            (!baseRef || p.base === baseRef),
        );
        reply(
          200,
          list.map((p) => pullObj(p, 'pull-request-simple')),
        );
        return;
      }
      case 'POST /repos/{owner}/{repo}/pulls': {
        const errs: Json[] = [];
        if (!branchExists(body.head)) {
          errs.push({ resource: 'PullRequest', field: 'head', code: 'invalid' });
        }
        if (!branchExists(body.base)) {
          errs.push({ resource: 'PullRequest', field: 'base', code: 'invalid' });
        }
        if (
          pulls.some(
            (p) =>
              p.owner === r.owner &&
              p.repo === r.repo &&
              p.state === 'open' &&
              p.head === body.head &&
              p.base === body.base,
          )
        ) {
          errs.push({
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${r.owner}:${body.head}.`,
          });
        }
        if (errs.length > 0) {
          error(422, 'Validation Failed', errs);
          return;
        }
        const p: FakePull = {
          number: pulls.length + 1,
          head: body.head,
          base: body.base,
          title: body.title,
          body: body.body ?? null,
          state: 'open',
          merged: false,
          mergeCommitSha: null,
          owner: r.owner,
          repo: r.repo,
        };
        pulls.push(p);
        reply(201, pullObj(p, 'pull-request'));
        return;
      }
      case 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}': {
        if (!pull) {
          error(404, 'Not Found');
          return;
        }
        if (body.base !== undefined && !branchExists(body.base)) {
          error(422, 'Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
          return;
        }
        Object.assign(pull, {
          ...(body.title !== undefined ? { title: body.title } : {}),
          ...(body.body !== undefined ? { body: body.body } : {}),
          ...(body.base !== undefined ? { base: body.base } : {}),
          ...(body.state !== undefined ? { state: body.state } : {}),
        });
        reply(200, pullObj(pull, 'pull-request'));
        return;
      }
      case 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge': {
        if (!pull) {
          error(404, 'Not Found');
          return;
        }
        if (pull.merged || pull.state !== 'open') {
          reply(405, { message: 'Pull Request is not mergeable', documentation_url: DOCS });
          return;
        }
        const headSha = gitIn(r.bare, 'rev-parse', `refs/heads/${pull.head}`);
        if (body?.sha && body.sha !== headSha) {
          reply(409, {
            message: 'Head branch was modified. Review and try the merge again.',
            documentation_url: DOCS,
          });
          return;
        }
        const baseSha = gitIn(r.bare, 'rev-parse', `refs/heads/${pull.base}`);
        const tree = tryGit(r.bare, 'merge-tree', '--write-tree', baseSha, headSha);
        if (!tree) {
          reply(405, { message: 'Pull Request is not mergeable', documentation_url: DOCS });
          return;
        }
        const title = body?.commit_title ?? `Merge pull request #${pull.number} from ${r.owner}/${pull.head}`;
        const message = `${title}\n\n${body?.commit_message ?? pull.title}`;
        const commit = gitIn(
          r.bare,
          'commit-tree',
          tree.split('\n')[0] ?? '',
          '-p',
          baseSha,
          '-p',
          headSha,
          '-m',
          message,
        );
        gitIn(r.bare, 'update-ref', `refs/heads/${pull.base}`, commit, baseSha);
        Object.assign(pull, { merged: true, state: 'closed', mergeCommitSha: commit });
        reply(200, { sha: commit, merged: true, message: 'Pull Request successfully merged' });
        return;
      }
    }
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let nextId = 1;
  return {
    apiUrl: `${base}${API_PREFIX}`,
    calls,
    pulls,
    violations,
    addRepo(owner, repo, bare) {
      repos.set(`${owner}/${repo}`, { owner, repo, bare, id: nextId++ });
    },
    failNext(method, path, status, body) {
      faults.push({ method, path, status, ...(body ? { body } : {}) });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
