export { createProcessRuntime, type ProcessRuntimeOptions } from './process-runtime.js';
export { DEFAULT_BACKOFF, type Backoff } from './container-process.js';
