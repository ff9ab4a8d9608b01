// fast-check arbitraries for the golden test: varied desired manifests (the kinds src/diff has
// rules for, plus a cluster-scoped kind and a CRD) and live copies made from them the way the API
// server makes them (real admission defaults, stamped metadata, status, allocated IPs, the
// last-applied annotation), then randomly edited: fields dropped, changed, added, lists reordered
// or grown, quantities spelled differently, nulls, merge keys of another type.
import fc from 'fast-check';
import { applyDefaults } from '../../src/api/defaults/index.js';
import type { KObject } from '../../src/api/types.js';
import type { DiffOptions, IgnoreDifference } from '../../src/diff/index.js';
import {
  LAST_APPLIED_GANTRY,
  LAST_APPLIED_KUBECTL,
  TRACKING_ANNOTATION,
  TRACKING_LABEL,
} from '../../src/diff/index.js';

type Obj = Record<string, any>;

const KEYS = [
  'name',
  'port',
  'containerPort',
  'value',
  'image',
  'x',
  'constructor',
  'protocol',
  'cpu',
  'memory',
];
const small = fc.oneof(
  fc.constantFrom('a', 'b', '', '1', 'TCP', 'UDP', '100m', '0.1', '1Gi', '1024Mi'),
  // strings the YAML emitter quotes or writes as literal blocks
  fc.constantFrom(
    'a\nb',
    'a\n',
    'a\n\n',
    ' x\ny',
    '\nx',
    'a\u0001\nb',
    'true',
    'Yes',
    '1e3',
    '0x1',
    'a: b',
    'x #y',
    'a:',
    'b ',
  ),
  fc.constantFrom(0, 1, 80, 8080, 0.1, -1, true, false, null),
);
const json = fc.jsonValue({ maxDepth: 2 }).map((v) => v as unknown);
const name = fc.constantFrom('app', 'side', 'web', 'db', '1');
const cpu = fc.constantFrom('100m', 0.1, '0.1', 1, '1', '1000m', '250m');
const memory = fc.constantFrom('128Mi', '134217728', '1Gi', '1024Mi', 256);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });

function compact(o: Obj): Obj {
  for (const k of Object.keys(o)) {
    if (o[k] === undefined) {
      delete o[k];
    }
  }
  return o;
}

const container = fc
  .record({
    name,
    image: fc.constantFrom('reg/app:1.0', 'reg/app', 'reg/app:latest', 'reg/app@sha256:ab', ''),
    ports: opt(
      fc.array(
        fc.record({
          containerPort: fc.constantFrom(8080, 9090, '8080'),
          name: opt(fc.constantFrom('http', 'metrics')),
          protocol: opt(fc.constantFrom('TCP', 'UDP')),
        }),
        { maxLength: 3 },
      ),
    ),
    env: opt(
      fc.array(
        fc.oneof(
          fc.record({ name: fc.constantFrom('A', 'B', 'C'), value: opt(small) }),
          fc.record({
            name: fc.constantFrom('A', 'POD_IP'),
            valueFrom: fc.constant({ fieldRef: { fieldPath: 'status.podIP' } }),
          }),
        ),
        { maxLength: 4 },
      ),
    ),
    args: opt(fc.array(fc.constantFrom('--a', '--b', '1'), { maxLength: 3 })),
    resources: opt(
      fc.record({
        requests: opt(fc.record({ cpu: opt(cpu), memory: opt(memory) })),
        limits: opt(fc.record({ memory })),
      }),
    ),
    readinessProbe: opt(fc.record({ httpGet: fc.record({ path: opt(fc.constant('/h')), port: small }) })),
    volumeMounts: opt(
      fc.array(fc.record({ name, mountPath: fc.constantFrom('/a', '/b') }), { maxLength: 2 }),
    ),
  })
  .map(compact);

const labels = opt(fc.dictionary(fc.constantFrom('app', 'tier', 'pod-template-hash', TRACKING_LABEL), small));
const annotations = opt(
  fc.dictionary(fc.constantFrom('owner', TRACKING_ANNOTATION, LAST_APPLIED_KUBECTL), small),
);

const deployment = fc
  .record({
    n: name,
    replicas: opt(fc.constantFrom(1, 2, null)),
    labels,
    annotations,
    containers: fc.array(container, { maxLength: 3 }),
  })
  .map(
    ({ n, replicas, labels: l, annotations: a, containers }): KObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: compact({ name: n, labels: l, annotations: a }),
      spec: compact({
        replicas,
        selector: { matchLabels: { app: n } },
        template: { metadata: { labels: { app: n } }, spec: { containers } },
      }),
    }),
  );

