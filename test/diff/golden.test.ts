// The optimised diff engine gives the same results as before, exactly: diffResources and
// diffPairs are run side by side with the reference copy in test/diff/reference (src/diff as it
// was before the speed work) on generated desired/live sets, on the fixtures applied through the
// real admission, and on the benchmark's own objects; neither may change its input.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffInput } from '../../bench/lib/diff-objects.js';
import type { KObject } from '../../src/api/types.js';
import { type DiffOptions, diffPairs, diffResources, pairResources } from '../../src/diff/index.js';
import {
  applyEdits,
  desiredObject,
  diffOptions,
  edit,
  type LastAppliedKind,
  liveFrom,
} from './golden-arbitraries.js';
import { apply, clone, loadYaml, newRegistry } from './helpers.js';
import { diffPairs as refDiffPairs } from './reference/diff-pairs.js';
import { diffResources as refDiffResources } from './reference/index.js';
import { pairResources as refPairResources } from './reference/pair.js';

/**
 * Deep strict equality (node's: prototypes compared with getPrototypeOf, so an own `constructor`
 * member, which the generators produce, does not confuse it); vitest's diff when they differ.
 */
function expectSame(got: unknown, want: unknown): void {
  if (!isDeepStrictEqual(got, want)) {
    expect(got).toStrictEqual(want);
    expect.fail('results differ');
  }
}

/** Both engines on copies of the same input; the results must be equal and the input untouched. */
function same(desired: readonly KObject[], live: readonly KObject[], opts: DiffOptions): void {
  // structuredClone gives every map a plain prototype (generated ones may have none): both
  // engines get such copies, so they also return equal raw objects
  const before = clone({ desired, live });
  const want = refDiffResources(clone(desired), clone(live), opts);
  expectSame(diffResources(clone(desired), clone(live), opts), want);
  const wantPairs = refDiffPairs(refPairResources(clone(desired), clone(live), opts), opts);
  expectSame(diffPairs(pairResources(clone(desired), clone(live), opts), opts), wantPairs);
  diffResources(desired, live, opts);
  diffPairs(pairResources(desired, live, opts), opts);
  expectSame(clone({ desired, live }), before); // the input is left as it was
}

const lastKind = fc.constantFrom<LastAppliedKind>(
  'none',
  'desired',
  'desired',
  'edited',
  'gantry',
  'garbage',
);

const resourceCase = fc.record({
  desired: desiredObject,
  desiredEdits: fc.array(edit, { maxLength: 2 }),
  last: lastKind,
  lastEdits: fc.array(edit, { maxLength: 3 }),
  liveEdits: fc.array(edit, { maxLength: 4 }),
  sides: fc.constantFrom('both', 'both', 'both', 'desired', 'live'),
});

describe('optimised diff = reference diff', () => {
  it('on generated desired and live objects, with every option', () => {
    fc.assert(
      fc.property(fc.array(resourceCase, { minLength: 1, maxLength: 6 }), diffOptions, (cases, opts) => {
        const desired: KObject[] = [];
        const live: KObject[] = [];
        cases.forEach((c, i) => {
          const d = clone(c.desired);
          applyEdits(d, c.desiredEdits);
          if (c.sides !== 'live') {
            desired.push(d);
          }
          if (c.sides !== 'desired') {
            live.push(liveFrom(c.desired, i, c.last, c.lastEdits, c.liveEdits));
          }
        });
        same(desired, live, opts);
      }),
      { numRuns: 400 },
    );
  });

  it('on live objects changed one field at a time (in sync, then one difference)', () => {
    fc.assert(
      fc.property(desiredObject, edit, lastKind, (d, e, last) => {
        same([d], [liveFrom(d, 1, last, [], [])], { namespace: 'shop' });
        same([d], [liveFrom(d, 1, last, [], [e])], { namespace: 'shop' });
      }),
      { numRuns: 300 },
    );
  });

  it('on the fixtures applied through the real admission, then edited', async () => {
    const reg = await newRegistry(['shop']);
    const manifests = loadYaml('app.yaml');
    const live = await apply(reg, manifests);
    same(manifests, live, { namespace: 'shop' });
    fc.assert(
      fc.property(
        fc.array(edit, { maxLength: 4 }),
        fc.array(edit, { maxLength: 2 }),
        diffOptions,
        (le, de, opts) => {
          const l = clone(live);
          const d = clone(manifests);
          for (const o of l) {
            applyEdits(o, le);
          }
          applyEdits(d[0]!, de);
          same(d, l, opts);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("on the benchmark's objects", () => {
    const input = diffInput(400);
    same(input.desired, input.live, { namespace: 'bench' });
    same(input.desired, input.live, { namespace: 'bench', render: false });
  });
});
