/**
 * For this folder's tests: a CA, the node's certificate files, a stand-in cloudhub built with the real
 * transport (records upgrades and every frame per connection), a stand-in certificate server, and an edge
 * (edgehub + recording meta and edged modules in a beehive runtime with a fake clock) on a real SQLite file.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { newMessage, parseFrame, type KubeEdgeMessage } from '../../api/index.js';
import { DEFAULT_EDGECORE_CONFIG, type EdgeCoreConfig, type EdgeHubConfig } from '../../api/config/index.js';
import { createFakeClock, createRuntime, type FakeClock, type Module, type ModuleContext, type Runtime } from '../../beehive/index.js';
import { createCA, issueCert, signCsr, type CertKeyPair } from '../../platform/certs/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { MetricsRegistry } from '../../platform/metrics/index.js';
import { openEdgeDb, type EdgeDb } from '../../platform/store/index.js';
import { createFrameServer, dialFrameServer, type FrameConnection, type FrameServer, type UpgradeInfo } from '../../platform/transport/index.js';
import { createEdgeHubModule } from './edgehub.js';
import type { EdgeHubModule } from './types.js';

export const NODE = 'edge-1';
export let dir = '';
export let cloud: FrameServer;
export const upgrades: UpgradeInfo[] = [];
export const conns: { conn: FrameConnection; frames: KubeEdgeMessage[] }[] = [];
export let files = { caFile: '', certFile: '', keyFile: '' };
export let ca: CertKeyPair;
export let serverCert: CertKeyPair;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, cond: () => boolean, clock?: FakeClock, stepMs = 250): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    if (clock !== undefined) await clock.advance(stepMs);
    await sleep(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Advance fake time and let real I/O run. */
export async function tick(clock: FakeClock, ms: number): Promise<void> {
  await clock.advance(ms);
  await sleep(30);
}

/** Creates the CA, the node's files and the stand-in cloudhub; call from `before`. */
export async function setupHubTestEnv(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'edgehub-'));
  ca = await createCA('test-ca');
  const srv = await issueCert(ca, { commonName: 'KubeEdge', ipAddresses: ['127.0.0.1'], usage: 'server' });
  serverCert = srv;
  const cli = await issueCert(ca, { commonName: `system:node:${NODE}`, organizations: ['system:nodes'], usage: 'client' });
  files = { caFile: join(dir, 'rootCA.crt'), certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
  writeFileSync(files.caFile, ca.certPem);
  writeFileSync(files.certFile, cli.certPem);
  writeFileSync(files.keyFile, cli.keyPem, { mode: 0o600 });
  cloud = await createFrameServer({
    host: '127.0.0.1',
    port: 0,
    tls: { caPem: ca.certPem, certPem: srv.certPem, keyPem: srv.keyPem },
    verifyUpgrade: (info) => {
      upgrades.push(info);
      return { ok: true };
    },
    onConnection: (conn) => {
      const entry = { conn, frames: [] as KubeEdgeMessage[] };
      conn.onFrame((data) => entry.frames.push(parseFrame(data)));
      conns.push(entry);
    },
  });
}

/** Call from `after`. */
export async function teardownHubTestEnv(): Promise<void> {
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });
}

export const CERT_JWT = 'h.p.s';

/** A stand-in for cloudhub's certificate server: /ca.crt, and /edge.crt by join token or client certificate. */
export async function startCertServer(): Promise<{ url: string; seen: { peerCN: string; auth: string | undefined }[]; close(): Promise<void> }> {
  const seen: { peerCN: string; auth: string | undefined }[] = [];
  const https = createServer({ cert: serverCert.certPem, key: serverCert.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/ca.crt') return void res.end(new X509Certificate(ca.certPem).raw);
      const sock = req.socket as TLSSocket;
      const cn = sock.authorized ? sock.getPeerCertificate().subject?.CN : undefined;
      const peerCN = typeof cn === 'string' ? cn : '';
      seen.push({ peerCN, auth: req.headers['authorization'] });
      if (req.headers['authorization'] !== `Bearer ${CERT_JWT}` && peerCN !== `system:node:${String(req.headers['nodename'])}`) {
        return void res.writeHead(401).end('token expired');
      }
      signCsr(ca, Buffer.concat(chunks).toString('utf8'), { usage: 'client' }).then(
        (pem) => res.end(new X509Certificate(pem).raw),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(https.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => https.close(() => resolve())),
  };
}

export interface Probe {
  readonly module: Module<KubeEdgeMessage>;
  readonly got: KubeEdgeMessage[];
  ctx(): ModuleContext<KubeEdgeMessage>;
}

export function probe(name: string, group: string): Probe {
  let c: ModuleContext<KubeEdgeMessage> | undefined;
  const got: KubeEdgeMessage[] = [];
  return {
    got,
    ctx: () => {
      assert.ok(c);
      return c;
    },
    module: {
      name,
      group,
      start(ctx) {
        c = ctx;
        void (async () => {
          for await (const m of ctx.receive()) got.push(m);
        })();
        return Promise.resolve();
      },
      stop: () => Promise.resolve(),
    },
  };
}

export interface Edge {
  hub: EdgeHubModule;
  rt: Runtime<KubeEdgeMessage>;
  meta: Probe;
  edged: Probe;
  clock: FakeClock;
  db: EdgeDb;
  metrics: MetricsRegistry;
  gate: { offline: boolean };
  stop(): Promise<void>;
}

export async function startEdge(dbFile: string, offline = false, hubConfig: Partial<EdgeHubConfig> = {}): Promise<Edge> {
  const base = DEFAULT_EDGECORE_CONFIG;
  const config: EdgeCoreConfig = {
    ...base,
    modules: {
      ...base.modules,
      edgeHub: {
        ...base.modules.edgeHub,
        tlsCaFile: files.caFile,
        tlsCertFile: files.certFile,
        tlsPrivateKeyFile: files.keyFile,
        rotateCertificates: false,
        websocket: { ...base.modules.edgeHub.websocket, server: `127.0.0.1:${cloud.port}`, handshakeTimeout: 5 },
        ...hubConfig,
      },
    },
  };
  const clock = createFakeClock(Date.now());
  const db = openEdgeDb(dbFile);
  const metrics = new MetricsRegistry();
  const gate = { offline };
  const hub = createEdgeHubModule(
    { config, db, log: silentLogger(), metrics, nodeName: NODE },
    { clock, random: () => 0.5, dial: (o) => (gate.offline ? Promise.reject(new Error('offline')) : dialFrameServer(o)) },
  );
  const meta = probe('metamanager', 'meta');
  const edged = probe('edged', 'edged');
  const rt = createRuntime<KubeEdgeMessage>({ modules: [hub, meta.module, edged.module], log: silentLogger(), clock });
  await rt.start();
  return {
    hub, rt, meta, edged, clock, db, metrics, gate,
    stop: async () => {
      await rt.stop();
      db.close();
    },
  };
}

export const upMsg = (operation: string, resource: string, content: unknown, sync = false): KubeEdgeMessage =>
  newMessage({ source: 'edged', group: 'meta', operation, resource, content, sync });

export const lastConn = (): { conn: FrameConnection; frames: KubeEdgeMessage[] } => {
  const c = conns.at(-1);
  assert.ok(c);
  return c;
};
export const nonKeepalive = (frames: KubeEdgeMessage[]): KubeEdgeMessage[] => frames.filter((f) => f.route.operation !== 'keepalive');
export const connEvents = (p: Probe): unknown[] => p.got.filter((m) => m.route.resource === 'node/connection').map((m) => m.content);
