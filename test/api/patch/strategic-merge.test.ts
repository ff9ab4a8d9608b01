import { describe, expect, it } from 'vitest';
import { isApiError } from '../../../src/api/errors.js';
import { applyStrategicMergePatch } from '../../../src/api/patch/index.js';
import { deepFreeze, lookup, thrown } from './helpers.js';

/** A pod template spec at spec.template.spec, the shape most cases patch. */
function podTemplate(spec: Record<string, unknown>) {
  return { spec: { template: { spec } } };
}

const web = {
  name: 'web',
  image: 'nginx:1.1',
  env: [
    { name: 'A', value: '1' },
    { name: 'B', value: '2' },
  ],
};
const sidecar = { name: 'log', image: 'busybox' };

interface Case {
  name: string;
  original: unknown;
  patch: unknown;
  want: unknown;
}

const cases: Case[] = [
  {
    name: 'replaces scalars and adds keys',
    original: { spec: { replicas: 1, paused: false } },
    patch: { spec: { replicas: 3, minReadySeconds: 5 } },
    want: { spec: { replicas: 3, paused: false, minReadySeconds: 5 } },
  },
  {
    name: 'null deletes a key, nested objects merge',
    original: { metadata: { labels: { app: 'web', tier: 'fe' }, annotations: { a: '1' } } },
    patch: { metadata: { labels: { tier: null, team: 'x' } } },
    want: { metadata: { labels: { app: 'web', team: 'x' }, annotations: { a: '1' } } },
  },
  {
    name: 'containers merge by name: only the named container changes',
    original: podTemplate({ containers: [web, sidecar] }),
    patch: podTemplate({ containers: [{ name: 'log', image: 'busybox:2' }] }),
    want: podTemplate({ containers: [web, { name: 'log', image: 'busybox:2' }] }),
  },
  {
    name: 'a new container is appended',
    original: podTemplate({ containers: [web] }),
    patch: podTemplate({ containers: [sidecar] }),
    want: podTemplate({ containers: [web, sidecar] }),
  },
  {
    name: 'nested containers → env merge by name',
    original: podTemplate({ containers: [web, sidecar] }),
    patch: podTemplate({
      containers: [
        {
          name: 'web',
          env: [
            { name: 'B', value: 'two' },
            { name: 'C', value: '3' },
          ],
        },
      ],
    }),
    want: podTemplate({
      containers: [
        {
          ...web,
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: 'two' },
            { name: 'C', value: '3' },
          ],
        },
        sidecar,
      ],
    }),
  },
  {
    name: 'null inside a merged element deletes the field of that element only',
    original: podTemplate({ containers: [{ name: 'web', image: 'nginx', command: ['run'] }, sidecar] }),
    patch: podTemplate({ containers: [{ name: 'web', command: null }] }),
    want: podTemplate({ containers: [{ name: 'web', image: 'nginx' }, sidecar] }),
  },
  {
    name: 'ports merge by containerPort',
    original: podTemplate({ containers: [{ name: 'web', ports: [{ containerPort: 80, name: 'http' }] }] }),
    patch: podTemplate({
      containers: [
        {
          name: 'web',
          ports: [
            { containerPort: 80, protocol: 'TCP' },
            { containerPort: 443, name: 'https' },
          ],
        },
      ],
    }),
    want: podTemplate({
      containers: [
        {
          name: 'web',
          ports: [
            { containerPort: 80, name: 'http', protocol: 'TCP' },
            { containerPort: 443, name: 'https' },
          ],
        },
      ],
    }),
  },
  {
    name: '$patch: delete in a list element deletes the element with that key',
    original: podTemplate({ containers: [web, sidecar] }),
    patch: podTemplate({ containers: [{ name: 'log', $patch: 'delete' }] }),
    want: podTemplate({ containers: [web] }),
  },
  {
    name: '$patch: delete of an element that does not exist is a no-op',
    original: podTemplate({ containers: [web] }),
    patch: podTemplate({ containers: [{ name: 'nope', $patch: 'delete' }] }),
    want: podTemplate({ containers: [web] }),
  },
  {
    name: '$patch: delete for a nested env entry',
    original: podTemplate({ containers: [web] }),
    patch: podTemplate({ containers: [{ name: 'web', env: [{ name: 'A', $patch: 'delete' }] }] }),
    want: podTemplate({ containers: [{ ...web, env: [{ name: 'B', value: '2' }] }] }),
  },
  {
    name: '$patch: replace in a list replaces the whole list',
    original: podTemplate({ containers: [web, sidecar] }),
    patch: podTemplate({ containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] }),
    want: podTemplate({ containers: [{ name: 'only', image: 'x' }] }),
  },
  {
    name: '$patch: replace in an object replaces the object',
    original: { spec: { selector: { matchLabels: { app: 'web', tier: 'fe' } } } },
    patch: { spec: { selector: { $patch: 'replace', matchLabels: { app: 'api' } } } },
    want: { spec: { selector: { matchLabels: { app: 'api' } } } },
  },
  {
    name: '$patch: delete in an object removes it from its parent',
    original: { spec: { replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    patch: { spec: { strategy: { $patch: 'delete' } } },
    want: { spec: { replicas: 2 } },
  },
  {
    name: '$patch: delete at the root empties the object',
    original: { spec: { replicas: 2 } },
    patch: { $patch: 'delete' },
    want: {},
  },
  {
    name: '$patch: merge is the default behaviour',
    original: { spec: { selector: { matchLabels: { app: 'web' } } } },
    patch: { spec: { selector: { $patch: 'merge', matchLabels: { tier: 'fe' } } } },
    want: { spec: { selector: { matchLabels: { app: 'web', tier: 'fe' } } } },
  },
  {
    name: '$retainKeys clears the keys it does not list (strategy type switch)',
    original: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    want: { spec: { strategy: { type: 'Recreate' } } },
  },
  {
    name: '$retainKeys inside a keyed list element (volume source switch)',
    original: podTemplate({
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'c' } },
      ],
    }),
    patch: podTemplate({
      volumes: [{ name: 'data', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/srv' } }],
    }),
    want: podTemplate({
      volumes: [
        { name: 'data', hostPath: { path: '/srv' } },
        { name: 'cfg', configMap: { name: 'c' } },
      ],
    }),
  },
  {
    name: '$deleteFromPrimitiveList removes values from a primitive list',
    original: { metadata: { finalizers: ['a.io/x', 'b.io/y', 'c.io/z'] } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b.io/y', 'not-there'] } },
    want: { metadata: { finalizers: ['a.io/x', 'c.io/z'] } },
  },
  {
    name: 'a primitive list with strategy merge unions its values',
    original: { metadata: { finalizers: ['a.io/x', 'b.io/y'] } },
    patch: { metadata: { finalizers: ['b.io/y', 'c.io/z'] } },
    want: { metadata: { finalizers: ['a.io/x', 'b.io/y', 'c.io/z'] } },
  },
  {
    name: '$deleteFromPrimitiveList and an addition in the same patch',
    original: { metadata: { finalizers: ['a', 'b'] } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], finalizers: ['c'] } },
    want: { metadata: { finalizers: ['b', 'c'] } },
  },
  {
    name: '$setElementOrder reorders a merged list',
    original: podTemplate({ containers: [web, sidecar] }),
    patch: podTemplate({ '$setElementOrder/containers': [{ name: 'log' }, { name: 'web' }] }),
    want: podTemplate({ containers: [sidecar, web] }),
  },
  {
    name: '$setElementOrder places a new element where the order says',
    original: podTemplate({ containers: [web, sidecar] }),
    patch: podTemplate({
      '$setElementOrder/containers': [{ name: 'web' }, { name: 'new' }, { name: 'log' }],
      containers: [{ name: 'new', image: 'n' }],
    }),
    want: podTemplate({ containers: [web, { name: 'new', image: 'n' }, sidecar] }),
  },
  {
    name: '$setElementOrder keeps a server-only element after its neighbour',
    original: podTemplate({ containers: [{ name: 'a' }, { name: 'server-only' }, { name: 'b' }] }),
    patch: podTemplate({ '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] }),
    want: podTemplate({ containers: [{ name: 'b' }, { name: 'a' }, { name: 'server-only' }] }),
  },
  {
    name: '$setElementOrder on a nested env list alongside a delete',
    original: podTemplate({
      containers: [{ name: 'web', env: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] }],
    }),
    patch: podTemplate({
      containers: [
        {
          name: 'web',
          '$setElementOrder/env': [{ name: 'C' }, { name: 'A' }],
          env: [{ name: 'B', $patch: 'delete' }],
        },
      ],
    }),
    want: podTemplate({ containers: [{ name: 'web', env: [{ name: 'C' }, { name: 'A' }] }] }),
  },
  {
    name: '$setElementOrder on a primitive list orders by value',
    original: { metadata: { finalizers: ['a', 'b', 'c'] } },
    patch: { metadata: { '$setElementOrder/finalizers': ['c', 'a', 'b'] } },
    want: { metadata: { finalizers: ['c', 'a', 'b'] } },
  },
  {
    name: 'a list without a merge strategy is replaced',
    original: podTemplate({ containers: [{ name: 'web', command: ['a', 'b'], args: ['x'] }] }),
    patch: podTemplate({ containers: [{ name: 'web', command: ['c'], args: ['y'] }] }),
    want: podTemplate({ containers: [{ name: 'web', command: ['c'], args: ['y'] }] }),
  },
  {
    name: 'a merge key with strategy replace still replaces',
    original: podTemplate({ tolerations: [{ key: 'a', effect: 'NoSchedule' }] }),
    patch: podTemplate({ tolerations: [{ key: 'b' }] }),
    want: podTemplate({ tolerations: [{ key: 'b' }] }),
  },
  {
    name: 'a keyed list absent in the original is created without directives',
    original: podTemplate({}),
    patch: podTemplate({
      containers: [{ name: 'x', $patch: 'merge', env: [{ name: 'gone', $patch: 'delete' }] }],
    }),
    want: podTemplate({ containers: [{ name: 'x', env: [] }] }),
  },
  {
    name: 'a map value over a scalar replaces it and drops nulls inside',
    original: { spec: { x: 'scalar' } },
    patch: { spec: { x: { a: 1, b: null } } },
    want: { spec: { x: { a: 1 } } },
  },
  {
    name: 'keys that merely start with $ are ordinary data',
    original: { spec: { schema: { $ref: '#/a' } } },
    patch: { spec: { schema: { $ref: '#/b' } } },
    want: { spec: { schema: { $ref: '#/b' } } },
  },
];

