import { Operation, ResourceType, tryParseResource, type KubeEdgeMessage } from '../../api/index.js';

/**
 * Durable upstream kinds (ADR 0005, beyond KubeEdge): status reports that must reach the API even when
 * made offline. Returns the coalescing key (the resource string) for op `patch` on podpatch / nodepatch
 * and op `update` on podstatus; undefined for every other message.
 */
export function durableKey(msg: KubeEdgeMessage): string | undefined {
  const op = msg.route.operation;
  if (op !== Operation.Patch && op !== Operation.Update) return undefined;
  const ref = tryParseResource(msg.route.resource);
  if (ref === undefined || ref.kind !== 'object') return undefined;
  const t = ref.resourceType;
  if (op === Operation.Patch && (t === ResourceType.PodPatch || t === ResourceType.NodePatch)) return msg.route.resource;
  if (op === Operation.Update && t === ResourceType.PodStatus) return msg.route.resource;
  return undefined;
}
