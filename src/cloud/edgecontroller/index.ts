export { createEdgeControllerModule, type EdgeControllerConfig } from './module.js';
export { downstreamMessage, isEdgeNode } from './downstream.js';
export { podRefs, podServiceAccount } from './pod-refs.js';
