import { apiErrors } from './status.js';

/**
 * What a resource URL names, parsed the way kube-apiserver's RequestInfoFactory does:
 *   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 *   /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 */
export interface ResourceRequest {
  readonly group: string;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly resource: string;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

export type ParsedPath =
  | { readonly kind: 'resource'; readonly req: ResourceRequest }
  | { readonly kind: 'groupVersion'; readonly group: string; readonly version: string }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'root'; readonly legacy: boolean }
  | { readonly kind: 'other' };

export function parseResourcePath(pathname: string): ParsedPath {
  const parts = pathname.split('/').filter((p) => p !== '');
  let decoded: string[];
  try {
    decoded = parts.map((p) => decodeURIComponent(p));
  } catch {
    throw apiErrors.badRequest(`malformed path: ${pathname}`);
  }
  const [prefix, ...rest] = decoded;
  let group: string;
  let version: string | undefined;
  let tail: string[];
  if (prefix === 'api') {
    if (rest.length === 0) return { kind: 'root', legacy: true };
    group = '';
    version = rest[0];
    tail = rest.slice(1);
  } else if (prefix === 'apis') {
    if (rest.length === 0) return { kind: 'root', legacy: false };
    group = rest[0] ?? '';
    if (rest.length === 1) return { kind: 'group', group };
    version = rest[1];
    tail = rest.slice(2);
  } else {
    return { kind: 'other' };
  }
  if (version === undefined) return { kind: 'other' };
  if (tail.length === 0) return { kind: 'groupVersion', group, version };
  let namespace: string | undefined;
  // "namespaces/{ns}/{resource}..." is a namespaced request; "namespaces[/{name}[/status|finalize]]" is the namespace resource.
  if (tail[0] === 'namespaces' && tail.length >= 3 && !(tail.length === 3 && (tail[2] === 'status' || tail[2] === 'finalize'))) {
    namespace = tail[1];
    tail = tail.slice(2);
  }
  const [resource, name, subresource, ...extra] = tail;
  if (resource === undefined || extra.length > 0) return { kind: 'other' };
  return { kind: 'resource', req: { group, version, namespace, resource, name, subresource } };
}
