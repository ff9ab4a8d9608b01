// Inputs for the Deployment planner benchmark (pure): a Deployment of `replicas` pods with
// `revisions` ReplicaSets (one per image version, built the way the controller builds them) and
// their pods, either mid-rollout (pods spread over the newest revisions, part of the new ones not
// Ready yet) or converged (every pod in the newest ReplicaSet, the older ones at 0).
import type { KObject, Pod } from '../../src/api/types.js';
import { hashOf, newReplicaSetBody } from '../../src/rollout/common/replica-sets.js';
import { POD_TEMPLATE_HASH, planDeployment, REVISION } from '../../src/rollout/index.js';

export interface PlannerInput {
  readonly deployment: KObject;
  readonly replicaSets: KObject[];
  readonly pods: Pod[];
  readonly now: Date;
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function template(version: number): KObject['spec'] {
  return {
    metadata: { labels: { app: 'web' } },
    spec: {
      containers: [
        {
          name: 'web',
          image: `gantry.local/demo/web:v${version}`,
          ports: [{ name: 'http', containerPort: 80 }],
          readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
        },
      ],
    },
  };
}

/** Replica counts per revision (oldest first) summing to `replicas`. */
function spread(replicas: number, revisions: number, converged: boolean): number[] {
  if (converged) {
    return Array.from({ length: revisions }, (_, i) => (i === revisions - 1 ? replicas : 0));
  }
  // the new revision has 30 %, the previous one 50 %, the rest share 20 %
  const fresh = Math.round(replicas * 0.3);
  const prev = Math.round(replicas * 0.5);
  const rest = replicas - fresh - prev;
  const older = revisions - 2;
  const out = Array.from({ length: older }, (_, i) => Math.floor(rest / older) + (i < rest % older ? 1 : 0));
  return [...out, prev, fresh];
}

export function plannerInput(opts: {
  replicas: number;
  revisions: number;
  converged: boolean;
}): PlannerInput {
  const { replicas, revisions, converged } = opts;
  const now = new Date(T0 + 3600_000);
  const deployment: KObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'bench',
      uid: 'deploy-uid',
      generation: revisions,
      creationTimestamp: iso(T0),
      annotations: { [REVISION]: String(revisions) },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: template(revisions),
    },
  };
  const counts = spread(replicas, revisions, converged);
  const replicaSets: KObject[] = [];
  const pods: Pod[] = [];
  for (let r = 1; r <= revisions; r++) {
    const tpl = template(r);
    const hash = hashOf(tpl, POD_TEMPLATE_HASH);
    const n = counts[r - 1] ?? 0;
    const rs = newReplicaSetBody({
      owner: deployment,
      template: tpl,
      selector: deployment.spec.selector,
      hashLabel: POD_TEMPLATE_HASH,
      hash,
      replicas: n,
      annotations: { [REVISION]: String(r) },
    });
    rs.metadata.uid = `rs-uid-${r}`;
    rs.metadata.creationTimestamp = iso(T0 + r * 60_000);
    rs.status = { replicas: n, readyReplicas: n, availableReplicas: n, observedGeneration: 1 };
    replicaSets.push(rs);
    for (let i = 0; i < n; i++) {
      // mid-rollout, a third of the new revision's pods are not Ready yet
      const ready = converged || r < revisions || i % 3 !== 0;
      const start = T0 + r * 60_000 + i * 10;
      pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${rs.metadata.name}-${i.toString(36).padStart(5, '0')}`,
          namespace: 'bench',
          uid: `pod-${r}-${i}`,
          creationTimestamp: iso(start),
          labels: { app: 'web', [POD_TEMPLATE_HASH]: hash },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: rs.metadata.name ?? '',
              uid: rs.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: { ...structuredClone(tpl.spec), nodeName: `node-${i % 20}` },
        status: {
          phase: 'Running',
          podIP: `10.244.${r}.${i % 250}`,
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: iso(start) },
            { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: iso(start + 2000) },
          ],
        },
      } as Pod);
    }
  }
  if (converged) {
    // the Deployment as the controller left it: status and revision written
    for (let i = 0; i < 5; i++) {
      const plan = planDeployment(deployment, replicaSets, pods, now);
      const st = plan.actions.find((a) => a.kind === 'setStatus');
      if (st?.kind !== 'setStatus') {
        break;
      }
      deployment.status = structuredClone(st.status);
    }
  }
  return { deployment, replicaSets, pods, now };
}
