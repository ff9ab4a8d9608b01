// A node agent's watch (pods with fieldSelector spec.nodeName=NAME) through the registry: the
// store routes it by node, so it must still see its pods arrive and leave, nothing else, and
// its bookmarks must move past the other nodes' pod events (a resume from a bookmark then
// neither replays nor misses anything).
import { afterEach, describe, expect, it } from 'vitest';
import type { KObject, WatchEvent } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { bindPod, Registry, watchResource } from '../../../src/cluster/registry/index.js';
import { MemoryStore } from '../../../src/cluster/store/memory.js';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) {
    s();
  }
});

function pod(name: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'img:1' }] },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('watch routed by spec.nodeName', () => {
  it("sees its node's pods bound and deleted, nothing of other nodes; bookmarks advance", async () => {
    const store = new MemoryStore();
    const reg = new Registry({ store });
    await reg.bootstrap();
    const events: WatchEvent[] = [];
    const h = await watchResource(
      store,
      R.pods,
      {
        fieldSelector: 'spec.nodeName=n1',
        resourceVersion: String(store.revision()),
        allowBookmarks: true,
        bookmarkIntervalMs: 5,
      },
      (e) => events.push(e),
    );
    stops.push(() => h.stop());
    for (const name of ['a', 'b', 'c']) {
      await reg.create(R.pods, 'default', pod(name));
    }
    await bindPod(reg, R.pods, 'default', 'a', { target: { name: 'n1' } });
    await bindPod(reg, R.pods, 'default', 'b', { target: { name: 'n2' } });
    await reg.delete(R.pods, 'default', 'a', { gracePeriodSeconds: 0 });
    // the latest writes concern other pods: only a bookmark can tell this watcher about them
    await reg.patch(
      R.pods,
      'default',
      'c',
      'application/merge-patch+json',
      '{"metadata":{"labels":{"x":"y"}}}',
    );
    const last = store.revision();
    await settle();
    const changes = events.filter((e) => e.type !== 'BOOKMARK');
    expect(changes.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED a', 'DELETED a']);
    const bookmarks = events.filter((e) => e.type === 'BOOKMARK');
    expect(Number(bookmarks.at(-1)?.object.metadata.resourceVersion)).toBe(last);
  });
});
