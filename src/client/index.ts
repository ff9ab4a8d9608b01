// src/client: the one Client interface (in-process and HTTP), informer caches and the work
// queue that every controller, the agent, sync and the CLI use. Knows no resource semantics.
export * from './controller.js';
export * from './http.js';
export * from './in-process.js';
export * from './informer.js';
export * from './informer-factory.js';
export * from './resources.js';
export * from './types.js';
export * from './workqueue.js';
