export { createMetaManagerModule, REMOTE_CONCURRENCY } from './metamanager.js';
export { CONNECTION_LOST } from './from-edged.js';
