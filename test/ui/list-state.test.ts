import { describe, expect, it } from 'vitest';
import { applyWatchEvent, backoffMs, type KObject, listState } from '../../ui/src/lib/list-state.js';

const obj = (name: string, rv: string, ns = 'gantry'): KObject => ({
  metadata: { name, namespace: ns, resourceVersion: rv },
});

function updated(r: ReturnType<typeof applyWatchEvent<KObject>>) {
  if (r.kind !== 'updated') {
    throw new Error(`expected updated, got ${r.kind}`);
  }
  return r.state;
}

describe('list + watch state', () => {
  it('adds, modifies and deletes by namespace/name, keeping items sorted', () => {
    let s = listState([obj('web', '1'), obj('api', '2')], '2');
    expect(s.items.map((o) => o.metadata.name)).toEqual(['api', 'web']);
    s = updated(applyWatchEvent(s, { type: 'ADDED', object: obj('db', '3') }));
    expect(s.items.map((o) => o.metadata.name)).toEqual(['api', 'db', 'web']);
    expect(s.resourceVersion).toBe('3');
    s = updated(applyWatchEvent(s, { type: 'MODIFIED', object: obj('web', '4') }));
    expect(s.items).toHaveLength(3);
    expect(s.items.find((o) => o.metadata.name === 'web')?.metadata.resourceVersion).toBe('4');
    s = updated(applyWatchEvent(s, { type: 'DELETED', object: obj('api', '5') }));
    expect(s.items.map((o) => o.metadata.name)).toEqual(['db', 'web']);
    expect(s.resourceVersion).toBe('5');
  });

  it('tells same names in other namespaces apart', () => {
    let s = listState([obj('web', '1', 'staging')], '1');
    s = updated(applyWatchEvent(s, { type: 'ADDED', object: obj('web', '2', 'production') }));
    expect(s.items.map((o) => o.metadata.namespace)).toEqual(['production', 'staging']);
  });

  it('follows a bookmark without touching the items', () => {
    const s = listState([obj('web', '1')], '1');
    const next = updated(
      applyWatchEvent(s, { type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }),
    );
    expect(next.items).toBe(s.items);
    expect(next.resourceVersion).toBe('9');
  });

  it('reports 410 Gone as a re-list, other errors as errors; the state is not changed', () => {
    const s = listState([obj('web', '1')], '1');
    const gone = applyWatchEvent(s, {
      type: 'ERROR',
      object: { code: 410, reason: 'Expired', message: 'too old resource version' } as unknown as KObject,
    });
    expect(gone).toEqual({ kind: 'gone', message: 'too old resource version' });
    const err = applyWatchEvent(s, {
      type: 'ERROR',
      object: { code: 500, message: 'boom' } as unknown as KObject,
    });
    expect(err).toEqual({ kind: 'error', message: 'boom' });
    expect(s.items).toHaveLength(1);
  });

  it('backs off by doubling up to a cap', () => {
    expect([0, 1, 2, 3].map((a) => backoffMs(a))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(20)).toBe(15_000);
    expect(backoffMs(1e9)).toBe(15_000);
    expect(backoffMs(-1)).toBe(500);
  });
});
