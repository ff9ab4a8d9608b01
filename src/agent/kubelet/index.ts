// src/agent/kubelet: the node agent's kubelet — pod workers driven by pure planners (pod-plan.ts,
// pod-termination.ts, pod-status.ts), probes, volumes, env/argv and ContainerSpec building, the
// agent's log/exec endpoint, the API server's PodLogSource for it, and the Service/Endpoints feed of
// the service proxy and cluster DNS. It talks to images, runtime and network only through the
// contracts of ../types.ts and must not decide placement or replica counts.
export * from './agent-server.js';
export * from './backoff.js';
export * from './container-spec.js';
export * from './container-start.js';
export * from './env.js';
export * from './etc-files.js';
export * from './kubelet.js';
export * from './naming.js';
export * from './node-status.js';
export * from './pod-log-source.js';
export * from './pod-plan.js';
export * from './pod-status.js';
export * from './pod-worker.js';
export * from './probes.js';
export * from './service-sync.js';
export * from './volume-manager.js';
export * from './volumes.js';
