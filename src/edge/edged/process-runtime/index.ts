export { createProcessRuntime, PROCESS_RUNTIME_VERSION, type ProcessRuntimeOptions } from './process-runtime.js';
export { DEFAULT_BACKOFF, type Backoff } from './container-types.js';
