/** Helpers for edge module tests: a real edge db in a temp dir, probe modules, polling. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newMessage, type KubeEdgeMessage } from '../../api/index.js';
import { DEFAULT_EDGECORE_CONFIG, type EdgeCoreConfig } from '../../api/config/index.js';
import { deferred, type Deferred } from '../../base/index.js';
import type { ModuleContext } from '../../beehive/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { MetricsRegistry } from '../../platform/metrics/index.js';
import { openEdgeDb } from '../../platform/store/index.js';
import { CONNECTION_OPERATION, CONNECTION_RESOURCE, type EdgeModule, type EdgeModuleDeps } from '../common/index.js';

export function tempEdgeDir(): { dir: string; dbPath: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'edge-mod-'));
  return { dir, dbPath: join(dir, 'edgecore.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function edgeDeps(dbPath: string, patch: (c: EdgeCoreConfig) => EdgeCoreConfig = (c) => c): EdgeModuleDeps {
  return {
    config: patch(DEFAULT_EDGECORE_CONFIG),
    db: openEdgeDb(dbPath),
    log: silentLogger(),
    metrics: new MetricsRegistry(),
    nodeName: 'edge-1',
  };
}

/** A module that records its inbox and lets a handler answer; its ctx is exposed once started. */
export interface Probe {
  readonly module: EdgeModule;
  readonly received: KubeEdgeMessage[];
  readonly ready: Promise<ModuleContext<KubeEdgeMessage>>;
  ctx(): ModuleContext<KubeEdgeMessage>;
}

export function probe(name: string, group: string, onMessage?: (msg: KubeEdgeMessage, ctx: ModuleContext<KubeEdgeMessage>) => void): Probe {
  const received: KubeEdgeMessage[] = [];
  const ready: Deferred<ModuleContext<KubeEdgeMessage>> = deferred();
  let current: ModuleContext<KubeEdgeMessage> | undefined;
  let loop: Promise<void> | undefined;
  return {
    received,
    ready: ready.promise,
    ctx: () => {
      if (current === undefined) throw new Error(`probe ${name} not started`);
      return current;
    },
    module: {
      name,
      group,
      start(ctx) {
        current = ctx;
        loop = (async () => {
          for await (const msg of ctx.receive()) {
            received.push(msg);
            onMessage?.(msg, ctx);
          }
        })();
        ready.resolve(ctx);
        return Promise.resolve();
      },
      async stop() {
        await loop;
      },
    },
  };
}

/** Polls `cond` until it holds (every few ms, up to `timeoutMs` of real time). */
export async function waitFor<T>(what: string, cond: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Lets queued microtasks and a few macrotasks run. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

export function connectionMessage(state: 'connected' | 'disconnected'): KubeEdgeMessage {
  return newMessage({ source: 'edgehub', group: 'meta', operation: CONNECTION_OPERATION, resource: CONNECTION_RESOURCE, content: state });
}

export function cloudMessage(operation: string, resource: string, content: unknown, rv = '1'): KubeEdgeMessage {
  return newMessage({ source: 'edgecontroller', group: 'resource', operation, resource, content, resourceVersion: rv });
}

export function podObject(name: string, uid: string, nodeName = 'edge-1', extra: { annotations?: Record<string, string>; restartPolicy?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid, resourceVersion: '10', ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }) },
    spec: { nodeName, containers: [{ name: 'c1', image: 'busybox:1' }], ...(extra.restartPolicy === undefined ? {} : { restartPolicy: extra.restartPolicy }) },
    status: { phase: 'Pending' },
  };
}
