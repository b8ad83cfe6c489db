export { createCloudHubModule, type CloudHubModule, type CloudHubTuning } from './module.js';
export { ensureHubPki, HubErrorCode, type HubPki } from './hub-pki.js';
export { createJoinToken, splitJoinToken, verifyJoinToken, type JoinTokenCheck } from './join-token.js';
export { readJoinToken, writeJoinToken, TokenErrorCode } from './token-secret.js';
export type { SyncPointStore } from './hub.js';
