import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/api/clock.js';
import { isApiError } from '../../../src/api/errors.js';
import { applyServerSideApply, type ManagedFieldsEntry } from '../../../src/api/patch/index.js';
import type { KObject } from '../../../src/api/types.js';
import { deepFreeze, lookup, thrown } from './helpers.js';

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T11:00:00Z';
const clockAt = (iso: string): Clock => ({ now: () => new Date(iso) });

function deployment(
  opts: { replicas?: number; image?: string; env?: { name: string; value: string }[] } = {},
): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'staging', labels: { app: 'web' } },
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: opts.image ?? 'nginx:1.1',
              env: opts.env ?? [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
            },
          ],
        },
      },
    },
  };
}

function apply(
  live: KObject | undefined,
  applied: KObject,
  manager = 'kubectl',
  force = false,
  at = T0,
): ReturnType<typeof applyServerSideApply> {
  return applyServerSideApply(
    live === undefined ? undefined : deepFreeze(live),
    deepFreeze(applied),
    manager,
    force,
    lookup,
    { clock: clockAt(at) },
  );
}

function entries(obj: KObject): ManagedFieldsEntry[] {
  return obj.metadata.managedFields as ManagedFieldsEntry[];
}

function entryOf(obj: KObject, manager: string): ManagedFieldsEntry | undefined {
  return entries(obj).find((e) => e.manager === manager);
}

