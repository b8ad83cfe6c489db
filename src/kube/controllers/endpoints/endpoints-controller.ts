/**
 * Kubernetes' endpoints controller: a core/v1 Endpoints object, named as its Service, listing the
 * addresses of the pods the Service selects (ready ones in `addresses`, the others in
 * `notReadyAddresses`). Services without a selector are left alone (their Endpoints are the
 * user's); the Endpoints of a deleted Service are deleted.
 */
import { RESOURCES, WorkQueue, isNotFound, objectKey, runWorkers, splitKey, type V1Endpoints, type V1Service } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { endpointSubsets, serviceSelector } from './compute.js';
import { serviceWatch } from './service-watch.js';

const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** Endpoints used as a leader-election lock carry this; they belong to no Service. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export function createEndpointsController(): Controller {
  return { name: 'endpoints-controller', start: (ctx, signal) => startEndpoints(ctx, signal) };
}

function desiredLabels(svc: V1Service): Record<string, string> {
  const labels: Record<string, string> = { ...svc.metadata?.labels };
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  return labels;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function startEndpoints(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const watch = serviceWatch(ctx);
  const endpoints = ctx.informers.informer(RESOURCES.endpoints);
  const queue = new WorkQueue<string>({ name: 'endpoints', clock: ctx.clock });
  watch.onChange((key) => queue.add(key));
  // someone deleted or edited our Endpoints: put them back
  endpoints.onDelete((e) => queue.add(objectKey(e)));
  endpoints.onUpdate((_o, e) => queue.add(objectKey(e)));
  signal.addEventListener('abort', () => queue.shutDown(), { once: true });

  const sync = async (key: string, s: AbortSignal): Promise<void> => {
    const { namespace, name } = splitKey(key);
    const svc = watch.services.getByKey(key);
    const current = endpoints.getByKey(key);
    if (svc === undefined) {
      if (current === undefined || current.metadata?.annotations?.[LEADER_ANNOTATION] !== undefined) return;
      try {
        await ctx.client.delete(RESOURCES.endpoints, namespace, name, { signal: s });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (serviceSelector(svc) === undefined) return;
    const subsets = endpointSubsets(svc, watch.selectedPods(svc));
    const labels = desiredLabels(svc);
    if (current !== undefined && sameJson(current.subsets ?? [], subsets) && sameJson(current.metadata?.labels ?? {}, labels)) return;
    const body: V1Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace, labels, ...(current?.metadata?.resourceVersion === undefined ? {} : { resourceVersion: current.metadata.resourceVersion }) },
      subsets,
    };
    if (current === undefined) await ctx.client.create(RESOURCES.endpoints, body, { signal: s });
    else await ctx.client.update(RESOURCES.endpoints, { ...current, ...body, metadata: { ...current.metadata, ...body.metadata } }, { signal: s });
  };

  await Promise.all([watch.services.synced, watch.pods.synced, endpoints.synced]);
  if (signal.aborted) return;
  // Endpoints left over from Services deleted while no controller ran (Kubernetes' checkLeftoverEndpoints)
  for (const key of endpoints.keys()) if (watch.services.getByKey(key) === undefined) queue.add(key);
  void runWorkers(queue, ctx.options.workers, sync, signal, {
    onError: (key, err) => ctx.log.warn({ service: key, err }, 'endpoints sync failed; retrying'),
  });
}
