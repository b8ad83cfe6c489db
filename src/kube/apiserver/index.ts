export { ApiServer, SERVER_VERSION, type ApiServerOptions, type ApiServerTls } from './server.js';
export { ObjectService, type WriteOptions } from './objects.js';
export { ResourceRegistry } from './registry.js';
export { BUILTIN_RESOURCES, groupVersion, objectKey, resourcePrefix, type ResourceInfo } from './resources.js';
export { ApiError, apiErrors, statusObject, toApiError } from './status.js';
export { loadTokenFile, type UserInfo } from './auth.js';
export { newTokenKeyPem } from './service-account-token.js';
