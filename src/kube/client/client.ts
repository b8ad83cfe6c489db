/**
 * The Kubernetes client every controller, the scheduler and cloudcore use: typed operations on any
 * `ResourceRef`, raw JSON in and out, every failure a `KubeApiError` (errors.ts).
 */
import { isJsonArray, isJsonObject, type JsonObject } from '../../base/index.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeConnection, type HttpMethod, type KubeConnectionOptions, type KubeResponse, type QueryParams } from './connection.js';
import { badResponseError, errorFromStatus, isGone, KubeApiError } from './errors.js';
import { apiVersionOf, collectionPath, objectPath, RESOURCES, type ResourceRef } from './resources.js';
import type { KubeList, KubeObject, WatchEvent } from './types.js';

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export interface WriteOptions extends CallOptions {
  readonly dryRun?: boolean;
  /** Overrides the client's fieldManager for this write. */
  readonly fieldManager?: string;
}

export interface SelectorOptions {
  /** Namespaced resources: one namespace; absent or '' lists all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface ListOptions extends CallOptions, SelectorOptions {
  /** Page size (default 500); 0 asks for everything in one answer. */
  readonly limit?: number;
  /** '0' lets the server answer from its cache; absent means a consistent read. */
  readonly resourceVersion?: string;
}

export interface ListPage<T> extends KubeList<T> {
  readonly continue: string | undefined;
}

export interface WatchOptions extends SelectorOptions {
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly timeoutSeconds?: number;
  readonly signal: AbortSignal;
}

export const PATCH_CONTENT_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;
export type PatchType = keyof typeof PATCH_CONTENT_TYPES;

export interface PatchOptions extends WriteOptions {
  readonly type: PatchType;
  readonly subresource?: 'status' | 'scale';
  /** Server-side apply: take ownership of conflicting fields. */
  readonly force?: boolean;
}

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export interface DeleteOptions extends CallOptions {
  readonly propagationPolicy?: PropagationPolicy;
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
}

/** What an informer needs from a server: a full list and a watch from a resourceVersion. */
export interface ListWatch<T> {
  list(signal: AbortSignal): Promise<KubeList<T>>;
  watch(resourceVersion: string, signal: AbortSignal): AsyncIterable<WatchEvent<T>>;
}

export interface KubeClientOptions extends KubeConnectionOptions {
  /** Sent as ?fieldManager= on every write (default 'kubeedge-ts'). */
  readonly fieldManager?: string;
}

/** Seconds a watch asks the server to keep the stream open before the client re-watches. */
export const WATCH_TIMEOUT_SECONDS = 300;

function isKubeObject(v: unknown): v is KubeObject {
  return isJsonObject(v);
}

/** The one place a JSON object from the server is taken to be the resource's type. */
function trusted<T extends KubeObject>(obj: KubeObject): T {
  return obj as T;
}

function localError(message: string): KubeApiError {
  return new KubeApiError({ status: 400, reason: 'BadRequest', message });
}

export class KubeClient {
  readonly connection: KubeConnection;
  readonly fieldManager: string;

  constructor(connection: KubeConnection, opts: { readonly fieldManager?: string } = {}) {
    this.connection = connection;
    this.fieldManager = opts.fieldManager ?? 'kubeedge-ts';
  }

  /** A client from a kubeconfig file, a loaded KubeConfig, or the default lookup. */
  static async fromKubeconfig(source?: string | KubeConfig, opts: KubeClientOptions = {}): Promise<KubeClient> {
    const { fieldManager, ...connOpts } = opts;
    const conn = await KubeConnection.fromKubeconfig(source, connOpts);
    return new KubeClient(conn, fieldManager === undefined ? {} : { fieldManager });
  }

  close(): void {
    this.connection.close();
  }

  /** Sends a request and returns the JSON body of a 2xx answer; anything else throws KubeApiError. */
  async call(method: HttpMethod, path: string, opts: CallOptions & { query?: QueryParams; body?: unknown; contentType?: string } = {}): Promise<unknown> {
    const res: KubeResponse = await this.connection.request({ method, path, ...opts });
    if (res.status < 200 || res.status > 299) throw errorFromStatus(res.status, res.body, `${method} ${path}`);
    return res.body;
  }

