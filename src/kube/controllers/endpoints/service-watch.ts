/**
 * The part both endpoint controllers share: the service and pod informers, and which service keys
 * to queue when a service or one of its pods changes.
 */
import { RESOURCES, objectKey, type SharedInformer, type V1Pod, type V1Service } from '../../client/index.js';
import type { ControllerContext } from '../types.js';
import { selects, serviceSelector } from './compute.js';

/** Objects indexed by metadata.namespace (shared by the endpoints and endpointslice controllers). */
export const NAMESPACE_INDEX = 'endpoints/namespace';

function byNamespace(o: { metadata?: { namespace?: string } }): string[] {
  return [o.metadata?.namespace ?? ''];
}

export interface ServiceWatch {
  readonly services: SharedInformer<V1Service>;
  readonly pods: SharedInformer<V1Pod>;
  /** The pods the service selects (none for a service without selector). */
  selectedPods(svc: V1Service): V1Pod[];
  /** Calls `enqueue(serviceKey)` for every service or pod change that may change a service's endpoints. */
  onChange(enqueue: (serviceKey: string) => void): void;
}

export function serviceWatch(ctx: ControllerContext): ServiceWatch {
  const services = ctx.informers.informer(RESOURCES.services);
  const pods = ctx.informers.informer(RESOURCES.pods);
  if (!services.hasIndex(NAMESPACE_INDEX)) services.addIndex(NAMESPACE_INDEX, byNamespace);
  if (!pods.hasIndex(NAMESPACE_INDEX)) pods.addIndex(NAMESPACE_INDEX, byNamespace);
  return {
    services,
    pods,
    selectedPods(svc) {
      const sel = serviceSelector(svc);
      if (sel === undefined) return [];
      return pods.byIndex(NAMESPACE_INDEX, svc.metadata?.namespace ?? '').filter((p) => selects(sel, p));
    },
    onChange(enqueue) {
      const svcKey = (s: V1Service): void => enqueue(objectKey(s));
      services.onAdd(svcKey);
      services.onUpdate((_o, s) => svcKey(s));
      services.onDelete(svcKey);
      const forPods = (...ps: V1Pod[]): void => {
        const first = ps[0];
        if (first === undefined) return;
        for (const svc of services.byIndex(NAMESPACE_INDEX, first.metadata?.namespace ?? '')) {
          const sel = serviceSelector(svc);
          if (sel !== undefined && ps.some((p) => selects(sel, p))) svcKey(svc);
        }
      };
      pods.onAdd((p) => forPods(p));
      pods.onUpdate((o, p) => {
        if (o.metadata?.resourceVersion !== p.metadata?.resourceVersion) forPods(o, p);
      });
      pods.onDelete((p) => forPods(p));
    },
  };
}
