/**
 * Product entry points the channel tests and the hub benchmark use, in one place (so a change of
 * contract is adapted here once):
 *   src/platform/transport   dialFrameServer({ url, tls, headers, handshakeTimeoutMs }) → FrameConnection
 *   src/cmd/edgecore/run.ts  startEdgecore(config, { log, metrics? }) → { stop(), nodeName, hub }
 *   src/edge/edgehub         bootstrapCertificates({ httpServer, token, nodeName, caFile, certFile, keyFile })
 */
import { startEdgecore, type RunningEdgecore } from '../../src/cmd/edgecore/run.js';
import { bootstrapCertificates } from '../../src/edge/edgehub/index.js';
import { dialFrameServer } from '../../src/platform/transport/index.js';

export type { EdgeHubStats as HubStats } from '../../src/edge/edgehub/index.js';
export type EdgecoreInstance = RunningEdgecore;
export type StartEdgecore = typeof startEdgecore;
export type BootstrapCertificates = typeof bootstrapCertificates;
export type DialFrameServer = typeof dialFrameServer;

export function loadStartEdgecore(): Promise<StartEdgecore> {
  return Promise.resolve(startEdgecore);
}

export function loadBootstrapCertificates(): Promise<BootstrapCertificates> {
  return Promise.resolve(bootstrapCertificates);
}

export function loadDialFrameServer(): Promise<DialFrameServer> {
  return Promise.resolve(dialFrameServer);
}
