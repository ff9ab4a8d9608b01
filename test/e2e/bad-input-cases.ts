// The table of malformed or invalid requests that test/e2e/bad-input.test.ts sends, raw, to one
// real `gantry server`. Each one must be answered with its specific 4xx Kubernetes `Status`
// and must store nothing. Pure data: the test provides the tokens and the namespaces exist.

export interface BadCase {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  /** Overrides the default Authorization (admin bearer) and Content-Type; undefined removes one. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** A Buffer[] is sent chunked (no Content-Length), one write per element. */
  readonly body?: string | Buffer | readonly Buffer[];
  readonly expectCode: number;
  readonly expectReason: string;
  /** A `details.causes[].field` that must be present (422 Invalid, and 400 for undecodable fields). */
  readonly expectField?: string;
}

export interface CaseContext {
  readonly nodeToken: string;
  readonly adminToken: string;
}

/** Namespace holding the objects the cases aim at. */
export const NS = 'bad-input';
/** Namespace with a ResourceQuota of one pod, already used up. */
export const QNS = 'bad-quota';
/** A namespace that does not exist. */
export const MISSING_NS = 'no-such-namespace';

const API = '/api/v1';
const NSS = `${API}/namespaces`;
const CMS = `${NSS}/${NS}/configmaps`;
const PODS = `${NSS}/${NS}/pods`;
const SVCS = `${NSS}/${NS}/services`;
const SECRETS = `${NSS}/${NS}/secrets`;
const DEPLOYS = `/apis/apps/v1/namespaces/${NS}/deployments`;

const JSON_CT = { 'content-type': 'application/json' };
const YAML_CT = { 'content-type': 'application/yaml' };
const JSONPATCH = { 'content-type': 'application/json-patch+json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const APPLY = { 'content-type': 'application/apply-patch+yaml' };

const j = (v: unknown): string => JSON.stringify(v);

export function configMap(name: string, extra: Record<string, unknown> = {}): Record<string, any> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' }, ...extra };
}

export function pod(
  name: string,
  container: Record<string, unknown> = {},
  spec: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'nginx:1.27', ...container }], ...spec },
  };
}

export function deployment(name: string, spec: Record<string, unknown> = {}): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
      },
      ...spec,
    },
  };
}

function service(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: 'x' }, ports: [{ port: 80 }], ...spec },
  };
}

const deep = (n: number, open: string, leaf: string, close: string) =>
  open.repeat(n) + leaf + close.repeat(n);
const CM_HEAD = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":{"k":';
const BIG = 3 * 1024 * 1024 + 16;
const bigConfigMap = () => j(configMap('big', { data: { k: 'x'.repeat(BIG) } }));
const chunks = (s: string) => {
  const b = Buffer.from(s);
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += 256 * 1024) {
    out.push(b.subarray(i, i + 256 * 1024));
  }
  return out;
};
const BILLION_LAUGHS = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata: {name: laughs}',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'data: {k: v}',
].join('\n');

type C = BadCase;
const bad = (name: string, method: string, path: string, body: C['body'], headers?: C['headers']): C => ({
  name,
  method,
  path,
  body,
  headers: body === undefined ? headers : { ...JSON_CT, ...headers },
  expectCode: 400,
  expectReason: 'BadRequest',
});
const invalid = (
  name: string,
  method: string,
  path: string,
  body: unknown,
  field: string,
  headers?: C['headers'],
): C => ({
  name,
  method,
  path,
  body: typeof body === 'string' || Buffer.isBuffer(body) ? body : j(body),
  headers: { ...JSON_CT, ...headers },
  expectCode: 422,
  expectReason: 'Invalid',
  expectField: field,
});
/** Undecodable for the kind (wrong JSON type, int32 overflow, unknown field under Strict): 400 naming the field, as Kubernetes. */
const typeErr = (...args: Parameters<typeof invalid>): C => ({
  ...invalid(...args),
  expectCode: 400,
  expectReason: 'BadRequest',
});
const code = (c: C, expectCode: number, expectReason: string): C => ({ ...c, expectCode, expectReason });
const notFound = (name: string, method: string, path: string, body?: unknown): C =>
  code(bad(name, method, path, body === undefined ? undefined : j(body)), 404, 'NotFound');

