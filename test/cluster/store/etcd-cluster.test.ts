// EtcdStore on a real 3-member etcd cluster: acknowledged writes survive killing the leader, the
// store keeps serving reads, writes and its watch through the remaining members.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdStore } from '../../../src/cluster/store/etcd.js';
import { startEtcd, type TestEtcd } from '../../helpers/etcd.js';
import { deployment, Recorder } from './store-suite.js';

let etcd: TestEtcd;
beforeAll(async () => {
  etcd = await startEtcd({ members: 3 });
});
afterAll(async () => {
  await etcd?.stop();
});

const key = (name: string) => `/apps/deployments/ns1/${name}`;

/** Index of the member that leads the cluster now. */
async function leaderIndex(endpoints: string[]): Promise<number> {
  for (let i = 0; i < endpoints.length; i++) {
    const c = new Etcd3({ hosts: endpoints[i]! });
    try {
      const st = await c.maintenance.status({});
      if (st.leader === st.header.member_id) {
        return i;
      }
    } catch {
      // member down: not the leader
    } finally {
      c.close();
    }
  }
  throw new Error('no etcd leader');
}

/** Retries fn until it succeeds (the cluster elects a new leader after the kill). */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) {
        throw err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('EtcdStore on a 3-member etcd cluster', () => {
  it('keeps acknowledged writes and keeps working when the leader is killed', async () => {
    const store = await EtcdStore.open(etcd.endpoints, { compactIntervalMs: 0 });
    try {
      const r = new Recorder();
      r.watch = store.watch('/apps/', undefined, r.onEvent);
      const acked = [];
      for (let i = 0; i < 20; i++) {
        acked.push(await store.create(key(`d${i}`), deployment('ns1', `d${i}`, i)));
      }
      const leader = await leaderIndex(etcd.endpoints);
      await etcd.kill(leader);
      const survivors = etcd.endpoints.filter((_, i) => i !== leader);

      // reads through the same store, on whichever member still answers
      const listed = await eventually(() => store.list('/apps/deployments/ns1/'));
      expect(listed.items).toHaveLength(20);
      for (const o of acked) {
        expect(listed.items).toContainEqual(o);
      }
      // writes go on (a create retried after an unacknowledged attempt may find its own object)
      for (let i = 20; i < 30; i++) {
        await eventually(async () => {
          try {
            await store.create(key(`d${i}`), deployment('ns1', `d${i}`, i));
          } catch (err) {
            if ((err as { kind?: string }).kind !== 'AlreadyExists') {
              throw err;
            }
          }
        });
      }
      const updated = await eventually(() => store.update(key('d0'), deployment('ns1', 'd0', 100)));
      expect(updated.spec.replicas).toBe(100);

      // the watch, whichever member it was on, delivered every change once and in order
      const events = await r.waitFor(31, 15_000);
      const revs = events.map((e) => e.revision);
      expect(revs).toEqual([...revs].sort((a, b) => a - b));
      expect(new Set(revs).size).toBe(revs.length);
      expect(events.filter((e) => e.type === 'ADDED')).toHaveLength(30);
      expect(events.at(-1)).toMatchObject({ type: 'MODIFIED', key: key('d0') });

      // a server pointed only at the surviving members sees everything
      const other = await EtcdStore.open(survivors, { compactIntervalMs: 0 });
      try {
        expect(await other.count('/apps/deployments/ns1/')).toBe(30);
        expect((await other.get(key('d0')))?.spec.replicas).toBe(100);
        expect(await other.get(key('d7'))).toEqual(acked[7]);
      } finally {
        await other.close();
      }
      r.watch.stop();
    } finally {
      await store.close();
    }
  });
});
