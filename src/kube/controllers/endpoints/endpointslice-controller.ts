/**
 * Kubernetes' endpointslice controller: discovery.k8s.io/v1 EndpointSlices for every Service with a
 * selector, one per distinct port set (`<service>-<hash>`), labelled kubernetes.io/service-name and
 * managed-by endpointslice-controller.k8s.io, owned by the Service (the API server's garbage
 * collector removes them with it; this controller also deletes them when it sees the Service go).
 */
import { RESOURCES, WorkQueue, isNotFound, runWorkers, splitKey, type V1EndpointSlice, type V1Service } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, SLICE_CONTROLLER_NAME, serviceSelector, sliceContents, sliceName, type SliceContent } from './compute.js';
import { serviceWatch } from './service-watch.js';

const SLICE_SERVICE_INDEX = 'endpointslice-controller/service';

export function createEndpointSliceController(): Controller {
  return { name: 'endpointslice-controller', start: (ctx, signal) => startSlices(ctx, signal) };
}

function sliceFor(svc: V1Service, c: SliceContent): V1EndpointSlice {
  const meta = svc.metadata ?? {};
  const ipv6 = c.endpoints.length > 0 && c.endpoints.every((e) => (e.addresses[0] ?? '').includes(':'));
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: sliceName(svc, c.key),
      namespace: meta.namespace ?? '',
      labels: { ...meta.labels, [SERVICE_NAME_LABEL]: meta.name ?? '', [MANAGED_BY_LABEL]: SLICE_CONTROLLER_NAME },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: meta.name ?? '', uid: meta.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: ipv6 ? 'IPv6' : 'IPv4',
    endpoints: c.endpoints,
    ports: c.ports,
  };
}

function sameSlice(a: V1EndpointSlice, b: V1EndpointSlice): boolean {
  const pick = (s: V1EndpointSlice): unknown => [s.addressType, s.endpoints, s.ports ?? [], s.metadata?.labels ?? {}, s.metadata?.ownerReferences ?? []];
  return JSON.stringify(pick(a)) === JSON.stringify(pick(b));
}

async function startSlices(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const watch = serviceWatch(ctx);
  const slices = ctx.informers.informer(RESOURCES.endpointslices, { labelSelector: `${MANAGED_BY_LABEL}=${SLICE_CONTROLLER_NAME}` });
  if (!slices.hasIndex(SLICE_SERVICE_INDEX)) {
    slices.addIndex(SLICE_SERVICE_INDEX, (s) => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      return svc === undefined ? [] : [`${s.metadata?.namespace ?? ''}/${svc}`];
    });
  }
  const queue = new WorkQueue<string>({ name: 'endpointslices', clock: ctx.clock });
  watch.onChange((key) => queue.add(key));
  const ofSlice = (s: V1EndpointSlice): void => {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (svc !== undefined) queue.add(`${s.metadata?.namespace ?? ''}/${svc}`);
  };
  slices.onUpdate((_o, s) => ofSlice(s));
  slices.onDelete(ofSlice);
  signal.addEventListener('abort', () => queue.shutDown(), { once: true });

  const sync = async (key: string, s: AbortSignal): Promise<void> => {
    const { namespace } = splitKey(key);
    const svc = watch.services.getByKey(key);
    const existing = slices.byIndex(SLICE_SERVICE_INDEX, key);
    const desired = svc === undefined || serviceSelector(svc) === undefined ? [] : sliceContents(svc, watch.selectedPods(svc)).map((c) => sliceFor(svc, c));
    if (svc !== undefined && serviceSelector(svc) === undefined && existing.length === 0) return;
    const wanted = new Set(desired.map((d) => d.metadata?.name ?? ''));
    for (const want of desired) {
      const cur = existing.find((e) => e.metadata?.name === want.metadata?.name);
      if (cur === undefined) {
        await ctx.client.create(RESOURCES.endpointslices, want, { signal: s });
      } else if (!sameSlice(cur, want)) {
        await ctx.client.update(RESOURCES.endpointslices, { ...cur, ...want, metadata: { ...cur.metadata, ...want.metadata } }, { signal: s });
      }
    }
    for (const old of existing) {
      const name = old.metadata?.name ?? '';
      if (wanted.has(name)) continue;
      try {
        await ctx.client.delete(RESOURCES.endpointslices, namespace, name, { signal: s });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  };

  await Promise.all([watch.services.synced, watch.pods.synced, slices.synced]);
  if (signal.aborted) return;
  void runWorkers(queue, ctx.options.workers, sync, signal, {
    onError: (key, err) => ctx.log.warn({ service: key, err }, 'endpointslice sync failed; retrying'),
  });
}
