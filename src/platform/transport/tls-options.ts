/**
 * TLS settings shared by both ends of the hub channel: KubeEdge's (TLS ≥ 1.2, ECDHE-ECDSA with AES-GCM or
 * ChaCha20 only; every key in the project is ECDSA P-256).
 */
import { constants } from 'node:crypto';

export const HUB_MIN_TLS_VERSION = 'TLSv1.2' as const;

/** TLS 1.3 suites (all AEAD) and the TLS 1.2 ECDHE-ECDSA AEAD suites, in order of preference. */
export const HUB_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
].join(':');

/** Default hard cap per frame (64 MiB); bigger frames close the socket with 1009. */
export const DEFAULT_HARD_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * OpenSSL options of the hub's TLS server. No session tickets: edges do not resume sessions (every
 * dial is a full handshake), and issuing tickets cost ~8 KB of native memory per idle connection.
 */
export const HUB_SERVER_SECURE_OPTIONS = constants.SSL_OP_NO_TICKET;
