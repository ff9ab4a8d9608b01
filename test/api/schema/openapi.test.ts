import { describe, expect, it } from 'vitest';
import { RESOURCES, type ResourceInfo, servedGroups } from '../../../src/api/resources.js';
import {
  openApiV3GroupVersion,
  openApiV3GroupVersionJson,
  openApiV3PathKey,
  openApiV3Root,
} from '../../../src/api/schema/index.js';

type Json = Record<string, any>;

const docFor = (info: Pick<ResourceInfo, 'group' | 'version'>): Json =>
  openApiV3GroupVersion(info.group, info.version) as Json;

const gvkOf = (info: ResourceInfo) => ({ group: info.group, version: info.version, kind: info.kind });

function prefixOf(info: ResourceInfo): string {
  return info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
}

function collectionPath(info: ResourceInfo): string {
  return info.namespaced
    ? `${prefixOf(info)}/namespaces/{namespace}/${info.plural}`
    : `${prefixOf(info)}/${info.plural}`;
}

function resolve(doc: Json, ref: string): Json | undefined {
  const name = ref.replace(/^#\/components\/schemas\//, '');
  return doc.components.schemas[name];
}

/** Follows $ref / single allOf to the schema that has properties (what kubectl explain does). */
function deref(doc: Json, s: Json): Json {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    if (cur.$ref) {
      cur = resolve(doc, cur.$ref)!;
    } else if (cur.allOf?.length === 1) {
      cur = cur.allOf[0];
    } else if (cur.items && !cur.properties) {
      cur = cur.items;
    } else {
      return cur;
    }
  }
  return cur;
}

/** kubectl explain: find the component tagged with the GVK, then follow the field path. */
function explain(doc: Json, gvk: Json, fieldPath: string[]): Json | undefined {
  const top = Object.values(doc.components.schemas as Record<string, Json>).find((s) =>
    (s['x-kubernetes-group-version-kind'] as Json[] | undefined)?.some(
      (g) =>
        g.group === gvk.group &&
        g.version === gvk.version &&
        g.kind === gvk.kind &&
        Object.keys(g).length === 3,
    ),
  );
  if (!top) {
    return undefined;
  }
  let cur: Json = top;
  for (const field of fieldPath) {
    const next = deref(doc, cur).properties?.[field];
    if (!next) {
      return undefined;
    }
    cur = next;
  }
  return deref(doc, cur);
}

describe('OpenAPI v3 root', () => {
  it('lists every served group-version with a hashed URL', () => {
    const root = openApiV3Root(servedGroups());
    const keys = servedGroups().map((gv) => openApiV3PathKey(gv.group, gv.version));
    expect(Object.keys(root.paths).sort()).toEqual([...keys].sort());
    expect(keys).toContain('api/v1');
    expect(keys).toContain('apis/apps/v1');
    expect(keys).toContain('apis/argoproj.io/v1alpha1');
    for (const gv of servedGroups()) {
      const key = openApiV3PathKey(gv.group, gv.version);
      const { hash, json } = openApiV3GroupVersionJson(gv.group, gv.version)!;
      expect(hash).toMatch(/^[0-9A-F]{128}$/);
      expect(root.paths[key]!.serverRelativeURL).toBe(`/openapi/v3/${key}?hash=${hash}`);
      expect(JSON.parse(json)).toEqual(openApiV3GroupVersion(gv.group, gv.version));
    }
  });

  it('skips group-versions it does not serve', () => {
    expect(openApiV3Root([{ group: 'example.com', version: 'v1' }])).toEqual({ paths: {} });
    expect(openApiV3GroupVersion('apps', 'v1beta1')).toBeUndefined();
  });

  it('caches documents and keeps hashes stable', () => {
    expect(openApiV3GroupVersion('apps', 'v1')).toBe(openApiV3GroupVersion('apps', 'v1'));
    expect(openApiV3GroupVersionJson('', 'v1')!.hash).toBe(openApiV3GroupVersionJson('', 'v1')!.hash);
    expect(openApiV3GroupVersionJson('', 'v1')!.hash).not.toBe(openApiV3GroupVersionJson('apps', 'v1')!.hash);
  });
});

