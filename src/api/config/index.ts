export * from './cloudcore.js';
export * from './edgecore.js';
export { validateCloudCoreConfig, validateEdgeCoreConfig, parseDurationSeconds, type ValidationResult } from './validate.js';
