/**
 * Which service-account TokenRequests an edge node may make: only tokens bound to a pod of its own
 * that runs as that service account (never unbound ones), for at most MAX_TOKEN_SECONDS, and only for
 * audiences that pod's projected serviceAccountToken volumes ask for (others are dropped, leaving the
 * API server's default audience).
 */
import { isJsonObject, type JsonObject } from '../../../base/index.js';
import type { V1Pod } from '../../../kube/client/index.js';
import { podServiceAccount } from '../../common/index.js';

/** 48 h: kubelet asks for 1 h tokens and refreshes them well before they expire. */
export const MAX_TOKEN_SECONDS = 48 * 3600;

export type TokenRequestCheck = { readonly ok: true; readonly spec: JsonObject; readonly droppedAudiences: readonly string[] } | { readonly ok: false; readonly message: string };

/** The audiences `pod`'s projected serviceAccountToken sources name. */
export function podTokenAudiences(pod: V1Pod): Set<string> {
  const out = new Set<string>();
  for (const v of pod.spec?.volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      const aud = s.serviceAccountToken?.audience;
      if (aud !== undefined && aud !== '') out.add(aud);
    }
  }
  return out;
}

/**
 * Checks the spec of a TokenRequest for service account `namespace/serviceAccount` from a node whose
 * bound pods are `podsOnNode`; gives the spec to send to the API (capped expiry, allowed audiences).
 */
export function checkTokenRequest(body: JsonObject, namespace: string, serviceAccount: string, podsOnNode: readonly V1Pod[]): TokenRequestCheck {
  const spec = isJsonObject(body['spec']) ? body['spec'] : {};
  const bound = spec['boundObjectRef'];
  if (!isJsonObject(bound) || bound['kind'] !== 'Pod' || typeof bound['name'] !== 'string' || bound['name'] === '') {
    return { ok: false, message: `service account ${namespace}/${serviceAccount}: only tokens bound to a pod of the node are issued` };
  }
  if (bound['apiVersion'] !== undefined && bound['apiVersion'] !== null && bound['apiVersion'] !== '' && bound['apiVersion'] !== 'v1') {
    return { ok: false, message: `service account ${namespace}/${serviceAccount}: boundObjectRef is not a v1 Pod` };
  }
  const uid = bound['uid'];
  const pod = podsOnNode.find(
    (p) => p.metadata?.namespace === namespace && p.metadata.name === bound['name'] && (typeof uid !== 'string' || uid === '' || uid === p.metadata.uid),
  );
  if (pod === undefined) {
    return { ok: false, message: `pod ${namespace}/${bound['name']} is not bound to this node` };
  }
  if (podServiceAccount(pod) !== serviceAccount) {
    return { ok: false, message: `pod ${namespace}/${bound['name']} does not run as service account ${serviceAccount}` };
  }
  const out: Record<string, unknown> = { ...spec, boundObjectRef: { ...bound, apiVersion: 'v1', uid: pod.metadata?.uid } };
  const exp = spec['expirationSeconds'];
  if (typeof exp === 'number' && exp > MAX_TOKEN_SECONDS) out['expirationSeconds'] = MAX_TOKEN_SECONDS;
  const asked = Array.isArray(spec['audiences']) ? spec['audiences'].filter((a): a is string => typeof a === 'string' && a !== '') : [];
  const allowed = podTokenAudiences(pod);
  const kept = asked.filter((a) => allowed.has(a));
  if (kept.length > 0) out['audiences'] = kept;
  else delete out['audiences'];
  return { ok: true, spec: out as JsonObject, droppedAudiences: asked.filter((a) => !allowed.has(a)) };
}
