// Short handles for the resources controllers use: `R.pods`, `R.deployments`, …
import { RESOURCES, type ResourceInfo } from '../api/resources.js';

function byPlural(group: string, plural: string): ResourceInfo {
  const info = RESOURCES.find((r) => r.group === group && r.plural === plural);
  if (!info) {
    throw new Error(`unknown resource ${group}/${plural}`);
  }
  return info;
}

export const R = {
  namespaces: byPlural('', 'namespaces'),
  nodes: byPlural('', 'nodes'),
  pods: byPlural('', 'pods'),
  services: byPlural('', 'services'),
  endpoints: byPlural('', 'endpoints'),
  configmaps: byPlural('', 'configmaps'),
  secrets: byPlural('', 'secrets'),
  serviceaccounts: byPlural('', 'serviceaccounts'),
  events: byPlural('', 'events'),
  resourcequotas: byPlural('', 'resourcequotas'),
  deployments: byPlural('apps', 'deployments'),
  replicasets: byPlural('apps', 'replicasets'),
  daemonsets: byPlural('apps', 'daemonsets'),
  statefulsets: byPlural('apps', 'statefulsets'),
  controllerrevisions: byPlural('apps', 'controllerrevisions'),
  jobs: byPlural('batch', 'jobs'),
  leases: byPlural('coordination.k8s.io', 'leases'),
  rollouts: byPlural('argoproj.io', 'rollouts'),
  applications: byPlural('argoproj.io', 'applications'),
} as const;
