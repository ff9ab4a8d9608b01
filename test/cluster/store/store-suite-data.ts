// Conformance cases for reads and writes: CRUD, revisions, preconditions, list, count, isolation.
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { DEPLOYS, deployment, keyOf, type SuiteContext, storeError } from './store-suite-helpers.js';

export function dataCases(ctx: SuiteContext): void {
  const { fresh } = ctx;
  describe('CRUD and revisions', () => {
    it('creates and gets an object stamped with the new revision', async () => {
      const s = await fresh();
      expect(await s.get(keyOf('ns1', 'a'))).toBeUndefined();
      const before = s.revision();
      const created = await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a', 2));
      expect(s.revision()).toBeGreaterThan(before);
      expect(created.metadata.resourceVersion).toBe(String(s.revision()));
      expect(created.spec).toEqual({
        replicas: 2,
        template: { spec: { containers: [{ name: 'c', image: 'img:1' }] } },
      });
      expect(await s.get(keyOf('ns1', 'a'))).toEqual(created);
    });

    it('gives every mutation a strictly greater revision equal to resourceVersion', async () => {
      const s = await fresh();
      const seen: number[] = [];
      const check = (o: KObject) => {
        expect(o.metadata.resourceVersion).toBe(String(s.revision()));
        seen.push(Number(o.metadata.resourceVersion));
      };
      check(await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a')));
      check(await s.create(keyOf('ns1', 'b'), deployment('ns1', 'b')));
      check(await s.update(keyOf('ns1', 'a'), deployment('ns1', 'a', 5)));
      check(await s.delete(keyOf('ns1', 'b')));
      check(await s.create(keyOf('ns1', 'b'), deployment('ns1', 'b')));
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
      }
    });

    it('ignores a stale resourceVersion inside the object when no precondition is given', async () => {
      const s = await fresh();
      const a = await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a'));
      await s.update(keyOf('ns1', 'a'), { ...a, spec: { replicas: 2 } });
      const again = await s.update(keyOf('ns1', 'a'), { ...a, spec: { replicas: 3 } });
      expect(again.metadata.resourceVersion).toBe(String(s.revision()));
      expect((await s.get(keyOf('ns1', 'a')))?.spec).toEqual({ replicas: 3 });
    });

    it('refuses to create a taken key with AlreadyExists and changes nothing', async () => {
      const s = await fresh();
      const a = await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a', 1));
      const rev = s.revision();
      const err = await storeError(s.create(keyOf('ns1', 'a'), deployment('ns1', 'a', 9)));
      expect(err.kind).toBe('AlreadyExists');
      expect(err.key).toBe(keyOf('ns1', 'a'));
      expect(s.revision()).toBe(rev);
      expect(await s.get(keyOf('ns1', 'a'))).toEqual(a);
    });

    it('updates an object and reports NotFound for a missing one', async () => {
      const s = await fresh();
      await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a', 1));
      const updated = await s.update(keyOf('ns1', 'a'), deployment('ns1', 'a', 4));
      expect(updated.spec.replicas).toBe(4);
      expect(await s.get(keyOf('ns1', 'a'))).toEqual(updated);
      const rev = s.revision();
      const err = await storeError(s.update(keyOf('ns1', 'zz'), deployment('ns1', 'zz')));
      expect(err.kind).toBe('NotFound');
      expect(s.revision()).toBe(rev);
      expect(await s.get(keyOf('ns1', 'zz'))).toBeUndefined();
    });

    it('deletes an object, returning its last state at the delete revision', async () => {
      const s = await fresh();
      await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a', 3));
      const gone = await s.delete(keyOf('ns1', 'a'));
      expect(gone.metadata.resourceVersion).toBe(String(s.revision()));
      expect(gone.spec.replicas).toBe(3);
      expect(await s.get(keyOf('ns1', 'a'))).toBeUndefined();
      const rev = s.revision();
      expect((await storeError(s.delete(keyOf('ns1', 'a')))).kind).toBe('NotFound');
      expect(s.revision()).toBe(rev);
      const back = await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a', 1));
      expect(Number(back.metadata.resourceVersion)).toBeGreaterThan(rev);
    });
  });

  describe('preconditions', () => {
    it('updates only when resourceVersion and uid match', async () => {
      const s = await fresh();
      const v1 = await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a', 1, 'u-1'));
      const v2 = await s.update(keyOf('ns1', 'a'), deployment('ns1', 'a', 2, 'u-1'), {
        resourceVersion: v1.metadata.resourceVersion,
      });
      const rev = s.revision();
      const stale = await storeError(
        s.update(keyOf('ns1', 'a'), deployment('ns1', 'a', 3, 'u-1'), {
          resourceVersion: v1.metadata.resourceVersion,
        }),
      );
      expect(stale.kind).toBe('Conflict');
      const wrongUid = await storeError(
        s.update(keyOf('ns1', 'a'), deployment('ns1', 'a', 3, 'u-1'), { uid: 'u-other' }),
      );
      expect(wrongUid.kind).toBe('Conflict');
      expect(s.revision()).toBe(rev);
      expect(await s.get(keyOf('ns1', 'a'))).toEqual(v2);
      const v3 = await s.update(keyOf('ns1', 'a'), deployment('ns1', 'a', 3, 'u-1'), {
        resourceVersion: v2.metadata.resourceVersion,
        uid: 'u-1',
      });
      expect(v3.spec.replicas).toBe(3);
    });

    it('deletes only when resourceVersion and uid match', async () => {
      const s = await fresh();
      const v1 = await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a', 1, 'u-1'));
      await s.update(keyOf('ns1', 'a'), deployment('ns1', 'a', 2, 'u-1'));
      const stale = await storeError(
        s.delete(keyOf('ns1', 'a'), { resourceVersion: v1.metadata.resourceVersion }),
      );
      expect(stale.kind).toBe('Conflict');
      expect((await storeError(s.delete(keyOf('ns1', 'a'), { uid: 'u-2' }))).kind).toBe('Conflict');
      expect(await s.get(keyOf('ns1', 'a'))).toBeDefined();
      const current = (await s.get(keyOf('ns1', 'a')))!;
      await s.delete(keyOf('ns1', 'a'), { resourceVersion: current.metadata.resourceVersion, uid: 'u-1' });
      expect(await s.get(keyOf('ns1', 'a'))).toBeUndefined();
    });
  });

  describe('list and count', () => {
    it('lists in key order at the current revision', async () => {
      const s = await fresh();
      for (const n of ['m', 'b', 'z', 'a', 'k']) {
        await s.create(keyOf('ns1', n), deployment('ns1', n));
      }
      const { items, revision } = await s.list(`${DEPLOYS}ns1/`);
      expect(items.map((o) => o.metadata.name)).toEqual(['a', 'b', 'k', 'm', 'z']);
      expect(revision).toBe(s.revision());
      expect(await s.list(`${DEPLOYS}nothing-here/`)).toEqual({ items: [], revision: s.revision() });
    });

    it('keeps prefixes ending in / apart (ns1 is not ns10)', async () => {
      const s = await fresh();
      await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a'));
      await s.create(keyOf('ns10', 'a'), deployment('ns10', 'a'));
      await s.create(keyOf('ns10', 'b'), deployment('ns10', 'b'));
      await s.create(keyOf('ns1', 'b'), deployment('ns1', 'b'));
      await s.create('/apps/deploymentsx/ns1/a', deployment('ns1', 'a'));
      await s.create('/core/pods/ns1/a', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'a', namespace: 'ns1' },
      });

      const ns1 = await s.list(`${DEPLOYS}ns1/`);
      expect(ns1.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['ns1/a', 'ns1/b']);
      const ns10 = await s.list(`${DEPLOYS}ns10/`);
      expect(ns10.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
        'ns10/a',
        'ns10/b',
      ]);
      const all = await s.list(DEPLOYS);
      expect(all.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
        'ns1/a',
        'ns1/b',
        'ns10/a',
        'ns10/b',
      ]);
      expect(await s.count(`${DEPLOYS}ns1/`)).toBe(2);
      // paging: startAfter is exclusive, limit bounds the page, both stay inside the prefix
      const names = (r: { items: KObject[] }) =>
        r.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
      expect(names(await s.list(DEPLOYS, { limit: 3 }))).toEqual(['ns1/a', 'ns1/b', 'ns10/a']);
      expect(names(await s.list(DEPLOYS, { startAfter: `${DEPLOYS}ns1/b`, limit: 10 }))).toEqual([
        'ns10/a',
        'ns10/b',
      ]);
      expect(names(await s.list(`${DEPLOYS}ns1/`, { startAfter: `${DEPLOYS}ns1/a` }))).toEqual(['ns1/b']);
      expect(names(await s.list(`${DEPLOYS}ns1/`, { startAfter: `${DEPLOYS}ns1/0` }))).toEqual([
        'ns1/a',
        'ns1/b',
      ]);
      expect(await s.count(`${DEPLOYS}ns10/`)).toBe(2);
      expect(await s.count(DEPLOYS)).toBe(4);
      expect(await s.count('/apps/')).toBe(5);
      expect(await s.count('/core/pods/')).toBe(1);
      expect(await s.count('/batch/')).toBe(0);
    });

    it('counts follow creates and deletes', async () => {
      const s = await fresh();
      for (let i = 0; i < 25; i++) {
        await s.create(keyOf('ns1', `d${i}`), deployment('ns1', `d${i}`));
      }
      expect(await s.count(`${DEPLOYS}ns1/`)).toBe(25);
      await s.delete(keyOf('ns1', 'd3'));
      await s.delete(keyOf('ns1', 'd17'));
      expect(await s.count(`${DEPLOYS}ns1/`)).toBe(23);
      expect((await s.list(`${DEPLOYS}ns1/`)).items).toHaveLength(23);
    });
  });

  describe('isolation (deep clones in and out)', () => {
    it('does not let callers change stored data', async () => {
      const s = await fresh();
      const input = deployment('ns1', 'a', 1);
      const created = await s.create(keyOf('ns1', 'a'), input);
      input.spec.replicas = 100;
      input.metadata.labels!.app = 'changed-input';
      created.spec.replicas = 200;
      const got = (await s.get(keyOf('ns1', 'a')))!;
      expect(got.spec.replicas).toBe(1);
      expect(got.metadata.labels).toEqual({ app: 'a' });
      got.spec.template.spec.containers[0].image = 'evil';
      const listed = (await s.list(`${DEPLOYS}ns1/`)).items[0]!;
      expect(listed.spec.template.spec.containers[0].image).toBe('img:1');
      listed.metadata.name = 'renamed';
      expect((await s.get(keyOf('ns1', 'a')))!.metadata.name).toBe('a');
      expect(input.metadata.resourceVersion).toBeUndefined();
    });
  });
}
