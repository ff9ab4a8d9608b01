// coordination.k8s.io/v1 Lease (node heartbeats, leader election).
import { int32, obj, str, time } from './dsl.js';
import { kindSchema } from './meta.js';

export const lease = kindSchema(
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
  'io.k8s.api.coordination.v1.Lease',
  {
    spec: obj(
      {
        holderIdentity: str(),
        leaseDurationSeconds: int32(),
        acquireTime: time(),
        renewTime: time(),
        leaseTransitions: int32(),
        strategy: str(),
        preferredHolder: str(),
      },
      { name: 'io.k8s.api.coordination.v1.LeaseSpec' },
    ),
  },
  'A lease held by one holder for a duration (node heartbeats, leader election).',
);
