// src/cluster/registry: Kubernetes REST semantics (admission, metadata, deletion, watch,
// subresources) over a Store, shared by the HTTP API server and the in-process client.
// Must not know about HTTP, git or containers.
export * from './admission.js';
export { quotaStatusUsed } from './quota.js';
export * from './registry.js';
export { allocateServiceAddresses, DEFAULT_SERVICE_NETWORK, type ServiceNetwork } from './service-alloc.js';
export * from './subresources.js';
export * from './watch.js';
