// OpenAPI v3 documents, one per served group-version, plus the `/openapi/v3` root that lists them.
// kubectl reads these to decide that the server validates fields itself (a `fieldValidation`
// parameter on each kind's PATCH operation tagged with x-kubernetes-group-version-kind) and for
// `kubectl explain`. Documents are built once and cached with their hash.
import { createHash } from 'node:crypto';
import { RESOURCES } from '../resources.js';
import type { ObjectSchema } from './dsl.js';
import { listSchema } from './meta.js';
import { resourcePaths } from './openapi-paths.js';
import { Components, type Json } from './openapi-schema.js';
import { resourceSchema } from './registry.js';

function buildDocument(group: string, version: string): Json | undefined {
  const infos = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (infos.length === 0) {
    return undefined;
  }
  const c = new Components();
  const paths: Record<string, Json> = {};
  for (const info of infos) {
    const schema: ObjectSchema | undefined = resourceSchema(info.group, info.version, info.kind);
    if (!schema) {
      throw new Error(`no schema for ${info.group}/${info.version} ${info.kind}`);
    }
    const kindRef = c.of(schema);
    const listRef = c.of(listSchema(schema));
    Object.assign(paths, resourcePaths(info, kindRef, listRef, c));
  }
  c.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Patch'] = {
    type: 'object',
    description:
      'A JSON, merge, strategic-merge or apply patch document; its shape depends on the content type.',
  };
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  const sortedSchemas = Object.fromEntries(Object.entries(c.schemas).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.0.0',
    info: { title: 'Gantry', version: `${group === '' ? 'core' : group}/${version}` },
    paths: sortedPaths,
    components: {
      schemas: sortedSchemas,
      securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
}

interface Built {
  doc: Json;
  json: string;
  hash: string;
}

const cache = new Map<string, Built | null>();

function built(group: string, version: string): Built | undefined {
  const key = `${group}/${version}`;
  let b = cache.get(key);
  if (b === undefined) {
    const doc = buildDocument(group, version);
    if (doc) {
      const json = JSON.stringify(doc);
      b = { doc, json, hash: createHash('sha512').update(json).digest('hex').toUpperCase() };
    } else {
      b = null;
    }
    cache.set(key, b);
  }
  return b ?? undefined;
}

/** The key of a group-version in the `/openapi/v3` root: `api/v1` or `apis/<group>/<version>`. */
export function openApiV3PathKey(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The OpenAPI v3 document of a served group-version (cached), or undefined if not served. */
export function openApiV3GroupVersion(group: string, version: string): Json | undefined {
  return built(group, version)?.doc;
}

/** The serialized document and its hash (for `?hash=`, ETag and immutable caching). */
export function openApiV3GroupVersionJson(
  group: string,
  version: string,
): { json: string; hash: string } | undefined {
  const b = built(group, version);
  return b ? { json: b.json, hash: b.hash } : undefined;
}

/** The `/openapi/v3` discovery document: where each group-version's document lives. */
export function openApiV3Root(servedGroupVersions: readonly { group: string; version: string }[]): {
  paths: Record<string, { serverRelativeURL: string }>;
} {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of servedGroupVersions) {
    const b = built(group, version);
    if (b) {
      const key = openApiV3PathKey(group, version);
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${b.hash}` };
    }
  }
  return { paths };
}