describe('applyStrategicMergePatch', () => {
  it.each(cases)('$name', ({ original, patch, want }) => {
    expect(applyStrategicMergePatch(deepFreeze(original), deepFreeze(patch), lookup)).toEqual(want);
  });

  it('shares no structure with its inputs', () => {
    const original = podTemplate({ containers: [web, sidecar] });
    const patch = podTemplate({ containers: [{ name: 'new', env: [{ name: 'X' }] }] });
    const before = structuredClone({ original, patch });
    const out = applyStrategicMergePatch(original, patch, lookup) as any;
    out.spec.template.spec.containers[0].env[0].value = 'changed';
    out.spec.template.spec.containers[2].env.push({ name: 'Y' });
    expect({ original, patch }).toEqual(before);
  });

  const malformed: { name: string; patch: unknown; message: RegExp }[] = [
    { name: 'a non-object patch', patch: [1], message: /must be a JSON object/ },
    {
      name: 'an unknown $patch directive',
      patch: { spec: { $patch: 'explode' } },
      message: /unknown \$patch directive/,
    },
    {
      name: 'a keyed list element without its merge key',
      patch: podTemplate({ containers: [{ image: 'x' }] }),
      message: /spec\.template\.spec\.containers: .*missing its merge key "name"/,
    },
    {
      name: 'a non-object element in a keyed list',
      patch: podTemplate({ containers: ['web'] }),
      message: /list elements must be objects/,
    },
    {
      name: '$retainKeys that omits a key the patch sets',
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } },
      message: /"rollingUpdate" is set but not listed in \$retainKeys/,
    },
    {
      name: '$setElementOrder that is not a list',
      patch: podTemplate({ '$setElementOrder/containers': { name: 'web' } }),
      message: /must be a list/,
    },
    {
      name: 'an object in a primitive merge list',
      patch: { metadata: { finalizers: [{ a: 1 }] } },
      message: /set of primitives/,
    },
  ];
  it.each(malformed)('rejects $name with 400', ({ patch, message }) => {
    const original = podTemplate({ containers: [web] });
    const caught = thrown(() => applyStrategicMergePatch(original, patch, lookup));
    expect(isApiError(caught, 400)).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});
