/**
 * Image pull decisions (imagePullPolicy and its default) and registry credentials from
 * imagePullSecrets (kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg), pure.
 */
import type { V1Container, V1Secret } from '../../../kube/client/index.js';
import type { AuthConfig } from '../../../platform/cri/types.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** The image's tag, '' when it has none (a digest counts as a tag-less pinned reference). */
function tagOf(image: string): string {
  if (image.includes('@')) return '@';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > lastSlash ? image.slice(colon + 1) : '';
}

/** The container's policy, defaulted as the API server does: Always for `:latest` or no tag, else IfNotPresent. */
export function pullPolicy(c: V1Container): PullPolicy {
  const p = c.imagePullPolicy;
  if (p === 'Always' || p === 'IfNotPresent' || p === 'Never') return p;
  const tag = tagOf(c.image ?? '');
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The registry host of an image reference (`docker.io` for Docker Hub short names). */
export function registryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** `https://index.docker.io/v1/` → `docker.io`; `127.0.0.1:5000/v2` → `127.0.0.1:5000`. */
function normalizeRegistryKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//, '').split('/')[0] ?? '';
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

interface DockerAuthEntry {
  readonly username?: unknown;
  readonly password?: unknown;
  readonly auth?: unknown;
  readonly identitytoken?: unknown;
  readonly registrytoken?: unknown;
}

function secretEntries(s: V1Secret): Record<string, DockerAuthEntry> {
  const data = s.data ?? {};
  try {
    if (s.type === 'kubernetes.io/dockerconfigjson' || (s.type === undefined && data['.dockerconfigjson'] !== undefined)) {
      const raw = data['.dockerconfigjson'];
      if (raw === undefined) return {};
      const parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { auths?: Record<string, DockerAuthEntry> };
      return parsed.auths ?? {};
    }
    if (s.type === 'kubernetes.io/dockercfg' || (s.type === undefined && data['.dockercfg'] !== undefined)) {
      const raw = data['.dockercfg'];
      if (raw === undefined) return {};
      return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as Record<string, DockerAuthEntry>;
    }
  } catch {
    return {};
  }
  return {};
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Every credential of the secrets that applies to the image's registry, in secret order. */
export function pullCredentials(image: string, secrets: readonly V1Secret[]): AuthConfig[] {
  const host = registryHost(image);
  const out: AuthConfig[] = [];
  for (const s of secrets) {
    for (const [key, e] of Object.entries(secretEntries(s))) {
      if (normalizeRegistryKey(key) !== host) continue;
      let username = str(e.username);
      let password = str(e.password);
      const auth = str(e.auth);
      if (auth !== undefined && username === undefined) {
        const decoded = Buffer.from(auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) {
          username = decoded.slice(0, colon);
          password = decoded.slice(colon + 1);
        }
      }
      const a: AuthConfig = { serverAddress: host };
      if (username !== undefined) a.username = username;
      if (password !== undefined) a.password = password;
      const it = str(e.identitytoken);
      if (it !== undefined) a.identityToken = it;
      const rt = str(e.registrytoken);
      if (rt !== undefined) a.registryToken = rt;
      out.push(a);
    }
  }
  return out;
}
