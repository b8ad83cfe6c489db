export * from './types.js';
export { createFrameServer, TransportListenFailed } from './server.js';
export { dialFrameServer } from './dial.js';
export { DEFAULT_HARD_MAX_FRAME_BYTES, HUB_CIPHERS, HUB_MIN_TLS_VERSION } from './tls-options.js';