const service = fc
  .record({
    n: name,
    ports: fc.array(
      fc.record({
        port: fc.constantFrom(80, 443, 9100),
        targetPort: opt(fc.constantFrom('http', 8080, 9200)),
        protocol: opt(fc.constantFrom('TCP', 'UDP')),
        nodePort: opt(fc.constant(30080)),
        name: opt(fc.constantFrom('http', 'https')),
      }),
      { maxLength: 3 },
    ),
    type: opt(fc.constantFrom('ClusterIP', 'NodePort')),
    clusterIP: opt(fc.constantFrom('10.96.0.9', 'None')),
  })
  .map(
    ({ n, ports, type, clusterIP }): KObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: n },
      spec: compact({ selector: { app: n }, ports: ports.map(compact), type, clusterIP }),
    }),
  );

const configMap = fc
  .record({ n: name, data: fc.dictionary(fc.constantFrom('a', 'b', 'c.yaml'), fc.string({ maxLength: 4 })) })
  .map(({ n, data }): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n }, data }));

const secret = fc
  .record({
    n: name,
    data: opt(fc.dictionary(fc.constantFrom('a', 'b'), fc.constantFrom('YQ==', 'Yg==', 'c2VjcmV0'))),
    stringData: opt(fc.dictionary(fc.constantFrom('a', 'c'), fc.constantFrom('a', 'secret', 'x'))),
  })
  .map(
    ({ n, data, stringData }): KObject =>
      compact({ apiVersion: 'v1', kind: 'Secret', metadata: { name: n }, data, stringData }) as KObject,
  );

const job = fc.record({ n: name, selector: fc.boolean(), labels }).map(
  ({ n, selector, labels: l }): KObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: n },
    spec: compact({
      selector: selector ? { matchLabels: { job: n } } : undefined,
      template: compact({
        metadata: l ? { labels: l } : undefined,
        spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'busybox:1' }] },
      }),
    }),
  }),
);

const serviceAccount = fc
  .record({ n: name, secrets: opt(fc.constant([{ name: 'tok' }])) })
  .map(
    ({ n, secrets }): KObject =>
      compact({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: n }, secrets }) as KObject,
  );

const namespace = fc.record({ n: name, labels }).map(
  ({ n, labels: l }): KObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: compact({ name: `ns-${n}`, labels: l }),
  }),
);

const widget = fc
  .record({
    n: name,
    spec: fc.dictionary(fc.constantFrom(...KEYS), json, { maxKeys: 4 }),
    ns: opt(fc.constantFrom('other', '')),
  })
  .map(
    ({ n, spec, ns }): KObject => ({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: compact({ name: n, namespace: ns }),
      spec,
    }),
  );

export const desiredObject: fc.Arbitrary<KObject> = fc.oneof(
  deployment,
  deployment,
  service,
  service,
  configMap,
  secret,
  job,
  serviceAccount,
  namespace,
  widget,
);

/** One random edit somewhere in an object tree. */
export interface Edit {
  readonly at: number;
  readonly op: 'delete' | 'set' | 'add' | 'reverse' | 'dup' | 'null' | 'retype';
  readonly key: string;
  readonly value: unknown;
}

export const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(200),
  op: fc.constantFrom('delete', 'set', 'add', 'reverse', 'dup', 'null', 'retype', 'retype'),
  key: fc.constantFrom(...KEYS),
  value: fc.oneof(small, json),
});

/** 8080 ⇄ '8080': a merge key or a quantity of the other type. */
function retype(v: unknown): unknown {
  if (typeof v === 'number') {
    return String(v);
  }
  return typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
}

function nodes(v: unknown, out: (Obj | unknown[])[]): (Obj | unknown[])[] {
  if (typeof v === 'object' && v !== null) {
    out.push(v as Obj);
    for (const x of Object.values(v)) {
      nodes(x, out);
    }
  }
  return out;
}

