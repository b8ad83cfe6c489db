/**
 * The Kubernetes client of kubeedge-ts: the only code that imports `@kubernetes/client-node`.
 * Controllers, the scheduler and cloudcore import from here, never from the package itself.
 */
export * from './types.js';
export {
  KubeApiError,
  TransportReasons,
  errorFromStatus,
  isAborted,
  isAlreadyExists,
  isConflict,
  isGone,
  isInvalid,
  isNotFound,
  isResourceVersionTooLarge,
  isRetryable,
  type KubeStatusCause,
} from './errors.js';
export { RESOURCES, apiVersionOf, collectionPath, keyOf, objectKey, objectPath, resourceRef, splitKey, type ResourceRef } from './resources.js';
export {
  KubeConnection,
  withQueryString,
  type HttpMethod,
  type KubeConnectionInit,
  type KubeConnectionOptions,
  type KubeRequest,
  type KubeResponse,
  type QueryParams,
  type TlsOptions,
  type WatchStreamOptions,
} from './connection.js';
export {
  KubeClient,
  PATCH_CONTENT_TYPES,
  WATCH_TIMEOUT_SECONDS,
  type CallOptions,
  type DeleteOptions,
  type KubeClientOptions,
  type ListOptions,
  type ListPage,
  type ListWatch,
  type PatchOptions,
  type PatchType,
  type PropagationPolicy,
  type SelectorOptions,
  type WatchOptions,
  type WriteOptions,
} from './client.js';
export { InformerCache, type IndexFunc } from './informer-cache.js';
export {
  SharedInformer,
  clockSleep,
  type AddHandler,
  type DeleteHandler,
  type InformerErrorSite,
  type InformerStats,
  type SharedInformerOptions,
  type UpdateHandler,
} from './informer.js';
export { InformerFactory, dropManagedFields, type InformerFactoryOptions, type ListWatchProvider } from './informer-factory.js';
export { WorkQueue, runWorkers, type RunWorkersOptions, type WorkQueueOptions } from './workqueue.js';
export { EventRecorder, rfc3339, type EventKind, type EventRecorderOptions, type EventRecorderStats } from './events.js';
