export type { Module, ModuleContext, RestartPolicy, RoutedMessage, RouterHandle } from './types.js';
export { BeehiveErrorCode } from './types.js';
export { Router, DEFAULT_INBOX_CAPACITY, DEFAULT_SYNC_TIMEOUT_MS, type RouterOptions } from './router.js';
export { createRuntime, type Runtime, type RuntimeOptions, type ModuleState } from './runtime.js';
export { startOrder } from './order.js';
export { createFakeClock, type FakeClock } from './fake-clock.js';
