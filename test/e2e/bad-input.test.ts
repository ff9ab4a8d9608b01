// Bad input against one real `gantry server` process (DESIGN.md §4): every malformed or invalid
// request in bad-input-cases.ts, sent raw over HTTPS, must get its specific 4xx Kubernetes
// `Status` (never a 5xx), and none of them may store anything: the full listing of every
// resource and the store revision are the same before and after, and the server still answers.
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES } from '../../src/api/resources.js';
import type { KObject } from '../../src/api/types.js';
import { R } from '../../src/client/resources.js';
import { TokenStore } from '../../src/cluster/auth/tokens.js';
import { type GantryProcess, startGantry, tempDir } from '../helpers/gantry-process.js';
import { type BadCase, badInputCases, configMap, deployment, NS, pod, QNS } from './bad-input-cases.js';

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly error?: string;
}

let g: GantryProcess;
let nodeToken = '';
let before: Map<string, string>;
let revisionBefore = '';

/** Sends one case exactly as written: our headers, our bytes, a fresh TLS connection. */
function send(c: BadCase): Promise<Reply> {
  const u = new URL(g.url);
  const headers: Record<string, string> = { authorization: `Bearer ${g.token}`, accept: 'application/json' };
  for (const [k, v] of Object.entries(c.headers ?? {})) {
    if (v === undefined) {
      delete headers[k.toLowerCase()];
    } else {
      headers[k.toLowerCase()] = v;
    }
  }
  const body = c.body;
  if (body !== undefined && !Array.isArray(body)) {
    headers['content-length'] = String(Buffer.byteLength(body as string | Buffer));
  }
  return new Promise((resolve) => {
    const req = https.request(
      { host: u.hostname, port: u.port, path: c.path, method: c.method, headers, ca: g.caPem, agent: false },
      (res) => {
        const parts: Buffer[] = [];
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(parts).toString('utf8'),
          });
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', done);
        res.on('error', done);
        // a (wrongly) accepted watch streams forever: look at its first second only
        const t = setTimeout(() => {
          res.destroy();
          done();
        }, 1500);
        res.on('close', () => clearTimeout(t));
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', (e) => resolve({ status: 0, contentType: '', body: '', error: e.message }));
    if (Array.isArray(body)) {
      for (const b of body as Buffer[]) {
        req.write(b);
      }
      req.end();
    } else {
      req.end(body);
    }
  });
}

/**
 * Every object of every resource, all namespaces, keyed by resource and name — except Events,
 * which the scheduler keeps writing for the test's unschedulable pods (FailedScheduling counts).
 */
async function snapshot(): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for (const info of RESOURCES) {
    if (info.plural === 'events') {
      continue;
    }
    const list = await g.client.list(info);
    for (const o of list.items) {
      all.set(
        `${info.group}/${info.plural}/${o.metadata.namespace ?? ''}/${o.metadata.name}`,
        JSON.stringify(o),
      );
    }
  }
  return all;
}

async function revision(): Promise<string> {
  return (await g.client.list(R.namespaces)).metadata.resourceVersion!;
}

/** Waits until nothing writes any more (no controller catching up with the setup writes). */
async function settledRevision(): Promise<string> {
  let last = await revision();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await revision();
    if (now === last) {
      return now;
    }
    last = now;
  }
  return last;
}

beforeAll(async () => {
  const dataDir = tempDir('bad-input');
  // a node join token, created in the data dir before the server reads its tokens
  nodeToken = new TokenStore(dataDir).createNodeToken();
  g = await startGantry({ dataDir });
  // the deliberate good writes: targets for the bad requests
  const c = g.client;
  for (const name of [NS, QNS]) {
    await c.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  await c.create(R.resourcequotas, {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'pods-one', namespace: QNS },
    spec: { hard: { pods: '1' } },
  });
  await c.create(R.pods, { ...pod('only'), metadata: { name: 'only', namespace: QNS } } as KObject);
  await c.create(R.configmaps, {
    ...configMap('cm', { data: { a: '1' } }),
    metadata: { name: 'cm', namespace: NS },
  } as KObject);
  await c.create(R.deployments, {
    ...deployment('web'),
    metadata: { name: 'web', namespace: NS },
  } as KObject);
  await c.create(R.pods, { ...pod('p'), metadata: { name: 'p', namespace: NS } } as KObject);
  revisionBefore = await settledRevision();
  before = await snapshot();
});

afterAll(async () => {
  await g?.dispose();
});

describe('bad input against a real gantry server', () => {
  // the table is collected before the server exists: names and expectations only, tokens later
  const cases = badInputCases({ nodeToken: '', adminToken: '' });

  it('has a table of at least 120 distinct bad requests', () => {
    expect(cases.length).toBeGreaterThanOrEqual(120);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    // every 422 names the field it is about
    expect(cases.filter((c) => c.expectCode === 422 && !c.expectField).map((c) => c.name)).toEqual([]);
  });

  for (const c of cases) {
    it(`${c.expectCode} ${c.expectReason}: ${c.name}`, async () => {
      const real = badInputCases({ nodeToken, adminToken: g.token }).find((x) => x.name === c.name)!;
      const r = await send(real);
      const what = `${real.method} ${real.path.slice(0, 120)} -> ${r.status} ${r.error ?? ''} ${r.body.slice(0, 400)}`;
      expect(r.error, what).toBeUndefined();
      expect(r.status, what).toBe(real.expectCode);
      expect(r.contentType, what).toMatch(/^application\/json/);
      let status: Record<string, any>;
      try {
        status = JSON.parse(r.body);
      } catch {
        throw new Error(`the answer is not JSON: ${what}`);
      }
      expect(
        {
          kind: status.kind,
          apiVersion: status.apiVersion,
          status: status.status,
          reason: status.reason,
          code: status.code,
        },
        what,
      ).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: real.expectReason,
        code: real.expectCode,
      });
      expect(typeof status.message === 'string' && status.message.trim().length > 0, what).toBe(true);
      if (real.expectField !== undefined) {
        const fields = ((status.details?.causes ?? []) as { field?: string }[]).map((x) => x.field);
        expect(fields, what).toContain(real.expectField);
      }
    });
  }

  it('stored nothing: every listing is unchanged and no object was written after the setup', async () => {
    const after = await snapshot();
    const added = [...after.keys()].filter((k) => !before.has(k));
    const removed = [...before.keys()].filter((k) => !after.has(k));
    const changed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k));
    const newer = [...after.entries()]
      .filter(([, v]) => Number(JSON.parse(v).metadata.resourceVersion) > Number(revisionBefore))
      .map(([k]) => k);
    expect({ added, removed, changed, newer }).toEqual({ added: [], removed: [], changed: [], newer: [] });
  });

  it('left the server process alive and healthy', async () => {
    expect(g.child.exitCode).toBeNull();
    expect(g.child.signalCode).toBeNull();
    const r = await send({
      name: 'healthz',
      method: 'GET',
      path: '/healthz',
      expectCode: 200,
      expectReason: '',
    });
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: 'ok' });
    // and still serves authenticated requests
    const cm = await g.client.get(R.configmaps, NS, 'cm');
    expect(cm.data).toEqual({ a: '1' });
  });
});
