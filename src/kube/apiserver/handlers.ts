import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonObject, type JsonObject } from '../../base/index.js';
import { decodeBody, decodeObjectBody, mediaType, readBody } from './body.js';
import { decodeDeleteOptions, deleteObject } from './deletion.js';
import { listObject, listObjects, parseSelectors } from './list.js';
import { managerFromUserAgent, metaOf } from './meta.js';
import type { ObjectService, WriteOptions } from './objects.js';
import { patchObject, patchTypeOf } from './patching.js';
import type { ResourceRequest } from './request-info.js';
import { sendJson, sendSuccess, toJson } from './respond.js';
import type { ResourceInfo } from './resources.js';
import { apiErrors, ApiError, statusObject, toApiError } from './status.js';
import { tokenRequest, type TokenKey } from './service-account-token.js';
import { bindPod, ensureSubresource, readScale, writeScale } from './subresources.js';
import { toTable, wantsTable } from './table.js';
import { bookmark, checkWatchRevision, startWatch, type WatchEventType } from './watch.js';

export interface HandlerContext {
  readonly svc: ObjectService;
  readonly bookmarkIntervalMs: number;
  readonly maxWatchSeconds: number;
  /** Open watches, closed on shutdown. */
  readonly watches: Set<() => void>;
  /** Signs service-account tokens (TokenRequest). */
  readonly tokenKey: TokenKey;
  readonly now: () => number;
}

/** A write is acknowledged only once the store has made it durable (writes are committed in groups). */
function durable(ctx: HandlerContext): Promise<void> {
  return ctx.svc.store.sync();
}

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

