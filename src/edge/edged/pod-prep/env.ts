/**
 * A container's environment and command line as kubelet builds them (makeEnvironmentVariables,
 * ExpandContainerCommandAndArgs). Service link variables (enableServiceLinks) are not added.
 */
import type { V1Container, V1Pod } from '../../../kube/client/index.js';
import type { ObjectSource } from '../runtime.js';
import type { PodContext } from './context.js';
import { containerResource, podField } from './fields.js';

export interface ResolvedEnv {
  readonly env: Readonly<Record<string, string>>;
  /** CreateContainerConfigError message (missing non-optional configMap/secret key) */
  readonly error?: string;
}

/** Kubernetes `$(VAR)` expansion: unknown variables stay as written, `$$` is a literal `$`. */
export function expandVars(s: string, env: Readonly<Record<string, string>>): string {
  return s.replace(/\$(\$|\(([^)]*)\))/g, (m, _all: string, name: string | undefined) => {
    if (name === undefined) return '$';
    return Object.prototype.hasOwnProperty.call(env, name) ? (env[name] ?? '') : m;
  });
}

/** command+args with $(VAR) expansion as kubelet does; undefined command/args → undefined (image default) */
export function commandLine(container: V1Container, env: Readonly<Record<string, string>>): { command?: string[]; args?: string[] } {
  const out: { command?: string[]; args?: string[] } = {};
  if (container.command !== undefined && container.command.length > 0) out.command = container.command.map((a) => expandVars(a, env));
  if (container.args !== undefined && container.args.length > 0) out.args = container.args.map((a) => expandVars(a, env));
  return out;
}

function decode(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf8');
}

function secretData(objects: ObjectSource, ns: string, name: string): Record<string, string> | undefined {
  const s = objects.secret(ns, name);
  if (s === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = decode(v);
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
  return out;
}

/** Env names kubelet accepts from envFrom: printable ASCII without `=`. */
function validName(k: string): boolean {
  return k !== '' && /^[\x20-\x7e]+$/.test(k) && !k.includes('=');
}

/** The container's env as Kubernetes builds it: envFrom first, then env (later entries win). No host env added. */
export function resolveEnv(pod: V1Pod, container: V1Container, objects: ObjectSource, ctx: PodContext): ResolvedEnv {
  const ns = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {};
  const fail = (error: string): ResolvedEnv => ({ env, error });
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Readonly<Record<string, string>> | undefined;
    if (from.configMapRef !== undefined) {
      const name = from.configMapRef.name ?? '';
      const cm = objects.configMap(ns, name);
      if (cm === undefined && from.configMapRef.optional !== true) return fail(`configmap "${name}" not found`);
      data = cm?.data;
    } else if (from.secretRef !== undefined) {
      const name = from.secretRef.name ?? '';
      data = secretData(objects, ns, name);
      if (data === undefined && from.secretRef.optional !== true) return fail(`secret "${name}" not found`);
    }
    for (const [k, v] of Object.entries(data ?? {})) if (validName(prefix + k)) env[prefix + k] = v;
  }
  for (const e of container.env ?? []) {
    const src = e.valueFrom;
    if (e.value !== undefined && e.value !== '') {
      env[e.name] = expandVars(e.value, env);
    } else if (src?.fieldRef !== undefined) {
      const r = podField(pod, src.fieldRef.fieldPath, ctx);
      if ('error' in r) return fail(r.error);
      env[e.name] = r.value;
    } else if (src?.resourceFieldRef !== undefined) {
      const ref = src.resourceFieldRef;
      const target = ref.containerName === undefined || ref.containerName === '' ? container : findContainer(pod, ref.containerName);
      const r = containerResource(target, ref.resource, ref.divisor, ctx);
      if ('error' in r) return fail(r.error);
      env[e.name] = r.value;
    } else if (src?.configMapKeyRef !== undefined) {
      const ref = src.configMapKeyRef;
      const name = ref.name ?? '';
      const cm = objects.configMap(ns, name);
      if (cm === undefined) {
        if (ref.optional === true) continue;
        return fail(`configmap "${name}" not found`);
      }
      const v = cm.data?.[ref.key];
      if (v === undefined) {
        if (ref.optional === true) continue;
        return fail(`couldn't find key ${ref.key} in ConfigMap ${ns}/${name}`);
      }
      env[e.name] = v;
    } else if (src?.secretKeyRef !== undefined) {
      const ref = src.secretKeyRef;
      const name = ref.name ?? '';
      const data = secretData(objects, ns, name);
      if (data === undefined) {
        if (ref.optional === true) continue;
        return fail(`secret "${name}" not found`);
      }
      const v = data[ref.key];
      if (v === undefined) {
        if (ref.optional === true) continue;
        return fail(`couldn't find key ${ref.key} in Secret ${ns}/${name}`);
      }
      env[e.name] = v;
    } else {
      env[e.name] = '';
    }
  }
  return { env };
}

export function findContainer(pod: V1Pod, name: string): V1Container | undefined {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
}
