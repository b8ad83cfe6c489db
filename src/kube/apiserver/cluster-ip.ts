import { isJsonObject, type JsonObject } from '../../base/index.js';
import type { ObjectStore } from '../../platform/store/index.js';
import { resourcePrefix, type ResourceInfo } from './resources.js';
import { ApiError, apiErrors } from './status.js';

/** The service CIDR Kubernetes uses by default: 10.96.0.0/12. The first address is the `kubernetes` service. */
const BASE = (10 << 24) | (96 << 16);
const SIZE = 1 << 20;

function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (m === null) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return (((parts[0] ?? 0) << 24) >>> 0) + ((parts[1] ?? 0) << 16) + ((parts[2] ?? 0) << 8) + (parts[3] ?? 0);
}

function toIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Gives a ClusterIP service a free address from the service range unless it asks for one or for None. */
export function allocateClusterIP(store: ObjectStore, res: ResourceInfo, svc: JsonObject): void {
  const spec = isJsonObject(svc['spec']) ? svc['spec'] : undefined;
  if (spec === undefined || spec['type'] === 'ExternalName') return;
  const used = new Set<string>();
  for (const e of store.list(resourcePrefix(res)).entries) {
    const s = e.value['spec'];
    if (isJsonObject(s) && typeof s['clusterIP'] === 'string') used.add(s['clusterIP']);
  }
  const requested = spec['clusterIP'];
  if (typeof requested === 'string' && requested !== '') {
    if (requested !== 'None') {
      const n = parseIPv4(requested);
      const name = String((svc['metadata'] as JsonObject | undefined)?.['name'] ?? '');
      if (n === undefined || n <= BASE || n >= BASE + SIZE - 1) {
        throw apiErrors.invalid('Service', name, [{ field: 'spec.clusterIP', message: `Invalid value: ${JSON.stringify(requested)}: provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12` }]);
      }
      if (used.has(requested)) {
        throw apiErrors.invalid('Service', name, [{ field: 'spec.clusterIP', message: `Invalid value: ${JSON.stringify(requested)}: provided IP is already allocated` }]);
      }
    }
    spec['clusterIPs'] = [requested];
    return;
  }
  // start from a hash of the name so allocations spread, then probe linearly
  const name = String((svc['metadata'] as JsonObject | undefined)?.['name'] ?? '');
  let h = 7;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % (SIZE - 2);
  for (let i = 0; i < SIZE - 2; i++) {
    const ip = toIp(BASE + 1 + ((h + i) % (SIZE - 2)));
    if (!used.has(ip)) {
      spec['clusterIP'] = ip;
      spec['clusterIPs'] = [ip];
      return;
    }
  }
  throw new ApiError('InternalError', 'failed to allocate a serviceIP: range is full');
}
