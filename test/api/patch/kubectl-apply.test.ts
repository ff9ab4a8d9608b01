// The strategic merge patch `kubectl apply` (client-side) sends for a Deployment whose image and
// replicas changed and whose container lost an env entry, written by hand the way kubectl's
// three-way merge (last-applied vs new manifest vs live) produces it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyPatch } from '../../../src/api/patch/index.js';
import type { KObject } from '../../../src/api/types.js';
import { deepFreeze, lookup } from './helpers.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function fixture(name: string): KObject {
  return parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')) as KObject;
}

describe('kubectl apply three-way patch on a Deployment', () => {
  const live = deepFreeze(fixture('deployment-live.yaml'));
  const manifest = fixture('deployment-v2.yaml');
  // kubectl records the new manifest (with an empty annotations map added) as last-applied.
  const lastApplied = JSON.stringify({ ...manifest, metadata: { ...manifest.metadata, annotations: {} } });

  // What the patch must produce: the live object with exactly the three changes.
  function expected(): KObject {
    const want = structuredClone(live) as KObject;
    want.metadata.annotations = { ...want.metadata.annotations, [LAST_APPLIED]: lastApplied };
    want.spec.replicas = 3;
    want.spec.template.spec.containers[0].image = 'nginx:1.2';
    want.spec.template.spec.containers[0].env = [{ name: 'B', value: '2' }];
    return want;
  }

  const patches: { name: string; patch: unknown }[] = [
    {
      name: 'as in the brief (order directive for containers only)',
      patch: {
        spec: {
          replicas: 3,
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'web' }],
              containers: [{ image: 'nginx:1.2', name: 'web', env: [{ $patch: 'delete', name: 'A' }] }],
            },
          },
        },
        metadata: { annotations: { [LAST_APPLIED]: lastApplied } },
      },
    },
    {
      name: 'with the env order directive kubectl adds when an env entry goes',
      patch: {
        metadata: { annotations: { [LAST_APPLIED]: lastApplied } },
        spec: {
          replicas: 3,
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'web' }],
              containers: [
                {
                  '$setElementOrder/env': [{ name: 'B' }],
                  env: [{ $patch: 'delete', name: 'A' }],
                  image: 'nginx:1.2',
                  name: 'web',
                },
              ],
            },
          },
        },
      },
    },
  ];

  it.each(patches)('$name', ({ patch }) => {
    const out = applyPatch('application/strategic-merge-patch+json', live, JSON.stringify(patch), { lookup });
    expect(out).toEqual(expected());
    // server-set fields survive; the last-applied annotation now records the new manifest
    expect(out.spec.template.spec.containers[0].terminationMessagePath).toBe('/dev/termination-log');
    expect(JSON.parse(out.metadata.annotations?.[LAST_APPLIED] ?? '{}').spec.replicas).toBe(3);
  });

  it('applying the same patch again changes nothing', () => {
    const body = JSON.stringify(patches[0]?.patch);
    const once = applyPatch('application/strategic-merge-patch+json', live, body, { lookup });
    const twice = applyPatch('application/strategic-merge-patch+json', once, body, { lookup });
    expect(twice).toEqual(once);
  });
});
