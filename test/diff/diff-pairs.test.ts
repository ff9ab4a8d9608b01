// diffPair decides "Synced" from the pruning walk and only then builds a patch: check that this
// shortcut always agrees with a full fast-json-patch compare of the normalized objects.
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { diffPair, LAST_APPLIED_GANTRY, pairResources } from '../../src/diff/index.js';
import { clone, find, loadYaml } from './helpers.js';

type Mutation = (o: KObject) => void;
const containers = (o: KObject) => o.spec.template.spec.containers as Record<string, any>[];
/** The container by name (mutations may have reordered or dropped others); a no-op target if gone. */
const c = (o: KObject, name: 'web' | 'log-shipper') => containers(o).find((x) => x.name === name) ?? {};

const MUTATIONS: Record<string, Mutation> = {
  image: (o) => {
    c(o, 'web').image = 'registry.local/web:9';
  },
  replicas: (o) => {
    o.spec.replicas = 5;
  },
  envReorder: (o) => {
    c(o, 'web').env?.reverse();
  },
  envValue: (o) => {
    if (c(o, 'web').env?.[0]) {
      c(o, 'web').env[0].value = 'debug';
    }
  },
  envAdd: (o) => {
    c(o, 'web').env?.push({ name: 'NEW', value: '1' });
  },
  containersReorder: (o) => {
    containers(o).reverse();
  },
  containerAdd: (o) => {
    containers(o).push({ name: 'extra', image: 'e:1' });
  },
  containerDrop: (o) => {
    containers(o).pop();
  },
  argsReorder: (o) => {
    c(o, 'log-shipper').args?.reverse();
  },
  emptyMap: (o) => {
    o.spec.template.spec.nodeSelector = {};
  },
  emptyList: (o) => {
    c(o, 'log-shipper').command = [];
  },
  quantity: (o) => {
    if (c(o, 'web').resources) {
      c(o, 'web').resources.requests.cpu = '250m';
    }
  },
  quantityChange: (o) => {
    if (c(o, 'web').resources) {
      c(o, 'web').resources.requests.memory = '65Mi';
    }
  },
  extraField: (o) => {
    o.spec.minReadySeconds = 3;
  },
  extraNested: (o) => {
    c(o, 'web').workingDir = '/srv';
  },
  dropAnnotation: (o) => {
    delete o.metadata.annotations!.team;
  },
  label: (o) => {
    o.metadata.labels = { ...o.metadata.labels, extra: 'x' };
  },
  finalizer: (o) => {
    o.metadata.finalizers = ['a/b'];
  },
};
const NAMES = Object.keys(MUTATIONS);

describe('diffPair', () => {
  it('calls a pair Synced exactly when the normalized objects compare equal', () => {
    const base = find(loadYaml('app.yaml'), 'Deployment', 'web');
    base.metadata.namespace = 'shop';
    const subset = fc.subarray(NAMES);
    fc.assert(
      fc.property(subset, subset, subset, fc.boolean(), (forDesired, forLive, forLast, withLast) => {
        const desired = clone(base);
        const live = clone(base);
        const last = clone(base);
        for (const [names, target] of [
          [forDesired, desired],
          [forLive, live],
          [forLast, last],
        ] as const) {
          for (const m of names) {
            MUTATIONS[m]!(target);
          }
        }
        if (withLast) {
          live.metadata.annotations = {
            ...live.metadata.annotations,
            [LAST_APPLIED_GANTRY]: JSON.stringify(last),
          };
        }
        const [pair] = pairResources([desired], [live]);
        const d = diffPair(pair!);
        expect(d.error).toBeUndefined();
        const full = jsonpatch.compare(d.normalizedLive!, d.normalizedDesired!);
        expect(d.status).toBe(full.length === 0 ? 'Synced' : 'OutOfSync');
        expect(d.patch).toEqual(full);
        // applying the patch to normalized live yields normalized desired
        const patched = jsonpatch.applyPatch(clone(d.normalizedLive!), d.patch).newDocument;
        expect(patched).toEqual(d.normalizedDesired);
      }),
      { numRuns: 400 },
    );
  });

  it('finds every single mutation of desired (none of them is invisible)', () => {
    const base = find(loadYaml('app.yaml'), 'Deployment', 'web');
    base.metadata.namespace = 'shop';
    const invisible = ['envReorder', 'containersReorder', 'emptyMap', 'emptyList', 'quantity'];
    for (const name of NAMES) {
      const desired = clone(base);
      MUTATIONS[name]!(desired);
      const live = clone(base);
      live.metadata.annotations = {
        ...live.metadata.annotations,
        [LAST_APPLIED_GANTRY]: JSON.stringify(base),
      };
      const d = diffPair(pairResources([desired], [live])[0]!);
      expect(d.status, name).toBe(invisible.includes(name) ? 'Synced' : 'OutOfSync');
    }
  });
});
