/**
 * Kubernetes resource quantities ('100m', '1Gi', '2', '1e3') and the resource vectors the
 * scheduler adds and compares. CPU is kept in millicores, everything else in whole units (bytes,
 * pods, device counts), so all arithmetic is on integers.
 */
import { KeError } from '../../base/index.js';
import type { V1Container, V1Node, V1Pod } from '../client/index.js';

/** A resource vector: resource name → amount (cpu in millicores). */
export type Resources = Record<string, number>;

const BINARY_SUFFIXES = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 } as const;
const DECIMAL_SUFFIXES = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 } as const;
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]?))$/;

function isKey<T extends object>(obj: T, k: string): k is Extract<keyof T, string> {
  return Object.prototype.hasOwnProperty.call(obj, k);
}

/** The value of a quantity string as a plain number; KE_SCHED_BAD_QUANTITY when it is not one. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = QUANTITY.exec(q.trim());
  if (m === null || m[1] === undefined) throw new KeError('KE_SCHED_BAD_QUANTITY', `not a quantity: ${JSON.stringify(q)}`);
  const base = Number(m[1]);
  if (m[2] !== undefined) return Number(m[1] + m[2]);
  const bin = m[3];
  if (bin !== undefined && isKey(BINARY_SUFFIXES, bin)) return base * BINARY_SUFFIXES[bin];
  const dec = m[4] ?? '';
  if (isKey(DECIMAL_SUFFIXES, dec)) return base * DECIMAL_SUFFIXES[dec];
  throw new KeError('KE_SCHED_BAD_QUANTITY', `not a quantity: ${JSON.stringify(q)}`);
}

/** A quantity of `resource` in the scheduler's units: cpu in millicores (rounded up), others rounded up to whole units. */
export function toAmount(resource: string, q: string | number): number {
  const v = parseQuantity(q);
  return Math.ceil(resource === 'cpu' ? Math.round(v * 1e6) / 1e3 : Math.round(v * 1e3) / 1e3);
}

/** A resource list ({cpu: '100m', memory: '1Gi'}) as a vector; unparsable entries are skipped. */
export function toResources(list: Readonly<Record<string, string | number>> | undefined): Resources {
  const out: Resources = {};
  if (list === undefined) return out;
  for (const [name, q] of Object.entries(list)) {
    try {
      out[name] = toAmount(name, q);
    } catch {
      // an invalid quantity would have been refused by validation; ignore it here
    }
  }
  return out;
}

export function addInto(into: Resources, r: Readonly<Resources>, sign = 1): void {
  for (const [k, v] of Object.entries(r)) into[k] = (into[k] ?? 0) + sign * v;
}

function maxInto(into: Resources, r: Readonly<Resources>): void {
  for (const [k, v] of Object.entries(r)) if (v > (into[k] ?? 0)) into[k] = v;
}

function containerRequests(c: V1Container): Resources {
  // requests default to limits when only limits are given (as the API server's defaulting does)
  const limits = toResources(c.resources?.limits);
  const requests = toResources(c.resources?.requests);
  return { ...limits, ...requests };
}

/**
 * What a pod asks for: the sum over its containers, at least the largest init container (init
 * containers run one at a time), plus spec.overhead.
 */
export function podRequests(pod: V1Pod): Resources {
  const sum: Resources = {};
  for (const c of pod.spec?.containers ?? []) addInto(sum, containerRequests(c));
  for (const c of pod.spec?.initContainers ?? []) maxInto(sum, containerRequests(c));
  addInto(sum, toResources(pod.spec?.overhead));
  return sum;
}

/** What a node offers to pods: status.allocatable, or status.capacity when allocatable is missing. */
export function nodeAllocatable(node: V1Node): Resources {
  const list = node.status?.allocatable ?? node.status?.capacity;
  return toResources(list);
}
