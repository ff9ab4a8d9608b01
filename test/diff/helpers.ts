// Test helpers for src/diff: YAML fixtures, and "applying" objects through Gantry's real
// admission (Registry.create over a MemoryStore) so live copies carry the server's real
// defaults, stamped metadata, allocated addresses and generated selectors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { resourceFor } from '../../src/api/resources.js';
import type { KObject } from '../../src/api/types.js';
import { Registry } from '../../src/cluster/registry/index.js';
import { MemoryStore } from '../../src/cluster/store/index.js';
import { LAST_APPLIED_KUBECTL, TRACKING_ANNOTATION, TRACKING_LABEL } from '../../src/diff/index.js';

const TESTDATA = join(import.meta.dirname, 'testdata');

export function loadYaml(name: string): KObject[] {
  return parseAllDocuments(readFileSync(join(TESTDATA, name), 'utf8'))
    .map((d) => d.toJS() as KObject | null)
    .filter((d): d is KObject => d !== null);
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

export function find(objs: readonly KObject[], kind: string, name: string): KObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) {
    throw new Error(`no ${kind} ${name}`);
  }
  return o;
}

/** A throwaway control-plane registry with the namespaces it needs. */
export async function newRegistry(namespaces: readonly string[] = ['shop']): Promise<Registry> {
  const reg = new Registry({ store: new MemoryStore() });
  await reg.bootstrap();
  for (const name of namespaces) {
    await reg.create(resourceFor('v1', 'Namespace')!, undefined, { metadata: { name } });
  }
  return reg;
}

/**
 * What a Gantry sync stores for `manifests`: each object with the tracking label/annotation
 * and the last-applied annotation (the applied manifest, as kubectl keeps it), created through
 * the registry's full admission.
 */
export async function apply(
  reg: Registry,
  manifests: readonly KObject[],
  namespace = 'shop',
): Promise<KObject[]> {
  const out: KObject[] = [];
  for (const m of manifests) {
    const applied = clone(m);
    applied.metadata.labels = { ...applied.metadata.labels, [TRACKING_LABEL]: 'shop-app' };
    applied.metadata.annotations = {
      ...applied.metadata.annotations,
      [TRACKING_ANNOTATION]: `${applied.kind}:${namespace}/${applied.metadata.name}`,
    };
    const body = clone(applied);
    body.metadata.annotations = {
      ...body.metadata.annotations,
      [LAST_APPLIED_KUBECTL]: JSON.stringify(applied),
    };
    const info = resourceFor(m.apiVersion, m.kind);
    if (!info) {
      throw new Error(`kind ${m.kind} is not served`);
    }
    out.push(await reg.create(info, info.namespaced ? namespace : undefined, body));
  }
  return out;
}
