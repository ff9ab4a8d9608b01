// Crash recovery of the real `gantry server` process on its default SQLite store: concurrent
// writers create and update ConfigMaps, the process is SIGKILLed mid-burst, restarted on the
// same data dir, and every write that was acknowledged (2xx) must still be there. Only the
// writes that were in flight at the kill may additionally have landed; resource versions keep
// growing across the restart.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { R } from '../../src/client/resources.js';
import { type GantryProcess, startGantry, tempDir } from '../helpers/gantry-process.js';

const NS = 'crash';
const WRITERS = 8;

/** One write as a writer sent it; `rv` set when the server acknowledged it with a 2xx. */
interface Write {
  readonly op: 'create' | 'update';
  readonly name: string;
  readonly data: Record<string, string>;
  rv?: number;
  /** Settled without an acknowledgement (connection lost by the kill). */
  lost?: boolean;
}

interface Burst {
  /** Every write in the order each writer sent it (per name, the order is the send order). */
  readonly writes: Write[];
  /** Writes still without an answer at the moment of the kill. */
  readonly inFlightAtKill: number;
  /** Errors that were not caused by the kill (any is a failure). */
  readonly unexpected: unknown[];
}

const processes: GantryProcess[] = [];
const dataDirs: string[] = [];

afterAll(async () => {
  for (const p of processes) {
    await p.stop('SIGKILL').catch(() => undefined);
  }
  for (const d of dataDirs) {
    rmSync(d, { recursive: true, force: true });
  }
});

function configMap(name: string, data: Record<string, string>, resourceVersion?: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: NS, ...(resourceVersion ? { resourceVersion } : {}) },
    data,
  };
}

/**
 * Runs WRITERS loops against g until `killAfter` writes are acknowledged, then SIGKILLs the
 * process from inside the acknowledgement callback, so the other writers are mid-request.
 */
async function burst(g: GantryProcess, killAfter: number): Promise<Burst> {
  const writes: Write[] = [];
  const unexpected: unknown[] = [];
  let acked = 0;
  let killed = false;
  let inFlightAtKill = -1;
  let pending = 0;
  const exited = new Promise<void>((r) =>
    g.child.exitCode !== null || g.child.signalCode !== null ? r() : g.child.once('exit', () => r()),
  );

  const send = async (w: Write, fn: () => Promise<KObject>): Promise<boolean> => {
    writes.push(w);
    pending++;
    try {
      const obj = await fn();
      w.rv = Number(obj.metadata.resourceVersion);
      acked++;
      if (!killed && acked >= killAfter) {
        killed = true;
        inFlightAtKill = pending - 1;
        g.child.kill('SIGKILL');
      }
      return true;
    } catch (e) {
      w.lost = true;
      if (!killed) {
        unexpected.push(e);
      }
      return false;
    } finally {
      pending--;
    }
  };

  const writer = async (id: number) => {
    const mine: { name: string; rv: number; version: number }[] = [];
    for (let n = 0; !killed; n++) {
      const name = `w${id}-${n}`;
      const data = { writer: String(id), seq: String(n), version: '0' };
      const w: Write = { op: 'create', name, data };
      if (!(await send(w, () => g.client.create(R.configmaps, configMap(name, data))))) {
        return;
      }
      mine.push({ name, rv: w.rv!, version: 0 });
      if (n % 2 === 1 && !killed) {
        // update one of this writer's earlier objects (only this writer touches it)
        const target = mine[(n * 7) % mine.length]!;
        const next = {
          writer: String(id),
          seq: target.name.split('-')[1]!,
          version: String(target.version + 1),
        };
        const u: Write = { op: 'update', name: target.name, data: next };
        if (
          !(await send(u, () =>
            g.client.update(R.configmaps, configMap(target.name, next, String(target.rv))),
          ))
        ) {
          return;
        }
        target.rv = u.rv!;
        target.version++;
      }
    }
  };

  await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i)));
  if (!killed) {
    // every writer stopped on an error before the kill point: stop the server, report the errors
    g.child.kill('SIGKILL');
  }
  await exited;
  return { writes, inFlightAtKill, unexpected };
}

