// Work run while leading (the sync engine) is given the controller manager's informers, so a
// server caches pods and ReplicaSets once; with controllers off it gets informers of its own,
// stopped with it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Informer } from '../../src/client/informer.js';
import type { InformerFactory } from '../../src/client/informer-factory.js';
import { R } from '../../src/client/resources.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';

let cp: ControlPlane | undefined;
let dir = '';

afterEach(async () => {
  await cp?.stop();
  cp = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Registers work that records the informers it was given and whether it was stopped. */
function record(c: ControlPlane) {
  const got: { informers?: InformerFactory; podsSyncedAtStart?: boolean; stopped: boolean } = {
    stopped: false,
  };
  c.whileLeading(async ({ informers }) => {
    got.informers = informers;
    got.podsSyncedAtStart = informers.for(R.pods).hasSynced;
    return {
      async stop() {
        got.stopped = true;
      },
    };
  });
  return got;
}

describe('startControlPlane: informers of the term of leadership', () => {
  it("hands the controller manager's started informers to work run while leading", async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-cp-inf-'));
    cp = await startControlPlane({ dataDir: dir, port: 0, store: 'memory', insecureHttp: true });
    const a = record(cp);
    const b = record(cp);
    await until(() => a.informers !== undefined && b.informers !== undefined);
    // the controllers' pod cache, already listed when the work starts: not a second copy
    expect(a.podsSyncedAtStart).toBe(true);
    expect(b.informers).toBe(a.informers);
    expect(a.informers?.for(R.pods)).toBe(b.informers?.for(R.pods));
    await cp.stop();
    cp = undefined;
    expect(a.stopped && b.stopped).toBe(true);
  });

  it('gives work informers of its own, stopped with it, when the controllers are off', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-cp-inf-'));
    cp = await startControlPlane({
      dataDir: dir,
      port: 0,
      store: 'memory',
      insecureHttp: true,
      controllers: false,
    });
    const a = record(cp);
    await until(() => a.informers !== undefined);
    expect(a.podsSyncedAtStart).toBe(false);
    const pods: Informer = a.informers!.for(R.pods);
    await a.informers!.start();
    expect(pods.hasSynced).toBe(true);
    let watchEnded = false;
    const stopWatch = pods.stop.bind(pods);
    pods.stop = () => {
      watchEnded = true;
      stopWatch();
    };
    await cp.stop();
    cp = undefined;
    expect(a.stopped).toBe(true);
    expect(watchEnded).toBe(true);
  });
});

async function until(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) {
      throw new Error('timed out');
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
