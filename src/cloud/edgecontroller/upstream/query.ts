/**
 * Queries edged makes while it mounts volumes: ConfigMaps, Secrets and service-account tokens, each
 * allowed only when a pod bound to the requesting node uses it; and the cluster CA.
 */
import { encodeBase64 } from '../../../api/index.js';
import { isJsonObject } from '../../../base/index.js';
import { RESOURCES, isNotFound, objectPath, type KubeObject } from '../../../kube/client/index.js';
import { RefKind, podRefs, refKey } from '../../common/index.js';
import { kubeStatus, notFoundStatus, statusOf } from '../replies.js';
import { callOpts, objectContent, type UpstreamEnv, type UpstreamRequest } from './context.js';
import { checkTokenRequest } from './token-request.js';

export const QueryRefuseReason = {
  ConfigMapNotUsed: 'configmap-not-used',
  SecretNotUsed: 'secret-not-used',
  ServiceAccountNotUsed: 'serviceaccount-not-used',
} as const;

function usedOnNode(env: UpstreamEnv, node: string, kind: RefKind, namespace: string, name: string): boolean {
  const key = refKey(kind, namespace, name);
  return env.podsOn(node).some((p) => p.metadata?.namespace === namespace && podRefs(p).includes(key));
}

/** configmap / secret query by name: the object, from the cache or the API, with header.resourceversion. */
export async function queryConfigOrSecret(req: UpstreamRequest, env: UpstreamEnv, kind: RefKind, name: string): Promise<void> {
  if (!usedOnNode(env, req.nodeId, kind, req.namespace, name)) {
    const reason = kind === RefKind.ConfigMap ? QueryRefuseReason.ConfigMapNotUsed : QueryRefuseReason.SecretNotUsed;
    env.refuse(req, 'query', reason, `${kind} ${req.namespace}/${name} is not used by a pod on node ${req.nodeId}`);
    return;
  }
  const ref = kind === RefKind.ConfigMap ? RESOURCES.configmaps : RESOURCES.secrets;
  const informer = kind === RefKind.ConfigMap ? env.configmaps : env.secrets;
  let obj: KubeObject | undefined = informer.get(req.namespace, name);
  if (obj === undefined) {
    try {
      obj = await env.client.get<KubeObject>(ref, req.namespace, name, callOpts(env));
    } catch (err) {
      env.replyError(req, 'query', isNotFound(err) ? notFoundStatus(ref.plural, '', name) : statusOf(err));
      return;
    }
  }
  env.reply(req, { ...obj, apiVersion: 'v1', kind: ref.kind }, obj.metadata?.resourceVersion);
}

/**
 * A TokenRequest for service account `name`: only bound to a pod on the node that runs as it, with
 * the expiry capped and audiences limited to the pod's projected token volumes (token-request.ts).
 */
export async function queryServiceAccountToken(req: UpstreamRequest, env: UpstreamEnv, name: string): Promise<void> {
  const body = objectContent(req, env, 'query', 'serviceaccounttoken: the content is not a TokenRequest');
  if (body === undefined) return;
  const check = checkTokenRequest(body, req.namespace, name, env.podsOn(req.nodeId));
  if (!check.ok) {
    env.refuse(req, 'query', QueryRefuseReason.ServiceAccountNotUsed, check.message);
    return;
  }
  if (check.droppedAudiences.length > 0) {
    env.log.info({ node: req.nodeId, namespace: req.namespace, serviceAccount: name, dropped: check.droppedAudiences }, 'token audiences not asked for by the pod dropped');
  }
  const tokenRequest = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name, namespace: req.namespace }, spec: check.spec };
  try {
    const path = objectPath(RESOURCES.serviceaccounts, req.namespace, name, 'token');
    const answer = await env.client.call('POST', path, { body: tokenRequest, ...callOpts(env) });
    if (!isJsonObject(answer)) {
      env.replyError(req, 'query', kubeStatus(500, 'InternalError', 'the token request answer is not an object'));
      return;
    }
    env.reply(req, answer);
  } catch (err) {
    // an API server without the token subresource answers 404 / 405: pass its Status on, never crash
    env.replyError(req, 'query', statusOf(err));
  }
}

/**
 * `k8s/ca.crt`: the cluster CA as Go's []byte (base64 of the PEM), from cmd's configuration or the
 * `kube-root-ca.crt` ConfigMap in kube-system.
 */
export async function queryClusterCa(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  let pem = env.clusterCaPem;
  if (pem === undefined) {
    try {
      const cm = await env.client.get(RESOURCES.configmaps, 'kube-system', 'kube-root-ca.crt', callOpts(env));
      pem = cm.data?.['ca.crt'];
    } catch (err) {
      if (!isNotFound(err)) {
        env.replyError(req, 'query', statusOf(err));
        return;
      }
    }
  }
  if (pem === undefined || pem === '') {
    env.replyError(req, 'query', kubeStatus(404, 'NotFound', 'the cluster CA is not known to cloudcore'));
    return;
  }
  env.reply(req, encodeBase64(new TextEncoder().encode(pem)));
}
