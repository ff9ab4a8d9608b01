// Who may do what. Admins (system:masters) may do everything; node agents (system:nodes)
// may read everything and write only what a kubelet writes. Pure.
import type { ResourceInfo } from '../../api/resources.js';

export interface UserInfo {
  readonly user: string;
  readonly groups: readonly string[];
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

const NODE_WRITES: Record<string, readonly Verb[]> = {
  '/nodes': ['create', 'update', 'patch'],
  '/nodes/status': ['update', 'patch'],
  '/pods': ['delete', 'create'],
  '/pods/status': ['update', 'patch'],
  '/events': ['create', 'update', 'patch'],
  'coordination.k8s.io/leases': ['create', 'update', 'patch'],
};

export function authorize(user: UserInfo, verb: Verb, info: ResourceInfo, subresource?: string): boolean {
  if (user.groups.includes('system:masters')) {
    return true;
  }
  if (user.groups.includes('system:nodes')) {
    if (verb === 'get' || verb === 'list' || verb === 'watch') {
      return true;
    }
    const key = `${info.group}/${info.plural}${subresource ? `/${subresource}` : ''}`;
    return NODE_WRITES[key]?.includes(verb) ?? false;
  }
  return false;
}
