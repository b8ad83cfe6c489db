import type { JsonObject } from '../../base/index.js';
import { BUILTIN_RESOURCES, VERBS, groupVersion, type ResourceInfo } from './resources.js';

/**
 * The set of served resources: the built-in ones plus those that installed CRDs define.
 * Discovery documents are computed from it on demand.
 */
export class ResourceRegistry {
  private readonly builtins: readonly ResourceInfo[];
  private readonly custom = new Map<string, readonly ResourceInfo[]>();
  private index = new Map<string, ResourceInfo>();
  private generation = 0;
  private readonly listeners = new Set<() => void>();

  constructor(builtins: readonly ResourceInfo[] = BUILTIN_RESOURCES) {
    this.builtins = builtins;
    this.rebuild();
  }

  /** Bumps on every change; discovery and OpenAPI caches key on it. */
  get version(): number {
    return this.generation;
  }

  all(): ResourceInfo[] {
    return [...this.builtins, ...[...this.custom.values()].flat()];
  }

  lookup(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.index.get(`${group}/${version}/${plural}`);
  }

  /** The first served version of a group's resource (for internal callers that only know group + plural). */
  lookupAnyVersion(group: string, plural: string): ResourceInfo | undefined {
    return this.all().find((r) => r.group === group && r.plural === plural);
  }

  lookupKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.all().find((r) => groupVersion(r) === apiVersion && r.kind === kind);
  }

  setCustom(crdName: string, resources: readonly ResourceInfo[]): void {
    this.custom.set(crdName, resources);
    this.rebuild();
  }

  removeCustom(crdName: string): void {
    if (this.custom.delete(crdName)) this.rebuild();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private rebuild(): void {
    const index = new Map<string, ResourceInfo>();
    for (const r of this.all()) index.set(`${r.group}/${r.version}/${r.plural}`, r);
    this.index = index;
    this.generation++;
    for (const fn of this.listeners) fn();
  }

  /** Group -> served versions, in order of appearance (the first is the preferred one). */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.all()) {
      const versions = out.get(r.group) ?? [];
      if (!versions.includes(r.version)) versions.push(r.version);
      out.set(r.group, versions);
    }
    return out;
  }

  /** `/api` */
  apiVersions(serverAddress: string): JsonObject {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  /** `/apis` */
  apiGroupList(): JsonObject {
    const groups: JsonObject[] = [];
    for (const [group, versions] of this.groups()) {
      if (group === '') continue;
      groups.push(apiGroup(group, versions));
    }
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }

  /** `/apis/<group>` */
  apiGroup(group: string): JsonObject | undefined {
    const versions = this.groups().get(group);
    if (versions === undefined || group === '') return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) };
  }

  /** `/api/v1` and `/apis/<group>/<version>` */
  apiResourceList(group: string, version: string): JsonObject | undefined {
    const resources = this.all().filter((r) => r.group === group && r.version === version);
    if (resources.length === 0) return undefined;
    const list: JsonObject[] = [];
    for (const r of resources) {
      list.push({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: [...VERBS],
        ...(r.shortNames.length > 0 ? { shortNames: [...r.shortNames] } : {}),
        ...(r.categories.length > 0 ? { categories: [...r.categories] } : {}),
        storageVersionHash: storageVersionHash(r),
      });
      for (const sub of r.subresources) {
        const verbs = sub === 'binding' || sub === 'eviction' || sub === 'token' ? ['create'] : ['get', 'patch', 'update'];
        const kind = sub === 'scale' ? 'Scale' : sub === 'binding' ? 'Binding' : sub === 'eviction' ? 'Eviction' : sub === 'token' ? 'TokenRequest' : r.kind;
        const extra: JsonObject =
          sub === 'scale'
            ? { group: 'autoscaling', version: 'v1' }
            : sub === 'eviction'
              ? { group: 'policy', version: 'v1' }
              : sub === 'token'
                ? { group: 'authentication.k8s.io', version: 'v1' }
                : {};
        list.push({ name: `${r.plural}/${sub}`, singularName: '', namespaced: r.namespaced, kind, verbs, ...extra });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources: list };
  }
}

function apiGroup(group: string, versions: readonly string[]): JsonObject {
  const gvs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: gvs, preferredVersion: gvs[0] ?? null };
}

/** A short stable hash per resource, as discovery advertises (clients only compare it). */
function storageVersionHash(r: ResourceInfo): string {
  let h = 5381;
  for (const c of `${r.group}/${r.version}/${r.kind}`) h = ((h * 33) ^ c.charCodeAt(0)) >>> 0;
  return Buffer.from(h.toString(16).padStart(8, '0')).toString('base64').slice(0, 11);
}
