/**
 * Which downstream messages need an edge ACK (facts §3.6), how object versions compare, and what a
 * success point records about an acknowledged object.
 */
import { Group, Operation, type KubeEdgeMessage, type ObjectRef } from '../../api/index.js';

/** Resource types sent without ACK tracking even for insert/update/delete. */
const NO_ACK_TYPES: ReadonlySet<string> = new Set(['podlist', 'lease', 'nodepatch', 'podpatch', 'podstatus', 'serviceaccounttoken']);
const ACK_OPS: ReadonlySet<string> = new Set([Operation.Insert, Operation.Update, Operation.Delete]);

export function needsAck(msg: KubeEdgeMessage, ref: ObjectRef | undefined): boolean {
  if (ref === undefined) return false;
  if (msg.route.group !== Group.Resource || !ACK_OPS.has(msg.route.operation)) return false;
  if (msg.header.parent_msg_id !== undefined && msg.header.parent_msg_id !== '') return false;
  return !NO_ACK_TYPES.has(ref.resourceType);
}

function record(v: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** metadata.uid / name / resourceVersion and apiVersion / kind of a message's object content. */
export function objectMeta(content: unknown): { uid?: string; name?: string; resourceVersion?: string; apiVersion?: string; kind?: string } {
  const obj = record(content);
  const meta = record(obj?.['metadata']);
  const out: { uid?: string; name?: string; resourceVersion?: string; apiVersion?: string; kind?: string } = {};
  const uid = str(meta?.['uid']);
  const name = str(meta?.['name']);
  const rv = str(meta?.['resourceVersion']);
  const apiVersion = str(obj?.['apiVersion']);
  const kind = str(obj?.['kind']);
  if (uid !== undefined) out.uid = uid;
  if (name !== undefined) out.name = name;
  if (rv !== undefined) out.resourceVersion = rv;
  if (apiVersion !== undefined) out.apiVersion = apiVersion;
  if (kind !== undefined) out.kind = kind;
  return out;
}

const DIGITS = /^\d+$/;

/** Numeric comparison of resourceVersions (as KubeEdge: uint64); undefined when either is not a number. */
export function compareResourceVersions(a: string, b: string): number | undefined {
  if (!DIGITS.test(a) || !DIGITS.test(b)) return undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** True when `rv` is known not to be newer than `than`. */
export function notNewer(rv: string | undefined, than: string | undefined): boolean {
  if (rv === undefined || than === undefined) return false;
  const c = compareResourceVersions(rv, than);
  return c !== undefined && c <= 0;
}

/** apiVersion and kind by KubeEdge resource type, for objects whose content omits them. */
const TYPE_KINDS: Readonly<Record<string, { apiVersion: string; kind: string }>> = {
  pod: { apiVersion: 'v1', kind: 'Pod' },
  configmap: { apiVersion: 'v1', kind: 'ConfigMap' },
  secret: { apiVersion: 'v1', kind: 'Secret' },
  service: { apiVersion: 'v1', kind: 'Service' },
  endpoints: { apiVersion: 'v1', kind: 'Endpoints' },
  node: { apiVersion: 'v1', kind: 'Node' },
  persistentvolume: { apiVersion: 'v1', kind: 'PersistentVolume' },
  persistentvolumeclaim: { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  volumeattachment: { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment' },
  rule: { apiVersion: 'rules.kubeedge.io/v1', kind: 'Rule' },
  ruleendpoint: { apiVersion: 'rules.kubeedge.io/v1', kind: 'RuleEndpoint' },
};

export function kindOf(resourceType: string, content: unknown): { apiVersion: string; kind: string } | undefined {
  const m = objectMeta(content);
  if (m.apiVersion !== undefined && m.kind !== undefined) return { apiVersion: m.apiVersion, kind: m.kind };
  return TYPE_KINDS[resourceType];
}
