import { createHash } from 'node:crypto';
import { type JsonObject, type JsonValue, cloneJson, isJsonObject } from '../../base/index.js';
import { type ResourceInfo, groupVersion } from './resources.js';

/*
 * The OpenAPI documents kubectl 1.32 reads.
 *
 * - `GET /openapi/v3` → openApiV3Root(): one `serverRelativeURL` per served group version. kubectl fetches the
 *   group-version document and looks for a PATCH operation whose `x-kubernetes-group-version-kind` is the object's
 *   GVK and that lists a `fieldValidation` query parameter; when found it leaves field validation to the server
 *   (`?fieldValidation=Strict`). Every PATCH of a GVK (object, status) carries the parameter, because kubectl
 *   checks only the first one it meets and Go map order is random.
 * - Strategic merge patches: kubectl computes them from the v3 document only when the PATCH operation lists
 *   `application/strategic-merge-patch+json` in its request body. We deliberately leave it out: our v3 schemas are
 *   loose, and kubectl then falls back to /openapi/v2 and, failing that, to its compiled-in Go types, which carry
 *   the complete patch metadata of every built-in kind. The server still accepts strategic merge patches for
 *   built-in kinds. Custom resources get JSON merge patches from kubectl either way.
 * - `GET /openapi/v2`: kubectl asks with `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`
 *   only. We serve JSON only: when wantsOpenApiProtobuf() is true the server answers 406 NotAcceptable or 404 (kubectl
 *   1.32 treats either as "no v2" and computes strategic patches from its built-in types; both were checked
 *   against the real binary), and the Swagger 2.0 JSON of openApiV2() for `application/json` or `*\/*`. That
 *   document carries the strategic-merge metadata (`x-kubernetes-patch-merge-key` / `-strategy`) of the fields where
 *   it matters, for JSON consumers.
 *
 * Output is deterministic for a given resource list (sorted paths and schemas), so a hash of the JSON is stable.
 */

