/**
 * Pod field and container resource values as kubelet computes them for env vars (fieldRef,
 * resourceFieldRef) and downwardAPI volume files.
 */
import { cpus, totalmem } from 'node:os';
import type { V1Container, V1Pod } from '../../../kube/client/index.js';
import type { PodContext } from './context.js';

export type Lookup = { readonly value: string } | { readonly error: string };

/** Go's `%q` for the strings labels and annotations hold (printable text passes unchanged). */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** kubelet's FormatMap: `key="value"` lines sorted by key, no trailing newline. */
export function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(m?.[k] ?? '')}`)
    .join('\n');
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/** The value of a pod fieldRef (env var or downwardAPI file). */
export function podField(pod: V1Pod, path: string, ctx: PodContext): Lookup {
  const meta = pod.metadata;
  const sub = SUBSCRIPT.exec(path);
  if (sub !== null) {
    const map = sub[1] === 'labels' ? meta?.labels : meta?.annotations;
    return { value: map?.[sub[2] ?? ''] ?? '' };
  }
  switch (path) {
    case 'metadata.name':
      return { value: meta?.name ?? '' };
    case 'metadata.namespace':
      return { value: meta?.namespace ?? '' };
    case 'metadata.uid':
      return { value: meta?.uid ?? '' };
    case 'metadata.labels':
      return { value: formatMap(meta?.labels) };
    case 'metadata.annotations':
      return { value: formatMap(meta?.annotations) };
    case 'spec.nodeName':
      return { value: pod.spec?.nodeName ?? ctx.nodeName };
    case 'spec.serviceAccountName':
      return { value: pod.spec?.serviceAccountName ?? '' };
    case 'status.hostIP':
    case 'status.hostIPs':
      return { value: ctx.hostIP };
    case 'status.podIP':
    case 'status.podIPs':
      return { value: ctx.podIP };
    default:
      return { error: `unsupported fieldPath: ${path}` };
  }
}

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]?))$/;
const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Readonly<Record<string, number>> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity as a number; undefined when it is not one. */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return q;
  const m = QUANTITY.exec(q.trim());
  if (m === null) return undefined;
  const base = Number(m[1]);
  if (m[2] !== undefined) return Number(`${m[1] ?? ''}${m[2]}`);
  if (m[3] !== undefined) return base * (BINARY[m[3]] ?? 1);
  return base * (DECIMAL[m[4] ?? ''] ?? 1);
}

/** The node's allocatable resources: `ctx.allocatable`, else this host's CPUs and memory. */
function allocatable(ctx: PodContext, resource: string): number {
  if (resource === 'cpu') return ctx.allocatable?.cpu ?? cpus().length;
  if (resource === 'memory') return ctx.allocatable?.memoryBytes ?? totalmem();
  return ctx.allocatable?.ephemeralStorageBytes ?? 0;
}

/**
 * A resourceFieldRef (`limits.cpu`, `requests.memory`, ...): ceil(value / divisor), cpu counted in
 * millicores first as kubelet does. An unset limit is the node's allocatable (kubelet's
 * MergeContainerResourceLimits); an unset request is 0.
 */
export function containerResource(c: V1Container | undefined, resource: string, divisor: string | undefined, ctx: PodContext): Lookup {
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.exec(resource);
  if (m === null || m[1] === undefined || m[2] === undefined) return { error: `unsupported container resource: ${resource}` };
  if (c === undefined) return { error: `container for resource ${resource} not found` };
  const [kind, name] = [m[1], m[2]];
  const set = kind === 'limits' ? c.resources?.limits?.[name] : c.resources?.requests?.[name];
  const value = set === undefined ? (kind === 'limits' ? allocatable(ctx, name) : 0) : parseQuantity(set);
  const div = divisor === undefined || divisor === '' ? 1 : parseQuantity(divisor);
  if (value === undefined || div === undefined || div <= 0) return { error: `bad quantity for ${resource}` };
  if (name === 'cpu') return { value: String(Math.ceil(Math.ceil(value * 1000 - 1e-9) / Math.round(div * 1000))) };
  return { value: String(Math.ceil(Math.ceil(value - 1e-9) / Math.ceil(div - 1e-9))) };
}
