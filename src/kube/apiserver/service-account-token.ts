/**
 * ServiceAccount tokens: `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token` (TokenRequest) issues a
 * JWT signed with the API server's service-account key (ES256), and bearer tokens of that form authenticate as
 * `system:serviceaccount:<ns>:<name>`. Claims follow Kubernetes' bound tokens (`iss`, `sub`, `aud`, `exp`,
 * `iat`, `nbf`, `kubernetes.io.{namespace, serviceaccount, pod}`), so edge pods and in-cluster clients can use
 * them. A token bound to a Pod stops authenticating once that pod (by UID) is gone.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { type JsonObject, isJsonObject } from '../../base/index.js';
import type { UserInfo } from './auth.js';
import { metaOf } from './meta.js';
import type { ObjectService } from './objects.js';
import type { ResourceInfo } from './resources.js';
import { ApiError, toApiError } from './status.js';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 48 * 3600;

export interface TokenKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function tokenKeyFromPem(privateKeyPem: string): TokenKey {
  const privateKey = createPrivateKey(privateKeyPem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** A new ECDSA P-256 key in PKCS#8 PEM. */
export function newTokenKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

interface BoundPod {
  readonly name: string;
  readonly uid: string;
}

export interface IssueInput {
  readonly namespace: string;
  readonly serviceAccount: { readonly name: string; readonly uid: string };
  readonly request: JsonObject;
  /** Looks up a pod of the namespace by name; undefined when missing. */
  readonly findPod: (name: string) => { uid: string } | undefined;
  readonly nowMs: number;
}

/** Validates a TokenRequest and returns the TokenRequest with its status filled in. */
export function issueToken(key: TokenKey, input: IssueInput): JsonObject {
  const spec = isJsonObject(input.request['spec']) ? input.request['spec'] : {};
  const audiences = Array.isArray(spec['audiences']) ? spec['audiences'].filter((a): a is string => typeof a === 'string' && a !== '') : [];
  const requested = spec['expirationSeconds'];
  let seconds = DEFAULT_EXPIRATION_SECONDS;
  if (requested !== undefined && requested !== null) {
    if (typeof requested !== 'number' || !Number.isInteger(requested) || requested < MIN_EXPIRATION_SECONDS) {
      throw new ApiError('Invalid', `TokenRequest is invalid: spec.expirationSeconds: may not specify a duration less than ${MIN_EXPIRATION_SECONDS} seconds`);
    }
    seconds = Math.min(requested, MAX_EXPIRATION_SECONDS);
  }
  let pod: BoundPod | undefined;
  const bound = spec['boundObjectRef'];
  if (isJsonObject(bound)) {
    if (bound['kind'] !== 'Pod') throw new ApiError('Invalid', 'TokenRequest is invalid: spec.boundObjectRef.kind: only Pod is supported');
    const name = typeof bound['name'] === 'string' ? bound['name'] : '';
    const found = input.findPod(name);
    if (found === undefined) throw new ApiError('NotFound', `pods "${name}" not found`);
    if (typeof bound['uid'] === 'string' && bound['uid'] !== '' && bound['uid'] !== found.uid) {
      throw new ApiError('Conflict', `the UID in the bound object reference (${bound['uid']}) does not match the UID in record`);
    }
    pod = { name, uid: found.uid };
  }
  const iat = Math.floor(input.nowMs / 1000);
  const exp = iat + seconds;
  const claims: JsonObject = {
    aud: audiences.length > 0 ? audiences : [DEFAULT_ISSUER],
    exp,
    iat,
    iss: DEFAULT_ISSUER,
    jti: randomUUID(),
    nbf: iat,
    sub: `system:serviceaccount:${input.namespace}:${input.serviceAccount.name}`,
    'kubernetes.io': {
      namespace: input.namespace,
      serviceaccount: { name: input.serviceAccount.name, uid: input.serviceAccount.uid },
      ...(pod === undefined ? {} : { pod: { name: pod.name, uid: pod.uid } }),
    },
  };
  const signingInput = `${b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  const token = `${signingInput}.${b64url(signature)}`;
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: input.serviceAccount.name, namespace: input.namespace, creationTimestamp: null },
    spec: { ...spec, audiences: claims['aud'] as string[], expirationSeconds: seconds },
    status: { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
  };
}

/** `POST serviceaccounts/{name}/token`: the service account must exist; a bound pod must exist with the given UID. */
export function tokenRequest(svc: ObjectService, key: TokenKey, nowMs: number, saResource: ResourceInfo, ns: string, name: string, request: JsonObject): JsonObject {
  const sa = metaOf(svc.get(saResource, ns, name));
  const pods = svc.registry.lookup('', 'v1', 'pods');
  return issueToken(key, {
    namespace: ns,
    serviceAccount: { name, uid: typeof sa['uid'] === 'string' ? sa['uid'] : '' },
    request,
    nowMs,
    findPod: (podName) => {
      if (pods === undefined || podName === '') return undefined;
      try {
        const uid = metaOf(svc.get(pods, ns, podName))['uid'];
        return { uid: typeof uid === 'string' ? uid : '' };
      } catch (err) {
        if (toApiError(err).httpCode === 404) return undefined;
        throw err;
      }
    },
  });
}

/** Still-valid binding check: the pod named in the token must exist with that UID. */
export type PodExists = (namespace: string, name: string, uid: string) => boolean;

/**
 * Authenticates a bearer token that is one of our service-account JWTs: signature, `iss`, `exp`/`nbf`, an
 * audience of the API server (the issuer), and a bound pod that still exists. Anything else: undefined.
 */
export function authenticateServiceAccountToken(key: TokenKey, token: string, nowMs: number, podExists: PodExists): UserInfo | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isJsonObject(header) || header['alg'] !== 'ES256' || !isJsonObject(claims)) return undefined;
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) return undefined;
  const now = Math.floor(nowMs / 1000);
  if (claims['iss'] !== DEFAULT_ISSUER) return undefined;
  if (typeof claims['exp'] !== 'number' || claims['exp'] <= now) return undefined;
  if (typeof claims['nbf'] === 'number' && claims['nbf'] > now + 60) return undefined;
  const aud = Array.isArray(claims['aud']) ? claims['aud'] : [claims['aud']];
  if (!aud.includes(DEFAULT_ISSUER)) return undefined;
  const k8s = claims['kubernetes.io'];
  if (!isJsonObject(k8s) || typeof k8s['namespace'] !== 'string') return undefined;
  const sa = k8s['serviceaccount'];
  if (!isJsonObject(sa) || typeof sa['name'] !== 'string') return undefined;
  const pod = k8s['pod'];
  if (isJsonObject(pod)) {
    if (typeof pod['name'] !== 'string' || typeof pod['uid'] !== 'string' || !podExists(k8s['namespace'], pod['name'], pod['uid'])) return undefined;
  }
  return {
    name: `system:serviceaccount:${k8s['namespace']}:${sa['name']}`,
    ...(typeof sa['uid'] === 'string' ? { uid: sa['uid'] } : {}),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${k8s['namespace']}`, 'system:authenticated'],
  };
}