  async #object<T extends KubeObject>(method: HttpMethod, path: string, opts: CallOptions & { query?: QueryParams; body?: unknown; contentType?: string }): Promise<T> {
    const body = await this.call(method, path, opts);
    if (!isKubeObject(body)) throw badResponseError(`${method} ${path}`, 'answer is not a JSON object');
    return trusted<T>(body);
  }

  #writeQuery(opts: WriteOptions, extra: QueryParams = {}): QueryParams {
    return { fieldManager: opts.fieldManager ?? this.fieldManager, ...(opts.dryRun === true ? { dryRun: 'All' } : {}), ...extra };
  }

  async get<T extends KubeObject>(ref: ResourceRef<T>, namespace: string | undefined, name: string, opts: CallOptions = {}): Promise<T> {
    return this.#object<T>('GET', objectPath(ref, namespace, name), opts);
  }

  /** One page of a list. */
  async listPage<T extends KubeObject>(ref: ResourceRef<T>, opts: ListOptions & { readonly continue?: string } = {}): Promise<ListPage<T>> {
    const path = collectionPath(ref, opts.namespace);
    const query: QueryParams = {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: opts.limit === 0 ? undefined : (opts.limit ?? 500),
      continue: opts.continue,
      resourceVersion: opts.continue === undefined ? opts.resourceVersion : undefined,
    };
    const body = await this.call('GET', path, { query, ...callOpts(opts) });
    if (!isJsonObject(body) || !isJsonArray(body['items'])) throw badResponseError(`GET ${path}`, 'answer is not a list');
    const apiVersion = apiVersionOf(ref);
    const items: T[] = [];
    for (const it of body['items']) {
      if (!isJsonObject(it)) continue;
      // list items may omit kind and apiVersion; consumers (events, owner references) need them
      if (it['kind'] === undefined) it['kind'] = ref.kind;
      if (it['apiVersion'] === undefined) it['apiVersion'] = apiVersion;
      items.push(trusted<T>(it));
    }
    const meta = isJsonObject(body['metadata']) ? body['metadata'] : {};
    const cont = typeof meta['continue'] === 'string' && meta['continue'] !== '' ? meta['continue'] : undefined;
    return { items, resourceVersion: typeof meta['resourceVersion'] === 'string' ? meta['resourceVersion'] : '', continue: cont };
  }

  /**
   * Every matching object, fetched in pages of `limit` (default 500). If a continue token expires
   * mid-way (410), the list starts over once in a single unpaged request.
   */
  async list<T extends KubeObject>(ref: ResourceRef<T>, opts: ListOptions = {}): Promise<KubeList<T>> {
    const items: T[] = [];
    let page = await this.listPage(ref, opts);
    items.push(...page.items);
    while (page.continue !== undefined) {
      try {
        page = await this.listPage(ref, { ...opts, continue: page.continue });
      } catch (err) {
        if (!isGone(err)) throw err;
        const all = await this.listPage(ref, { ...opts, limit: 0 });
        return { items: all.items, resourceVersion: all.resourceVersion };
      }
      for (const it of page.items) items.push(it);
    }
    return { items, resourceVersion: page.resourceVersion };
  }

  async create<T extends KubeObject>(ref: ResourceRef<T>, obj: T, opts: WriteOptions = {}): Promise<T> {
    const ns = namespaceFor(ref, obj);
    return this.#object<T>('POST', collectionPath(ref, ns), { body: obj, query: this.#writeQuery(opts), ...callOpts(opts) });
  }

  /** PUT: replaces the object; metadata.resourceVersion makes it conditional (409 when stale). */
  async update<T extends KubeObject>(ref: ResourceRef<T>, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#object<T>('PUT', objectPath(ref, namespaceFor(ref, obj), nameOf(obj)), { body: obj, query: this.#writeQuery(opts), ...callOpts(opts) });
  }

  /** PUT /status: replaces only the status. */
  async updateStatus<T extends KubeObject>(ref: ResourceRef<T>, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#object<T>('PUT', objectPath(ref, namespaceFor(ref, obj), nameOf(obj), 'status'), { body: obj, query: this.#writeQuery(opts), ...callOpts(opts) });
  }

  /** merge | strategic | json (RFC 6902 ops array) | apply (server-side apply, with force). */
  async patch<T extends KubeObject>(ref: ResourceRef<T>, namespace: string | undefined, name: string, patch: unknown, opts: PatchOptions): Promise<T> {
    const query = this.#writeQuery(opts, opts.type === 'apply' && opts.force === true ? { force: 'true' } : {});
    return this.#object<T>('PATCH', objectPath(ref, namespace, name, opts.subresource), {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[opts.type],
      query,
      ...callOpts(opts),
    });
  }

  /**
   * DELETE. Answers the object while its deletion is pending (finalizers, graceful pod termination),
   * otherwise the server's Status; either way as unknown JSON.
   */
  async delete(ref: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<unknown> {
    return this.call('DELETE', objectPath(ref, namespace, name), { body: deleteBody(opts), query: opts.dryRun === true ? { dryRun: 'All' } : {}, ...callOpts(opts) });
  }

  /** POST pods/binding: assigns a pending pod to a node (409 if it is already bound). */
  async bindPod(namespace: string, name: string, nodeName: string, opts: WriteOptions & { readonly uid?: string; readonly annotations?: Readonly<Record<string, string>> } = {}): Promise<void> {
    const metadata: JsonObject = { name, namespace };
    if (opts.uid !== undefined) metadata['uid'] = opts.uid;
    if (opts.annotations !== undefined) metadata['annotations'] = { ...opts.annotations };
    await this.call('POST', objectPath(RESOURCES.pods, namespace, name, 'binding'), {
      body: { apiVersion: 'v1', kind: 'Binding', metadata, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } },
      query: this.#writeQuery(opts),
      ...callOpts(opts),
    });
  }

  /** POST pods/eviction (policy/v1). */
  async evictPod(namespace: string, name: string, opts: DeleteOptions = {}): Promise<void> {
    const body: JsonObject = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } };
    const del = deleteBody(opts);
    if (del !== undefined) body['deleteOptions'] = del;
    await this.call('POST', objectPath(RESOURCES.pods, namespace, name, 'eviction'), { body, query: opts.dryRun === true ? { dryRun: 'All' } : {}, ...callOpts(opts) });
  }

  /** A raw watch; ends when the server ends it or `signal` aborts. ERROR events carry a Status. */
  watch<T extends KubeObject>(ref: ResourceRef<T>, opts: WatchOptions): AsyncIterable<WatchEvent<T>> {
    const query: QueryParams = {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: opts.allowWatchBookmarks === true ? 'true' : undefined,
      timeoutSeconds: opts.timeoutSeconds ?? WATCH_TIMEOUT_SECONDS,
    };
    // the stream yields JSON objects; typing them as T is the one trust placed in the server
    return this.connection.watchStream(collectionPath(ref, opts.namespace), query, opts.signal) as AsyncIterable<WatchEvent<JsonObject>> as AsyncIterable<WatchEvent<T>>;
  }

  /** The list + watch pair an informer runs: paged lists, bookmarked watches of WATCH_TIMEOUT_SECONDS. */
  listWatch<T extends KubeObject>(ref: ResourceRef<T>, sel: SelectorOptions = {}, opts: { readonly pageSize?: number; readonly timeoutSeconds?: number } = {}): ListWatch<T> {
    return {
      list: (signal) => this.list(ref, { ...sel, signal, ...(opts.pageSize === undefined ? {} : { limit: opts.pageSize }), timeoutMs: 120_000 }),
      watch: (resourceVersion, signal) =>
        this.watch(ref, { ...sel, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: opts.timeoutSeconds ?? WATCH_TIMEOUT_SECONDS, signal }),
    };
  }
}

