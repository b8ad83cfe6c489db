export { createCriRuntime, CriRuntimeErrorCode, type CriRuntimeOptions } from './cri-runtime.js';
export { DEFAULT_BACKOFF as DEFAULT_CRI_BACKOFF, type BackoffPolicy } from './backoff.js';
