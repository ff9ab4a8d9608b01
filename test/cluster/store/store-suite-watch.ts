// Conformance cases for watch: live events, prefix filtering, resume, Gone, stop, faulty watchers.
import { describe, expect, it, vi } from 'vitest';
import { StoreError, type Watch } from '../../../src/cluster/store/types.js';
import { DEPLOYS, deployment, keyOf, type SuiteContext, settle, summary } from './store-suite-helpers.js';

export function watchCases(ctx: SuiteContext): void {
  const { fresh, record } = ctx;
  describe('watch', () => {
    it('shares one frozen copy of an event: a watcher cannot change it for others or for the store', async () => {
      const s = await fresh();
      const refused: unknown[] = [];
      const mutate = s.watch(DEPLOYS, undefined, (e) => {
        try {
          e.object.spec.replicas = -1;
        } catch (err) {
          refused.push(err);
        }
        try {
          e.object.metadata.name = 'mutated';
        } catch (err) {
          refused.push(err);
        }
      });
      const r = record(s, DEPLOYS);
      await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a', 7));
      const [e] = await r.exactly(1);
      mutate.stop();
      expect(e!.object.spec.replicas).toBe(7);
      expect(e!.object.metadata.name).toBe('a');
      expect((await s.get(keyOf('ns1', 'a')))!.spec.replicas).toBe(7);
      expect(refused).toHaveLength(2);
    });
    it('streams ADDED, MODIFIED and DELETED from now on, with prevObject', async () => {
      const s = await fresh();
      await s.create(keyOf('ns1', 'before'), deployment('ns1', 'before'));
      const r = record(s, `${DEPLOYS}ns1/`);
      const a1 = await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a', 1));
      const a2 = await s.update(keyOf('ns1', 'a'), deployment('ns1', 'a', 2));
      const gone = await s.delete(keyOf('ns1', 'a'));
      const [added, modified, deleted] = await r.exactly(3);
      expect(added).toEqual({
        type: 'ADDED',
        key: keyOf('ns1', 'a'),
        object: a1,
        revision: Number(a1.metadata.resourceVersion),
      });
      expect(modified).toMatchObject({
        type: 'MODIFIED',
        key: keyOf('ns1', 'a'),
        object: a2,
        prevObject: a1,
      });
      expect(modified!.revision).toBe(Number(a2.metadata.resourceVersion));
      expect(deleted).toMatchObject({
        type: 'DELETED',
        key: keyOf('ns1', 'a'),
        object: gone,
        prevObject: a2,
      });
      expect(deleted!.revision).toBe(s.revision());
      expect(deleted!.object.metadata.resourceVersion).toBe(String(s.revision()));
      r.watch!.stop();
    });

    it('filters by prefix', async () => {
      const s = await fresh();
      const ns1 = record(s, `${DEPLOYS}ns1/`);
      const ns10 = record(s, `${DEPLOYS}ns10/`);
      const deploys = record(s, DEPLOYS);
      await s.create(keyOf('ns10', 'x'), deployment('ns10', 'x'));
      await s.create(keyOf('ns1', 'x'), deployment('ns1', 'x'));
      await s.create('/core/pods/ns1/x', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } });
      await s.create('/apps/deploymentsx/ns1/x', deployment('ns1', 'x'));
      expect((await ns1.exactly(1)).map((e) => e.key)).toEqual([keyOf('ns1', 'x')]);
      expect((await ns10.exactly(1)).map((e) => e.key)).toEqual([keyOf('ns10', 'x')]);
      expect((await deploys.exactly(2)).map((e) => e.key)).toEqual([keyOf('ns10', 'x'), keyOf('ns1', 'x')]);
    });

    it('delivers concurrent writes once each, in revision order', async () => {
      const s = await fresh();
      const r = record(s, DEPLOYS);
      const created = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          s.create(keyOf(`ns${i % 3}`, `d${i}`), deployment(`ns${i % 3}`, `d${i}`)),
        ),
      );
      const events = await r.exactly(40);
      const revs = events.map((e) => e.revision);
      expect(revs).toEqual([...revs].sort((a, b) => a - b));
      expect(new Set(revs).size).toBe(40);
      expect(new Set(events.map((e) => e.key))).toEqual(
        new Set(created.map((_, i) => keyOf(`ns${i % 3}`, `d${i}`))),
      );
    });

    it('resumes from an older revision: replays exactly the missed events, then live ones', async () => {
      const s = await fresh();
      await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a'));
      const from = s.revision();
      await s.create(keyOf('ns1', 'b'), deployment('ns1', 'b'));
      await s.create(keyOf('ns2', 'other'), deployment('ns2', 'other'));
      await s.update(keyOf('ns1', 'a'), deployment('ns1', 'a', 2));
      await s.delete(keyOf('ns1', 'b'));
      const r = record(s, `${DEPLOYS}ns1/`, from);
      await s.create(keyOf('ns1', 'c'), deployment('ns1', 'c'));
      const events = await r.exactly(4);
      expect(events.map((e) => `${e.type} ${e.key}`)).toEqual([
        `ADDED ${keyOf('ns1', 'b')}`,
        `MODIFIED ${keyOf('ns1', 'a')}`,
        `DELETED ${keyOf('ns1', 'b')}`,
        `ADDED ${keyOf('ns1', 'c')}`,
      ]);
      expect(events[0]!.revision).toBe(from + 1);
      expect(events[3]!.revision).toBe(s.revision());
      expect(events.every((e) => e.revision > from)).toBe(true);
    });

    it('matches a list: list then watch from its revision sees every later change once', async () => {
      const s = await fresh();
      await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a'));
      const listed = await s.list(`${DEPLOYS}ns1/`);
      await s.create(keyOf('ns1', 'b'), deployment('ns1', 'b'));
      const r = record(s, `${DEPLOYS}ns1/`, listed.revision);
      await s.update(keyOf('ns1', 'a'), deployment('ns1', 'a', 3));
      expect(summary(await r.exactly(2))).toEqual([
        `ADDED ${keyOf('ns1', 'b')}@${listed.revision + 1}`,
        `MODIFIED ${keyOf('ns1', 'a')}@${s.revision()}`,
      ]);
    });

    it('from the current revision delivers only later events', async () => {
      const s = await fresh();
      await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a'));
      const r = record(s, DEPLOYS, s.revision());
      await s.create(keyOf('ns1', 'b'), deployment('ns1', 'b'));
      expect((await r.exactly(1)).map((e) => e.key)).toEqual([keyOf('ns1', 'b')]);
    });

    it('from a revision not reached yet skips events up to it', async () => {
      const s = await fresh();
      const r = record(s, DEPLOYS, s.revision() + 1);
      await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a'));
      await s.create(keyOf('ns1', 'b'), deployment('ns1', 'b'));
      expect((await r.exactly(1)).map((e) => e.key)).toEqual([keyOf('ns1', 'b')]);
    });

    it('stops delivering after stop(), also when stopped from inside the callback', async () => {
      const s = await fresh();
      const seen: string[] = [];
      const w: Watch = s.watch(DEPLOYS, undefined, (e) => {
        seen.push(e.key);
        w.stop();
      });
      const other = record(s, DEPLOYS);
      await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a'));
      await s.create(keyOf('ns1', 'b'), deployment('ns1', 'b'));
      await other.exactly(2);
      other.watch!.stop();
      await s.create(keyOf('ns1', 'c'), deployment('ns1', 'c'));
      await settle();
      expect(seen).toEqual([keyOf('ns1', 'a')]);
      expect(other.events).toHaveLength(2);
    });

    it('a throwing watcher breaks neither the store nor other watchers', async () => {
      const s = await fresh();
      const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        let calls = 0;
        s.watch(DEPLOYS, undefined, () => {
          calls++;
          throw new Error('watcher bug');
        });
        const r = record(s, DEPLOYS);
        await s.create(keyOf('ns1', 'a'), deployment('ns1', 'a'));
        await s.create(keyOf('ns1', 'b'), deployment('ns1', 'b'));
        await s.update(keyOf('ns1', 'a'), deployment('ns1', 'a', 2));
        expect((await r.exactly(3)).map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'MODIFIED']);
        expect(calls).toBe(3);
        expect(await s.count(DEPLOYS)).toBe(2);
      } finally {
        quiet.mockRestore();
      }
    });
  });

  describe.skipIf(!ctx.hasHistoryLimit)('watch history limits', () => {
    it('answers Gone synchronously when the history no longer reaches back', async () => {
      const s = await fresh(3);
      const revs: number[] = [s.revision()];
      for (let i = 0; i < 6; i++) {
        await s.create(keyOf('ns1', `d${i}`), deployment('ns1', `d${i}`));
        revs.push(s.revision());
      }
      // Kept: the last 3 events (revs[4..6]); resuming from revs[3] needs nothing older.
      let err: unknown;
      try {
        s.watch(DEPLOYS, revs[2]!, () => {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe('Gone');
      expect((err as StoreError).message).toMatch(/too old resource version/);
      expect(() => s.watch(DEPLOYS, revs[0]!, () => {})).toThrow(StoreError);

      const r = record(s, DEPLOYS, revs[3]!);
      expect((await r.exactly(3)).map((e) => e.key)).toEqual([
        keyOf('ns1', 'd3'),
        keyOf('ns1', 'd4'),
        keyOf('ns1', 'd5'),
      ]);
    });

    it('keeps serving watches from now while history rolls over', async () => {
      const s = await fresh(2);
      const r = record(s, DEPLOYS);
      for (let i = 0; i < 10; i++) {
        await s.create(keyOf('ns1', `d${i}`), deployment('ns1', `d${i}`));
      }
      const events = await r.exactly(10);
      expect(events.map((e) => e.key)).toEqual(Array.from({ length: 10 }, (_, i) => keyOf('ns1', `d${i}`)));
    });
  });
}
