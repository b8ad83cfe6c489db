/**
 * For this folder's tests: the real embedded API server (plain HTTP, SQLite in a temp dir), a beehive
 * runtime with the real cloudhub on 127.0.0.1 (port 0) and two recording modules in the places of
 * edgecontroller and synccontroller, a fake clock for cloudhub's timers, an in-memory success-point
 * store, and edge clients that dial with certificates from the hub's CA.
 */
import { DEFAULT_CLOUDCORE_CONFIG, type CloudHubConfig } from '../../api/config/index.js';
import type { KubeEdgeMessage } from '../../api/index.js';
import { createFakeClock, createRuntime, type FakeClock, type Runtime } from '../../beehive/index.js';
import type { KubeClient } from '../../kube/client/index.js';
import { issueCert } from '../../platform/certs/index.js';
import { MetricsRegistry } from '../../platform/metrics/index.js';
import { dialFrameServer, type FrameConnection } from '../../platform/transport/index.js';
import { CloudModule as Names } from '../common/index.js';
import { recordingModule, startApiServerEnv, until } from '../common/test-env.js';
import { ensureHubPki, type HubPki } from './hub-pki.js';
import type { SyncPointStore } from './hub.js';
import { createCloudHubModule, type CloudHubModule } from './module.js';

export class MemorySyncPoints implements SyncPointStore {
  readonly saved = new Map<string, string>();
  readonly saves: { node: string; obj: Parameters<SyncPointStore['save']>[1] }[] = [];
  readonly removes: { node: string; namespace: string | null; uid: string }[] = [];

  acknowledged(node: string, namespace: string | null, uid: string): string | undefined {
    return this.saved.get(`${node}/${namespace ?? ''}/${uid}`);
  }

  async save(node: string, obj: Parameters<SyncPointStore['save']>[1]): Promise<void> {
    this.saves.push({ node, obj });
    this.saved.set(`${node}/${obj.namespace ?? ''}/${obj.uid}`, obj.resourceVersion);
  }

  async remove(node: string, namespace: string | null, uid: string): Promise<void> {
    this.removes.push({ node, namespace, uid });
    this.saved.delete(`${node}/${namespace ?? ''}/${uid}`);
  }

  async forgetNode(node: string): Promise<number> {
    const mine = [...this.saved.keys()].filter((k) => k.startsWith(`${node}/`));
    for (const k of mine) this.saved.delete(k);
    return mine.length;
  }
}

export interface Edge {
  readonly conn: FrameConnection;
  /** Every frame received, decoded. */
  readonly got: KubeEdgeMessage[];
  send(msg: unknown): Promise<void>;
  closed: number | undefined;
}

export interface HubEnv {
  readonly client: KubeClient;
  readonly hub: CloudHubModule;
  readonly pki: HubPki;
  readonly clock: FakeClock;
  readonly metrics: MetricsRegistry;
  readonly syncPoints: MemorySyncPoints;
  readonly runtime: Runtime<KubeEdgeMessage>;
  /** What the stand-ins for edgecontroller and synccontroller received. */
  readonly edgecontroller: KubeEdgeMessage[];
  readonly synccontroller: KubeEdgeMessage[];
  /** Dials as `system:node:<node>` (or the given CN), with node_id `<node>` unless headers say otherwise. */
  dial(node: string, opts?: { cn?: string; headers?: Record<string, string>; path?: string }): Promise<Edge>;
  /** A downstream message into cloudhub's inbox, as edgecontroller sends it. */
  down(msg: KubeEdgeMessage): void;
  until(pred: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHubEnv(overrides: Partial<CloudHubConfig> = {}): Promise<HubEnv> {
  const api = await startApiServerEnv('ke-cloudhub-');
  const { client, informers, log, dir } = api;
  const metrics = new MetricsRegistry();
  const clock = createFakeClock(1_800_000_000_000);
  const syncPoints = new MemorySyncPoints();
  const config: CloudHubConfig = {
    ...DEFAULT_CLOUDCORE_CONFIG.modules.cloudHub,
    websocket: { enable: true, address: '127.0.0.1', port: 0 },
    https: { enable: true, address: '127.0.0.1', port: 0 },
    ...overrides,
  };
  const hub = createCloudHubModule(config, { client, informers, log, metrics, dataDir: dir, syncPoints, clock });
  const edgecontroller: KubeEdgeMessage[] = [];
  const synccontroller: KubeEdgeMessage[] = [];
  const runtime = createRuntime<KubeEdgeMessage>({ modules: [recordingModule(Names.EdgeController, edgecontroller), recordingModule(Names.SyncController, synccontroller), hub], log });
  await runtime.start();
  const pki = await ensureHubPki(config, dir);
  const edges: Edge[] = [];

  return {
    client,
    hub,
    pki,
    clock,
    metrics,
    syncPoints,
    runtime,
    edgecontroller,
    synccontroller,
    until: (pred, what, timeoutMs) => until(pred, what, timeoutMs, 5),
    down: (msg) => runtime.router.send(Names.CloudHub, msg),
    async dial(node, opts = {}) {
      const cert = await issueCert(pki.ca, { commonName: opts.cn ?? `system:node:${node}`, organizations: ['system:nodes'], usage: 'client' });
      const conn = await dialFrameServer({
        url: `wss://127.0.0.1:${hub.ports().websocket}${opts.path ?? `/e632aba927ea4ac2b575ec1603d56f10/${node}/events`}`,
        tls: { caPem: pki.ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem },
        headers: opts.headers ?? { Node_id: node, Project_id: 'e632aba927ea4ac2b575ec1603d56f10', ConnectionUse: 'msg' },
        handshakeTimeoutMs: 5000,
      });
      const edge: Edge = {
        conn,
        got: [],
        send: (msg) => conn.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
        closed: undefined,
      };
      conn.onFrame((f) => {
        if (typeof f === 'string') edge.got.push(JSON.parse(f) as KubeEdgeMessage);
      });
      conn.onClose((code) => (edge.closed = code));
      edges.push(edge);
      return edge;
    },
    async close() {
      for (const e of edges) e.conn.terminate();
      await runtime.stop();
      await api.close();
    },
  };
}
