// Routed watchers (a node agent's spec.nodeName=NAME watch): the hub offers an event only to the
// watchers of its object's value and of its previous object's value, replays history the same
// way, reports how far a watcher has got, and forgets watchers that stop.
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import type { StoreEvent } from '../../../src/cluster/store/types.js';
import { type RawEvent, WatchHub, type WatchRoute } from '../../../src/cluster/store/watch-hub.js';

const byNode = (o: KObject) => String(o.spec?.nodeName ?? '');
const route = (value: string): WatchRoute => ({ index: 'Pod:spec.nodeName', value, extract: byNode });

function pod(name: string, node?: string): string {
  return JSON.stringify({ kind: 'Pod', metadata: { name }, spec: node ? { nodeName: node } : {} });
}

function added(revision: number, name: string, node?: string): RawEvent {
  return { type: 'ADDED', key: `/pods/ns/${name}`, revision, object: pod(name, node) };
}

function moved(revision: number, name: string, from: string | undefined, to: string | undefined): RawEvent {
  return {
    type: 'MODIFIED',
    key: `/pods/ns/${name}`,
    revision,
    object: pod(name, to),
    prevObject: pod(name, from),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('WatchHub routed watchers', () => {
  it("delivers an event to the watchers of the object's value, before and after the change", async () => {
    const hub = new WatchHub();
    const got: Record<string, number[]> = { a: [], b: [], all: [] };
    const wa = hub.watch('/pods/', undefined, (e) => got.a!.push(e.revision), route('a'));
    const wb = hub.watch('/pods/', undefined, (e) => got.b!.push(e.revision), route('b'));
    const all = hub.watch('/pods/', undefined, (e) => got.all!.push(e.revision));
    hub.publish(added(1, 'p1')); // unbound: nobody's node
    hub.publish(moved(2, 'p1', undefined, 'a')); // bound to a
    hub.publish(added(3, 'p2', 'b'));
    hub.publish(moved(4, 'p1', 'a', 'b')); // leaves a, arrives on b: both see it
    hub.publish(added(5, 'other', 'c'));
    await tick();
    expect(got).toEqual({ a: [2, 4], b: [3, 4], all: [1, 2, 3, 4, 5] });
    expect(hub.watcherCount()).toBe(3);
    wa.stop();
    wb.stop();
    all.stop();
    expect(hub.watcherCount()).toBe(0);
  });

  it('replays history through the route and reports progress past events it was not offered', async () => {
    const hub = new WatchHub();
    hub.publish(added(1, 'p1', 'a'));
    hub.publish(added(2, 'p2', 'b'));
    const got: StoreEvent[] = [];
    const w = hub.watch('/pods/', 0, (e) => got.push(e), route('a'));
    hub.publish(added(3, 'p3', 'b'));
    hub.publish(added(4, 'p4', 'b'));
    await tick();
    expect(got.map((e) => e.revision)).toEqual([1]);
    expect(w.progress?.()).toBe(4); // nothing for "a" is pending: it has seen everything up to 4
    w.stop();
  });

  it('refuses a second extract function for one index name', () => {
    const hub = new WatchHub();
    hub.watch('/pods/', undefined, () => {}, route('a'));
    expect(() =>
      hub.watch('/pods/', undefined, () => {}, { ...route('b'), extract: (o) => String(o.kind) }),
    ).toThrow(/already routed/);
  });
});
