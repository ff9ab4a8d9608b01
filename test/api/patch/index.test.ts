import { describe, expect, it } from 'vitest';
import { type ApiError, isApiError } from '../../../src/api/errors.js';
import { applyPatch, type PatchOptions, patchKindOf } from '../../../src/api/patch/index.js';
import type { KObject } from '../../../src/api/types.js';
import { deepFreeze, lookup, thrown } from './helpers.js';

const live = (): KObject =>
  deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'staging', resourceVersion: '7', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      template: {
        spec: {
          containers: [
            { name: 'web', image: 'nginx:1.1' },
            { name: 'log', image: 'busybox' },
          ],
        },
      },
    },
  });

const opts: PatchOptions = {
  lookup,
  target: { group: 'apps', kind: 'Deployment', name: 'web' },
  clock: { now: () => new Date('2024-05-01T10:00:00Z') },
};

const images = (o: KObject) => o.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`);

describe('patchKindOf', () => {
  const kinds: [string, string][] = [
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['Application/Strategic-Merge-Patch+JSON', 'strategic'],
    ['application/apply-patch+yaml;charset=utf-8', 'apply'],
  ];
  it.each(kinds)('%s → %s', (type, kind) => {
    expect(patchKindOf(type)).toBe(kind);
  });

  it.each(['application/json', 'text/plain', '', 'application/apply-patch+json'])(
    'answers 415 for "%s"',
    (type) => {
      const e = thrown(() => patchKindOf(type));
      expect(isApiError(e, 415)).toBe(true);
      expect((e as ApiError).reason).toBe('UnsupportedMediaType');
      expect((e as Error).message).toMatch(/application\/strategic-merge-patch\+json/);
    },
  );
});

describe('applyPatch', () => {
  const dispatch: { type: string; body: string | Buffer; want: string[]; replicas?: number }[] = [
    {
      type: 'application/json-patch+json',
      body: JSON.stringify([
        { op: 'replace', path: '/spec/template/spec/containers/1/image', value: 'busybox:2' },
      ]),
      want: ['web=nginx:1.1', 'log=busybox:2'],
    },
    {
      // merge patch replaces the whole list
      type: 'application/merge-patch+json; charset=utf-8',
      body: Buffer.from(
        JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'x' }] } } } }),
      ),
      want: ['web=x'],
    },
    {
      // strategic merge patch merges it by name
      type: 'application/strategic-merge-patch+json',
      body: JSON.stringify({
        spec: { replicas: 4, template: { spec: { containers: [{ name: 'web', image: 'x' }] } } },
      }),
      want: ['web=x', 'log=busybox'],
      replicas: 4,
    },
    {
      type: 'application/strategic-merge-patch+json',
      body: `\uFEFF${JSON.stringify({ spec: { replicas: 1 } })}`,
      want: ['web=nginx:1.1', 'log=busybox'],
      replicas: 1,
    },
  ];
  it.each(dispatch)('dispatches $type', ({ type, body, want, replicas }) => {
    const original = live();
    const out = applyPatch(type, original, body, opts);
    expect(images(out)).toEqual(want);
    expect(out.spec.replicas).toBe(replicas ?? 2);
    // no shared structure: changing the result leaves the original alone (it is frozen anyway)
    out.metadata.labels!.app = 'changed';
    expect(original.metadata.labels?.app).toBe('web');
  });

  it('server-side apply creates from YAML and records the field manager', () => {
    const yaml = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      'spec:',
      '  replicas: 3',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: web',
      '          image: nginx:1.2',
    ].join('\n');
    const out = applyPatch('application/apply-patch+yaml', undefined, yaml, {
      ...opts,
      fieldManager: 'kubectl',
    });
    expect(out.spec.replicas).toBe(3);
    expect(out.metadata.managedFields).toMatchObject([
      { manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2024-05-01T10:00:00Z' },
    ]);
    // and then merges into the live object, keeping the container it does not mention
    const merged = applyPatch('application/apply-patch+yaml', live(), yaml, {
      ...opts,
      fieldManager: 'kubectl',
    });
    expect(images(merged)).toEqual(['web=nginx:1.2', 'log=busybox']);
  });

  it('server-side apply accepts a JSON body (JSON is YAML)', () => {
    const body = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 9 },
    });
    const out = applyPatch('application/apply-patch+yaml', live(), body, { ...opts, fieldManager: 'm' });
    expect(out.spec.replicas).toBe(9);
  });

  it('answers 409 with one cause per field on an apply conflict, and force overrides it', () => {
    const apply = (replicas: number, manager: string, force = false, base?: KObject) =>
      applyPatch(
        'application/apply-patch+yaml',
        base,
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${replicas}\n`,
        { ...opts, fieldManager: manager, force },
      );
    const owned = apply(2, 'gitops');
    const e = thrown(() => apply(5, 'kubectl', false, owned));
    expect(isApiError(e, 409)).toBe(true);
    const err = e as ApiError;
    expect(err.reason).toBe('Conflict');
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "gitops" using apps/v1: .spec.replicas',
    );
    expect(err.details?.causes).toEqual([
      {
        field: '.spec.replicas',
        reason: 'FieldManagerConflict',
        message: 'conflict with "gitops" using apps/v1',
      },
    ]);
    expect(err.details).toMatchObject({ kind: 'deployment', group: 'apps', name: 'web' });
    expect(apply(5, 'kubectl', true, owned).spec.replicas).toBe(5);
  });

  const badBodies: { name: string; type: string; body: string; message: RegExp }[] = [
    {
      name: 'truncated JSON (with line and column)',
      type: 'application/merge-patch+json',
      body: '{\n  "spec": {\n    "replicas": 3\n  }',
      message: /^merge patch is not valid JSON \(line 4, column 4\)/,
    },
    {
      name: 'JSON with a bad token',
      type: 'application/strategic-merge-patch+json',
      body: '{"spec": nope}',
      message: /^strategic merge patch is not valid JSON/,
    },
    {
      name: 'an empty JSON body',
      type: 'application/json-patch+json',
      body: '',
      message: /^json patch is not valid JSON/,
    },
    {
      name: 'YAML with a bad indentation (with line and column)',
      type: 'application/apply-patch+yaml',
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a,\ndata: {}\n',
      message: /^apply patch body is not valid YAML: .*line 5, column 1/,
    },
    {
      name: 'YAML with duplicate keys',
      type: 'application/apply-patch+yaml',
      body: 'apiVersion: v1\nkind: ConfigMap\nkind: Secret\n',
      message: /Map keys must be unique at line 3, column 1/,
    },
    {
      name: 'YAML with several documents',
      type: 'application/apply-patch+yaml',
      body: 'apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Secret\n',
      message: /multiple documents/,
    },
    {
      name: 'YAML with an undefined alias',
      type: 'application/apply-patch+yaml',
      body: 'apiVersion: v1\nkind: ConfigMap\ndata: *nothing\n',
      message: /^apply patch body is not valid YAML: /,
    },
    {
      name: 'a YAML list instead of an object',
      type: 'application/apply-patch+yaml',
      body: '- a\n- b\n',
      message: /must be a YAML or JSON object/,
    },
    {
      name: 'an apply without a field manager',
      type: 'application/apply-patch+yaml',
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
      message: /fieldManager is required/,
    },
  ];
  it.each(badBodies)('answers 400 for $name', ({ type, body, message }) => {
    const e = thrown(() => applyPatch(type, live(), body, opts));
    expect(isApiError(e, 400)).toBe(true);
    expect((e as ApiError).reason).toBe('BadRequest');
    expect((e as Error).message).toMatch(message);
  });

  it('answers 400 when force is set on a non-apply patch', () => {
    const e = thrown(() =>
      applyPatch('application/merge-patch+json', live(), '{}', { ...opts, force: true }),
    );
    expect(isApiError(e, 400)).toBe(true);
  });

  it('answers 415 for an unknown content type before reading the body', () => {
    const e = thrown(() => applyPatch('application/xml', live(), '<not json>', opts));
    expect(isApiError(e, 415)).toBe(true);
  });

  it.each([
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
  ])('answers 404 for %s when the object does not exist', (type) => {
    const e = thrown(() => applyPatch(type, undefined, type.includes('json-patch') ? '[]' : '{}', opts));
    expect(isApiError(e, 404)).toBe(true);
    expect((e as Error).message).toBe('deployment.apps "web" not found');
  });

  it('answers 422 when a json patch test fails, and when the result is not an object', () => {
    const failed = thrown(() =>
      applyPatch(
        'application/json-patch+json',
        live(),
        '[{"op":"test","path":"/spec/replicas","value":3}]',
        opts,
      ),
    );
    expect(isApiError(failed, 422)).toBe(true);
    const notObject = thrown(() =>
      applyPatch('application/json-patch+json', live(), '[{"op":"replace","path":"","value":42}]', opts),
    );
    expect(isApiError(notObject, 422)).toBe(true);
    expect((notObject as Error).message).toMatch(/not a JSON object/);
  });

  it('keeps a resourceVersion the patch carries so the caller can check it as a precondition', () => {
    const out = applyPatch(
      'application/merge-patch+json',
      live(),
      '{"metadata":{"resourceVersion":"5"}}',
      opts,
    );
    expect(out.metadata.resourceVersion).toBe('5');
  });
});
