import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { apiVersionOf, RESOURCES } from '../../../src/api/resources.js';
import { schemaAt, schemaFor, validateFields } from '../../../src/api/schema/index.js';

type Obj = Record<string, any>;

const parsed = new Map<string, Obj[]>();

/** The documents of a testdata YAML file, as fresh copies the test may change. */
function fixture(name: string): Obj[] {
  let docs = parsed.get(name);
  if (!docs) {
    const text = readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
    docs = parseAllDocuments(text).map((d) => d.toJSON() as Obj);
    parsed.set(name, docs);
  }
  return structuredClone(docs);
}

const deployment = (): Obj => fixture('deployment.yaml')[0]!;

describe('schemaFor', () => {
  it('has a schema for every resource in resources.ts', () => {
    for (const info of RESOURCES) {
      const s = schemaFor(apiVersionOf(info), info.kind);
      expect(s, `${info.kind}`).toBeDefined();
      expect(s?.type).toBe('object');
    }
  });

  it('knows the meta kinds and nothing it does not serve', () => {
    expect(schemaFor('v1', 'Status')).toBeDefined();
    expect(schemaFor('autoscaling/v1', 'Scale')).toBeDefined();
    expect(schemaFor('apps/v1', 'DeleteOptions')).toBeDefined();
    expect(schemaFor('v1', 'Binding')).toBeDefined();
    expect(schemaFor('apps/v1beta1', 'Deployment')).toBeUndefined();
    expect(schemaFor('v1', 'Deployment')).toBeUndefined();
    expect(schemaFor('v1', 'Widget')).toBeUndefined();
  });
});

describe('realistic manifests validate clean', () => {
  const cases: [string, string, string][] = [
    ['deployment.yaml', 'apps/v1', 'Deployment'],
    ['service.yaml', 'v1', 'Service'],
    ['rollout.yaml', 'argoproj.io/v1alpha1', 'Rollout'],
    ['application.yaml', 'argoproj.io/v1alpha1', 'Application'],
  ];
  for (const [file, apiVersion, kind] of cases) {
    it(file, () => {
      const docs = fixture(file);
      expect(docs.length).toBeGreaterThan(0);
      for (const doc of docs) {
        expect(doc.apiVersion).toBe(apiVersion);
        expect(doc.kind).toBe(kind);
        expect(validateFields(doc, apiVersion, kind, 'Strict')).toEqual({ errors: [], warnings: [] });
      }
    });
  }
});

describe('unknown fields', () => {
  function withTypos(): Obj {
    const d = deployment();
    d.extra = true;
    d.metadata.labelz = {};
    d.spec.replicaz = 2;
    d.spec.template.spec.containers[0].imagex = 'nginx';
    d.spec.template.spec.containers[0].env[2].valueFrom.secretKeyRef.nam = 'x';
    d.spec.template.spec.volumes[0].configMap.itemz = [];
    d.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].op =
      'In';
    return d;
  }
  const expected = [
    'extra',
    'metadata.labelz',
    'spec.replicaz',
    'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].op',
    'spec.template.spec.containers[0].env[2].valueFrom.secretKeyRef.nam',
    'spec.template.spec.containers[0].imagex',
    'spec.template.spec.volumes[0].configMap.itemz',
  ];

  it('are errors in Strict mode, with Kubernetes-style paths and messages', () => {
    const { errors, warnings } = validateFields(withTypos(), 'apps/v1', 'Deployment', 'Strict');
    expect(warnings).toEqual([]);
    expect(errors.map((e) => e.field).sort()).toEqual(expected);
    expect(errors).toContainEqual({
      field: 'spec.template.spec.containers[0].imagex',
      reason: 'FieldValueInvalid',
      message: 'unknown field "spec.template.spec.containers[0].imagex"',
    });
  });

  it('are warnings in Warn mode', () => {
    const { errors, warnings } = validateFields(withTypos(), 'apps/v1', 'Deployment', 'Warn');
    expect(errors).toEqual([]);
    expect(warnings.sort()).toEqual(expected.map((p) => `unknown field "${p}"`));
  });

  it('are ignored in Ignore mode', () => {
    expect(validateFields(withTypos(), 'apps/v1', 'Deployment', 'Ignore')).toEqual({
      errors: [],
      warnings: [],
    });
  });

  it('are found below every typed object of a manifest', () => {
    // Inject one unknown key into each typed object node of the fixture in turn.
    const base = deployment();
    const objectPaths: (string | number)[][] = [];
    const visit = (v: unknown, path: (string | number)[]) => {
      if (Array.isArray(v)) {
        v.forEach((item, i) => {
          visit(item, [...path, i]);
        });
      } else if (v && typeof v === 'object') {
        if (schemaAt('apps/v1', 'Deployment', path)?.type === 'object') {
          objectPaths.push(path);
        }
        for (const [k, item] of Object.entries(v)) {
          visit(item, [...path, k]);
        }
      }
    };
    visit(base, []);
    expect(objectPaths.length).toBeGreaterThan(60);
    for (const path of objectPaths) {
      const d = deployment();
      let node: any = d;
      for (const seg of path) {
        node = node[seg];
      }
      node.zzUnknown = 1;
      const field = path
        .reduce<string>(
          (acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
          '',
        )
        .concat(path.length > 0 ? '.zzUnknown' : 'zzUnknown');
      const { errors } = validateFields(d, 'apps/v1', 'Deployment', 'Strict');
      expect(errors.map((e) => e.field)).toEqual([field]);
    }
  });

  it('are not reported inside maps and free-form objects', () => {
    const d = deployment();
    d.metadata.labels.anything = 'goes';
    d.metadata.annotations['x/y'] = 'z';
    const app = fixture('application.yaml')[1]!;
    app.spec.sources[0].helm.whatever = { nested: [1, 2] };
    app.status = { anything: { at: 'all' } };
    expect(validateFields(d, 'apps/v1', 'Deployment', 'Strict').errors).toEqual([]);
    expect(validateFields(app, 'argoproj.io/v1alpha1', 'Application', 'Strict').errors).toEqual([]);
  });

  it('covers Rollout strategy fields and the Application sync windows', () => {
    const ro = fixture('rollout.yaml')[0]!;
    ro.spec.strategy.canary.steps[0].setWieght = 10;
    ro.spec.strategy.canary.maxSurg = 1;
    const app = fixture('application.yaml')[0]!;
    app.spec.syncPolicy.automated.selfheal = true;
    app.spec.syncWindows[0].kinds = 'deny';
    app.spec.destination.cluster = 'x';
    expect(
      validateFields(ro, 'argoproj.io/v1alpha1', 'Rollout', 'Strict').errors.map((e) => e.field),
    ).toEqual(['spec.strategy.canary.steps[0].setWieght', 'spec.strategy.canary.maxSurg']);
    expect(
      validateFields(app, 'argoproj.io/v1alpha1', 'Application', 'Strict').errors.map((e) => e.field),
    ).toEqual([
      'spec.destination.cluster',
      'spec.syncPolicy.automated.selfheal',
      'spec.syncWindows[0].kinds',
    ]);
  });
});

