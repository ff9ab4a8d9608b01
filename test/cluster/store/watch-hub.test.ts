import { describe, expect, it } from 'vitest';
import { StoreError, type StoreEvent } from '../../../src/cluster/store/types.js';
import { type RawEvent, WatchHub } from '../../../src/cluster/store/watch-hub.js';

function ev(revision: number, key = `/k/${revision}`): RawEvent {
  return {
    type: 'ADDED',
    key,
    revision,
    object: JSON.stringify({ apiVersion: 'v1', kind: 'X', metadata: { name: key } }),
  };
}

async function collect(hub: WatchHub, prefix: string, from: number | undefined): Promise<number[]> {
  const got: StoreEvent[] = [];
  const w = hub.watch(prefix, from, (e) => got.push(e));
  await new Promise((r) => setTimeout(r, 5));
  w.stop();
  return got.map((e) => e.revision);
}

describe('WatchHub', () => {
  it('replays exactly the kept events after any resumable revision once the ring has wrapped', async () => {
    const hub = new WatchHub({ historySize: 5 });
    for (let r = 1; r <= 12; r++) {
      hub.publish(ev(r));
    }
    // Kept: 8..12, so 7..12 are resumable, 6 and below are Gone.
    for (let from = 7; from <= 12; from++) {
      expect(await collect(hub, '/k/', from)).toEqual(
        Array.from({ length: 12 - from }, (_, i) => from + 1 + i),
      );
    }
    expect(() => hub.watch('/k/', 6, () => {})).toThrow(
      new StoreError('Gone', '/k/', 'too old resource version: 6 (7)'),
    );
  });

  it('starts from its initial revision when it has no history yet', async () => {
    const hub = new WatchHub({ initialRevision: 40 });
    expect(() => hub.watch('/', 39, () => {})).toThrow(/too old resource version: 39 \(40\)/);
    const w = hub.watch('/', 40, () => {});
    w.stop();
    expect(hub.revision()).toBe(40);
  });

  it('rejects bad input', () => {
    expect(() => new WatchHub({ historySize: 0 })).toThrow(/positive integer/);
    const hub = new WatchHub({ initialRevision: 3 });
    expect(() => hub.publish(ev(3))).toThrow(/not after 3/);
    expect(() => hub.watch('/', -1, () => {})).toThrow(/non-negative integer/);
    expect(() => hub.watch('/', Number.NaN, () => {})).toThrow(/non-negative integer/);
  });

  it('forgets stopped watchers and stops all on close', () => {
    const hub = new WatchHub();
    const a = hub.watch('/a/', undefined, () => {});
    hub.watch('/a/', undefined, () => {});
    hub.watch('/b/', undefined, () => {});
    expect(hub.watcherCount()).toBe(3);
    a.stop();
    a.stop();
    expect(hub.watcherCount()).toBe(2);
    hub.close();
    expect(hub.watcherCount()).toBe(0);
  });
});