async function checkRecovered(g: GantryProcess, b: Burst): Promise<void> {
  const acked = b.writes.filter((w) => w.rv !== undefined);
  const lost = b.writes.filter((w) => w.rv === undefined);
  // the burst really was cut mid-flight, and only by the kill
  expect(b.unexpected).toEqual([]);
  expect(b.inFlightAtKill).toBeGreaterThan(0);
  expect(lost.length).toBeLessThanOrEqual(WRITERS);
  expect(lost.every((w) => w.lost)).toBe(true);

  const list = await g.client.list(R.configmaps, { namespace: NS });
  const live = new Map(list.items.map((o) => [o.metadata.name!, o]));

  // per name: the last acknowledged state, and an in-flight write that may have landed after it
  const lastAcked = new Map<string, Write>();
  const maybe = new Map<string, Write>();
  for (const w of b.writes) {
    if (w.rv !== undefined) {
      lastAcked.set(w.name, w);
    } else {
      maybe.set(w.name, w);
    }
  }
  for (const [name, w] of lastAcked) {
    const o = live.get(name);
    expect(o, `acknowledged ${w.op} of ${name} (rv ${w.rv}) is missing after the restart`).toBeDefined();
    const inFlight = maybe.get(name);
    const rv = Number(o!.metadata.resourceVersion);
    if (inFlight && rv !== w.rv) {
      // the un-acked update landed: it must be exactly that update, written after the acked one
      expect(rv).toBeGreaterThan(w.rv!);
      expect(o!.data).toEqual(inFlight.data);
    } else {
      expect({ name, rv, data: o!.data }).toEqual({ name, rv: w.rv, data: w.data });
    }
  }
  // nothing exists that was never attempted; beyond the acked ones only in-flight creates
  const attempted = new Set(b.writes.map((w) => w.name));
  const extra = [...live.keys()].filter((n) => !lastAcked.has(n));
  for (const name of extra) {
    expect(attempted.has(name), `${name} exists but was never written`).toBe(true);
    const w = maybe.get(name);
    expect(w?.op, `${name} exists but its create was neither acked nor in flight`).toBe('create');
    expect(live.get(name)!.data).toEqual(w!.data);
  }
  expect(extra.length).toBeLessThanOrEqual(lost.length);

  // the revision continues: a new write gets a higher resourceVersion than anything before
  const maxAcked = Math.max(...acked.map((w) => w.rv!));
  const maxLive = Math.max(...list.items.map((o) => Number(o.metadata.resourceVersion)));
  expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(maxAcked);
  const after = await g.client.create(R.configmaps, configMap('after-restart', { ok: 'yes' }));
  const rvAfter = Number(after.metadata.resourceVersion);
  expect(rvAfter).toBeGreaterThan(maxAcked);
  expect(rvAfter).toBeGreaterThan(maxLive);
  const updated = await g.client.update(
    R.configmaps,
    configMap('after-restart', { ok: 'still' }, after.metadata.resourceVersion),
  );
  expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(rvAfter);
}

describe('gantry server survives SIGKILL during a write burst (sqlite store)', () => {
  for (const killAfter of [120, 300, 450]) {
    it(`keeps every acknowledged write when killed after ${killAfter} acks`, async () => {
      const dataDir = tempDir('crash');
      dataDirs.push(dataDir);
      const first = await startGantry({ dataDir });
      processes.push(first);
      await first.client.create(R.namespaces, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: NS },
      });

      const b = await burst(first, killAfter);
      first.client.close();
      expect(b.writes.filter((w) => w.rv !== undefined).length).toBeGreaterThanOrEqual(killAfter);

      const second = await startGantry({ dataDir });
      processes.push(second);
      await checkRecovered(second, b);
      await second.stop();
    });
  }
});
