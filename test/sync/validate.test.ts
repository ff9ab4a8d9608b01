import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/sync/render.js';
import { formatManifestError } from '../../src/sync/types.js';
import { validateRevision } from '../../src/sync/validate.js';

function check(text: string, namespace?: string) {
  const parsed = parseManifests(text, 'manifests/staging/web.yaml');
  expect(parsed.errors).toEqual([]);
  const r = validateRevision(parsed.objects, { namespace });
  return { ...r, messages: r.errors.map(formatManifestError) };
}

const deployment = (replicas: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.25
`;

describe('validateRevision', () => {
  it('accepts valid manifests and fills the destination namespace on a copy', () => {
    const text = deployment('2');
    const r = check(text, 'staging');
    expect(r.messages).toEqual([]);
    expect(r.objects[0]?.obj.metadata.namespace).toBe('staging');
    expect(r.objects[0]?.obj.spec.strategy).toBeUndefined(); // not defaulted: the server does that
  });

  it('names file, line and field for a wrong type and for an unknown field', () => {
    expect(check(deployment('"three"'), 'staging').messages).toEqual([
      expect.stringMatching(/^manifests\/staging\/web\.yaml:6: spec\.replicas: Invalid value: "string"/),
    ]);
    const unknown = deployment('2').replace('      containers:', '      containerz: []\n      containers:');
    const msgs = check(unknown, 'staging').messages;
    expect(msgs[0]).toMatch(
      /^manifests\/staging\/web\.yaml:13: spec\.template\.spec\.containerz: unknown field/,
    );
  });

  it('reports semantic errors with the line of the field', () => {
    const noImage = deployment('2').replace('          image: nginx:1.25\n', '');
    expect(check(noImage, 'staging').messages).toEqual([
      expect.stringMatching(
        /^manifests\/staging\/web\.yaml:14: spec\.template\.spec\.containers\[0\]\.image: Required value/,
      ),
    ]);
  });

  it('rejects duplicates, unknown kinds and namespaces on cluster-scoped kinds; allows Applications', () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata: { name: a, namespace: staging }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: a }
---
apiVersion: example.com/v1
kind: Widget
metadata: { name: w }
---
apiVersion: v1
kind: Namespace
metadata: { name: prod, namespace: staging }
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: child, namespace: gantry }
spec:
  project: default
  source: { repoURL: 'file:///x', path: child }
  destination: { server: 'https://kubernetes.default.svc', namespace: child }
`;
    const r = check(text, 'staging');
    expect(r.messages).toEqual([
      'manifests/staging/web.yaml:7: metadata.name: duplicate resource ConfigMap staging/a (also defined at manifests/staging/web.yaml:1)',
      expect.stringMatching(/^manifests\/staging\/web\.yaml:10: kind: unknown kind "Widget"/),
      'manifests/staging/web.yaml:15: metadata.namespace: Namespace is cluster-scoped and must not set a namespace',
    ]);
    expect(r.objects.some((o) => o.obj.kind === 'Application')).toBe(true);
  });
});
