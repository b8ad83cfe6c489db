export { createEdgeControllerModule, type EdgeControllerConfig } from './module.js';
export { downstreamMessage, isEdgeNode } from './downstream.js';
export { podRefs, podServiceAccount } from '../common/index.js';