export function badInputCases(ctx: CaseContext): BadCase[] {
  const node = { authorization: `Bearer ${ctx.nodeToken}` };
  const cases: BadCase[] = [
    // --- malformed JSON and wrong top-level types ---
    bad('truncated JSON', 'POST', CMS, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"t"'),
    bad('JSON with trailing garbage', 'POST', CMS, `${j(configMap('trail'))} xyz`),
    bad('two concatenated JSON objects', 'POST', CMS, `${j(configMap('two-a'))}${j(configMap('two-b'))}`),
    bad('top-level array', 'POST', CMS, '[]'),
    bad('top-level array of objects', 'POST', CMS, j([configMap('in-array')])),
    bad('top-level string', 'POST', CMS, '"hello"'),
    bad('top-level number', 'POST', CMS, '42'),
    bad('top-level null', 'POST', CMS, 'null'),
    bad('top-level boolean', 'POST', CMS, 'true'),
    bad('empty body', 'POST', CMS, ''),
    bad('whitespace body', 'POST', CMS, '  \n\t '),
    bad('single-quoted JSON', 'POST', CMS, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'sq'}}"),
    bad(
      'NaN literal',
      'POST',
      CMS,
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"nan"},"data":NaN}',
    ),
    bad('JSON with a comment', 'POST', CMS, `// hello\n${j(configMap('comment'))}`),
    bad('unquoted key', 'POST', CMS, '{apiVersion:"v1"}'),
    bad('array nested 10,000 levels', 'POST', CMS, deep(10_000, '[', '', ']')),
    typeErr(
      'object nested 10,000 levels in data',
      'POST',
      CMS,
      `${CM_HEAD}${deep(10_000, '{"a":', '1', '}')}}}`,
      'data.k',
    ),
    typeErr(
      'unknown field nested 10,000 levels (Strict)',
      'POST',
      `${PODS}?fieldValidation=Strict`,
      `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"deep-pod"},"spec":{"containers":[{"name":"c","image":"nginx"}],"x":${deep(10_000, '{"a":', '1', '}')}}}`,
      'spec.x',
    ),
    typeErr(
      'replicas 1e400 (overflows to Infinity)',
      'POST',
      DEPLOYS,
      j(deployment('huge')).replace('"replicas":1', '"replicas":1e400'),
      'spec.replicas',
    ),
    typeErr(
      'replicas with 30 digits',
      'POST',
      DEPLOYS,
      j(deployment('huge2')).replace('"replicas":1', `"replicas":1${'0'.repeat(29)}`),
      'spec.replicas',
    ),
    typeErr('replicas 1.5', 'POST', DEPLOYS, deployment('frac', { replicas: 1.5 }), 'spec.replicas'),
    invalid('replicas -1', 'POST', DEPLOYS, deployment('neg', { replicas: -1 }), 'spec.replicas'),
    typeErr(
      'replicas beyond int32',
      'POST',
      DEPLOYS,
      deployment('i32', { replicas: 2 ** 31 }),
      'spec.replicas',
    ),
    invalid(
      'invalid UTF-8 in the name',
      'POST',
      CMS,
      Buffer.from([
        ...Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a'),
        0xff,
        0xfe,
        ...Buffer.from('"}}'),
      ]),
      'metadata.name',
    ),
    typeErr(
      'duplicate key under fieldValidation=Strict',
      'POST',
      `${CMS}?fieldValidation=Strict`,
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup-a","name":"dup-b"},"data":{"k":"v"}}',
      'metadata.name',
    ),

    // --- malformed YAML (application/yaml is accepted on writes) ---
    bad(
      'YAML unclosed flow sequence',
      'POST',
      CMS,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [1, 2\n',
      YAML_CT,
    ),
    bad(
      'YAML tab indentation',
      'POST',
      CMS,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tab\n',
      YAML_CT,
    ),
    bad(
      'YAML duplicate keys',
      'POST',
      CMS,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n',
      YAML_CT,
    ),
    bad(
      'YAML unterminated quote',
      'POST',
      CMS,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "abc}\n',
      YAML_CT,
    ),
    bad(
      'YAML with two documents',
      'POST',
      CMS,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y1}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: y2}\n',
      YAML_CT,
    ),
    bad('YAML scalar document', 'POST', CMS, 'just a string\n', YAML_CT),
    bad('YAML sequence document', 'POST', CMS, '- a\n- b\n', YAML_CT),
    bad('YAML alias bomb (billion laughs)', 'POST', CMS, BILLION_LAUGHS, YAML_CT),
    bad('YAML flow sequence nested 10,000 levels', 'POST', CMS, deep(10_000, '[', '', ']'), YAML_CT),
    bad(
      'YAML undefined alias',
      'POST',
      CMS,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: *nope}\n',
      YAML_CT,
    ),
    bad(
      'x-yaml mapping value where a key is expected',
      'POST',
      CMS,
      'apiVersion: v1\nkind: ConfigMap: oops\n',
      { 'content-type': 'application/x-yaml' },
    ),
    typeErr(
      'YAML replicas "three"',
      'POST',
      DEPLOYS,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: yaml-three}\nspec:\n  replicas: three\n  selector: {matchLabels: {app: y}}\n  template:\n    metadata: {labels: {app: y}}\n    spec: {containers: [{name: c, image: nginx}]}\n',
      'spec.replicas',
      YAML_CT,
    ),
    typeErr(
      'YAML labels as a list',
      'POST',
      CMS,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-labels\n  labels: [a, b]\n',
      'metadata.labels',
      YAML_CT,
    ),

    // --- wrong types in fields ---
    typeErr(
      'spec.replicas "three"',
      'POST',
      DEPLOYS,
      deployment('three', { replicas: 'three' }),
      'spec.replicas',
    ),
    typeErr(
      'metadata.labels []',
      'POST',
      CMS,
      { ...configMap('lbl'), metadata: { name: 'lbl', labels: [] } },
      'metadata.labels',
    ),
    typeErr('metadata as a string', 'POST', CMS, { ...configMap('x'), metadata: 'x' }, 'metadata'),
    typeErr(
      'metadata.name a number',
      'POST',
      CMS,
      { ...configMap('x'), metadata: { name: 42 } },
      'metadata.name',
    ),
    typeErr(
      'annotation value a number',
      'POST',
      CMS,
      { ...configMap('ann'), metadata: { name: 'ann', annotations: { a: 1 } } },
      'metadata.annotations[a]',
    ),
    typeErr(
      'containers not a list',
      'POST',
      PODS,
      pod('obj', {}, { containers: { name: 'c', image: 'nginx' } }),
      'spec.containers',
    ),
    typeErr('ports a string', 'POST', PODS, pod('ports', { ports: '80' }), 'spec.containers[0].ports'),
    typeErr(
      'containerPort a string',
      'POST',
      PODS,
      pod('cport', { ports: [{ containerPort: '80' }] }),
      'spec.containers[0].ports[0].containerPort',
    ),
    invalid(
      'containerPort 70000',
      'POST',
      PODS,
      pod('cport2', { ports: [{ containerPort: 70_000 }] }),
      'spec.containers[0].ports[0].containerPort',
    ),
    typeErr('image a number', 'POST', PODS, pod('img', { image: 7 }), 'spec.containers[0].image'),
    typeErr('pod spec an array', 'POST', PODS, { ...pod('arr'), spec: [] }, 'spec'),
    typeErr('configmap data value a number', 'POST', CMS, configMap('num', { data: { k: 1 } }), 'data[k]'),
    typeErr('configmap data a list', 'POST', CMS, configMap('list', { data: ['a'] }), 'data'),
    typeErr(
      'selector a string',
      'POST',
      DEPLOYS,
      deployment('sel', { selector: 'app=sel' }),
      'spec.selector',
    ),
    invalid(
      'restartPolicy Sometimes',
      'POST',
      PODS,
      pod('rp', {}, { restartPolicy: 'Sometimes' }),
      'spec.restartPolicy',
    ),
    invalid(
      'imagePullPolicy Whenever',
      'POST',
      PODS,
      pod('ipp', { imagePullPolicy: 'Whenever' }),
      'spec.containers[0].imagePullPolicy',
    ),
    typeErr(
      'cpu limit "lots"',
      'POST',
      PODS,
      pod('cpu', { resources: { limits: { cpu: 'lots' } } }),
      'spec.containers[0].resources.limits[cpu]',
    ),
    invalid(
      'strategy type Sideways',
      'POST',
      DEPLOYS,
      deployment('strat', { strategy: { type: 'Sideways' } }),
      'spec.strategy.type',
    ),
    typeErr(
      'service port a string',
      'POST',
      SVCS,
      service('sp', { ports: [{ port: '80' }] }),
      'spec.ports[0].port',
    ),
    invalid('service type Bogus', 'POST', SVCS, service('st', { type: 'Bogus' }), 'spec.type'),
    invalid(
      'service clusterIP 999.1.1.1',
      'POST',
      SVCS,
      service('sip', { clusterIP: '999.1.1.1' }),
      'spec.clusterIP',
    ),
    typeErr(
      'secret data not base64',
      'POST',
      SECRETS,
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b64' }, data: { k: '%%%not base64%%%' } },
      'data[k]',
    ),
    typeErr(
      'terminationGracePeriodSeconds a string',
      'POST',
      PODS,
      pod('tgp', {}, { terminationGracePeriodSeconds: 'soon' }),
      'spec.terminationGracePeriodSeconds',
    ),
    typeErr('env a map', 'POST', PODS, pod('env', { env: { A: 'b' } }), 'spec.containers[0].env'),

    // --- missing required fields ---
    invalid('pod without containers', 'POST', PODS, { ...pod('noc'), spec: {} }, 'spec.containers'),
    invalid(
      'pod with an empty container list',
      'POST',
      PODS,
      pod('empty', {}, { containers: [] }),
      'spec.containers',
    ),
    invalid(
      'container without image',
      'POST',
      PODS,
      pod('noimg', { image: undefined }),
      'spec.containers[0].image',
    ),
    invalid(
      'container without name',
      'POST',
      PODS,
      pod('noname', { name: undefined }),
      'spec.containers[0].name',
    ),
    invalid(
      'duplicate container names',
      'POST',
      PODS,
      pod(
        'dupc',
        {},
        {
          containers: [
            { name: 'c', image: 'a' },
            { name: 'c', image: 'b' },
          ],
        },
      ),
      'spec.containers[1].name',
    ),
    invalid('configmap without a name', 'POST', CMS, { ...configMap('x'), metadata: {} }, 'metadata.name'),
    invalid(
      'namespace without a name',
      'POST',
      NSS,
      { apiVersion: 'v1', kind: 'Namespace', metadata: {} },
      'metadata.name',
    ),
    invalid(
      'deployment without selector',
      'POST',
      DEPLOYS,
      deployment('nosel', { selector: undefined }),
      'spec.selector',
    ),
    invalid(
      'selector not matching template labels',
      'POST',
      DEPLOYS,
      deployment('mism', { selector: { matchLabels: { app: 'other' } } }),
      'spec.template.metadata.labels',
    ),
    invalid(
      'deployment without template containers',
      'POST',
      DEPLOYS,
      deployment('notpl', { template: { metadata: { labels: { app: 'notpl' } }, spec: {} } }),
      'spec.template.spec.containers',
    ),
    invalid(
      'service port without port',
      'POST',
      SVCS,
      service('nop', { ports: [{ name: 'http' }] }),
      'spec.ports[0].port',
    ),

    // --- invalid names ---
    invalid('uppercase name', 'POST', CMS, configMap('Bad'), 'metadata.name'),
    invalid('300-character name', 'POST', CMS, configMap('a'.repeat(300)), 'metadata.name'),
    invalid('name with underscore', 'POST', CMS, configMap('a_b'), 'metadata.name'),
    invalid('name starting with a dash', 'POST', CMS, configMap('-abc'), 'metadata.name'),
    invalid('name with a slash', 'POST', CMS, configMap('a/b'), 'metadata.name'),
    invalid('name ".."', 'POST', CMS, configMap('..'), 'metadata.name'),
    invalid(
      'namespace name with a dot',
      'POST',
      NSS,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } },
      'metadata.name',
    ),
    invalid(
      'namespace name 64 characters',
      'POST',
      NSS,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n'.repeat(64) } },
      'metadata.name',
    ),
    invalid('service name starting with a digit', 'POST', SVCS, service('1abc'), 'metadata.name'),
    invalid('deployment name uppercase', 'POST', DEPLOYS, deployment('Web'), 'metadata.name'),
    invalid(
      'generateName uppercase',
      'POST',
      CMS,
      { ...configMap('x'), metadata: { generateName: 'UPPER-' } },
      'metadata.generateName',
    ),

    // --- invalid label keys and values ---
    invalid(
      'label key with a space',
      'POST',
      CMS,
      { ...configMap('l1'), metadata: { name: 'l1', labels: { 'bad key': 'x' } } },
      'metadata.labels',
    ),
    invalid(
      'label key starting with a dash',
      'POST',
      CMS,
      { ...configMap('l2'), metadata: { name: 'l2', labels: { '-a': 'x' } } },
      'metadata.labels',
    ),
    invalid(
      'label key with two slashes',
      'POST',
      CMS,
      { ...configMap('l3'), metadata: { name: 'l3', labels: { 'a/b/c': 'x' } } },
      'metadata.labels',
    ),
    invalid(
      'label key prefix uppercase',
      'POST',
      CMS,
      { ...configMap('l4'), metadata: { name: 'l4', labels: { 'Example.COM/x': 'y' } } },
      'metadata.labels',
    ),
    invalid(
      'label value 64 characters',
      'POST',
      CMS,
      { ...configMap('l5'), metadata: { name: 'l5', labels: { a: 'v'.repeat(64) } } },
      'metadata.labels',
    ),
    invalid(
      'label value with a space',
      'POST',
      CMS,
      { ...configMap('l6'), metadata: { name: 'l6', labels: { a: 'a b' } } },
      'metadata.labels',
    ),
    typeErr(
      'label value a number',
      'POST',
      CMS,
      { ...configMap('l7'), metadata: { name: 'l7', labels: { a: 1 } } },
      'metadata.labels[a]',
    ),
    invalid(
      'annotation key with a space',
      'POST',
      CMS,
      { ...configMap('a1'), metadata: { name: 'a1', annotations: { 'bad key': 'x' } } },
      'metadata.annotations',
    ),
    invalid(
      'selector value invalid',
      'POST',
      DEPLOYS,
      deployment('selv', { selector: { matchLabels: { app: 'a b' } } }),
      'spec.selector.matchLabels',
    ),
    invalid(
      'selector operator Maybe',
      'POST',
      DEPLOYS,
      deployment('selop', {
        selector: {
          matchLabels: { app: 'selop' },
          matchExpressions: [{ key: 'a', operator: 'Maybe', values: ['x'] }],
        },
      }),
      'spec.selector.matchExpressions[0].operator',
    ),

    // --- kind / apiVersion / namespace in the body vs the URL ---
    bad('kind Secret sent to configmaps', 'POST', CMS, j({ ...configMap('k1'), kind: 'Secret' })),
    bad(
      'apiVersion apps/v1 sent to core configmaps',
      'POST',
      CMS,
      j({ ...configMap('k2'), apiVersion: 'apps/v1' }),
    ),
    bad('Deployment with apiVersion v1', 'POST', DEPLOYS, j({ ...deployment('k3'), apiVersion: 'v1' })),
    bad(
      'Deployment with apiVersion apps/v2',
      'POST',
      DEPLOYS,
      j({ ...deployment('k4'), apiVersion: 'apps/v2' }),
    ),
    bad('unknown kind Bogus sent to pods', 'POST', PODS, j({ ...pod('k5'), kind: 'Bogus' })),
    bad('kind a number', 'POST', CMS, j({ ...configMap('k6'), kind: 7 })),
    bad(
      'namespace in body differs from URL',
      'POST',
      CMS,
      j({ ...configMap('k7'), metadata: { name: 'k7', namespace: 'default' } }),
    ),
    bad('PUT with a different name in the body', 'PUT', `${CMS}/cm`, j(configMap('not-cm'))),
    bad(
      'PUT with a different namespace in the body',
      'PUT',
      `${CMS}/cm`,
      j({ ...configMap('cm'), metadata: { name: 'cm', namespace: 'default' } }),
    ),

    // --- unknown resources, groups, versions, paths ---
    notFound('unknown core resource', 'GET', `${NSS}/${NS}/bogus`),
    notFound('POST to an unknown resource', 'POST', `${NSS}/${NS}/bogus`, configMap('u1')),
    notFound('unknown API group', 'GET', '/apis/nope.example.com/v1/things'),
    notFound('unknown API group discovery', 'GET', '/apis/nope.example.com'),
    notFound('unknown API group version list', 'GET', '/apis/nope.example.com/v1'),
    notFound('deployments under apps/v2', 'GET', `/apis/apps/v2/namespaces/${NS}/deployments`),
    notFound('pods under the apps group', 'GET', `/apis/apps/v1/namespaces/${NS}/pods`),
    notFound('core API v2', 'GET', `/api/v2/namespaces/${NS}/pods`),
    notFound('unknown top-level path', 'GET', '/totally/unknown'),
    notFound('unknown subresource', 'GET', `${PODS}/p/bogus`),
    notFound('status of a configmap', 'GET', `${CMS}/cm/status`),
    notFound('too many path segments', 'GET', `${PODS}/p/status/extra/more`),
    notFound('cluster-scoped nodes under a namespace', 'GET', `${NSS}/${NS}/nodes`),
    notFound('namespaced item without a namespace', 'GET', `${API}/pods/p`),
    notFound('unknown OpenAPI group', 'GET', '/openapi/v3/apis/nope.example.com/v1'),
    notFound('missing object', 'GET', `${CMS}/does-not-exist`),
    notFound('PUT of a missing object', 'PUT', `${CMS}/does-not-exist`, configMap('does-not-exist')),
    notFound('DELETE of a missing object', 'DELETE', `${CMS}/does-not-exist`),
    notFound('json patch of a missing object', 'PATCH', `${CMS}/does-not-exist`, [
      { op: 'add', path: '/data/x', value: 'y' },
    ]),

    // --- oversized bodies ---
    code(
      bad('body over 3 MiB with Content-Length', 'POST', CMS, bigConfigMap()),
      413,
      'RequestEntityTooLarge',
    ),
    code(bad('body over 3 MiB chunked', 'POST', CMS, chunks(bigConfigMap())), 413, 'RequestEntityTooLarge'),
    code(
      bad(
        'YAML body over 3 MiB',
        'POST',
        CMS,
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {k: ${'x'.repeat(BIG)}}\n`,
        YAML_CT,
      ),
      413,
      'RequestEntityTooLarge',
    ),
    code(
      bad('merge patch over 3 MiB', 'PATCH', `${CMS}/cm`, j({ data: { big: 'x'.repeat(BIG) } }), MERGE),
      413,
      'RequestEntityTooLarge',
    ),

    // --- bad selectors ---
    bad(
      'labelSelector with an unclosed set',
      'GET',
      `${PODS}?labelSelector=${encodeURIComponent('env in (prod')}`,
      undefined,
    ),
    bad(
      'labelSelector with an empty set',
      'GET',
      `${PODS}?labelSelector=${encodeURIComponent('env in ()')}`,
      undefined,
    ),
    bad(
      'labelSelector notin without parentheses',
      'GET',
      `${PODS}?labelSelector=${encodeURIComponent('env notin prod')}`,
      undefined,
    ),
    bad(
      'labelSelector with an invalid key',
      'GET',
      `${PODS}?labelSelector=${encodeURIComponent('bad key=x')}`,
      undefined,
    ),
    bad('labelSelector a lone !', 'GET', `${PODS}?labelSelector=${encodeURIComponent('!')}`, undefined),
    bad(
      'fieldSelector on an unsupported field',
      'GET',
      `${PODS}?fieldSelector=${encodeURIComponent('spec.bogus=x')}`,
      undefined,
    ),
    bad('fieldSelector without an operator', 'GET', `${PODS}?fieldSelector=a`, undefined),
    bad(
      'fieldSelector with an unknown operator',
      'GET',
      `${PODS}?fieldSelector=${encodeURIComponent('metadata.name~x')}`,
      undefined,
    ),
    bad(
      'fieldSelector spec.nodeName on configmaps',
      'GET',
      `${CMS}?fieldSelector=${encodeURIComponent('spec.nodeName=n')}`,
      undefined,
    ),
    bad(
      'watch with a bad labelSelector',
      'GET',
      `${PODS}?watch=1&labelSelector=${encodeURIComponent('env in (prod')}`,
      undefined,
    ),
    bad(
      'watch with a bad fieldSelector',
      'GET',
      `${PODS}?watch=1&fieldSelector=${encodeURIComponent('spec.bogus=x')}`,
      undefined,
    ),
    bad(
      'deletecollection with a bad labelSelector',
      'DELETE',
      `${CMS}?labelSelector=${encodeURIComponent('env in (prod')}`,
      undefined,
    ),

    // --- bad resourceVersion, limit, continue, other query values ---
    bad('list resourceVersion=abc', 'GET', `${CMS}?resourceVersion=abc`, undefined),
    bad('list resourceVersion=-1', 'GET', `${CMS}?resourceVersion=-1`, undefined),
    bad('watch resourceVersion=abc', 'GET', `${CMS}?watch=1&resourceVersion=abc`, undefined),
    bad('watch resourceVersion=-1', 'GET', `${CMS}?watch=1&resourceVersion=-1`, undefined),
    bad('watch timeoutSeconds=abc', 'GET', `${CMS}?watch=1&timeoutSeconds=abc`, undefined),
    bad('limit=abc', 'GET', `${CMS}?limit=abc`, undefined),
    bad('limit=-1', 'GET', `${CMS}?limit=-1`, undefined),
    bad('limit=1.5', 'GET', `${CMS}?limit=1.5`, undefined),
    bad('continue token garbage', 'GET', `${CMS}?limit=1&continue=not-a-token!!`, undefined),
    bad(
      'continue token of the wrong shape',
      'GET',
      `${CMS}?limit=1&continue=${Buffer.from('{"v":9}').toString('base64url')}`,
      undefined,
    ),
    bad('includeObject=Bogus on a Table list', 'GET', `${CMS}?includeObject=Bogus`, undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    }),

    // --- bad patch bodies for each patch type ---
    bad(
      'json patch not an array',
      'PATCH',
      `${CMS}/cm`,
      j({ op: 'add', path: '/data/x', value: 'y' }),
      JSONPATCH,
    ),
    bad(
      'json patch with an unknown op',
      'PATCH',
      `${CMS}/cm`,
      j([{ op: 'frobnicate', path: '/data/a' }]),
      JSONPATCH,
    ),
    bad('json patch op without a path', 'PATCH', `${CMS}/cm`, j([{ op: 'add', value: 'y' }]), JSONPATCH),
    bad('json patch not JSON', 'PATCH', `${CMS}/cm`, '[{"op":', JSONPATCH),
    bad('json patch operation not an object', 'PATCH', `${CMS}/cm`, '[1]', JSONPATCH),
    invalid(
      'json patch failing test op',
      'PATCH',
      `${CMS}/cm`,
      [
        { op: 'test', path: '/data/a', value: 'nope' },
        { op: 'add', path: '/data/x', value: 'y' },
      ],
      '/data/a',
      JSONPATCH,
    ),
    invalid(
      'json patch removing a missing path',
      'PATCH',
      `${CMS}/cm`,
      [{ op: 'remove', path: '/data/zzz' }],
      '/data/zzz',
      JSONPATCH,
    ),
    invalid(
      'json patch making labels invalid',
      'PATCH',
      `${CMS}/cm`,
      [{ op: 'add', path: '/metadata/labels', value: { 'bad key': 'x' } }],
      'metadata.labels',
      JSONPATCH,
    ),
    invalid(
      'json patch setting replicas -3',
      'PATCH',
      `${DEPLOYS}/web`,
      [{ op: 'replace', path: '/spec/replicas', value: -3 }],
      'spec.replicas',
      JSONPATCH,
    ),
    bad('merge patch an array', 'PATCH', `${CMS}/cm`, '[1,2]', MERGE),
    bad('merge patch a string', 'PATCH', `${CMS}/cm`, '"x"', MERGE),
    bad('merge patch not JSON', 'PATCH', `${CMS}/cm`, '{"data":', MERGE),
    bad('empty patch body', 'PATCH', `${CMS}/cm`, '', MERGE),
    typeErr(
      'merge patch replicas "three"',
      'PATCH',
      `${DEPLOYS}/web`,
      { spec: { replicas: 'three' } },
      'spec.replicas',
      MERGE,
    ),
    typeErr('merge patch data a number', 'PATCH', `${CMS}/cm`, { data: 5 }, 'data', MERGE),
    bad(
      'SMP $patch delete in a list without merge key',
      'PATCH',
      `${DEPLOYS}/web`,
      j({ spec: { template: { spec: { tolerations: [{ $patch: 'delete', key: 'x' }] } } } }),
      SMP,
    ),
    bad('SMP unknown $patch directive', 'PATCH', `${DEPLOYS}/web`, j({ spec: { $patch: 'explode' } }), SMP),
    bad(
      'SMP container without its merge key',
      'PATCH',
      `${PODS}/p`,
      j({ spec: { containers: [{ image: 'other' }] } }),
      SMP,
    ),
    bad('SMP not an object', 'PATCH', `${DEPLOYS}/web`, '[]', SMP),
    bad(
      'apply patch without fieldManager',
      'PATCH',
      `${CMS}/cm`,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: "2"}\n',
      APPLY,
    ),
    bad('apply patch of invalid YAML', 'PATCH', `${CMS}/cm?fieldManager=t`, 'data: {a: [\n', APPLY),
    bad('apply patch not an object', 'PATCH', `${CMS}/cm?fieldManager=t`, '- a\n', APPLY),
    bad(
      'apply patch without apiVersion and kind',
      'PATCH',
      `${CMS}/cm?fieldManager=t`,
      'metadata: {name: cm}\ndata: {a: "2"}\n',
      APPLY,
    ),
    bad('force with a merge patch', 'PATCH', `${CMS}/cm?force=true`, j({ data: { a: '2' } }), MERGE),
    bad(
      'fieldManager over 128 characters',
      'PATCH',
      `${CMS}/cm?fieldManager=${'m'.repeat(200)}`,
      j({ data: { a: '2' } }),
      MERGE,
    ),
    invalid(
      'scale PUT replicas "x"',
      'PUT',
      `${DEPLOYS}/web/scale`,
      { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 'x' } },
      'spec.replicas',
    ),
    invalid(
      'scale merge patch replicas -1',
      'PATCH',
      `${DEPLOYS}/web/scale`,
      { spec: { replicas: -1 } },
      'spec.replicas',
      MERGE,
    ),

    // --- unsupported content types ---
    code(
      bad('POST text/plain', 'POST', CMS, j(configMap('tp')), { 'content-type': 'text/plain' }),
      415,
      'UnsupportedMediaType',
    ),
    code(
      bad('POST application/xml', 'POST', CMS, '<ConfigMap/>', { 'content-type': 'application/xml' }),
      415,
      'UnsupportedMediaType',
    ),
    bad('POST truncated protobuf', 'POST', CMS, 'k8s\0\x0a\x50', {
      'content-type': 'application/vnd.kubernetes.protobuf',
    }),
    code(
      bad(
        'POST protobuf of a kind with no protobuf table',
        'POST',
        CMS,
        // k8s\0 + runtime.Unknown{typeMeta{apiVersion: argoproj.io/v1alpha1, kind: Rollout}}
        `k8s\0\x0a\x1f\x0a\x14argoproj.io/v1alpha1\x12\x07Rollout`,
        { 'content-type': 'application/vnd.kubernetes.protobuf' },
      ),
      415,
      'UnsupportedMediaType',
    ),
    code(
      bad('POST form-urlencoded', 'POST', CMS, 'a=b', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
      415,
      'UnsupportedMediaType',
    ),
    code(
      bad('PUT text/plain', 'PUT', `${CMS}/cm`, j(configMap('cm')), { 'content-type': 'text/plain' }),
      415,
      'UnsupportedMediaType',
    ),
    code(
      bad('PATCH text/plain', 'PATCH', `${CMS}/cm`, j({ data: { a: '2' } }), {
        'content-type': 'text/plain',
      }),
      415,
      'UnsupportedMediaType',
    ),
    code(
      bad(
        'PATCH application/json (not a patch type)',
        'PATCH',
        `${CMS}/cm`,
        j({ data: { a: '2' } }),
        JSON_CT,
      ),
      415,
      'UnsupportedMediaType',
    ),

    // --- authentication ---
    code(bad('no token', 'GET', CMS, undefined, { authorization: undefined }), 401, 'Unauthorized'),
    code(
      bad('no token on a write', 'POST', CMS, j(configMap('anon')), { authorization: undefined }),
      401,
      'Unauthorized',
    ),
    code(
      bad('wrong token', 'GET', CMS, undefined, { authorization: 'Bearer not-a-real-token' }),
      401,
      'Unauthorized',
    ),
    code(
      bad('wrong token on a write', 'POST', CMS, j(configMap('wrong')), {
        authorization: 'Bearer not-a-real-token',
      }),
      401,
      'Unauthorized',
    ),
    code(
      bad('Basic scheme', 'GET', CMS, undefined, {
        authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}`,
      }),
      401,
      'Unauthorized',
    ),
    code(
      bad('Basic scheme carrying the admin token', 'POST', CMS, j(configMap('basic')), {
        authorization: `Basic ${ctx.adminToken}`,
      }),
      401,
      'Unauthorized',
    ),
    code(
      bad('Bearer without a token', 'GET', CMS, undefined, { authorization: 'Bearer ' }),
      401,
      'Unauthorized',
    ),
    code(
      bad('admin token with trailing junk', 'GET', CMS, undefined, {
        authorization: `Bearer ${ctx.adminToken} junk`,
      }),
      401,
      'Unauthorized',
    ),
    code(
      bad('no token on discovery', 'GET', '/api/v1', undefined, { authorization: undefined }),
      401,
      'Unauthorized',
    ),

    // --- authorization: a node token doing admin writes ---
    code(bad('node creates a configmap', 'POST', CMS, j(configMap('by-node')), node), 403, 'Forbidden'),
    code(bad('node creates a deployment', 'POST', DEPLOYS, j(deployment('by-node')), node), 403, 'Forbidden'),
    code(
      bad(
        'node creates a namespace',
        'POST',
        NSS,
        j({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'by-node' } }),
        node,
      ),
      403,
      'Forbidden',
    ),
    code(
      bad(
        'node creates a secret',
        'POST',
        SECRETS,
        j({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'by-node' } }),
        node,
      ),
      403,
      'Forbidden',
    ),
    code(
      bad('node replaces a configmap', 'PUT', `${CMS}/cm`, j(configMap('cm', { data: { a: 'node' } })), node),
      403,
      'Forbidden',
    ),
    code(
      bad('node patches a deployment', 'PATCH', `${DEPLOYS}/web`, j({ spec: { replicas: 5 } }), {
        ...MERGE,
        ...node,
      }),
      403,
      'Forbidden',
    ),
    code(
      bad(
        'node scales a deployment',
        'PUT',
        `${DEPLOYS}/web/scale`,
        j({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 3 } }),
        node,
      ),
      403,
      'Forbidden',
    ),
    code(bad('node deletes a configmap', 'DELETE', `${CMS}/cm`, undefined, node), 403, 'Forbidden'),
    code(bad('node deletes a namespace', 'DELETE', `${NSS}/${NS}`, undefined, node), 403, 'Forbidden'),
    code(bad('node deletes all configmaps', 'DELETE', CMS, undefined, node), 403, 'Forbidden'),
    code(
      bad(
        'node updates a resourcequota',
        'PATCH',
        `${NSS}/${QNS}/resourcequotas/pods-one`,
        j({ spec: { hard: { pods: '100' } } }),
        { ...MERGE, ...node },
      ),
      403,
      'Forbidden',
    ),

    // --- wrong methods ---
    code(bad('POST on an item', 'POST', `${CMS}/cm`, j(configMap('cm'))), 405, 'MethodNotAllowed'),
    code(bad('PUT on a collection', 'PUT', CMS, j(configMap('put-coll'))), 405, 'MethodNotAllowed'),
    code(bad('PATCH on a collection', 'PATCH', CMS, j({ data: { a: '2' } }), MERGE), 405, 'MethodNotAllowed'),
    code(bad('POST on pods/status', 'POST', `${PODS}/p/status`, j(pod('p'))), 405, 'MethodNotAllowed'),
    code(bad('OPTIONS on a collection', 'OPTIONS', CMS, undefined), 405, 'MethodNotAllowed'),
    code(bad('PROPFIND on an item', 'PROPFIND', `${CMS}/cm`, undefined), 405, 'MethodNotAllowed'),
    code(bad('DELETE on discovery', 'DELETE', '/api/v1', undefined), 405, 'MethodNotAllowed'),
    code(bad('POST on /apis', 'POST', '/apis', j({})), 405, 'MethodNotAllowed'),

    // --- conflicts ---
    code(
      bad(
        'PUT with a stale resourceVersion',
        'PUT',
        `${CMS}/cm`,
        j({ ...configMap('cm', { data: { a: 'stale' } }), metadata: { name: 'cm', resourceVersion: '1' } }),
      ),
      409,
      'Conflict',
    ),
    code(
      bad(
        'merge patch with a stale resourceVersion',
        'PATCH',
        `${CMS}/cm`,
        j({ metadata: { resourceVersion: '1' }, data: { a: 'stale' } }),
        MERGE,
      ),
      409,
      'Conflict',
    ),
    code(
      bad(
        'json patch with a stale resourceVersion',
        'PATCH',
        `${CMS}/cm`,
        j([
          { op: 'replace', path: '/metadata/resourceVersion', value: '1' },
          { op: 'add', path: '/data/x', value: 'y' },
        ]),
        JSONPATCH,
      ),
      409,
      'Conflict',
    ),
    code(
      bad(
        'DELETE with a stale resourceVersion precondition',
        'DELETE',
        `${CMS}/cm`,
        j({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: '1' } }),
      ),
      409,
      'Conflict',
    ),
    code(
      bad(
        'DELETE with a wrong uid precondition',
        'DELETE',
        `${CMS}/cm`,
        j({
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          preconditions: { uid: '00000000-0000-0000-0000-000000000000' },
        }),
      ),
      409,
      'Conflict',
    ),
    code(
      bad('create of an existing configmap', 'POST', CMS, j(configMap('cm', { data: { a: 'again' } }))),
      409,
      'AlreadyExists',
    ),
    code(
      bad(
        'create of an existing namespace',
        'POST',
        NSS,
        j({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }),
      ),
      409,
      'AlreadyExists',
    ),

    // --- field validation ---
    typeErr(
      'Strict: unknown top-level field',
      'POST',
      `${CMS}?fieldValidation=Strict`,
      configMap('s1', { bogus: 1 }),
      'bogus',
    ),
    typeErr(
      'Strict: unknown metadata field',
      'POST',
      `${CMS}?fieldValidation=Strict`,
      { ...configMap('s2'), metadata: { name: 's2', nam: 'x' } },
      'metadata.nam',
    ),
    typeErr(
      'Strict: unknown container field',
      'POST',
      `${DEPLOYS}?fieldValidation=Strict`,
      deployment('s3', {
        template: {
          metadata: { labels: { app: 's3' } },
          spec: { containers: [{ name: 'c', image: 'nginx', imagee: 'typo' }] },
        },
      }),
      'spec.template.spec.containers[0].imagee',
    ),
    typeErr(
      'Strict: __proto__ key',
      'POST',
      `${CMS}?fieldValidation=Strict`,
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"proto"},"__proto__":{"polluted":true}}',
      '__proto__',
    ),
    typeErr(
      'Strict: unknown field on PUT',
      'PUT',
      `${CMS}/cm?fieldValidation=Strict`,
      configMap('cm', { data: { a: '1' }, extra: true }),
      'extra',
    ),
    typeErr(
      'Strict: unknown field by merge patch',
      'PATCH',
      `${DEPLOYS}/web?fieldValidation=Strict`,
      { spec: { replicaz: 3 } },
      'spec.replicaz',
      MERGE,
    ),
    bad('fieldValidation=Bogus', 'POST', `${CMS}?fieldValidation=Bogus`, j(configMap('fv'))),
    bad(
      'fieldValidation=Bogus on PATCH',
      'PATCH',
      `${CMS}/cm?fieldValidation=Bogus`,
      j({ data: { a: '2' } }),
      MERGE,
    ),

    // --- quota, missing namespace, dry run, delete options ---
    code(bad('pod beyond the pods quota', 'POST', `${NSS}/${QNS}/pods`, j(pod('second'))), 403, 'Forbidden'),
    code(
      bad(
        'generated-name pod beyond the pods quota',
        'POST',
        `${NSS}/${QNS}/pods`,
        j({ ...pod('x'), metadata: { generateName: 'gen-' } }),
      ),
      403,
      'Forbidden',
    ),
    notFound(
      'configmap in a missing namespace',
      'POST',
      `${NSS}/${MISSING_NS}/configmaps`,
      configMap('orphan'),
    ),
    notFound('pod in a missing namespace', 'POST', `${NSS}/${MISSING_NS}/pods`, pod('orphan')),
    notFound(
      'deployment in a missing namespace',
      'POST',
      `/apis/apps/v1/namespaces/${MISSING_NS}/deployments`,
      deployment('orphan'),
    ),
    bad('dryRun=Bogus on create', 'POST', `${CMS}?dryRun=Bogus`, j(configMap('dry'))),
    bad('dryRun=Bogus on delete', 'DELETE', `${CMS}/cm?dryRun=Bogus`, undefined),
    invalid(
      'dryRun=All with an invalid object',
      'POST',
      `${CMS}?dryRun=All`,
      configMap('Dry'),
      'metadata.name',
    ),
    bad('gracePeriodSeconds=-5', 'DELETE', `${PODS}/p?gracePeriodSeconds=-5`, undefined),
    bad('gracePeriodSeconds=abc', 'DELETE', `${PODS}/p?gracePeriodSeconds=abc`, undefined),
    bad(
      'gracePeriodSeconds in the body a string',
      'DELETE',
      `${PODS}/p`,
      j({ kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 'ten' }),
    ),
    invalid(
      'propagationPolicy=Sideways',
      'DELETE',
      `${DEPLOYS}/web?propagationPolicy=Sideways`,
      '',
      'propagationPolicy',
    ),
    invalid(
      'propagationPolicy Sideways in the body',
      'DELETE',
      `${DEPLOYS}/web`,
      { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Sideways' },
      'propagationPolicy',
    ),
    bad('DeleteOptions not JSON', 'DELETE', `${CMS}/cm`, '{"kind":'),
    bad('DeleteOptions an array', 'DELETE', `${CMS}/cm`, '[]'),
  ];
  return cases;
}
