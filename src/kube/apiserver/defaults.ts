import { isJsonObject, type JsonObject, type JsonValue } from '../../base/index.js';
import type { ResourceInfo } from './resources.js';

/**
 * Defaulting and create-time resets per built-in kind, following what kube-apiserver's
 * defaulters and registry strategies do for the fields users and controllers look at.
 * Functions mutate the (already copied) object they are given.
 */

function obj(parent: JsonObject, key: string): JsonObject {
  const v = parent[key];
  if (isJsonObject(v)) return v;
  const fresh: JsonObject = {};
  parent[key] = fresh;
  return fresh;
}

function setDefault(o: JsonObject, key: string, value: JsonValue): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function eachContainer(spec: JsonObject, fn: (c: JsonObject) => void): void {
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = spec[field];
    if (Array.isArray(list)) for (const c of list) if (isJsonObject(c)) fn(c);
  }
}

export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'enableServiceLinks', true);
  eachContainer(spec, (c) => {
    const image = typeof c['image'] === 'string' ? c['image'] : '';
    const lastSegment = image.split('/').pop() ?? '';
    const tagged = lastSegment.includes(':') && !image.endsWith(':latest');
    setDefault(c, 'imagePullPolicy', tagged || image.includes('@') ? 'IfNotPresent' : 'Always');
    setDefault(c, 'terminationMessagePath', '/dev/termination-log');
    setDefault(c, 'terminationMessagePolicy', 'File');
    setDefault(c, 'resources', {});
    const ports = c['ports'];
    if (Array.isArray(ports)) for (const p of ports) if (isJsonObject(p)) setDefault(p, 'protocol', 'TCP');
  });
}

function qosClass(spec: JsonObject): string {
  let anyRequest = false;
  let guaranteed = true;
  eachContainer(spec, (c) => {
    const res = isJsonObject(c['resources']) ? c['resources'] : {};
    const req = isJsonObject(res['requests']) ? res['requests'] : {};
    const lim = isJsonObject(res['limits']) ? res['limits'] : {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) anyRequest = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || q !== l) guaranteed = false;
    }
  });
  if (!anyRequest) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function defaultTemplate(spec: JsonObject): void {
  const template = spec['template'];
  if (isJsonObject(template)) defaultPodSpec(obj(template, 'spec'));
}

/** Applies defaults on create and on update (idempotent). */
export function applyDefaults(res: ResourceInfo, o: JsonObject): void {
  if (res.custom !== undefined) return;
  const spec = isJsonObject(o['spec']) ? o['spec'] : undefined;
  switch (`${res.group}/${res.plural}`) {
    case '/pods':
      defaultPodSpec(obj(o, 'spec'));
      break;
    case 'apps/deployments': {
      const s = obj(o, 'spec');
      setDefault(s, 'replicas', 1);
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'progressDeadlineSeconds', 600);
      const strategy = obj(s, 'strategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy['type'] === 'RollingUpdate') {
        const ru = obj(strategy, 'rollingUpdate');
        setDefault(ru, 'maxSurge', '25%');
        setDefault(ru, 'maxUnavailable', '25%');
      }
      defaultTemplate(s);
      break;
    }
    case 'apps/replicasets':
      setDefault(obj(o, 'spec'), 'replicas', 1);
      defaultTemplate(obj(o, 'spec'));
      break;
    case 'apps/statefulsets': {
      const s = obj(o, 'spec');
      setDefault(s, 'replicas', 1);
      setDefault(s, 'podManagementPolicy', 'OrderedReady');
      setDefault(s, 'revisionHistoryLimit', 10);
      const strategy = obj(s, 'updateStrategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      defaultTemplate(s);
      break;
    }
    case 'apps/daemonsets': {
      const s = obj(o, 'spec');
      setDefault(s, 'revisionHistoryLimit', 10);
      const strategy = obj(s, 'updateStrategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy['type'] === 'RollingUpdate') {
        const ru = obj(strategy, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', 1);
        setDefault(ru, 'maxSurge', 0);
      }
      defaultTemplate(s);
      break;
    }
    case 'batch/jobs': {
      const s = obj(o, 'spec');
      setDefault(s, 'parallelism', 1);
      setDefault(s, 'backoffLimit', 6);
      setDefault(s, 'completionMode', 'NonIndexed');
      setDefault(s, 'suspend', false);
      if (s['completions'] === undefined && s['parallelism'] === 1) s['completions'] = 1;
      defaultTemplate(s);
      break;
    }
    case '/services': {
      const s = obj(o, 'spec');
      setDefault(s, 'type', 'ClusterIP');
      setDefault(s, 'sessionAffinity', 'None');
      if (s['type'] !== 'ExternalName') {
        setDefault(s, 'ipFamilies', ['IPv4']);
        setDefault(s, 'ipFamilyPolicy', 'SingleStack');
        setDefault(s, 'internalTrafficPolicy', 'Cluster');
      }
      const ports = s['ports'];
      if (Array.isArray(ports)) {
        for (const p of ports) {
          if (!isJsonObject(p)) continue;
          setDefault(p, 'protocol', 'TCP');
          if (p['port'] !== undefined) setDefault(p, 'targetPort', p['port'] ?? null);
        }
      }
      break;
    }
    case '/secrets': {
      setDefault(o, 'type', 'Opaque');
      // stringData is write-only: it is merged into data (base64) and never stored
      const stringData = o['stringData'];
      if (isJsonObject(stringData)) {
        const data = obj(o, 'data');
        for (const [k, v] of Object.entries(stringData)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
      }
      delete o['stringData'];
      break;
    }
    case '/namespaces': {
      const s = obj(o, 'spec');
      setDefault(s, 'finalizers', ['kubernetes']);
      const meta = obj(o, 'metadata');
      const labels = obj(meta, 'labels');
      if (typeof meta['name'] === 'string') labels['kubernetes.io/metadata.name'] = meta['name'];
      break;
    }
    default:
      void spec;
  }
}

/** The status a freshly created object starts with (kube-apiserver strategies drop client-set status). */
export function initialStatus(res: ResourceInfo, o: JsonObject): JsonObject | undefined {
  if (!res.subresources.includes('status')) return undefined;
  if (res.group === '' && res.plural === 'nodes') return isJsonObject(o['status']) ? o['status'] : {};
  if (res.group === '' && res.plural === 'pods') {
    const spec = isJsonObject(o['spec']) ? o['spec'] : {};
    return { phase: 'Pending', qosClass: qosClass(spec) };
  }
  if (res.group === '' && res.plural === 'namespaces') return { phase: 'Active' };
  if (res.group === '' && res.plural === 'services') return { loadBalancer: {} };
  if (res.group === 'apiextensions.k8s.io') return isJsonObject(o['status']) ? o['status'] : {};
  return res.custom !== undefined ? undefined : {};
}

/** Kinds whose metadata.generation tracks spec changes. */
const GENERATION_KINDS = new Set(['apps/deployments', 'apps/replicasets', 'apps/daemonsets', 'apps/statefulsets', 'batch/jobs', 'apiextensions.k8s.io/customresourcedefinitions']);

export function tracksGeneration(res: ResourceInfo): boolean {
  return res.custom !== undefined || GENERATION_KINDS.has(`${res.group}/${res.plural}`);
}
