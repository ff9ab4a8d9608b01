// The objects a protobuf request body may carry, keyed "apiVersion Kind".
import { DAEMON_SET, DEPLOYMENT, REPLICA_SET, STATEFUL_SET } from './apps.js';
import { JOB } from './batch.js';
import { CONFIG_MAP, NAMESPACE, RESOURCE_QUOTA, SECRET, SERVICE, SERVICE_ACCOUNT } from './core.js';
import { POD } from './core-pod.js';
import type { MessageDesc } from './descriptor.js';

export const PROTOBUF_KINDS: ReadonlyMap<string, MessageDesc> = new Map([
  ['v1 Namespace', NAMESPACE],
  ['v1 ConfigMap', CONFIG_MAP],
  ['v1 Secret', SECRET],
  ['v1 ServiceAccount', SERVICE_ACCOUNT],
  ['v1 Service', SERVICE],
  ['v1 ResourceQuota', RESOURCE_QUOTA],
  ['v1 Pod', POD],
  ['apps/v1 Deployment', DEPLOYMENT],
  ['apps/v1 ReplicaSet', REPLICA_SET],
  ['apps/v1 DaemonSet', DAEMON_SET],
  ['apps/v1 StatefulSet', STATEFUL_SET],
  ['batch/v1 Job', JOB],
]);
