// src/cluster/scheduler: places pending pods on nodes. A pure planner (filters, scoring,
// spreading) over an incrementally kept per-node account, and a thin runner that binds through
// the Client. It must not start, stop or evict pods, nor change replica counts.
export * from './cache.js';
export * from './plan.js';
export * from './scheduler.js';
export * from './taints.js';