describe('wrong JSON types', () => {
  it('reports the path, the actual type and the expected type', () => {
    const d = deployment();
    d.spec.replicas = 'three';
    const { errors } = validateFields(d, 'apps/v1', 'Deployment', 'Strict');
    expect(errors).toEqual([
      {
        field: 'spec.replicas',
        reason: 'FieldValueTypeInvalid',
        message: 'Invalid value: "string": spec.replicas in body must be of type integer',
      },
    ]);
  });

  it('checks every scalar, list and map shape', () => {
    const d = deployment();
    const c = d.spec.template.spec.containers[0];
    d.metadata.labels.version = 2; // label values are strings
    d.spec.paused = 'yes';
    d.spec.minReadySeconds = 1.5;
    c.ports[0].containerPort = '8080';
    c.args = '--up';
    c.env = { LOG_LEVEL: 'info' };
    c.readinessProbe.httpGet.port = 80.5;
    c.resources.limits.memory = 'lots';
    d.spec.template.spec.hostNetwork = 0;
    d.spec.template = [];
    const { errors } = validateFields(d, 'apps/v1', 'Deployment', 'Ignore');
    expect(errors.map((e) => [e.field, e.message])).toEqual([
      [
        'metadata.labels[version]',
        'Invalid value: "integer": metadata.labels[version] in body must be of type string',
      ],
      [
        'spec.minReadySeconds',
        'Invalid value: "number": spec.minReadySeconds in body must be of type integer',
      ],
      ['spec.template', 'Invalid value: "array": spec.template in body must be of type object'],
      ['spec.paused', 'Invalid value: "string": spec.paused in body must be of type boolean'],
    ]);
    const d2 = deployment();
    const c2 = d2.spec.template.spec.containers[0];
    c2.ports[0].containerPort = '8080';
    c2.args = '--up';
    c2.env = { LOG_LEVEL: 'info' };
    c2.readinessProbe.httpGet.port = 80.5;
    c2.resources.limits.memory = 'lots';
    const p = 'spec.template.spec.containers[0]';
    expect(validateFields(d2, 'apps/v1', 'Deployment', 'Strict').errors.map((e) => e.field)).toEqual([
      `${p}.ports[0].containerPort`,
      `${p}.env`,
      `${p}.resources.limits[memory]`,
      `${p}.readinessProbe.httpGet.port`,
      `${p}.args`, // not in the fixture, so added last
    ]);
  });

  it('accepts null for any field, numbers for quantities, and ints or strings for int-or-string', () => {
    const d = deployment();
    d.spec.replicas = null;
    d.metadata.annotations = null;
    d.spec.template.spec.containers[0].resources.limits.cpu = 2;
    d.spec.template.spec.containers[0].resources.requests.cpu = '1.5e3';
    d.spec.strategy.rollingUpdate.maxSurge = 1;
    d.spec.strategy.rollingUpdate.maxUnavailable = '10%';
    expect(validateFields(d, 'apps/v1', 'Deployment', 'Strict').errors).toEqual([]);
  });

  it('rejects malformed quantities and base64 data without echoing secrets', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { good: 'aGVsbG8=', bad: 'hunter2!' },
      stringData: { plain: 'hunter2!' },
    };
    const { errors } = validateFields(secret, 'v1', 'Secret', 'Strict');
    expect(errors.map((e) => e.field)).toEqual(['data[bad]']);
    expect(errors[0]!.message).not.toContain('hunter2');
    const quota = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q' },
      spec: { hard: { pods: '10', 'requests.cpu': '4', 'limits.memory': '8Gi', cpu: '1 core' } },
    };
    const qe = validateFields(quota, 'v1', 'ResourceQuota', 'Strict').errors;
    expect(qe.map((e) => e.field)).toEqual(['spec.hard[cpu]']);
    expect(qe[0]!.message).toContain('quantities must match the regular expression');
  });

  it('rejects a body that is not an object', () => {
    expect(validateFields([], 'v1', 'Pod', 'Strict').errors).toEqual([
      {
        field: '',
        reason: 'FieldValueTypeInvalid',
        message: 'Invalid value: "array": body must be of type object',
      },
    ]);
  });

  it('says nothing about kinds it does not know', () => {
    expect(validateFields({ spec: { x: 1 } }, 'example.com/v1', 'Widget', 'Strict')).toEqual({
      errors: [],
      warnings: [],
    });
  });
});
