/**
 * Readers for cloudhub's replies as edgecore sees them: an `ErrStatus` either bare
 * (`{"ErrStatus": {...}}`, query NotFound) or inside an ObjectResp (`{"Object": ..., "Err": {"ErrStatus": ...}}`).
 */
import type { KubeEdgeMessage } from '../../src/api/index.js';
import { at, isRecord, num } from './json.js';

/** The reply content as JSON (string contents holding JSON are parsed). */
export function replyContent(msg: KubeEdgeMessage): unknown {
  const c = msg.content;
  if (typeof c === 'string') {
    try {
      return JSON.parse(c) as unknown;
    } catch {
      return c;
    }
  }
  return c;
}

/** The ErrStatus of a reply, or undefined when it carries none. */
export function errStatusOf(msg: KubeEdgeMessage): unknown {
  const c = replyContent(msg);
  if (!isRecord(c)) return undefined;
  if (isRecord(c['ErrStatus'])) return c['ErrStatus'];
  const err = c['Err'];
  if (isRecord(err) && isRecord(err['ErrStatus'])) return err['ErrStatus'];
  return undefined;
}

/** The HTTP code of a reply's ErrStatus, or undefined. */
export function errCodeOf(msg: KubeEdgeMessage): number | undefined {
  const s = errStatusOf(msg);
  return s === undefined ? undefined : num(s, 'code');
}

/** True for the reply that crashes KubeEdge's edgecore: `{"Object": null, "Err": null}` (or both absent in an ObjectResp). */
export function isNullObjectResp(msg: KubeEdgeMessage): boolean {
  const c = replyContent(msg);
  if (!isRecord(c)) return false;
  const keys = Object.keys(c);
  return keys.includes('Object') && keys.includes('Err') && at(c, 'Object') === null && at(c, 'Err') === null;
}
