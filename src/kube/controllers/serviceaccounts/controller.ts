/**
 * Kubernetes' serviceaccounts controller: every namespace has a `default` ServiceAccount, created
 * when the namespace appears and again if it is deleted. No token secrets: since Kubernetes 1.24
 * pods get projected tokens.
 */
import { KubeApiError, RESOURCES, WorkQueue, isAlreadyExists, isNotFound, runWorkers, type V1Namespace, type V1ServiceAccount } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export function createServiceAccountsController(): Controller {
  return { name: 'serviceaccounts-controller', start: (ctx, signal) => startServiceAccounts(ctx, signal) };
}

/** A namespace being deleted (or gone) gets nothing new. */
export function wantsDefaultServiceAccount(ns: V1Namespace | undefined): boolean {
  if (ns === undefined) return false;
  return ns.metadata?.deletionTimestamp === undefined && ns.status?.phase !== 'Terminating';
}

export function defaultServiceAccount(namespace: string): V1ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } };
}

async function startServiceAccounts(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const namespaces = ctx.informers.informer(RESOURCES.namespaces);
  const accounts = ctx.informers.informer(RESOURCES.serviceaccounts);
  const queue = new WorkQueue<string>({ name: 'serviceaccounts', clock: ctx.clock });
  namespaces.onAdd((ns) => queue.add(ns.metadata?.name ?? ''));
  namespaces.onUpdate((_o, ns) => queue.add(ns.metadata?.name ?? ''));
  accounts.onDelete((sa) => {
    if (sa.metadata?.name === DEFAULT_SERVICE_ACCOUNT) queue.add(sa.metadata.namespace ?? '');
  });
  signal.addEventListener('abort', () => queue.shutDown(), { once: true });

  const sync = async (namespace: string, s: AbortSignal): Promise<void> => {
    if (namespace === '' || !wantsDefaultServiceAccount(namespaces.get(undefined, namespace))) return;
    if (accounts.get(namespace, DEFAULT_SERVICE_ACCOUNT) !== undefined) return;
    try {
      await ctx.client.create(RESOURCES.serviceaccounts, defaultServiceAccount(namespace), { signal: s });
    } catch (err) {
      // already there (our cache lags), or the namespace went away or is terminating (403) meanwhile
      if (isAlreadyExists(err) || isNotFound(err) || (err instanceof KubeApiError && err.status === 403)) return;
      throw err;
    }
  };

  await Promise.all([namespaces.synced, accounts.synced]);
  if (signal.aborted) return;
  void runWorkers(queue, ctx.options.workers, sync, signal, {
    onError: (ns, err) => ctx.log.warn({ namespace: ns, err }, 'serviceaccounts sync failed; retrying'),
  });
}
