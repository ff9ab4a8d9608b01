// EtcdStore against real etcd processes on loopback: the shared Store conformance suite (each
// store in its own key namespace on one etcd), resumes from etcd's history, compaction → Gone
// (also as a 410 through the registry's watch), raw layout in etcd, and a 3-member cluster
// surviving the loss of a member.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/api/errors.js';
import { R } from '../../../src/client/resources.js';
import { Registry, watchResource } from '../../../src/cluster/registry/index.js';
import { EtcdStore, type EtcdStoreOptions } from '../../../src/cluster/store/etcd.js';
import { openStore } from '../../../src/cluster/store/open.js';
import { StoreError } from '../../../src/cluster/store/types.js';
import { startEtcd, type TestEtcd } from '../../helpers/etcd.js';
import { deployment, Recorder, storeSuite } from './store-suite.js';

let etcd: TestEtcd;
let n = 0;
const opened: EtcdStore[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  for (const s of opened.splice(0)) {
    await s.close();
  }
  await etcd?.stop();
});

/** A store in a fresh key namespace of the shared etcd (no background compaction in tests). */
function newStore(opts: EtcdStoreOptions = {}): Promise<EtcdStore> {
  return EtcdStore.open(etcd.endpoints, { prefix: `/t${++n}`, compactIntervalMs: 0, ...opts });
}

async function tracked(p: Promise<EtcdStore>): Promise<EtcdStore> {
  const s = await p;
  opened.push(s);
  return s;
}

storeSuite('etcd', () => newStore(), {
  newStoreWithHistory: (historySize) => newStore({ historySize }),
});

const key = (name: string) => `/apps/deployments/ns1/${name}`;

