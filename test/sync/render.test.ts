import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { globMatcher } from '../../src/sync/glob.js';
import { parseFieldPath, parseManifests, renderManifests } from '../../src/sync/render.js';
import { formatManifestError } from '../../src/sync/types.js';

const root = fileURLToPath(new URL('./testdata/render', import.meta.url));

describe('parseManifests', () => {
  it('splits multi-document files and records the line of each document and field', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# b\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  k: v\n';
    const { objects, errors } = parseManifests(text, 'x.yaml');
    expect(errors).toEqual([]);
    expect(objects.map((o) => [o.obj.metadata.name, o.line])).toEqual([
      ['a', 1],
      ['b', 7],
    ]);
    expect(objects[1]?.lineOf?.(['data', 'k'])).toBe(12);
    expect(objects[1]?.lineOf?.(['data', 'missing'])).toBe(11);
  });

  it('names file:line:col for a YAML syntax error and skips empty documents', () => {
    const { objects, errors } = parseManifests(
      '---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n',
      'bad.yaml',
    );
    expect(objects).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(formatManifestError(errors[0]!)).toMatch(/^bad\.yaml:\d+:\d+: /);
  });

  it('rejects duplicate keys and documents without kind', () => {
    const dup = parseManifests(
      'apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\n',
      'd.yaml',
    );
    expect(dup.errors[0]?.line).toBe(3);
    const nokind = parseManifests('apiVersion: v1\nmetadata: {name: a}\n', 'k.yaml');
    expect(formatManifestError(nokind.errors[0]!)).toBe('k.yaml:1: kind: Required value');
  });

  it('parses field paths of validation causes', () => {
    expect(parseFieldPath('spec.template.spec.containers[0].image')).toEqual([
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'image',
    ]);
  });
});

describe('renderManifests', () => {
  it('reads a directory (not recursive by default), flattening Lists, in file order', async () => {
    const r = await renderManifests(root, { path: 'app' });
    expect(r.sourceType).toBe('Directory');
    expect(r.errors).toEqual([]);
    expect(r.objects.map((o) => `${o.file}:${o.line}:${o.obj.kind}/${o.obj.metadata.name}`)).toEqual([
      'app/list.json:5:ConfigMap/one',
      'app/list.json:6:ConfigMap/two',
      'app/web.yaml:2:Deployment/web',
      'app/web.yaml:18:Service/web',
    ]);
  });

  it('recurses and honours include/exclude globs', async () => {
    const all = await renderManifests(root, { path: 'app', recurse: true });
    expect(all.objects.map((o) => o.obj.metadata.name)).toContain('nested');
    const onlyYaml = await renderManifests(root, { path: 'app', recurse: true, include: '*.yaml' });
    expect(onlyYaml.objects.map((o) => o.file)).toEqual([
      'app/sub/nested.yaml',
      'app/web.yaml',
      'app/web.yaml',
    ]);
    const noSub = await renderManifests(root, { path: 'app', recurse: true, exclude: '{sub/*,list.json}' });
    expect(noSub.objects.map((o) => o.obj.metadata.name)).toEqual(['web', 'web']);
  });

  it('renders a kustomization with kubectl kustomize', async () => {
    const r = await renderManifests(root, { path: 'kustom' });
    expect(r.sourceType).toBe('Kustomize');
    expect(r.errors).toEqual([]);
    expect(r.objects.map((o) => o.obj.metadata.name)).toEqual(['prod-settings']);
  });

  it('a missing path or one leaving the repository is an error', async () => {
    expect((await renderManifests(root, { path: 'nope' })).errors[0]?.message).toContain('does not exist');
    expect((await renderManifests(root, { path: '../..' })).errors[0]?.message).toContain(
      'leaves the repository',
    );
  });
});

describe('globMatcher', () => {
  it('matches like Argo CD include/exclude patterns', () => {
    expect(globMatcher('*.yaml')('a.yaml')).toBe(true);
    expect(globMatcher('*.yaml')('sub/a.yaml')).toBe(true);
    expect(globMatcher('sub/*')('sub/a.yaml')).toBe(true);
    expect(globMatcher('sub/*')('other/a.yaml')).toBe(false);
    expect(globMatcher('**/*.json')('a/b/c.json')).toBe(true);
    expect(globMatcher('{config.json,env/*}')('env/x.yaml')).toBe(true);
    expect(globMatcher('{config.json,env/*}')('x.yaml')).toBe(false);
  });
});