export interface Gvk {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** `api/v1` for the core group, `apis/<group>/<version>` otherwise (the keys of the /openapi/v3 root). */
export function gvPathOf(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

/** A hash for `?hash=` in serverRelativeURL: hex SHA-256 of the document's JSON. */
export function openApiHash(doc: JsonObject): string {
  return createHash('sha256').update(JSON.stringify(doc)).digest('hex');
}

export function openApiV3Root(resources: readonly ResourceInfo[], hashFor: (gvPath: string) => string): JsonObject {
  const paths: JsonObject = {};
  for (const gv of servedGvPaths(resources)) {
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${encodeURIComponent(hashFor(gv))}` };
  }
  return { paths };
}

/** The OpenAPI 3.0 document of one group version (`api/v1`, `apis/apps/v1`), or undefined when none is served. */
export function openApiV3GroupVersion(gvPath: string, resources: readonly ResourceInfo[]): JsonObject | undefined {
  const wanted = gvPath.replace(/^\/+|\/+$/g, '');
  const served = uniqueSorted(resources.filter((r) => gvPathOf(r) === wanted));
  if (served.length === 0) return undefined;
  const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
  const paths: JsonObject = {};
  for (const p of pathSpecs(served)) {
    const item: JsonObject = { parameters: p.pathParams.map((n) => v3Param(PATH_PARAM[n])) };
    for (const op of p.ops) item[op.method] = v3Operation(op, ref);
    paths[p.path] = item;
  }
  return {
    openapi: '3.0.0',
    info: INFO,
    paths,
    components: { schemas: schemasFor(served, ref, 'v3') },
  };
}

/** The Swagger 2.0 document of everything served (JSON; see the note at the top about protobuf). */
export function openApiV2(resources: readonly ResourceInfo[]): JsonObject {
  const served = uniqueSorted(resources);
  const ref = (name: string): JsonObject => ({ $ref: `#/definitions/${name}` });
  const paths: JsonObject = {};
  for (const p of pathSpecs(served)) {
    const item: JsonObject = { parameters: p.pathParams.map((n) => v2Param(PATH_PARAM[n])) };
    for (const op of p.ops) item[op.method] = v2Operation(op, ref);
    paths[p.path] = item;
  }
  return { swagger: '2.0', info: INFO, paths, definitions: schemasFor(served, ref, 'v2') };
}

/**
 * True when the Accept header asks for the protobuf OpenAPI v2 and offers no JSON alternative
 * (`application/json`, `application/*`, `*\/*`): the server then answers 406.
 */
export function wantsOpenApiProtobuf(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = accept.split(',').map((r) => (r.split(';')[0] ?? '').trim().toLowerCase());
  const proto = ranges.some((r) => r.startsWith('application/com.github.proto-openapi.spec.v2'));
  const json = ranges.some((r) => r === 'application/json' || r === 'application/*' || r === '*/*');
  return proto && !json;
}

/** The schema name Kubernetes publishes a kind under (`io.k8s.api.apps.v1.Deployment`, `io.kubeedge.devices.v1beta1.Device`). */
export function schemaNameOf(r: Pick<ResourceInfo, 'group' | 'version' | 'custom'>, kind: string): string {
  if (r.custom !== undefined) return `${r.group.split('.').reverse().join('.')}.${r.version}.${kind}`;
  if (r.group === 'apiextensions.k8s.io') return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${r.version}.${kind}`;
  const short = r.group === '' ? 'core' : (r.group.split('.')[0] ?? r.group);
  return `io.k8s.api.${short}.${r.version}.${kind}`;
}

// ---------------------------------------------------------------------------------------------- paths

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';
type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';
type PathParam = 'namespace' | 'name';

interface OpSpec {
  readonly method: Method;
  readonly action: Action;
  readonly operationId: string;
  readonly gvk: Gvk;
  /** Schema name of the response body. */
  readonly response: string;
  /** Schema name of the request body (put/post), `Patch` for patch, DeleteOptions for deletes. */
  readonly body: string | undefined;
  readonly query: readonly ParamSpec[];
  readonly custom: boolean;
}

interface PathSpec {
  readonly path: string;
  readonly pathParams: readonly PathParam[];
  readonly ops: readonly OpSpec[];
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const OBJECT_META = `${META}.ObjectMeta`;
const LIST_META = `${META}.ListMeta`;
const STATUS = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;
const PATCH = `${META}.Patch`;
const SCALE = 'io.k8s.api.autoscaling.v1.Scale';
const SCALE_GVK: Gvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
const INFO: JsonObject = { title: 'Kubernetes', version: 'v1.32.0' };

interface ParamSpec {
  readonly name: string;
  readonly in: 'query' | 'path';
  readonly type: 'string' | 'integer' | 'boolean';
  readonly description: string;
}

const q = (name: string, type: ParamSpec['type'], description: string): ParamSpec => ({ name, in: 'query', type, description });
const PATH_PARAM: Readonly<Record<PathParam, ParamSpec>> = {
  namespace: { name: 'namespace', in: 'path', type: 'string', description: 'object name and auth scope, such as for teams and projects' },
  name: { name: 'name', in: 'path', type: 'string', description: 'name of the object' },
};
const LIST_PARAMS = [
  q('allowWatchBookmarks', 'boolean', 'request watch events with type BOOKMARK'),
  q('continue', 'string', 'continue token from a previous list'),
  q('fieldSelector', 'string', 'restrict the returned objects by their fields'),
  q('labelSelector', 'string', 'restrict the returned objects by their labels'),
  q('limit', 'integer', 'maximum number of items to return'),
  q('resourceVersion', 'string', 'resource version constraint of the request'),
  q('resourceVersionMatch', 'string', 'how resourceVersion applies to list calls'),
  q('sendInitialEvents', 'boolean', 'start a watch with synthetic ADDED events for the current state'),
  q('timeoutSeconds', 'integer', 'timeout of the list/watch call'),
  q('watch', 'boolean', 'watch for changes and return them as a stream'),
];
const WRITE_PARAMS = [
  q('dryRun', 'string', 'All: process the request without persisting it'),
  q('fieldManager', 'string', 'name of the actor making the change'),
  q('fieldValidation', 'string', 'how to treat unknown or duplicate fields: Ignore, Warn or Strict'),
];
const PATCH_PARAMS = [...WRITE_PARAMS, q('force', 'boolean', 'force an apply patch to take over conflicting fields')];
const DELETE_PARAMS = [
  q('dryRun', 'string', 'All: process the request without persisting it'),
  q('gracePeriodSeconds', 'integer', 'seconds before the object should be deleted'),
  q('orphanDependents', 'boolean', 'deprecated: use propagationPolicy'),
  q('propagationPolicy', 'string', 'garbage collection policy: Orphan, Background or Foreground'),
];

function pathSpecs(served: readonly ResourceInfo[]): PathSpec[] {
  const out: PathSpec[] = [];
  for (const r of served) {
    const prefix = `/${gvPathOf(r)}`;
    const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
    const kindSchema = schemaNameOf(r, r.kind);
    const listSchema = schemaNameOf(r, r.listKind);
    const custom = r.custom !== undefined;
    const idBase = `${pascalGroup(r.group)}${pascal(r.version)}`;
    const ns = r.namespaced ? 'Namespaced' : '';
    const op = (method: Method, action: Action, verb: string, suffix: string, more: Partial<OpSpec> = {}): OpSpec => ({
      method,
      action,
      operationId: `${verb}${idBase}${suffix}`,
      gvk,
      response: kindSchema,
      body: undefined,
      query: [],
      custom,
      ...more,
    });
    const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
    const scope: PathParam[] = r.namespaced ? ['namespace'] : [];
    out.push({
      path: collection,
      pathParams: scope,
      ops: [
        op('get', 'list', 'list', `${ns}${r.kind}`, { response: listSchema, query: LIST_PARAMS }),
        op('post', 'post', 'create', `${ns}${r.kind}`, { body: kindSchema, query: WRITE_PARAMS }),
        op('delete', 'deletecollection', 'delete', `Collection${ns}${r.kind}`, {
          response: STATUS,
          body: DELETE_OPTIONS,
          query: [...DELETE_PARAMS, ...LIST_PARAMS],
        }),
      ],
    });
    out.push({
      path: `${collection}/{name}`,
      pathParams: ['name', ...scope],
      ops: [
        op('get', 'get', 'read', `${ns}${r.kind}`),
        op('put', 'put', 'replace', `${ns}${r.kind}`, { body: kindSchema, query: WRITE_PARAMS }),
        op('patch', 'patch', 'patch', `${ns}${r.kind}`, { body: PATCH, query: PATCH_PARAMS }),
        op('delete', 'delete', 'delete', `${ns}${r.kind}`, { body: DELETE_OPTIONS, query: DELETE_PARAMS }),
      ],
    });
    for (const sub of r.subresources) {
      if (sub !== 'status' && sub !== 'scale') continue;
      const more: Partial<OpSpec> = sub === 'scale' ? { gvk: SCALE_GVK, response: SCALE } : {};
      const subBody = sub === 'scale' ? SCALE : kindSchema;
      const suffix = `${ns}${r.kind}${pascal(sub)}`;
      out.push({
        path: `${collection}/{name}/${sub}`,
        pathParams: ['name', ...scope],
        ops: [
          op('get', 'get', 'read', suffix, more),
          op('put', 'put', 'replace', suffix, { ...more, body: subBody, query: WRITE_PARAMS }),
          op('patch', 'patch', 'patch', suffix, { ...more, body: PATCH, query: PATCH_PARAMS }),
        ],
      });
    }
    if (r.namespaced) {
      out.push({
        path: `${prefix}/${r.plural}`,
        pathParams: [],
        ops: [op('get', 'list', 'list', `${r.kind}ForAllNamespaces`, { response: listSchema, query: LIST_PARAMS })],
      });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
const STRATEGIC = 'application/strategic-merge-patch+json';

function v3Param(p: ParamSpec): JsonObject {
  return {
    name: p.name,
    in: p.in,
    description: p.description,
    ...(p.in === 'path' ? { required: true } : {}),
    schema: { type: p.type, uniqueItems: true },
  };
}

function v2Param(p: ParamSpec): JsonObject {
  return { name: p.name, in: p.in, description: p.description, ...(p.in === 'path' ? { required: true } : {}), type: p.type, uniqueItems: true };
}

function gvkObject(g: Gvk): JsonObject {
  return { group: g.group, kind: g.kind, version: g.version };
}

function v3Operation(op: OpSpec, ref: (n: string) => JsonObject): JsonObject {
  const out: JsonObject = { operationId: op.operationId, parameters: op.query.map(v3Param) };
  if (op.body !== undefined) {
    // No strategic-merge-patch+json here, on purpose: see the note at the top of this file.
    const types = op.method === 'patch' ? PATCH_TYPES : ['application/json', 'application/yaml'];
    const content: JsonObject = {};
    for (const t of types) content[t] = { schema: ref(op.body) };
    out['requestBody'] = { content, required: op.method !== 'delete' };
  }
  const body = { content: { 'application/json': { schema: ref(op.response) }, 'application/yaml': { schema: ref(op.response) } } };
  out['responses'] = {
    '200': { description: 'OK', ...body },
    ...(op.method === 'post' ? { '201': { description: 'Created', ...body } } : {}),
    ...(op.method === 'delete' || op.method === 'post' ? { '202': { description: 'Accepted', ...body } } : {}),
    '401': { description: 'Unauthorized' },
  };
  out['x-kubernetes-action'] = op.action;
  out['x-kubernetes-group-version-kind'] = gvkObject(op.gvk);
  return out;
}

function v2Operation(op: OpSpec, ref: (n: string) => JsonObject): JsonObject {
  const params = op.query.map(v2Param);
  if (op.body !== undefined) params.unshift({ name: 'body', in: 'body', required: op.method !== 'delete', schema: ref(op.body) });
  const consumes = op.method === 'patch' ? (op.custom ? PATCH_TYPES : [...PATCH_TYPES, STRATEGIC]) : ['*/*'];
  return {
    operationId: op.operationId,
    consumes,
    produces: ['application/json', 'application/yaml'],
    schemes: ['https'],
    parameters: params,
    responses: { '200': { description: 'OK', schema: ref(op.response) }, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': gvkObject(op.gvk),
  };
}

// -------------------------------------------------------------------------------------------- schemas

const LOOSE = (): JsonObject => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
const STR: JsonObject = { type: 'string' };
const STR_MAP: JsonObject = { type: 'object', additionalProperties: { type: 'string' } };
/** A list merged by `key` in strategic merge patches; items are loose objects unless `items` is given. */
const mergeList = (key: string, items: JsonObject = LOOSE(), strategy = 'merge'): JsonObject => ({
  type: 'array',
  items,
  'x-kubernetes-patch-merge-key': key,
  'x-kubernetes-patch-strategy': strategy,
});
const typed = (properties: JsonObject, description?: string): JsonObject => ({
  ...(description === undefined ? {} : { description }),
  type: 'object',
  properties,
  'x-kubernetes-preserve-unknown-fields': true,
});

/** Nested built-in models: just the fields whose strategic-merge metadata matters, the rest passes through. */
function nestedModels(ref: (n: string) => JsonObject): Record<string, JsonObject> {
  const podTemplate = (): JsonObject => ref('io.k8s.api.core.v1.PodTemplateSpec');
  return {
    [OBJECT_META]: typed({
      name: STR,
      generateName: STR,
      namespace: STR,
      uid: STR,
      resourceVersion: STR,
      generation: { type: 'integer', format: 'int64' },
      creationTimestamp: { type: 'string', format: 'date-time' },
      deletionTimestamp: { type: 'string', format: 'date-time' },
      deletionGracePeriodSeconds: { type: 'integer', format: 'int64' },
      labels: STR_MAP,
      annotations: STR_MAP,
      finalizers: { type: 'array', items: STR, 'x-kubernetes-patch-strategy': 'merge' },
      ownerReferences: mergeList('uid'),
      managedFields: { type: 'array', items: LOOSE() },
    }, 'ObjectMeta is metadata that all persisted resources must have.'),
    [LIST_META]: typed({ continue: STR, remainingItemCount: { type: 'integer', format: 'int64' }, resourceVersion: STR }),
    [STATUS]: { ...typed({ apiVersion: STR, kind: STR, metadata: ref(LIST_META), status: STR, message: STR, reason: STR, code: { type: 'integer' }, details: LOOSE() }), 'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }] },
    [DELETE_OPTIONS]: typed({ apiVersion: STR, kind: STR, dryRun: { type: 'array', items: STR }, gracePeriodSeconds: { type: 'integer', format: 'int64' }, propagationPolicy: STR, orphanDependents: { type: 'boolean' }, preconditions: LOOSE() }),
    [PATCH]: { type: 'object', description: 'The body of a PATCH request, in the format its Content-Type names.' },
    [SCALE]: {
      ...typed({ apiVersion: STR, kind: STR, metadata: ref(OBJECT_META), spec: typed({ replicas: { type: 'integer', format: 'int32' } }), status: typed({ replicas: { type: 'integer', format: 'int32' }, selector: STR }) }),
      'x-kubernetes-group-version-kind': [gvkObject(SCALE_GVK)],
    },
    'io.k8s.api.core.v1.PodTemplateSpec': typed({ metadata: ref(OBJECT_META), spec: ref('io.k8s.api.core.v1.PodSpec') }),
    'io.k8s.api.core.v1.PodSpec': typed({
      containers: mergeList('name', ref('io.k8s.api.core.v1.Container')),
      initContainers: mergeList('name', ref('io.k8s.api.core.v1.Container')),
      ephemeralContainers: mergeList('name'),
      volumes: mergeList('name', LOOSE(), 'merge,retainKeys'),
      imagePullSecrets: mergeList('name'),
      hostAliases: mergeList('ip'),
      topologySpreadConstraints: mergeList('topologyKey'),
    }),
    'io.k8s.api.core.v1.Container': typed({
      name: STR,
      image: STR,
      ports: mergeList('containerPort'),
      env: mergeList('name'),
      volumeMounts: mergeList('mountPath'),
      volumeDevices: mergeList('devicePath'),
    }),
    'io.k8s.api.core.v1.ServiceSpec': typed({ ports: mergeList('port'), selector: STR_MAP, type: STR, clusterIP: STR }),
    'io.k8s.api.apps.v1.DeploymentSpec': typed({ replicas: { type: 'integer', format: 'int32' }, selector: LOOSE(), template: podTemplate(), strategy: { ...LOOSE(), 'x-kubernetes-patch-strategy': 'retainKeys' } }),
    'io.k8s.api.apps.v1.ReplicaSetSpec': typed({ replicas: { type: 'integer', format: 'int32' }, selector: LOOSE(), template: podTemplate() }),
    'io.k8s.api.apps.v1.DaemonSetSpec': typed({ selector: LOOSE(), template: podTemplate(), updateStrategy: LOOSE() }),
    'io.k8s.api.apps.v1.StatefulSetSpec': typed({ replicas: { type: 'integer', format: 'int32' }, selector: LOOSE(), template: podTemplate(), serviceName: STR }),
    'io.k8s.api.batch.v1.JobSpec': typed({ template: podTemplate(), parallelism: { type: 'integer', format: 'int32' }, completions: { type: 'integer', format: 'int32' } }),
  };
}

/** Top-level fields of built-in kinds besides apiVersion/kind/metadata; `spec`/`status` pass through unless listed. */
function builtinFields(r: ResourceInfo, ref: (n: string) => JsonObject): JsonObject {
  const specRef: Readonly<Record<string, string>> = {
    Pod: 'io.k8s.api.core.v1.PodSpec',
    Service: 'io.k8s.api.core.v1.ServiceSpec',
    Deployment: 'io.k8s.api.apps.v1.DeploymentSpec',
    ReplicaSet: 'io.k8s.api.apps.v1.ReplicaSetSpec',
    DaemonSet: 'io.k8s.api.apps.v1.DaemonSetSpec',
    StatefulSet: 'io.k8s.api.apps.v1.StatefulSetSpec',
    Job: 'io.k8s.api.batch.v1.JobSpec',
  };
  const int = (format: string): JsonObject => ({ type: 'integer', format });
  switch (r.kind) {
    case 'ConfigMap':
      return { data: STR_MAP, binaryData: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } }, immutable: { type: 'boolean' } };
    case 'Secret':
      return { data: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } }, stringData: STR_MAP, type: STR, immutable: { type: 'boolean' } };
    case 'Endpoints':
      return { subsets: { type: 'array', items: LOOSE() } };
    case 'ServiceAccount':
      return { secrets: mergeList('name'), imagePullSecrets: { type: 'array', items: LOOSE() }, automountServiceAccountToken: { type: 'boolean' } };
    case 'ControllerRevision':
      return { data: LOOSE(), revision: int('int64') };
    case 'PriorityClass':
      return { value: int('int32'), globalDefault: { type: 'boolean' }, description: STR, preemptionPolicy: STR };
    case 'EndpointSlice':
      return { addressType: STR, endpoints: { type: 'array', items: LOOSE() }, ports: { type: 'array', items: LOOSE() } };
    case 'Event':
      return { involvedObject: LOOSE(), reason: STR, message: STR, type: STR, count: int('int32'), source: LOOSE(), firstTimestamp: STR, lastTimestamp: STR, eventTime: STR };
    default: {
      const spec = specRef[r.kind];
      return { spec: spec === undefined ? LOOSE() : ref(spec), status: LOOSE() };
    }
  }
}

function kindSchema(r: ResourceInfo, ref: (n: string) => JsonObject, flavour: 'v2' | 'v3'): JsonObject {
  const gvk = { 'x-kubernetes-group-version-kind': [gvkObject(r)] };
  const head: JsonObject = { apiVersion: STR, kind: STR, metadata: ref(OBJECT_META) };
  const crd = r.custom?.schema;
  if (r.custom !== undefined) {
    // v3 publishes the CRD's own schema; v2 (which cannot express all of OpenAPI v3) gets a pass-through one.
    if (flavour === 'v3' && crd !== undefined) {
      const s = cloneJson(crd);
      const props = isJsonObject(s['properties']) ? s['properties'] : {};
      return { ...s, type: 'object', properties: { ...props, ...head }, ...gvk };
    }
    return { ...typed(head), ...gvk };
  }
  // Event and the other kinds listed with only some fields pass unknown top-level fields through.
  return { ...typed({ ...head, ...builtinFields(r, ref) }), ...gvk };
}

function listSchema(r: ResourceInfo, ref: (n: string) => JsonObject): JsonObject {
  return {
    type: 'object',
    required: ['items'],
    properties: { apiVersion: STR, kind: STR, metadata: ref(LIST_META), items: { type: 'array', items: ref(schemaNameOf(r, r.kind)) } },
    'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.listKind, version: r.version }],
  };
}

/** The kind and list schemas of `served`, plus every nested model they (transitively) reference, sorted by name. */
function schemasFor(served: readonly ResourceInfo[], ref: (n: string) => JsonObject, flavour: 'v2' | 'v3'): JsonObject {
  const all = new Map<string, JsonObject>();
  for (const r of served) {
    all.set(schemaNameOf(r, r.kind), kindSchema(r, ref, flavour));
    all.set(schemaNameOf(r, r.listKind), listSchema(r, ref));
  }
  const nested = nestedModels(ref);
  const pending = [...all.values()];
  // Paths reference these even when no kind does.
  for (const name of [STATUS, DELETE_OPTIONS, PATCH, ...(served.some((r) => r.subresources.includes('scale')) ? [SCALE] : [])]) {
    const s = nested[name];
    if (s !== undefined && !all.has(name)) {
      all.set(name, s);
      pending.push(s);
    }
  }
  while (pending.length > 0) {
    const next = pending.pop();
    for (const name of refsIn(next)) {
      const s = nested[name];
      if (s === undefined || all.has(name)) continue;
      all.set(name, s);
      pending.push(s);
    }
  }
  const out: JsonObject = {};
  for (const name of [...all.keys()].sort()) out[name] = all.get(name);
  return out;
}

function refsIn(v: JsonValue | undefined): string[] {
  const out: string[] = [];
  const walk = (x: JsonValue | undefined): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (isJsonObject(x)) {
      for (const [k, child] of Object.entries(x)) {
        if (k === '$ref' && typeof child === 'string') out.push(child.slice(child.lastIndexOf('/') + 1));
        else walk(child);
      }
    }
  };
  walk(v);
  return out;
}

// ---------------------------------------------------------------------------------------------- helpers

function servedGvPaths(resources: readonly ResourceInfo[]): string[] {
  const set = new Set(resources.map(gvPathOf));
  // api/v1 first, then the named groups in order, as kube-apiserver lists them.
  return [...set].sort((a, b) => (a.startsWith('api/') === b.startsWith('api/') ? (a < b ? -1 : a > b ? 1 : 0) : a.startsWith('api/') ? -1 : 1));
}

/** One entry per group version and plural (the first wins), sorted for deterministic output. */
function uniqueSorted(resources: readonly ResourceInfo[]): ResourceInfo[] {
  const byKey = new Map<string, ResourceInfo>();
  for (const r of resources) {
    const key = `${groupVersion(r)}/${r.plural}`;
    if (!byKey.has(key)) byKey.set(key, r);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `''` → Core, `apps` → Apps, `coordination.k8s.io` → Coordination, `devices.kubeedge.io` → DevicesKubeedgeIo. */
function pascalGroup(group: string): string {
  if (group === '') return 'Core';
  return group.replace(/\.k8s\.io$/, '').split(/[.-]/).map(pascal).join('');
}
