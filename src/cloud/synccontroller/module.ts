/**
 * The synccontroller module: every resyncPeriod seconds it walks the ObjectSync and
 * ClusterObjectSync caches and sends cloudhub the deletes and updates a node missed (see
 * reconcile.ts), and removes the syncs of nodes that no longer exist. A (uid, resourceVersion)
 * sent within the last 30 s is not sent again.
 */
import { Group, Operation, Source, cloudObjectResource, newMessage } from '../../api/index.js';
import { errorMessage, sleep } from '../../base/index.js';
import { RESOURCES, dropManagedFields, isNotFound, type KubeObject, type SharedInformer, type V1Pod } from '../../kube/client/index.js';
import {
  CLUSTER_OBJECT_SYNCS,
  CloudGroup,
  CloudModule as CloudModuleName,
  OBJECT_SYNCS,
  POD_NODE_INDEX,
  RefKind,
  markUnassign,
  podNodeIndex,
  podRefs,
  refKey,
  type CloudModule,
  type CloudModuleDeps,
} from '../common/index.js';
import { RecentSends, reconcileSync, type SyncAction } from './reconcile.js';

export interface SyncControllerConfig {
  /** Seconds between passes (KubeEdge: 5). */
  readonly resyncPeriod: number;
  /** How long a sent (uid, resourceVersion) is not sent again (default 30 s). */
  readonly resendWindowMs?: number;
}

export function createSyncControllerModule(config: SyncControllerConfig, deps: CloudModuleDeps): CloudModule {
  const sent = deps.metrics.counter('kubeedge_synccontroller_sent_total', 'Messages synccontroller sent to cloudhub, by operation.');
  const dropped = deps.metrics.counter('kubeedge_synccontroller_syncs_removed_total', 'ObjectSyncs removed because their node is gone.');
  let loops: Promise<unknown>[] = [];

  return {
    name: CloudModuleName.SyncController,
    group: CloudGroup.SyncController,
    async start(ctx) {
      const log = ctx.log;
      const inf = deps.informers;
      const syncs = inf.informer(OBJECT_SYNCS);
      const clusterSyncs = inf.informer(CLUSTER_OBJECT_SYNCS);
      const byKind: Readonly<Record<string, SharedInformer<KubeObject>>> = {
        Pod: inf.informer(RESOURCES.pods),
        ConfigMap: inf.informer(RESOURCES.configmaps),
        Secret: inf.informer(RESOURCES.secrets),
        Service: inf.informer(RESOURCES.services),
        Endpoints: inf.informer(RESOURCES.endpoints),
        Node: inf.informer(RESOURCES.nodes),
      };
      const nodes = inf.informer(RESOURCES.nodes);
      const pods = inf.informer(RESOURCES.pods);
      if (!pods.hasIndex(POD_NODE_INDEX)) pods.addIndex(POD_NODE_INDEX, podNodeIndex);
      const usedOnNode = (kind: 'ConfigMap' | 'Secret', namespace: string, name: string, node: string): boolean => {
        const key = refKey(kind === 'ConfigMap' ? RefKind.ConfigMap : RefKind.Secret, namespace, name);
        return pods.byIndex(POD_NODE_INDEX, node).some((p: V1Pod) => podRefs(p).includes(key));
      };
      const recent = new RecentSends(config.resendWindowMs ?? 30_000);
      const all = [syncs, clusterSyncs, ...Object.values(byKind)];

      const act = async (a: SyncAction): Promise<void> => {
        if (a.kind === 'drop-sync') {
          try {
            await deps.client.delete(a.namespace === null ? CLUSTER_OBJECT_SYNCS : OBJECT_SYNCS, a.namespace ?? undefined, a.name, { signal: ctx.signal, timeoutMs: 15_000 });
            dropped.inc();
            log.info({ sync: a.name }, 'objectsync of a deleted node removed');
          } catch (err) {
            if (!isNotFound(err)) log.warn({ sync: a.name, err: errorMessage(err) }, 'objectsync not removed');
          }
          return;
        }
        const rv = a.kind === 'update' ? a.resourceVersion : 'delete';
        const key = `${a.node}|${a.uid}|${rv}`;
        if (recent.has(key)) return;
        const meta = a.object.metadata ?? {};
        const built = newMessage({
          source: Source.SyncController,
          group: Group.Resource,
          operation: a.kind === 'update' ? Operation.Update : Operation.Delete,
          resource: cloudObjectResource(a.node, meta.namespace === undefined || meta.namespace === '' ? null : meta.namespace, a.resourceType, meta.name ?? ''),
          content: dropManagedFields(a.object),
          ...(a.kind === 'update' ? { resourceVersion: a.resourceVersion } : {}),
          ...(a.kind === 'delete' && a.unassign === true && meta.resourceVersion !== undefined ? { resourceVersion: meta.resourceVersion } : {}),
        });
        const msg = a.kind === 'delete' && a.unassign === true ? markUnassign(built) : built;
        try {
          ctx.send(CloudModuleName.CloudHub, msg);
        } catch (err) {
          // cloudhub busy or gone: the next pass tries again
          log.debug({ node: a.node, err: errorMessage(err) }, 'sync message not sent');
          return;
        }
        recent.add(key);
        sent.inc({ operation: msg.route.operation });
      };

      const pass = async (): Promise<void> => {
        recent.prune();
        const lookups = {
          nodeExists: (name: string) => nodes.get(undefined, name) !== undefined,
          object: (kind: string, namespace: string | null, name: string) => byKind[kind]?.get(namespace ?? undefined, name),
          usedOnNode,
        };
        for (const s of [...syncs.list(), ...clusterSyncs.list()]) {
          if (ctx.signal.aborted) return;
          const a = reconcileSync(s, lookups);
          if (a !== undefined) await act(a);
        }
      };

      const run = async (): Promise<void> => {
        try {
          await Promise.all(all.map((i) => i.synced));
        } catch {
          return; // stopped before the caches filled
        }
        log.info('synccontroller caches synced');
        while (!ctx.signal.aborted) {
          try {
            await pass();
          } catch (err) {
            log.warn({ err: errorMessage(err) }, 'synccontroller pass failed');
          }
          await sleep(Math.max(0.05, config.resyncPeriod) * 1000, ctx.signal).catch(() => undefined);
        }
      };

      const inbox = (async (): Promise<void> => {
        // connected / disconnected events may arrive; each pass covers every node, so nothing is needed
        for await (const _msg of ctx.receive()) {
          /* ignored */
        }
      })();
      loops = [run(), inbox];
      for (const l of loops) l.catch((err: unknown) => ctx.fail(err));
    },
    async stop() {
      await Promise.allSettled(loops);
      loops = [];
    },
  };
}
