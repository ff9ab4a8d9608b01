// Watch semantics over a real MemoryStore: initial events, exact resume, 410 Gone, selector
// transitions (an object leaving a filtered view is DELETED for that watcher), bookmarks.
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/api/errors.js';
import type { WatchEvent } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { INITIAL_EVENTS_END, Registry, watchResource } from '../../../src/cluster/registry/index.js';
import { MemoryStore } from '../../../src/cluster/store/memory.js';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) {
    s();
  }
});

async function setup(historySize?: number) {
  const store = new MemoryStore(historySize ? { historySize } : {});
  const reg = new Registry({ store });
  await reg.bootstrap();
  return { store, reg };
}

async function collect(store: MemoryStore, opts: Parameters<typeof watchResource>[2]): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const h = await watchResource(store, R.configmaps, opts, (e) => events.push(e));
  stops.push(() => h.stop());
  return events;
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe('watch', () => {
  it('starts with ADDED for existing objects when no resourceVersion is given', async () => {
    const { store, reg } = await setup();
    await reg.create(R.configmaps, 'default', { metadata: { name: 'a' } });
    const events = await collect(store, { namespace: 'default' });
    await reg.create(R.configmaps, 'default', { metadata: { name: 'b' } });
    await tick();
    expect(events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:a', 'ADDED:b']);
  });

  it('resumes exactly after a resourceVersion', async () => {
    const { store, reg } = await setup();
    const a = await reg.create(R.configmaps, 'default', { metadata: { name: 'a' } });
    await reg.create(R.configmaps, 'default', { metadata: { name: 'b' } });
    await reg.delete(R.configmaps, 'default', 'a');
    const events = await collect(store, {
      namespace: 'default',
      resourceVersion: a.metadata.resourceVersion,
    });
    await tick();
    expect(events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:b', 'DELETED:a']);
  });

  it('answers 410 Gone for a resourceVersion older than the history', async () => {
    const { store, reg } = await setup(5);
    const first = await reg.create(R.configmaps, 'default', { metadata: { name: 'x0' } });
    for (let i = 1; i < 10; i++) {
      await reg.create(R.configmaps, 'default', { metadata: { name: `x${i}` } });
    }
    const err = await watchResource(
      store,
      R.configmaps,
      { resourceVersion: first.metadata.resourceVersion },
      () => {},
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(410);
  });

  it('rewrites events for objects moving in and out of a label selection', async () => {
    const { store, reg } = await setup();
    const events = await collect(store, {
      namespace: 'default',
      labelSelector: 'tier=web',
      resourceVersion: String(store.revision()),
    });
    const c = await reg.create(R.configmaps, 'default', { metadata: { name: 'c', labels: { tier: 'db' } } });
    const inView = await reg.update(R.configmaps, 'default', 'c', {
      ...c,
      metadata: { ...c.metadata, labels: { tier: 'web' } },
    });
    await reg.update(R.configmaps, 'default', 'c', {
      ...inView,
      metadata: { ...inView.metadata, labels: { tier: 'db' } },
    });
    await tick();
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  });

  it('sends the initial-events-end bookmark and periodic bookmarks when asked', async () => {
    const { store, reg } = await setup();
    await reg.create(R.configmaps, 'default', { metadata: { name: 'a' } });
    const events = await collect(store, {
      namespace: 'default',
      sendInitialEvents: true,
      allowBookmarks: true,
      bookmarkIntervalMs: 20,
    });
    await new Promise((r) => setTimeout(r, 70));
    expect(events[0]!.type).toBe('ADDED');
    expect(events[1]!.type).toBe('BOOKMARK');
    expect(events[1]!.object.metadata.annotations?.[INITIAL_EVENTS_END]).toBe('true');
    expect(events.filter((e) => e.type === 'BOOKMARK').length).toBeGreaterThan(1);
  });
});
