export { createEdgedModule, HOLLOW_RUNTIME_VERSION, type EdgedOptions } from './edged.js';
export { createPodRuntime, type ContainerStatusReport, type ObjectSource, type RuntimeImage, type PodPhase, type PodRuntime, type PodStatusReport, type RuntimeOptions } from './runtime.js';
export { createHollowRuntime, OUTCOME_ANNOTATION, RUN_MS_ANNOTATION } from './hollow-runtime.js';
export { readHostInfo, type HostInfo } from './host-info.js';
export { KUBELET_VERSION } from './node-object.js';