function writeOptions(req: IncomingMessage, q: URLSearchParams): WriteOptions {
  const fv = q.get('fieldValidation');
  if (fv !== null && fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    throw apiErrors.badRequest(`fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`);
  }
  const dry = q.getAll('dryRun');
  if (dry.some((d) => d !== 'All')) throw apiErrors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(dry)}: supported values: "All"`);
  return {
    dryRun: dry.includes('All'),
    fieldManager: q.get('fieldManager') ?? managerFromUserAgent(req.headers['user-agent']),
    ...(fv !== null ? { fieldValidation: fv } : {}),
  };
}

function respondObject(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: ResourceInfo, code: number, o: Readonly<JsonObject>): void {
  if (wantsTable(req.headers['accept'])) {
    sendJson(res, code, toTable(r, [o as JsonObject], { now: ctx.svc.now(), includeObject: includeObject(req) }));
    return;
  }
  sendJson(res, code, o);
}

function includeObject(req: IncomingMessage): 'None' | 'Metadata' | 'Object' {
  const v = new URL(req.url ?? '/', 'https://x').searchParams.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

export async function handleResource(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: ResourceInfo, rr: ResourceRequest, q: URLSearchParams): Promise<void> {
  const { svc } = ctx;
  const method = req.method ?? 'GET';
  const ns = r.namespaced ? rr.namespace : undefined;
  if (r.namespaced && rr.namespace === undefined && !(method === 'GET' && rr.name === undefined)) {
    throw new ApiError('NotFound', 'the server could not find the requested resource: a namespace is required');
  }
  if (!r.namespaced && rr.namespace !== undefined) throw new ApiError('NotFound', `the server could not find the requested resource: ${r.plural} is not namespaced`);
  const name = rr.name;
  const sub = rr.subresource;
  if (sub !== undefined) ensureSubresource(r, sub);

  if (name === undefined) {
    switch (method) {
      case 'GET':
        if (flag(q, 'watch')) return serveWatch(ctx, req, res, r, ns, q);
        return serveList(ctx, req, res, r, ns, q);
      case 'POST': {
        const body = decodeObjectBody(await readBody(req), req.headers['content-type']);
        const created = svc.create(r, ns, body, writeOptions(req, q));
        await durable(ctx);
        return respondObject(ctx, req, res, r, 201, created);
      }
      case 'DELETE': {
        const buf = await readBody(req);
        const opts = decodeDeleteOptions(buf.length > 0 ? decodeBody(buf, req.headers['content-type']) : undefined, q);
        const out = listObjects(svc, r, ns, { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined });
        const items: JsonObject[] = [];
        for (const o of out.items) {
          const m = metaOf(o);
          try {
            items.push(deleteObject(svc, r, typeof m['namespace'] === 'string' ? m['namespace'] : undefined, String(m['name']), opts).object);
          } catch (err) {
            if (toApiError(err).httpCode !== 404) throw err;
          }
        }
        await durable(ctx);
        return sendJson(res, 200, listObject(r, { items, resourceVersion: String(svc.store.currentRevision()) }));
      }
      default:
        throw apiErrors.methodNotAllowed();
    }
  }

  if (sub === 'scale') {
    if (method === 'GET') return sendJson(res, 200, readScale(svc, r, ns, name));
    const body = await readBody(req);
    const type = mediaType(req.headers['content-type']);
    if (method === 'PUT' || method === 'PATCH') {
      const change = method === 'PUT' ? { put: decodeObjectBody(body, type) } : { patchType: patchTypeOf(type), patch: decodeBody(body, type) };
      const scale = writeScale(svc, r, ns, name, change, writeOptions(req, q));
      await durable(ctx);
      return sendJson(res, 200, scale);
    }
    throw apiErrors.methodNotAllowed();
  }
  if (sub === 'token') {
    if (method !== 'POST' || ns === undefined) throw apiErrors.methodNotAllowed();
    const request = decodeObjectBody(await readBody(req), req.headers['content-type']);
    return sendJson(res, 201, tokenRequest(svc, ctx.tokenKey, ctx.now(), r, ns, name, request));
  }
  if (sub === 'binding' || sub === 'eviction') {
    if (method !== 'POST') throw apiErrors.methodNotAllowed();
    const body = decodeObjectBody(await readBody(req), req.headers['content-type']);
    if (sub === 'binding') {
      bindPod(svc, r, ns, name, body, writeOptions(req, q));
      await durable(ctx);
      return sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    const deleteOptions = decodeDeleteOptions(isJsonObject(body['deleteOptions']) ? body['deleteOptions'] : undefined, q);
    deleteObject(svc, r, ns, name, deleteOptions);
    await durable(ctx);
    return sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }

  const target = sub === 'status' ? 'status' : 'main';
  if (sub === 'status' && !['GET', 'PUT', 'PATCH'].includes(method)) throw apiErrors.methodNotAllowed();
  if (sub === 'finalize' && method !== 'PUT') throw apiErrors.methodNotAllowed();
  switch (method) {
    case 'GET':
      return respondObject(ctx, req, res, r, 200, svc.get(r, ns, name));
    case 'PUT': {
      const body = decodeObjectBody(await readBody(req), req.headers['content-type']);
      const updated = sub === 'finalize' ? finalizeNamespace(svc, r, name, body) : svc.update(r, ns, name, body, { ...writeOptions(req, q), target });
      await durable(ctx);
      return respondObject(ctx, req, res, r, 200, updated);
    }
    case 'PATCH': {
      const type = patchTypeOf(mediaType(req.headers['content-type']));
      const patch = decodeBody(await readBody(req), req.headers['content-type']);
      const out = patchObject(svc, r, ns, name, type, patch, { ...writeOptions(req, q), force: flag(q, 'force'), target });
      await durable(ctx);
      return respondObject(ctx, req, res, r, out.created ? 201 : 200, out.object);
    }
    case 'DELETE': {
      const buf = await readBody(req);
      const opts = decodeDeleteOptions(buf.length > 0 ? decodeBody(buf, req.headers['content-type']) : undefined, q);
      const out = deleteObject(svc, r, ns, name, opts);
      await durable(ctx);
      if (out.deleted && !(r.group === '' && r.plural === 'pods')) {
        const meta = metaOf({ ...out.object });
        return sendSuccess(res, { name, group: r.group, kind: r.plural, ...(typeof meta['uid'] === 'string' ? { uid: meta['uid'] } : {}) });
      }
      return sendJson(res, 200, out.object);
    }
    default:
      throw apiErrors.methodNotAllowed();
  }
}

function finalizeNamespace(svc: ObjectService, r: ResourceInfo, name: string, body: JsonObject): JsonObject {
  const entry = svc.getEntry(r, undefined, name);
  const spec = isJsonObject(body['spec']) ? body['spec'] : {};
  const finalizers = Array.isArray(spec['finalizers']) ? spec['finalizers'] : [];
  const next = structuredClone(entry.value) as JsonObject;
  next['spec'] = { ...(isJsonObject(next['spec']) ? next['spec'] : {}), finalizers };
  if (finalizers.length === 0 && next['metadata'] && isJsonObject(next['metadata']) && next['metadata']['deletionTimestamp'] !== undefined) {
    const m = next['metadata'];
    if (!Array.isArray(m['finalizers']) || m['finalizers'].length === 0) {
      svc.removeFromStore(r, entry);
      return next;
    }
  }
  return svc.writeRaw(r, entry, next);
}

function serveList(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: ResourceInfo, ns: string | undefined, q: URLSearchParams): void {
  const limitText = q.get('limit');
  const limit = limitText === null ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw apiErrors.badRequest(`limit must be a non-negative integer, got ${JSON.stringify(limitText)}`);
  const out = listObjects(ctx.svc, r, ns, {
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit,
    continue: q.get('continue') ?? undefined,
  });
  if (wantsTable(req.headers['accept'])) {
    const listMeta: JsonObject = { resourceVersion: out.resourceVersion };
    if (out.continue !== undefined) listMeta['continue'] = out.continue;
    if (out.remainingItemCount !== undefined) listMeta['remainingItemCount'] = out.remainingItemCount;
    return sendJson(res, 200, toTable(r, out.items, { now: ctx.svc.now(), includeObject: includeObject(req), listMeta }));
  }
  // stream the items so a large list is not built as one string twice
  const list = listObject(r, out);
  const head = JSON.stringify({ kind: list['kind'], apiVersion: list['apiVersion'], metadata: list['metadata'] });
  res.writeHead(200, { 'Content-Type': 'application/json' });
  // items go out in chunks of ~256 KiB: few TLS records and syscalls, and no single huge string
  let chunk = `${head.slice(0, -1)},"items":[`;
  out.items.forEach((o, i) => {
    chunk += i === 0 ? toJson(o) : `,${toJson(o)}`;
    if (chunk.length >= 256 * 1024) {
      res.write(chunk);
      chunk = '';
    }
  });
  res.end(`${chunk}]}`);
}

/** A watcher whose unread output passes this is closed; it re-watches from its last resourceVersion. */
const MAX_WATCH_BACKLOG_BYTES = 16 * 1024 * 1024;

function serveWatch(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: ResourceInfo, ns: string | undefined, q: URLSearchParams): void {
  const table = wantsTable(req.headers['accept']);
  const timeoutText = q.get('timeoutSeconds');
  const requested = timeoutText === null ? ctx.maxWatchSeconds : Number(timeoutText);
  const timeoutSec = Number.isFinite(requested) && requested > 0 ? Math.min(requested, ctx.maxWatchSeconds) : ctx.maxWatchSeconds;
  const allowBookmarks = flag(q, 'allowWatchBookmarks');
  // malformed selectors and a revision from the future are errors before the stream starts, as in Kubernetes
  parseSelectors(r, { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined });
  checkWatchRevision(ctx.svc, q.get('resourceVersion') ?? undefined);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders(); // a watcher learns the watch is established before the first event
  let first = true;
  let processed = 0;
  let handle: { stop(): void } | undefined;
  let timeout: ReturnType<typeof setTimeout> | undefined = undefined;
  let ticker: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    handle?.stop();
    clearTimeout(timeout);
    clearTimeout(ticker);
    ctx.watches.delete(close);
    if (!res.writableEnded) res.end();
  };
  const write = (type: WatchEventType, object: Readonly<JsonObject>): void => {
    if (closed || res.writableEnded || res.destroyed) return;
    let payload: string;
    if (table && type !== 'BOOKMARK' && type !== 'ERROR') {
      const t = toTable(r, [object as JsonObject], { now: ctx.svc.now(), includeObject: includeObject(req) });
      if (!first) t['columnDefinitions'] = [];
      first = false;
      payload = JSON.stringify(t);
    } else {
      payload = toJson(object);
    }
    res.write(`{"type":"${type}","object":${payload}}\n`);
    if (res.writableLength > MAX_WATCH_BACKLOG_BYTES) close(); // a reader that stopped reading
  };
  ctx.watches.add(close);
  req.on('close', close);
  res.on('error', close);
  try {
    handle = startWatch(ctx.svc, r, ns, {
      resourceVersion: q.get('resourceVersion') ?? undefined,
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
      sendInitialEvents: flag(q, 'sendInitialEvents'),
      allowWatchBookmarks: allowBookmarks,
    }, {
      event: write,
      progress: (rev) => {
        processed = rev;
      },
    });
  } catch (err) {
    write('ERROR', statusObject(toApiError(err)));
    close();
    return;
  }
  if (closed) handle.stop(); // the initial burst overflowed the backlog
  timeout = setTimeout(close, timeoutSec * 1000);
  if (allowBookmarks) {
    // a bookmark carries the revision this watcher has processed: resuming from it loses nothing
    const tick = (): void => {
      write('BOOKMARK', bookmark(r, processed));
      ticker = setTimeout(tick, ctx.bookmarkIntervalMs);
    };
    ticker = setTimeout(tick, ctx.bookmarkIntervalMs);
  }
}
