/**
 * An "unassign" delete: edgecontroller or synccontroller tells a node to drop an object that still
 * exists in the API but is no longer needed there (the last pod using a ConfigMap or Secret left).
 * Unlike a delete of a gone object, a later insert/update of the same UID is not stale: it must go
 * out after (or instead of) the unassign. The mark travels inside cloudcore only, in header.type;
 * cloudhub removes it before the message goes on the wire.
 */
import type { KubeEdgeMessage } from '../../api/index.js';

export const UNASSIGN_TYPE = 'kubeedge-ts.io/unassign';

/** `msg` marked as an unassign delete. */
export function markUnassign<C>(msg: KubeEdgeMessage<C>): KubeEdgeMessage<C> {
  return { ...msg, header: { ...msg.header, type: UNASSIGN_TYPE } };
}

export function isUnassign(msg: KubeEdgeMessage): boolean {
  return msg.header.type === UNASSIGN_TYPE;
}

/** `msg` without the unassign mark (what goes on the wire). */
export function withoutUnassignMark<C>(msg: KubeEdgeMessage<C>): KubeEdgeMessage<C> {
  if (!isUnassign(msg)) return msg;
  const { type: _type, ...header } = msg.header;
  return { ...msg, header };
}
