// src/observe: what operators watch — the process's one Prometheus registry (prom-client) with
// the metric definitions every part reports into (API server, work queues, sync, rollouts,
// kubelet), and the redaction that keeps secrets out of logs and metric labels. It holds no
// cluster logic and does no I/O of its own: the API server and the agent serve metricsText().
export * from './api-metrics.js';
export * from './kubelet-metrics.js';
export * from './metrics.js';
export * from './redact.js';
export * from './rollout-metrics.js';
export * from './sync-metrics.js';
export * from './workqueue-metrics.js';
