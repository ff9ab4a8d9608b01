import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { isPromoteError } from '../../src/promote/errors.js';
import { parsePromoteConfig } from '../../src/promote/ignore.js';
import { type EnvironmentManifests, planPromotion, renderPlan } from '../../src/promote/plan.js';
import { applyEdits, applyPlanToFiles } from '../../src/promote/yaml-edit.js';

const TD = join(import.meta.dirname, 'testdata');
const read = (p: string) => readFileSync(join(TD, p), 'utf8');

function plainEnv(env: string, text = read(`plain/${env}/web.yaml`)): EnvironmentManifests {
  return { env, dir: `plain/${env}`, files: [{ file: `plain/${env}/web.yaml`, text }] };
}

function kustomizeEnv(env: string): EnvironmentManifests {
  const file = `kustomize/overlays/${env}/kustomization.yaml`;
  return { env, dir: `kustomize/overlays/${env}`, files: [], kustomization: { file, text: read(file) } };
}

const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS());

describe('planPromotion: images', () => {
  it('edits the target images matched by kind, name and container, and nothing else', () => {
    const plan = planPromotion(plainEnv('staging'), plainEnv('production'), { app: 'web' });
    expect(plan.images).toEqual([
      {
        resource: 'Deployment/web',
        container: 'migrate',
        from: 'registry.local/web-migrate:v1',
        to: 'registry.local/web-migrate:v2',
      },
      {
        resource: 'Deployment/web',
        container: 'web',
        from: 'registry.local/web:v1',
        to: 'registry.local/web:v2',
      },
      {
        resource: 'Deployment/web',
        container: 'sidecar',
        from: `registry.local/proxy@sha256:${'0'.repeat(64)}`,
        to: `registry.local/proxy@sha256:${'1'.repeat(64)}`,
      },
    ]);
    expect(plan.edits.map((e) => [e.path.join('.'), e.line])).toEqual([
      ['spec.template.spec.initContainers.0.image', 18],
      ['spec.template.spec.containers.0.image', 21],
      ['spec.template.spec.containers.1.image', 26],
    ]);
    // The api Deployment does not belong to app web: untouched.
    expect(plan.edits.some((e) => e.resource === 'Deployment/api')).toBe(false);
    expect(renderPlan(plan)).toContain(
      'plain/production/web.yaml:21  Deployment/web  spec.template.spec.containers.0.image: registry.local/web:v1 -> registry.local/web:v2',
    );
  });

  it('keeps every other byte of the file (comments, quotes, flow maps, sequence indentation)', () => {
    const before = read('plain/production/web.yaml');
    const plan = planPromotion(plainEnv('staging'), plainEnv('production'), { app: 'web' });
    const after = applyEdits(before, plan.edits);
    const expected = before
      .replace('"registry.local/web:v1"', '"registry.local/web:v2"')
      .replace('web-migrate:v1', 'web-migrate:v2')
      .replace(`proxy@sha256:${'0'.repeat(64)}`, `proxy@sha256:${'1'.repeat(64)}`);
    expect(after).toBe(expected);
    // Promoting again changes nothing.
    const again = planPromotion(plainEnv('staging'), plainEnv('production', after), { app: 'web' });
    expect(again.edits).toEqual([]);
  });

  it('without an app filter every workload of the folder is promoted', () => {
    const plan = planPromotion(plainEnv('staging'), plainEnv('production'));
    expect(plan.images.map((i) => `${i.resource}:${i.container}`)).toContain('Deployment/api:api');
  });

  it('an app with no manifest in the folder is an UnknownApp error', () => {
    try {
      planPromotion(plainEnv('staging'), plainEnv('production'), { app: 'nope' });
      expect.unreachable();
    } catch (e) {
      expect(isPromoteError(e, 'UnknownApp')).toBe(true);
      expect((e as Error).message).toContain("no manifest of app 'nope' in plain/staging");
    }
  });

  it('names the file and line of invalid YAML', () => {
    const bad = plainEnv('production', 'apiVersion: v1\nkind: [\n');
    expect(() => planPromotion(plainEnv('staging'), bad)).toThrow(/plain\/production\/web\.yaml:\d+: /);
  });
});