function callOpts(opts: CallOptions): CallOptions {
  return { ...(opts.signal === undefined ? {} : { signal: opts.signal }), ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }) };
}

function nameOf(obj: KubeObject): string {
  const name = obj.metadata?.name;
  if (name === undefined || name === '') throw localError('the object has no metadata.name');
  return name;
}

function namespaceFor(ref: ResourceRef, obj: KubeObject): string | undefined {
  if (!ref.namespaced) return undefined;
  const ns = obj.metadata?.namespace;
  if (ns === undefined || ns === '') throw localError(`a ${ref.kind} needs metadata.namespace`);
  return ns;
}

function deleteBody(opts: DeleteOptions): JsonObject | undefined {
  const b: JsonObject = {};
  if (opts.propagationPolicy !== undefined) b['propagationPolicy'] = opts.propagationPolicy;
  if (opts.gracePeriodSeconds !== undefined) b['gracePeriodSeconds'] = opts.gracePeriodSeconds;
  if (opts.preconditions !== undefined) {
    const p: JsonObject = {};
    if (opts.preconditions.uid !== undefined) p['uid'] = opts.preconditions.uid;
    if (opts.preconditions.resourceVersion !== undefined) p['resourceVersion'] = opts.preconditions.resourceVersion;
    b['preconditions'] = p;
  }
  if (Object.keys(b).length === 0) return undefined;
  return { apiVersion: 'v1', kind: 'DeleteOptions', ...b };
}
