export { createSyncControllerModule, type SyncControllerConfig } from './module.js';
export { reconcileSync, RecentSends, KIND_RESOURCE_TYPES, type SyncAction, type ReconcileLookups } from './reconcile.js';
