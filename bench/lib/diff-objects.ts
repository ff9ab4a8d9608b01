// Objects for the diff benchmark: Deployments and Services as they sit in git, and their live
// copies as the API server holds them after a sync (defaults from the real admission defaulting,
// server metadata, allocated IPs, the last-applied annotation, tracking metadata, controller
// annotations and status). Every 100th resource differs between the two.
import { applyDefaults } from '../../src/api/defaults/index.js';
import type { KObject } from '../../src/api/types.js';
import { LAST_APPLIED_KUBECTL, TRACKING_ANNOTATION, TRACKING_LABEL } from '../../src/diff/index.js';

const NS = 'bench';

function desiredDeployment(i: number): KObject {
  const name = `svc-${i}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, tier: 'backend' }, annotations: { owner: 'team-a' } },
    spec: {
      replicas: 2 + (i % 3),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'backend' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `registry.local/${name}:1.${i % 10}.0`,
              ports: [{ name: 'http', containerPort: 8080 }],
              env: [
                { name: 'LOG_LEVEL', value: 'info' },
                { name: 'SERVICE_NAME', value: name },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              ],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
            },
            { name: 'metrics', image: 'registry.local/exporter:0.9', args: ['--port', '9100'] },
          ],
        },
      },
    },
  };
}

function desiredService(i: number): KObject {
  const name = `svc-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { app: name } },
    spec: {
      selector: { app: name },
      ports: [
        { name: 'http', port: 80, targetPort: 'http' },
        { name: 'metrics', port: 9100, targetPort: 9100 },
      ],
    },
  };
}

function liveOf(desired: KObject, i: number): KObject {
  const applied = structuredClone(desired);
  applied.metadata.namespace = NS;
  applied.metadata.labels = { ...applied.metadata.labels, [TRACKING_LABEL]: 'bench-app' };
  applied.metadata.annotations = {
    ...applied.metadata.annotations,
    [TRACKING_ANNOTATION]: `bench-app:${applied.kind}:${NS}/${applied.metadata.name}`,
  };
  const live = structuredClone(applied);
  live.metadata.annotations = {
    ...live.metadata.annotations,
    [LAST_APPLIED_KUBECTL]: JSON.stringify(applied),
  };
  applyDefaults(live);
  Object.assign(live.metadata, {
    uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    resourceVersion: String(1000 + i),
    generation: 1,
    creationTimestamp: '2026-11-22T00:00:00Z',
    managedFields: [
      { manager: 'gantry', operation: 'Update', apiVersion: live.apiVersion, time: '2026-11-22T00:00:00Z' },
    ],
  });
  if (live.kind === 'Deployment') {
    live.metadata.annotations!['deployment.kubernetes.io/revision'] = '1';
    live.status = {
      observedGeneration: 1,
      replicas: live.spec.replicas,
      readyReplicas: live.spec.replicas,
      availableReplicas: live.spec.replicas,
      updatedReplicas: live.spec.replicas,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    };
  } else {
    const ip = `10.96.${(i >> 8) & 255}.${i & 255}`;
    Object.assign(live.spec, {
      clusterIP: ip,
      clusterIPs: [ip],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    });
    live.status = { loadBalancer: {} };
  }
  return live;
}

export interface DiffInput {
  readonly desired: KObject[];
  readonly live: KObject[];
  /** How many resources differ (one in a hundred). */
  readonly changed: number;
}

/** `count` resources (half Deployments, half Services); 1 % of desired differs from live. */
export function diffInput(count: number): DiffInput {
  const desired: KObject[] = [];
  const live: KObject[] = [];
  let changed = 0;
  for (let r = 0; r < count; r++) {
    const i = r >> 1;
    const d = r % 2 === 0 ? desiredDeployment(i) : desiredService(i);
    live.push(liveOf(d, i));
    // one in a hundred: a Deployment's image in one block of 100, a Service's port in the next
    if (r % 100 === (r % 200 < 100 ? 50 : 51)) {
      changed++;
      if (d.kind === 'Deployment') {
        d.spec.template.spec.containers[0].image = `registry.local/svc-${i}:2.0.0`;
      } else {
        d.spec.ports[1].targetPort = 9200;
      }
    }
    desired.push(d);
  }
  return { desired, live, changed };
}
