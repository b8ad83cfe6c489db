/**
 * WebSocket permessage-deflate (RFC 7692) between our own edge and cloud. KubeEdge's Go edgecore does
 * not offer the extension, so the server only accepts it and plain connections keep working.
 *
 * Upstream (edge → cloud) is mostly small, repetitive frames (Lease renewals, status patches): the
 * edge compresses every frame (threshold 0) with context takeover, so a renewal that differs from the
 * previous one only in timestamps and ids shrinks to a few dozen bytes. The window is small (2^10
 * bytes), which bounds the cloud's per-connection inflate memory.
 *
 * Downstream (cloud → edge) goes uncompressed: the server never compresses its own frames
 * (WsFrameConnection `compressSends: false`, and the threshold below as a backstop). Measured in the
 * hub benchmark (heap snapshot, `zlib_memory`), a server-side deflate + inflate pair held ~85 KB of
 * native memory per connection for as long as the connection lives (ws resets its streams but never
 * frees them), nearly all of it the deflate stream whatever memLevel says (Node's bundled zlib most
 * likely sizes its hash table for SIMD hashing). The server-side inflate stream (2^10 window) costs
 * ~14 KB per connection (hub RSS per node 82.7 KB without deflate, 97.0 KB with it, N=1000).
 *
 * The server requires the offer to carry `client_max_window_bits` (our dial sends it) and answers with
 * its own cap; an offer without it (e.g. gorilla/websocket's) is declined and the connection runs
 * uncompressed.
 */
import type { PerMessageDeflateOptions } from 'ws';

/** log2 of the LZ77 window the edge may use when compressing (the cloud inflates with this window). */
export const HUB_DEFLATE_CLIENT_WINDOW_BITS = 10;
/** log2 of the window the cloud would use for its own frames (it compresses none, see above). */
export const HUB_DEFLATE_SERVER_WINDOW_BITS = 10;
/** Frames the cloud sends below this size would go uncompressed: in effect, none is compressed. */
export const HUB_DEFLATE_SERVER_THRESHOLD = Number.MAX_SAFE_INTEGER;
/**
 * zlib operations in flight per process (ws keeps one limiter per process, set by the first
 * connection's options). Every operation costs an event-loop turn, so with ws's default of 10 a busy
 * cloudcore (embedded control plane) inflated only ~10 frames per turn and pod dispatch latency rose
 * from p50 0.2 s to 3.7 s at 1000 nodes in the hub benchmark.
 */
export const HUB_DEFLATE_CONCURRENCY = 128;
/** zlib output chunk per stream; below 4 KiB Node takes it from the shared buffer pool. */
const ZLIB_CHUNK_BYTES = 1024;

/** What dialFrameServer offers. */
export const EDGE_DEFLATE_OFFER: PerMessageDeflateOptions = {
  clientMaxWindowBits: HUB_DEFLATE_CLIENT_WINDOW_BITS,
  serverNoContextTakeover: true,
  clientNoContextTakeover: false,
  threshold: 0,
  concurrencyLimit: HUB_DEFLATE_CONCURRENCY,
  zlibDeflateOptions: { level: 6, memLevel: 4, chunkSize: ZLIB_CHUNK_BYTES },
  zlibInflateOptions: { chunkSize: ZLIB_CHUNK_BYTES },
};

/** What createFrameServer accepts. */
export const HUB_DEFLATE_ACCEPT: PerMessageDeflateOptions = {
  clientMaxWindowBits: HUB_DEFLATE_CLIENT_WINDOW_BITS,
  serverMaxWindowBits: HUB_DEFLATE_SERVER_WINDOW_BITS,
  serverNoContextTakeover: true,
  clientNoContextTakeover: false,
  threshold: HUB_DEFLATE_SERVER_THRESHOLD,
  concurrencyLimit: HUB_DEFLATE_CONCURRENCY,
  zlibDeflateOptions: { level: 6, memLevel: 2, chunkSize: ZLIB_CHUNK_BYTES },
  zlibInflateOptions: { chunkSize: ZLIB_CHUNK_BYTES },
};
