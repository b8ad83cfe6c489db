/**
 * Reading what metamanager relays back to edged: an `error` message (offline, timeout), a bare
 * `{"ErrStatus": …}`, cloudcore's ObjectResp `{"Object", "Err"}`, a plain object, or "OK".
 */
import { Operation, contentText, type KubeEdgeMessage } from '../../api/index.js';
import { isJsonObject, type JsonObject } from '../../base/index.js';

export type CallResult =
  | { readonly ok: true; readonly object: unknown }
  | { readonly ok: false; readonly reason: string; readonly code: number | undefined; readonly message: string };

function fromStatus(status: JsonObject): CallResult {
  const reason = typeof status['reason'] === 'string' ? status['reason'] : 'Unknown';
  const code = typeof status['code'] === 'number' ? status['code'] : undefined;
  const message = typeof status['message'] === 'string' ? status['message'] : reason;
  return { ok: false, reason, code, message };
}

export function interpretReply(reply: KubeEdgeMessage): CallResult {
  if (reply.route.operation === Operation.Error) return { ok: false, reason: 'Error', code: undefined, message: contentText(reply) };
  const c = reply.content;
  if (!isJsonObject(c)) return { ok: true, object: c };
  const direct = c['ErrStatus'];
  if (isJsonObject(direct)) return fromStatus(direct);
  if ('Object' in c || 'Err' in c) {
    const err = c['Err'];
    if (isJsonObject(err)) {
      const st = err['ErrStatus'];
      return fromStatus(isJsonObject(st) ? st : err);
    }
    return { ok: true, object: c['Object'] ?? null };
  }
  return { ok: true, object: c };
}

export function isNotFound(r: CallResult): boolean {
  return !r.ok && (r.reason === 'NotFound' || r.code === 404);
}

export function isAlreadyExists(r: CallResult): boolean {
  return !r.ok && (r.reason === 'AlreadyExists' || r.code === 409);
}