describe('planPromotion: --all', () => {
  it('promotes the whole spec but namespace, names and replicas', () => {
    const plan = planPromotion(plainEnv('staging'), plainEnv('production'), { app: 'web', mode: 'all' });
    const paths = plan.edits.map((e) => `${e.op} ${e.path.join('.')}`);
    expect(paths).toContain('set spec.template.spec.containers.0.env.0.value');
    expect(paths).toContain('set spec.template.spec.containers.0.env.1');
    expect(paths.some((p) => p.includes('replicas') || p.includes('metadata.namespace'))).toBe(false);
    const out = docs(
      applyPlanToFiles(
        new Map([['plain/production/web.yaml', read('plain/production/web.yaml')]]),
        plan.edits,
      ).get('plain/production/web.yaml') ?? '',
    );
    const web = out[0];
    expect(web.metadata.namespace).toBe('production');
    expect(web.spec.replicas).toBe(3);
    expect(web.spec.template.spec.containers[0].env).toEqual([
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'FEATURE_X', value: 'on' },
    ]);
    expect(web.spec.template.spec.containers[0].image).toBe('registry.local/web:v2');
    expect(plan.images.map((i) => i.container).sort()).toEqual(['migrate', 'sidecar', 'web']);
  });

  it('leaves fields listed in .gantry/promote.yaml and in the promote-ignore annotation', () => {
    const config = parsePromoteConfig('ignore:\n  - /spec/template/spec/containers/*/env\n');
    const plan = planPromotion(plainEnv('staging'), plainEnv('production'), {
      app: 'web',
      mode: 'all',
      config,
    });
    expect(plan.edits.some((e) => e.path.includes('env'))).toBe(false);
    expect(plan.edits.length).toBe(3); // the three images

    const annotated = read('plain/production/web.yaml').replace(
      '  labels: {app: web}\nspec:\n  replicas: 3',
      '  labels: {app: web}\n  annotations:\n    gantry.dev/promote-ignore: /spec/template/spec/initContainers, /spec/template/spec/containers/0/env\nspec:\n  replicas: 3',
    );
    const p2 = planPromotion(plainEnv('staging'), plainEnv('production', annotated), {
      app: 'web',
      mode: 'all',
    });
    expect(p2.edits.map((e) => e.path.join('.')).sort()).toEqual([
      'spec.template.spec.containers.0.image',
      'spec.template.spec.containers.1.image',
    ]);
  });

  it('kind/name rules only apply to their object; bad config is named', () => {
    const config = parsePromoteConfig(
      'ignore:\n  - kind: Deployment\n    name: api\n    jsonPointers: [/spec/template/spec/containers]\n',
    );
    const plan = planPromotion(plainEnv('staging'), plainEnv('production'), { mode: 'all', config });
    expect(plan.edits.some((e) => e.resource === 'Deployment/api')).toBe(false);
    expect(plan.edits.some((e) => e.resource === 'Deployment/web')).toBe(true);
    expect(() => parsePromoteConfig('ignore: [spec/replicas]')).toThrow(
      /ignore\[0\]: "spec\/replicas" is not a JSON pointer/,
    );
    expect(() => parsePromoteConfig('ignore: 3')).toThrow(/"ignore" must be a list/);
  });

  it('reports objects that exist in the source only', () => {
    const extra = `${read('plain/staging/web.yaml')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-flags\ndata: {a: "1"}\n`;
    const plan = planPromotion(plainEnv('staging', extra), plainEnv('production'), {
      app: 'web',
      mode: 'all',
    });
    expect(plan.skipped).toEqual([
      'ConfigMap/web-flags exists in staging only (plain/staging/web.yaml): not promoted',
    ]);
  });
});

describe('planPromotion: kustomize overlays', () => {
  it("edits the overlay's images entries (newTag, digest) and adds missing ones", () => {
    const plan = planPromotion(kustomizeEnv('staging'), kustomizeEnv('production'));
    expect(plan.images).toEqual([
      {
        resource: 'kustomization images',
        container: 'registry.local/web',
        from: 'registry.local/web:v1',
        to: 'registry.local/web:v2',
      },
      {
        resource: 'kustomization images',
        container: 'registry.local/worker',
        to: `registry.local/worker@sha256:${'2'.repeat(64)}`,
      },
    ]);
    const file = 'kustomize/overlays/production/kustomization.yaml';
    const before = read(file);
    const after = applyEdits(before, plan.edits);
    expect(after).toContain('newTag: v2 # production tag');
    expect(after).toContain('# production pins');
    expect(parse(after).images).toEqual([
      { name: 'registry.local/web', newTag: 'v2' },
      { name: 'registry.local/worker', digest: `sha256:${'2'.repeat(64)}` },
    ]);
    expect(after.split('\n').find((l) => l.includes('name: registry.local/worker'))).toBe(
      '- name: registry.local/worker',
    );
    expect(
      planPromotion(kustomizeEnv('staging'), {
        ...kustomizeEnv('production'),
        kustomization: { file, text: after },
      }).edits,
    ).toEqual([]);
  });

  it('switching from a tag to a digest removes the tag', () => {
    const src = kustomizeEnv('staging');
    const text = (src.kustomization?.text ?? '').replace(
      'newTag: v2 # staging tag',
      `digest: sha256:${'3'.repeat(64)}`,
    );
    const plan = planPromotion({ ...src, kustomization: { file: 'k', text } }, kustomizeEnv('production'));
    expect(plan.edits.filter((e) => e.path[1] === 0).map((e) => `${e.op} ${e.path.join('.')}`)).toEqual([
      'delete images.0.newTag',
      'set images.0.digest',
    ]);
  });

  it('refuses to mix an overlay and a plain folder', () => {
    expect(() => planPromotion(kustomizeEnv('staging'), plainEnv('production'))).toThrow(
      /cannot promote between a kustomize overlay \(staging: kustomize\/overlays\/staging\) and a plain folder/,
    );
  });
});

describe('applyEdits', () => {
  it('keeps other documents verbatim when one is re-printed, and matches quoting styles', () => {
    const text = "a: 'x' # c1\n---\nb:\n  - k: 1\n---\n# tail doc\nc: plain\n";
    const out = applyEdits(text, [
      { file: 'f', doc: 0, path: ['a'], op: 'set', old: 'x', new: "it's", line: 1, resource: 'r' },
      { file: 'f', doc: 1, path: ['b', 0, 'n'], op: 'set', new: { z: 1 }, line: 3, resource: 'r' },
      { file: 'f', doc: 2, path: ['c'], op: 'set', old: 'plain', new: 'a: b', line: 7, resource: 'r' },
    ]);
    expect(out).toBe(
      "a: 'it''s' # c1\n---\nb:\n  - k: 1\n    n:\n      z: 1\n---\n# tail doc\nc: \"a: b\"\n",
    );
  });

  it('fails clearly when the parent of an edit is gone', () => {
    expect(() =>
      applyEdits('a: 1\n', [
        { file: 'f', doc: 0, path: ['x', 'y', 'z'], op: 'set', new: { q: 1 }, line: 1, resource: 'r' },
      ]),
    ).toThrow(/f:1: cannot edit x\.y\.z: its parent is missing/);
  });
});