describe('EtcdStore on a real etcd', () => {
  it('stores values without resourceVersion under the namespace; resourceVersion = mod revision', async () => {
    const s = await tracked(newStore({ prefix: '/layout' }));
    const created = await s.create(key('a'), {
      ...deployment('ns1', 'a'),
      metadata: { name: 'a', resourceVersion: '999' },
    });
    const raw = new Etcd3({ hosts: etcd.endpoints });
    try {
      const kv = (await raw.kv.range({ key: Buffer.from('/layout/apps/deployments/ns1/a') })).kvs[0]!;
      const stored = JSON.parse(kv.value.toString()) as { metadata: Record<string, unknown> };
      expect(stored.metadata).toEqual({ name: 'a' });
      expect(created.metadata.resourceVersion).toBe(kv.mod_revision);
      // a foreign write in the namespace shows up like any other (stamped on read)
      await raw.put('/layout/apps/deployments/ns1/b').value(JSON.stringify(deployment('ns1', 'b')));
      const b = await s.get(key('b'));
      const kvB = (await raw.kv.range({ key: Buffer.from('/layout/apps/deployments/ns1/b') })).kvs[0]!;
      expect(b?.metadata.resourceVersion).toBe(kvB.mod_revision);
    } finally {
      raw.close();
    }
  });

  it('lets two stores on one namespace (two servers) see each other’s writes and watch events', async () => {
    const a = await tracked(newStore({ prefix: '/shared' }));
    const b = await tracked(newStore({ prefix: '/shared' }));
    const r = new Recorder();
    r.watch = b.watch('/apps/', undefined, r.onEvent);
    const x = await a.create(key('x'), deployment('ns1', 'x'));
    expect(await b.get(key('x'))).toEqual(x);
    const [e] = await r.exactly(1);
    expect(e).toMatchObject({ type: 'ADDED', key: key('x'), revision: Number(x.metadata.resourceVersion) });
    const err = await b
      .update(key('x'), deployment('ns1', 'x', 2), { resourceVersion: '1' })
      .catch((e: unknown) => e);
    expect((err as StoreError).kind).toBe('Conflict');
    r.watch.stop();
  });

  it('serves a resume older than its memory from etcd history, and answers Gone once compacted', async () => {
    const w = await tracked(newStore({ prefix: '/resume' }));
    await w.create(key('a'), deployment('ns1', 'a'));
    const from = w.revision();
    await w.create(key('b'), deployment('ns1', 'b'));
    await w.update(key('a'), deployment('ns1', 'a', 2));
    await w.delete(key('b'));
    // A store opened now (a restarted or second server) has nothing in memory before its start.
    const fresh = await tracked(newStore({ prefix: '/resume' }));
    const r = new Recorder();
    r.watch = fresh.watch('/apps/deployments/', from, r.onEvent);
    await w.create(key('c'), deployment('ns1', 'c'));
    const events = await r.exactly(4);
    expect(events.map((e) => `${e.type} ${e.key}`)).toEqual([
      `ADDED ${key('b')}`,
      `MODIFIED ${key('a')}`,
      `DELETED ${key('b')}`,
      `ADDED ${key('c')}`,
    ]);
    expect(events[0]!.revision).toBe(from + 1);
    expect(events[1]!.prevObject?.spec.replicas).toBe(1);
    expect(events[2]!.object.metadata.resourceVersion).toBe(String(events[2]!.revision));
    r.watch.stop();

    await fresh.compact(from + 2);
    expect(fresh.compactedRevision()).toBe(from + 2);
    expect(() => fresh.watch('/apps/', from, () => {})).toThrow(StoreError);
    expect(() => fresh.watch('/apps/', from, () => {})).toThrow(/too old resource version/);
    // from + 1: events from from + 2 on, which etcd still has
    const r2 = new Recorder();
    r2.watch = fresh.watch('/apps/deployments/', from + 1, r2.onEvent);
    expect((await r2.exactly(3)).map((e) => e.type)).toEqual(['MODIFIED', 'DELETED', 'ADDED']);
    r2.watch.stop();

    // A store opened after a compaction done elsewhere learns the compaction revision at open.
    const later = await tracked(newStore({ prefix: '/resume' }));
    expect(later.compactedRevision()).toBeGreaterThanOrEqual(from + 2);
    const err = (() => {
      try {
        later.watch('/apps/', from, () => {});
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect((err as StoreError).kind).toBe('Gone');
  });

  it('answers a watch from a compacted resourceVersion with 410 Gone through the registry', async () => {
    const store = await tracked(newStore({ prefix: '/api410' }));
    const reg = new Registry({ store });
    await reg.bootstrap();
    const first = await reg.create(R.configmaps, 'default', { metadata: { name: 'c0' } });
    for (let i = 1; i < 5; i++) {
      await reg.create(R.configmaps, 'default', { metadata: { name: `c${i}` } });
    }
    // Another server, up since now: resumes come from etcd until compaction removes them.
    const other = await tracked(newStore({ prefix: '/api410' }));
    const seen: string[] = [];
    const h = await watchResource(
      other,
      R.configmaps,
      { namespace: 'default', resourceVersion: first.metadata.resourceVersion },
      (e) => seen.push(`${e.type}:${e.object.metadata.name}`),
    );
    await expect.poll(() => seen.length).toBe(4);
    expect(seen).toEqual(['ADDED:c1', 'ADDED:c2', 'ADDED:c3', 'ADDED:c4']);
    h.stop();

    await store.compact(store.revision());
    // the compacting replica records it in etcd; the other one learns it from its watch
    await expect.poll(() => other.compactedRevision()).toBe(store.compactedRevision());
    const err = await watchResource(
      other,
      R.configmaps,
      { namespace: 'default', resourceVersion: first.metadata.resourceVersion },
      () => {},
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(410);
  });

  it('ends a watch from history with Gone (onEnd) when etcd compacts behind the store’s back', async () => {
    const s = await tracked(newStore({ prefix: '/behind' }));
    await s.create(key('a'), deployment('ns1', 'a'));
    const from = s.revision();
    await s.create(key('b'), deployment('ns1', 'b'));
    const warnings: string[] = [];
    const logger = {
      warn: (_: object, m: string) => warnings.push(m),
      error: (_: object, m: string) => warnings.push(m),
    };
    const late = await tracked(newStore({ prefix: '/behind', logger }));
    // compacted by another client (etcdctl, etcd's auto-compaction): `late` does not know yet
    const raw = new Etcd3({ hosts: etcd.endpoints });
    try {
      await raw.kv.compact({ revision: late.revision() });
    } finally {
      raw.close();
    }
    const events: string[] = [];
    const ended = new Promise<StoreError>((resolve) => {
      late.watch('/apps/', from - 1, (e) => events.push(e.key), resolve);
    });
    const err = await ended;
    expect(err.kind).toBe('Gone');
    expect(events).toEqual([]);
    expect(warnings).toContain('etcd ended a watch from history');
    // and from now on it answers synchronously
    await expect.poll(() => late.compactedRevision()).toBe(late.revision());
    expect(() => late.watch('/apps/', from - 1, () => {})).toThrow(/too old resource version/);
  });

  it('is what openStore returns for etcd:URL,URL', async () => {
    const s = await openStore(`etcd:${etcd.endpoints[0]},${etcd.endpoints[0]}`);
    try {
      expect(s).toBeInstanceOf(EtcdStore);
      await s.create('/core/configmaps/ns/a', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'a' },
      });
      expect(await s.count('/core/configmaps/')).toBeGreaterThanOrEqual(1);
    } finally {
      await s.close();
    }
  });

  it('fails to open with a clear error when no endpoint answers', async () => {
    await expect(EtcdStore.open(['http://127.0.0.1:1'], { dialTimeoutMs: 500 })).rejects.toThrow(
      /open etcd store http:\/\/127\.0\.0\.1:1/,
    );
  });
});
