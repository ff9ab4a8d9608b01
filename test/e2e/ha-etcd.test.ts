// Two `gantry server` processes (the real CLI) on a real 3-member etcd cluster on loopback
// (`--store etcd:URL1,URL2,URL3`). One etcd member at a time is killed with SIGKILL — a follower,
// the raft leader, then the third member, each restored before the next kill so a quorum always
// remains — and through both servers the API keeps accepting writes (retried for a bounded time
// while etcd elects) and the watches opened before the kills, one through each server, see the
// writes made after each kill.
// afterAll kills every gantry and etcd process and removes their data dirs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HaServer,
  haClient,
  killHaServer,
  leaseHolder,
  serverOfIdentity,
  startHaServers,
} from '../../bench/lib/ha-servers.js';
import { isApiError } from '../../src/api/errors.js';
import type { KObject, WatchEvent } from '../../src/api/types.js';
import type { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/resources.js';
import type { WatchHandle } from '../../src/client/types.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { freePort } from '../helpers/registry.js';

const LEASE_MS = 4_000;
/** How long a write may keep failing after an etcd member dies (an election takes ~1 s here). */
const WRITE_RETRY_MS = 30_000;

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) {
        return v;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function configMap(name: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', labels: { test: 'ha-etcd' } },
    data: { written: new Date().toISOString() },
  };
}

/** Creates the ConfigMap, retrying while etcd has no leader; an earlier attempt that landed counts. */
function createEventually(client: HttpClient, name: string): Promise<KObject> {
  return until(
    `create configmap ${name}`,
    async () => {
      try {
        return await client.create(R.configmaps, configMap(name));
      } catch (e) {
        if (isApiError(e, 409)) {
          return client.get(R.configmaps, 'default', name);
        }
        throw e;
      }
    },
    WRITE_RETRY_MS,
  );
}

interface Watcher {
  readonly server: HaServer;
  readonly client: HttpClient;
  readonly handle: WatchHandle;
  readonly added: Set<string>;
  ended?: Error | 'closed';
}

describe('gantry servers on a 3-member etcd cluster', () => {
  let etcd: TestEtcd;
  let servers: HaServer[] = [];
  let client: HttpClient;
  const watchers: Watcher[] = [];
  const root = mkdtempSync(join(tmpdir(), 'gantry-ha-etcd-'));

  beforeAll(async () => {
    etcd = await startEtcd({ members: 3 });
    servers = await startHaServers(root, [await freePort(), await freePort()], {
      store: `etcd:${etcd.endpoints.join(',')}`,
      leaseMs: LEASE_MS,
    });
    client = await haClient(servers);
  }, 120_000);

  afterAll(async () => {
    for (const w of watchers) {
      w.handle.stop();
      w.client.close();
    }
    client?.close();
    await Promise.all(servers.map((s) => killHaServer(s)));
    await etcd?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps answering writes and watches when an etcd follower, the etcd leader, then the last member dies', async () => {
    await until('a gantry leader', async () => serverOfIdentity(servers, await leaseHolder(client)), 20_000);
    await createEventually(client, 'before');
    // one watch through each server, opened before any member dies
    const list = await client.list(R.configmaps, { namespace: 'default' });
    for (const server of servers) {
      const one = await haClient([server]);
      const added = new Set<string>();
      const handle = await one.watch(
        R.configmaps,
        { namespace: 'default', resourceVersion: list.metadata?.resourceVersion },
        (e: WatchEvent) => {
          if (e.type === 'ADDED' && e.object.metadata.name) {
            added.add(e.object.metadata.name);
          }
        },
      );
      const w: Watcher = { server, client: one, handle, added };
      void handle.done.then((err) => {
        w.ended = err ?? 'closed';
      });
      watchers.push(w);
    }

    // a follower, then the raft leader, then the member not killed yet: every member dies once, so
    // whichever member each server's etcd connection (and store watch) uses, it is cut at least once
    const killed = new Set<number>();
    for (const role of ['follower', 'leader', 'last'] as const) {
      const leader = await until('an etcd leader', () => etcd.leader(), 10_000);
      const victim =
        role === 'leader'
          ? leader
          : role === 'follower'
            ? (leader + 1) % etcd.endpoints.length
            : etcd.endpoints.findIndex((_, i) => !killed.has(i));
      expect(killed.has(victim), `member ${victim} was killed before`).toBe(false);
      killed.add(victim);
      await etcd.kill(victim);
      // writes through the failover client and through each server on its own
      const names = [`after-${role}`, ...servers.map((_, i) => `after-${role}-via-s${i}`)];
      await createEventually(client, names[0]!);
      for (const [i, server] of servers.entries()) {
        const one = await haClient([server]);
        try {
          await createEventually(one, names[i + 1]!);
        } finally {
          one.close();
        }
      }
      // the watches opened before the kill see every write made after it
      for (const w of watchers) {
        await until(
          `the watch through ${w.server.url} to see ${names.join(', ')} after the etcd ${role} died`,
          async () => (names.every((n) => w.added.has(n)) ? true : undefined),
          WRITE_RETRY_MS,
        );
        expect(w.ended, `the watch through ${w.server.url} ended`).toBeUndefined();
      }
      // both servers still run; reads reflect the writes everywhere
      for (const s of servers) {
        expect(s.exited(), s.output()).toBe(false);
      }
      const got = await client.list(R.configmaps, { namespace: 'default', labelSelector: 'test=ha-etcd' });
      expect(got.items.map((c) => c.metadata.name)).toEqual(expect.arrayContaining(names));
      if (role === 'leader') {
        // the kill was real: the remaining members elected another leader
        expect(await until('a new etcd leader', () => etcd.leader(), 10_000)).not.toBe(victim);
      }
      // restore the member so the next kill leaves a quorum
      await etcd.restart(victim);
    }
    // a gantry leader still holds the Lease and renews it
    const holder = await until(
      'a gantry leader after the etcd kills',
      async () => serverOfIdentity(servers, await leaseHolder(client)),
      LEASE_MS * 4,
    );
    expect(holder.exited()).toBe(false);
    // every write exactly once
    const all = await client.list(R.configmaps, { namespace: 'default', labelSelector: 'test=ha-etcd' });
    const names = all.items.map((c) => c.metadata.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(1 + 3 * (1 + servers.length));
    expect(killed.size).toBe(3);
  }, 180_000);
});
