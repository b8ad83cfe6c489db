export { createEdgeHubModule } from './edgehub.js';
export type { EdgeHubModule, EdgeHubOptions, EdgeHubStats } from './types.js';
export { bootstrapCertificates, needsBootstrap, type BootstrapOptions, type NeedsBootstrapOptions } from './bootstrap.js';
export { parseJoinToken, type JoinToken } from './join-token.js';
export { renewCertificate, rotationDelayMs } from './rotation.js';
export { EdgeHubErrorCode } from './errors.js';
export { CONNECTION_LOST, RESEND_AFTER_MS } from './upstream.js';
export { MAX_MESSAGE_BYTES } from './downstream.js';
