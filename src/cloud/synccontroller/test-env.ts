/**
 * For this folder's tests: the real embedded API server (plain HTTP on 127.0.0.1, SQLite in a temp
 * dir), a KubeClient and informer factory, and a beehive runtime where a small module plays
 * cloudhub and records what it receives. The ObjectSync CRDs are installed first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeEdgeMessage } from '../../api/index.js';
import { createRuntime, type Runtime } from '../../beehive/index.js';
import { ApiServer } from '../../kube/apiserver/index.js';
import { InformerFactory, KubeClient, KubeConnection } from '../../kube/client/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { MetricsRegistry } from '../../platform/metrics/index.js';
import { openSqliteStore } from '../../platform/store/index.js';
import { CloudModule as Names, ensureReliableSyncCrds, type CloudModule, type CloudModuleDeps } from '../common/index.js';

export interface TestEnv {
  readonly client: KubeClient;
  readonly informers: InformerFactory;
  readonly metrics: MetricsRegistry;
  readonly runtime: Runtime<KubeEdgeMessage>;
  /** Everything the fake cloudhub received, in order. */
  readonly hub: KubeEdgeMessage[];
  /** Sends `msg` to module `to` as cloudhub would. */
  send(to: string, msg: KubeEdgeMessage): void;
  /** Polls until `pred` holds (5 s by default). */
  until(pred: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestEnv(make: (deps: CloudModuleDeps) => CloudModule[]): Promise<TestEnv> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ke-cloud-'));
  const log = silentLogger();
  const store = openSqliteStore({ path: path.join(dir, 'state.db'), checkpoints: 'inline' });
  const server = new ApiServer({ store, log, host: '127.0.0.1', port: 0, anonymousAllowed: true });
  const { port } = await server.start();
  const client = new KubeClient(new KubeConnection({ server: `http://127.0.0.1:${port}` }));
  await ensureReliableSyncCrds(client);
  const informers = new InformerFactory(client);
  const metrics = new MetricsRegistry();
  const hub: KubeEdgeMessage[] = [];
  const fakeHub: CloudModule = {
    name: Names.CloudHub,
    group: Names.CloudHub,
    async start(ctx) {
      void (async () => {
        for await (const m of ctx.receive()) hub.push(m);
      })();
    },
    async stop() {},
  };
  const modules = [fakeHub, ...make({ client, informers, log, metrics })];
  const runtime = createRuntime<KubeEdgeMessage>({ modules, log });
  await runtime.start();
  const abort = new AbortController();
  informers.start(abort.signal);
  return {
    client,
    informers,
    metrics,
    runtime,
    hub,
    send: (to, msg) => runtime.router.send(to, msg),
    async until(pred, what, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await runtime.stop();
      abort.abort();
      await informers.stop();
      client.close();
      await server.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