describe('OpenAPI v3 group-version documents', () => {
  it('are OpenAPI 3.0 documents', () => {
    for (const gv of servedGroups()) {
      const doc = docFor(gv);
      expect(doc.openapi).toBe('3.0.0');
      expect(doc.info.title).toBeTypeOf('string');
      expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
      expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(0);
    }
  });

  it('hold post/put/patch/get/delete with the GVK and fieldValidation for every resource', () => {
    for (const info of RESOURCES) {
      const doc = docFor(info);
      const gvk = gvkOf(info);
      const coll = doc.paths[collectionPath(info)];
      const item = doc.paths[`${collectionPath(info)}/{name}`];
      expect(coll, info.kind).toBeDefined();
      expect(item, info.kind).toBeDefined();
      for (const op of [coll.post, coll.get, item.get, item.put, item.patch, item.delete]) {
        expect(op?.['x-kubernetes-group-version-kind'], info.kind).toEqual(gvk);
      }
      for (const op of [coll.post, item.put, item.patch]) {
        const names = (op.parameters as Json[]).map((p) => p.name);
        expect(names, info.kind).toContain('fieldValidation');
        expect(names).toContain('fieldManager');
        expect(names).toContain('dryRun');
      }
      expect(coll.post.requestBody.content['application/json'].schema).toEqual({
        $ref: expect.stringMatching(new RegExp(`\\.${info.kind}$`)),
      });
      const patchTypes = Object.keys(item.patch.requestBody.content);
      expect(patchTypes).toContain('application/merge-patch+json');
      expect(patchTypes).toContain('application/json-patch+json');
      expect(patchTypes.includes('application/strategic-merge-patch+json')).toBe(
        info.group !== 'argoproj.io',
      );
      if (info.namespaced) {
        expect(doc.paths[`${prefixOf(info)}/${info.plural}`].get['x-kubernetes-action']).toBe('list');
        expect(Object.keys(doc.paths)).not.toContain(`${prefixOf(info)}/${info.plural}/{name}`);
      }
      const subs = Object.keys(doc.paths).filter((p) => p.startsWith(`${collectionPath(info)}/{name}/`));
      expect(subs.map((p) => p.split('/').pop()).sort()).toEqual([...info.subresources].sort());
    }
  });

  it('passes the check kubectl makes before sending fieldValidation=Strict', () => {
    // kubectl takes the first PATCH operation tagged with the GVK and looks for the parameter.
    for (const info of RESOURCES) {
      const doc = docFor(info);
      const patches = Object.values(doc.paths as Record<string, Json>)
        .map((p) => p.patch)
        .filter(
          (op) => op && JSON.stringify(op['x-kubernetes-group-version-kind']) === JSON.stringify(gvkOf(info)),
        );
      expect(patches.length, info.kind).toBeGreaterThan(0);
      for (const op of patches) {
        expect((op.parameters as Json[]).some((p) => p.name === 'fieldValidation' && p.in === 'query')).toBe(
          true,
        );
      }
    }
  });

  it('give status and scale subresources the right kinds', () => {
    const apps = docFor({ group: 'apps', version: 'v1' });
    const scalePath = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    expect(scalePath.patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
    expect(scalePath.put.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/io.k8s.api.autoscaling.v1.Scale',
    );
    const core = docFor({ group: '', version: 'v1' });
    expect(core.paths['/api/v1/nodes/{name}/status'].patch['x-kubernetes-group-version-kind']).toEqual({
      group: '',
      version: 'v1',
      kind: 'Node',
    });
    expect(
      core.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post[
        'x-kubernetes-group-version-kind'
      ],
    ).toEqual({ group: '', version: 'v1', kind: 'Binding' });
  });

  it('resolve every $ref inside the same document', () => {
    for (const gv of servedGroups()) {
      const doc = docFor(gv);
      const refs: string[] = [];
      const visit = (v: unknown) => {
        if (Array.isArray(v)) {
          v.forEach(visit);
        } else if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            if (k === '$ref') {
              refs.push(x as string);
            } else {
              visit(x);
            }
          }
        }
      };
      visit(doc);
      expect(refs.length).toBeGreaterThan(10);
      for (const ref of refs) {
        expect(ref).toMatch(/^#\/components\/schemas\//);
        expect(resolve(doc, ref), `${gv.group}/${gv.version}: ${ref}`).toBeDefined();
      }
    }
  });

  it('tag each kind schema with its GVK so kubectl explain can find and walk it', () => {
    for (const info of RESOURCES) {
      const doc = docFor(info);
      const top = explain(doc, gvkOf(info), []);
      expect(top?.properties?.metadata, info.kind).toBeDefined();
      expect(explain(doc, gvkOf(info), ['metadata', 'labels'])?.additionalProperties).toEqual({
        type: 'string',
      });
    }
    const apps = docFor({ group: 'apps', version: 'v1' });
    const dep = { group: 'apps', version: 'v1', kind: 'Deployment' };
    expect(Object.keys(explain(apps, dep, ['spec'])!.properties)).toEqual(
      expect.arrayContaining(['replicas', 'selector', 'template', 'strategy']),
    );
    expect(explain(apps, dep, ['spec', 'template', 'spec', 'containers'])?.properties?.image).toEqual({
      type: 'string',
    });
    expect(explain(apps, dep, ['spec', 'strategy', 'rollingUpdate'])?.properties).toBeDefined();
    const argo = docFor({ group: 'argoproj.io', version: 'v1alpha1' });
    const ro = { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' };
    expect(explain(argo, ro, ['spec', 'strategy', 'canary', 'steps'])?.properties?.setWeight).toBeDefined();
    expect(
      explain(argo, ro, ['spec', 'template', 'spec', 'containers', 'ports'])?.properties?.containerPort,
    ).toBeDefined();
  });

  it('carry merge keys, list types, int-or-string and free-form markers', () => {
    const core = docFor({ group: '', version: 'v1' });
    const s = core.components.schemas as Record<string, Json>;
    const podSpec = s['io.k8s.api.core.v1.PodSpec']!.properties;
    expect(podSpec.containers).toMatchObject({
      type: 'array',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(podSpec.volumes['x-kubernetes-patch-strategy']).toBe('merge,retainKeys');
    expect(podSpec.tolerations['x-kubernetes-list-type']).toBe('atomic');
    expect(podSpec.tolerations['x-kubernetes-patch-merge-key']).toBeUndefined();
    const container = s['io.k8s.api.core.v1.Container']!.properties;
    expect(container.ports).toMatchObject({
      'x-kubernetes-patch-merge-key': 'containerPort',
      'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
    });
    expect(container.env['x-kubernetes-patch-merge-key']).toBe('name');
    expect(container.volumeMounts['x-kubernetes-patch-merge-key']).toBe('mountPath');
    const meta = s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']!.properties;
    expect(meta.finalizers).toMatchObject({
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-type': 'set',
    });
    expect(meta.ownerReferences['x-kubernetes-patch-merge-key']).toBe('uid');
    const port = s['io.k8s.api.core.v1.ServicePort']!.properties;
    expect(resolve(core, port.targetPort.$ref)!['x-kubernetes-int-or-string']).toBe(true);
    expect(s['io.k8s.api.core.v1.ServiceSpec']!.properties.ports['x-kubernetes-patch-merge-key']).toBe(
      'port',
    );

    const apps = docFor({ group: 'apps', version: 'v1' }).components.schemas as Record<string, Json>;
    expect(apps['io.k8s.api.apps.v1.DeploymentSpec']!.properties.strategy).toEqual({
      allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }],
      'x-kubernetes-patch-strategy': 'retainKeys',
    });
    expect(
      apps['io.k8s.api.apps.v1.DeploymentStatus']!.properties.conditions['x-kubernetes-patch-merge-key'],
    ).toBe('type');

    const argo = docFor({ group: 'argoproj.io', version: 'v1alpha1' }).components.schemas as Record<
      string,
      Json
    >;
    expect(argo['io.argoproj.v1alpha1.Application']!.properties.status).toMatchObject({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(
      argo['io.argoproj.v1alpha1.ApplicationSource']!.properties.helm['x-kubernetes-preserve-unknown-fields'],
    ).toBe(true);
  });
});