export function applyEdits(o: KObject, edits: readonly Edit[]): void {
  for (const e of edits) {
    const all = nodes(o, []);
    const node = all[e.at % all.length]!;
    if (Array.isArray(node)) {
      if (e.op === 'reverse') {
        node.reverse();
      } else if (e.op === 'dup' && node.length > 0) {
        node.push(structuredClone(node[e.at % node.length]));
      } else if (e.op === 'delete' && node.length > 0) {
        node.splice(e.at % node.length, 1);
      } else if (node.length > 0) {
        node[e.at % node.length] = e.op === 'null' ? null : structuredClone(e.value);
      }
      continue;
    }
    const keys = Object.keys(node);
    const existing = keys.length > 0 ? keys[e.at % keys.length]! : e.key;
    if (node === o && (existing === 'apiVersion' || existing === 'kind' || existing === 'metadata')) {
      continue; // keep the identity: pairing is not what this test is about
    }
    if (e.op === 'retype') {
      // the first member that changes type, from a position on
      const k = [...keys.slice(e.at % Math.max(keys.length, 1)), ...keys].find(
        (x) => retype(node[x]) !== node[x],
      );
      if (k !== undefined) {
        node[k] = retype(node[k]);
      }
    } else if (e.op === 'delete') {
      delete node[existing];
    } else if (e.op === 'null') {
      node[existing] = null;
    } else if (e.op === 'add') {
      node[e.key] = structuredClone(e.value);
    } else {
      node[existing] = structuredClone(e.value);
    }
  }
}

export type LastAppliedKind = 'none' | 'desired' | 'edited' | 'gantry' | 'garbage';

/** The live object the API server would hold for `desired` after a sync, then `edits` applied. */
export function liveFrom(
  desired: KObject,
  i: number,
  last: LastAppliedKind,
  lastEdits: readonly Edit[],
  edits: readonly Edit[],
): KObject {
  const applied = structuredClone(desired);
  applied.metadata.namespace ??= 'shop';
  applied.metadata.labels = { ...applied.metadata.labels, [TRACKING_LABEL]: 'app' };
  applied.metadata.annotations = {
    ...applied.metadata.annotations,
    [TRACKING_ANNOTATION]: `app:${desired.kind}`,
  };
  const live = structuredClone(applied);
  if (last !== 'none') {
    const lastObj = structuredClone(applied);
    if (last === 'edited') {
      applyEdits(lastObj, lastEdits);
    }
    const text = last === 'garbage' ? '{not json' : JSON.stringify(lastObj);
    live.metadata.annotations = {
      ...live.metadata.annotations,
      [last === 'gantry' ? LAST_APPLIED_GANTRY : LAST_APPLIED_KUBECTL]: text,
    };
  }
  applyDefaults(live);
  Object.assign(live.metadata, {
    uid: `uid-${i}`,
    resourceVersion: String(i + 1),
    creationTimestamp: '2026-11-22T00:00:00Z',
    managedFields: [{ manager: 'gantry' }],
  });
  live.status = { observedGeneration: 1 };
  if (live.kind === 'Service' && live.spec) {
    live.spec.clusterIP ??= `10.96.0.${i % 250}`;
    live.spec.clusterIPs = [live.spec.clusterIP];
    live.spec.ipFamilyPolicy = 'SingleStack';
  }
  applyEdits(live, edits);
  return live;
}

const ignoreRules: readonly IgnoreDifference[] = [
  { kind: 'Deployment', group: 'apps', jsonPointers: ['/spec/replicas'] },
  { kind: '*', jqPathExpressions: ['.metadata.labels'] },
  {
    kind: 'Deployment',
    group: 'apps',
    jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "app") | .image'],
  },
  { kind: 'Service', jsonPointers: ['/spec/ports'] },
];

export const diffOptions: fc.Arbitrary<DiffOptions> = fc
  .record({
    namespace: opt(fc.constantFrom('shop', 'other')),
    ignore: fc.subarray([...ignoreRules]),
    render: opt(fc.boolean()),
    color: opt(fc.boolean()),
    context: opt(fc.constantFrom(0, 1, 3)),
    byOption: fc.constantFrom('none', 'annotation-free', 'undefined'),
  })
  .map(({ namespace: ns, ignore, render, color, context, byOption }) => {
    const o: { -readonly [K in keyof DiffOptions]: DiffOptions[K] } = compact({
      namespace: ns,
      render,
      color,
      context,
    });
    if (ignore.length > 0) {
      o.ignoreDifferences = ignore;
    }
    if (byOption === 'annotation-free') {
      // a last-applied source other than the annotation: the live object minus its status
      o.lastApplied = (live) => ({ ...live, status: undefined }) as KObject;
    } else if (byOption === 'undefined') {
      o.lastApplied = () => undefined;
    }
    return o;
  });
