// Defaults of Namespace, Secret and Application.
import type { KObject } from '../types.js';
import { fill, obj } from './pod.js';

export function defaultNamespace(o: KObject): void {
  fill(obj(o, 'spec'), 'finalizers', ['kubernetes']);
  fill(obj(o, 'status'), 'phase', 'Active');
  // Kubernetes labels every namespace with its own name so selectors can pick namespaces by name.
  if (typeof o.metadata?.name === 'string' && o.metadata.name !== '') {
    fill(obj(o.metadata, 'labels'), 'kubernetes.io/metadata.name', o.metadata.name);
  }
}

export function defaultSecret(o: KObject): void {
  fill(o, 'type', 'Opaque');
}

export function defaultApplication(o: KObject): void {
  if (typeof o.spec === 'object' && o.spec !== null && !Array.isArray(o.spec)) {
    fill(o.spec, 'project', 'default');
  }
}
