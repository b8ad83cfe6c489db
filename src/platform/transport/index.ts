export * from './types.js';
export { createFrameServer, TransportListenFailed } from './server.js';
export { dialFrameServer } from './dial.js';
export { DEFAULT_HARD_MAX_FRAME_BYTES, HUB_CIPHERS, HUB_MIN_TLS_VERSION, HUB_SERVER_SECURE_OPTIONS } from './tls-options.js';
export { EDGE_DEFLATE_OFFER, HUB_DEFLATE_ACCEPT, HUB_DEFLATE_CLIENT_WINDOW_BITS, HUB_DEFLATE_CONCURRENCY } from './deflate-options.js';
