/**
 * For the cloud modules' tests: the real embedded API server in this process (plain HTTP on
 * 127.0.0.1, SQLite in a temp dir) with a KubeClient and informer factory on it, a module that
 * records what it receives, polling until a condition holds, and a beehive runtime of the modules
 * under test with a recorder in cloudhub's place.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeEdgeMessage } from '../../api/index.js';
import { createRuntime, type Runtime } from '../../beehive/index.js';
import { ApiServer } from '../../kube/apiserver/index.js';
import { InformerFactory, KubeClient, KubeConnection } from '../../kube/client/index.js';
import { silentLogger, type Logger } from '../../platform/log/index.js';
import { MetricsRegistry } from '../../platform/metrics/index.js';
import { openSqliteStore } from '../../platform/store/index.js';
import { CloudModule as CloudModuleName, ensureReliableSyncCrds, type CloudModule, type CloudModuleDeps } from './index.js';

export interface ApiServerEnv {
  /** The temp dir holding the API server's database; removed by close(). */
  readonly dir: string;
  readonly log: Logger;
  readonly client: KubeClient;
  readonly informers: InformerFactory;
  /** Aborted by close(); pass it to informers.start(). */
  readonly signal: AbortSignal;
  /** Stops the informers, the client and the server, and removes `dir`. */
  close(): Promise<void>;
}

/** Starts the API server on port 0 with its store in a new temp dir named `<prefix>XXXXXX`. */
export async function startApiServerEnv(prefix: string): Promise<ApiServerEnv> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const log = silentLogger();
  const store = openSqliteStore({ path: path.join(dir, 'state.db'), checkpoints: 'inline' });
  const server = new ApiServer({ store, log, host: '127.0.0.1', port: 0, anonymousAllowed: true });
  const { port } = await server.start();
  const client = new KubeClient(new KubeConnection({ server: `http://127.0.0.1:${port}` }));
  const informers = new InformerFactory(client);
  const abort = new AbortController();
  return {
    dir,
    log,
    client,
    informers,
    signal: abort.signal,
    async close() {
      abort.abort();
      await informers.stop();
      client.close();
      await server.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A module named (and grouped) `name` that appends every message it receives to `into`. */
export function recordingModule(name: string, into: KubeEdgeMessage[]): CloudModule {
  return {
    name,
    group: name,
    async start(ctx) {
      void (async () => {
        for await (const m of ctx.receive()) into.push(m);
      })();
    },
    async stop() {},
  };
}

/** Polls every `stepMs` until `pred` holds; throws after `timeoutMs`. */
export async function until(pred: () => boolean, what: string, timeoutMs = 5000, stepMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface ModuleTestEnv {
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

/**
 * The API server env with a beehive runtime of the modules `make` returns and a recording module in
 * cloudhub's place; the informers are started. `syncCrds` installs the ObjectSync CRDs first.
 */
export async function startModuleTestEnv(make: (deps: CloudModuleDeps) => CloudModule[], opts: { syncCrds?: boolean } = {}): Promise<ModuleTestEnv> {
  const api = await startApiServerEnv('ke-cloud-');
  const { client, informers, log } = api;
  if (opts.syncCrds === true) await ensureReliableSyncCrds(client);
  const metrics = new MetricsRegistry();
  const hub: KubeEdgeMessage[] = [];
  const modules = [recordingModule(CloudModuleName.CloudHub, hub), ...make({ client, informers, log, metrics })];
  const runtime = createRuntime<KubeEdgeMessage>({ modules, log });
  await runtime.start();
  informers.start(api.signal);
  return {
    client,
    informers,
    metrics,
    runtime,
    hub,
    send: (to, msg) => runtime.router.send(to, msg),
    until: (pred, what, timeoutMs) => until(pred, what, timeoutMs),
    async close() {
      await runtime.stop();
      await api.close();
    },
  };
}