describe('applyServerSideApply', () => {
  it('creates the object and records exactly the applied fields', () => {
    const { object, conflicts } = apply(undefined, deployment());
    expect(conflicts).toEqual([]);
    const { managedFields, ...metadata } = object.metadata;
    expect({ ...object, metadata }).toEqual(deployment());
    expect(managedFields).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': { 'f:matchLabels': { 'f:app': {} } },
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"web"}': {
                    '.': {},
                    'f:name': {},
                    'f:image': {},
                    'f:env': {
                      'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} },
                      'k:{"name":"B"}': { '.': {}, 'f:name': {}, 'f:value': {} },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  it('re-applying the same configuration changes nothing, not even the timestamp', () => {
    const first = apply(undefined, deployment()).object;
    const again = apply(first, deployment(), 'kubectl', false, T1).object;
    expect(again).toEqual(first);
  });

  it('updates changed values and moves the timestamp', () => {
    const first = apply(undefined, deployment()).object;
    const next = apply(first, deployment({ replicas: 3, image: 'nginx:1.2' }), 'kubectl', false, T1).object;
    expect(next.spec.replicas).toBe(3);
    expect(next.spec.template.spec.containers[0].image).toBe('nginx:1.2');
    expect(entryOf(next, 'kubectl')?.time).toBe(T1);
  });

  it('keeps fields nobody applied (server defaults, other writers) and status', () => {
    const first = apply(undefined, deployment()).object;
    const live = structuredClone(first);
    live.spec.revisionHistoryLimit = 10;
    live.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
    live.status = { replicas: 2 };
    const next = apply(live, deployment({ image: 'nginx:1.2' })).object;
    expect(next.spec.revisionHistoryLimit).toBe(10);
    expect(next.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(next.status).toEqual({ replicas: 2 });
  });

  it('neither applies nor owns status', () => {
    const applied = { ...deployment(), status: { replicas: 9 } };
    const { object } = apply(undefined, applied);
    expect(object.status).toBeUndefined();
    expect(entryOf(object, 'kubectl')?.fieldsV1).not.toHaveProperty('f:status');
  });

  it('removes fields the manager stopped applying: an env entry and a label map', () => {
    const first = apply(undefined, deployment()).object;
    const applied = deployment({ env: [{ name: 'B', value: '2' }] });
    delete applied.spec.template.metadata;
    const next = apply(first, applied).object;
    expect(next.spec.template.spec.containers[0].env).toEqual([{ name: 'B', value: '2' }]);
    expect(next.spec.template.metadata).toBeUndefined();
    expect(entryOf(next, 'kubectl')?.fieldsV1).not.toHaveProperty(['f:spec', 'f:template', 'f:metadata']);
  });

  it('keeps a dropped field that another manager also owns', () => {
    const first = apply(undefined, deployment()).object;
    const shared = apply(first, { ...deployment(), spec: { replicas: 2 } }, 'ci').object;
    expect(entryOf(shared, 'ci')?.fieldsV1).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': { 'f:replicas': {} },
    });
    const withoutReplicas = deployment();
    delete withoutReplicas.spec.replicas;
    const next = apply(shared, withoutReplicas).object;
    expect(next.spec.replicas).toBe(2);
    expect(entryOf(next, 'kubectl')?.fieldsV1).not.toHaveProperty(['f:spec', 'f:replicas']);
  });

  it('removes a keyed element but keeps it while another manager owns a field inside it', () => {
    const twoContainers = deployment();
    twoContainers.spec.template.spec.containers.push({ name: 'log', image: 'busybox' });
    const first = apply(undefined, twoContainers).object;
    const other: KObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'log', resources: { limits: { cpu: '1' } } }] } } },
    };
    const withOther = apply(first, other, 'tuner').object;
    const next = apply(withOther, deployment()).object;
    // kubectl's fields of the log container are gone, the tuner's stay with the element
    expect(next.spec.template.spec.containers).toEqual([
      deployment().spec.template.spec.containers[0],
      { name: 'log', resources: { limits: { cpu: '1' } } },
    ]);
    // once the tuner stops applying it too, the element goes
    const last = apply(next, { ...other, spec: { template: { spec: { containers: [] } } } }, 'tuner').object;
    expect(last.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['web']);
  });

  it('reports a conflict with another Apply manager that owns a field set to a different value', () => {
    const first = apply(undefined, deployment(), 'gitops').object;
    const { object, conflicts } = apply(first, deployment({ replicas: 5, image: 'nginx:9' }), 'kubectl');
    expect(conflicts).toEqual([
      { manager: 'gitops', apiVersion: 'apps/v1', field: '.spec.replicas' },
      { manager: 'gitops', apiVersion: 'apps/v1', field: '.spec.template.spec.containers[name="web"].image' },
    ]);
    expect(object).toEqual(first);
  });

  it('shares ownership when the value is the same', () => {
    const first = apply(undefined, deployment(), 'gitops').object;
    const { object, conflicts } = apply(first, deployment(), 'kubectl');
    expect(conflicts).toEqual([]);
    expect(entryOf(object, 'gitops')?.fieldsV1).toEqual(entryOf(object, 'kubectl')?.fieldsV1);
    expect(entries(object).map((e) => e.manager)).toEqual(['gitops', 'kubectl']);
  });

  it('force takes ownership of conflicting fields', () => {
    const first = apply(undefined, deployment(), 'gitops').object;
    const { object, conflicts } = apply(first, { ...deployment({ replicas: 5 }) }, 'kubectl', true);
    expect(conflicts).toEqual([]);
    expect(object.spec.replicas).toBe(5);
    expect(entryOf(object, 'gitops')?.fieldsV1).not.toHaveProperty(['f:spec', 'f:replicas']);
    expect(entryOf(object, 'kubectl')?.fieldsV1).toHaveProperty(['f:spec', 'f:replicas']);
  });

  it('drops an entry whose last field was taken by force', () => {
    const first = apply(undefined, deployment(), 'kubectl').object;
    const scaler: KObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 2 },
    };
    const scaled = apply(first, scaler, 'scaler').object;
    const { object } = apply(scaled, { ...scaler, spec: { replicas: 7 } }, 'kubectl', true);
    expect(entries(object).map((e) => e.manager)).toEqual(['kubectl']);
    expect(object.spec.replicas).toBe(7);
  });

  it('does not conflict with an Update manager, which loses the field (documented simplification)', () => {
    const first = apply(undefined, deployment(), 'kubectl').object;
    const live = structuredClone(first);
    live.spec.replicas = 4;
    (live.metadata.managedFields as unknown[]).push({
      manager: 'kubectl-scale',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: T0,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      subresource: 'scale',
    });
    const { object, conflicts } = apply(live, deployment({ replicas: 2 }), 'kubectl');
    expect(conflicts).toEqual([]);
    expect(object.spec.replicas).toBe(2);
    expect(entries(object).map((e) => e.manager)).toEqual(['kubectl']);
  });

  it('treats merge primitive lists as sets: owns each value and removes the ones it drops', () => {
    const withFinalizers = (fs: string[]): KObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', finalizers: fs },
    });
    const first = apply(undefined, withFinalizers(['a.io/x', 'b.io/y'])).object;
    expect(entryOf(first, 'kubectl')?.fieldsV1).toEqual({
      'f:metadata': { 'f:finalizers': { 'v:"a.io/x"': {}, 'v:"b.io/y"': {} } },
    });
    const live = structuredClone(first);
    live.metadata.finalizers?.push('other.io/z');
    const next = apply(live, withFinalizers(['b.io/y'])).object;
    expect(next.metadata.finalizers).toEqual(['b.io/y', 'other.io/z']);
  });

  it('owns an atomic list as a whole and replaces it', () => {
    const cm = (data: unknown): KObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data,
    });
    const withCommand = deployment();
    withCommand.spec.template.spec.containers[0].command = ['a', 'b'];
    const first = apply(undefined, withCommand).object;
    expect(entryOf(first, 'kubectl')?.fieldsV1).toHaveProperty([
      'f:spec',
      'f:template',
      'f:spec',
      'f:containers',
      'k:{"name":"web"}',
      'f:command',
    ]);
    const changed = deployment();
    changed.spec.template.spec.containers[0].command = ['c'];
    expect(apply(first, changed).object.spec.template.spec.containers[0].command).toEqual(['c']);
    // null values in the configuration are dropped: neither set nor owned
    expect(apply(undefined, cm({ a: null, b: '1' })).object.data).toEqual({ b: '1' });
  });

  it('shares no structure with its inputs', () => {
    const applied = deployment();
    const live = apply(undefined, deployment()).object;
    const snapshot = structuredClone({ applied, live });
    const { object } = applyServerSideApply(live, applied, 'kubectl', false, lookup, { clock: clockAt(T1) });
    object.spec.template.spec.containers[0].env.push({ name: 'Z' });
    object.metadata.labels!.app = 'changed';
    (object.metadata.managedFields as any[])[0].fieldsV1['f:spec'] = {};
    expect({ applied, live }).toEqual(snapshot);
  });

  const rejected: { name: string; manager: string; applied: unknown; message: RegExp }[] = [
    {
      name: 'an empty field manager',
      manager: '',
      applied: deployment(),
      message: /fieldManager is required/,
    },
    {
      name: 'a configuration without apiVersion/kind',
      manager: 'm',
      applied: { metadata: { name: 'x' } },
      message: /apiVersion and kind/,
    },
    {
      name: 'managedFields in the configuration',
      manager: 'm',
      applied: { ...deployment(), metadata: { name: 'web', managedFields: [] } },
      message: /managedFields must not be set/,
    },
    {
      name: 'a patch directive',
      manager: 'm',
      applied: { ...deployment(), spec: { $patch: 'replace' } },
      message: /directive "\$patch" is not allowed/,
    },
    {
      name: 'a keyed element without its key',
      manager: 'm',
      applied: { ...deployment(), spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
      message: /missing its key field "name"/,
    },
    {
      name: 'a __proto__ key',
      manager: 'm',
      applied: JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","data":{"__proto__":{"x":"1"}}}'),
      message: /"__proto__" is not allowed/,
    },
  ];
  it.each(rejected)('rejects $name with 400', ({ manager, applied, message }) => {
    const e = thrown(() => applyServerSideApply(undefined, applied as KObject, manager, false, lookup));
    expect(isApiError(e, 400)).toBe(true);
    expect((e as Error).message).toMatch(message);
  });
});
