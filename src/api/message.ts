/**
 * The KubeEdge wire message (beehive `model.Message`), defined once for the whole project.
 *
 * JSON names and order are KubeEdge's (Go struct order, `omitempty` where Go has it):
 *   { "header": { "msg_id", "parent_msg_id"?, "timestamp", "resourceversion"?, "sync"?, "type"? },
 *     "route":  { "source"?, "destination"?, "group"?, "operation"?, "resource"? },
 *     "content": <any JSON> }
 * Decoding mirrors what Go's encoding/json accepts from a real edgecore (case-insensitive field names,
 * `null` meaning "not set", unknown fields ignored) but refuses frames whose envelope is not a message.
 */
import { KeError, isJsonObject } from '../base/index.js';

export const WireErrorCode = {
  Malformed: 'KE_WIRE_MALFORMED',
  Oversized: 'KE_WIRE_OVERSIZED',
} as const;

export interface MessageHeader {
  readonly msg_id: string;
  /** Set on responses: the msg_id this answers. */
  readonly parent_msg_id?: string;
  /** Unix time in milliseconds. */
  readonly timestamp: number;
  readonly resourceversion?: string;
  readonly sync?: boolean;
  /** beehive context type; rarely set on the wire. */
  readonly type?: string;
}

export interface MessageRoute {
  /** Empty string when absent on the wire (Go `omitempty`). */
  readonly source: string;
  readonly destination?: string;
  readonly group: string;
  readonly operation: string;
  readonly resource: string;
}

export interface KubeEdgeMessage<C = unknown> {
  readonly header: MessageHeader;
  readonly route: MessageRoute;
  /** Object, string (patches, "OK", "ping", base64 of Go []byte), array or null. */
  readonly content: C;
}

/** Operations known from KubeEdge (facts §3.4). route.operation stays a string: servicebus uses HTTP verbs. */
export const Operation = {
  Insert: 'insert',
  Update: 'update',
  Delete: 'delete',
  Query: 'query',
  Patch: 'patch',
  Response: 'response',
  Error: 'error',
  Upload: 'upload',
  Keepalive: 'keepalive',
  UnholdUpgrade: 'unhold-upgrade',
  /** devicetwin membership get (observed: `membership/detail`). */
  Get: 'get',
  Publish: 'publish',
  Subscribe: 'subscribe',
  Unsubscribe: 'unsubscribe',
  Message: 'message',
  GetResult: 'get_result',
  Start: 'start',
  Stop: 'stop',
  Connect: 'connect',
  CreateVolume: 'createvolume',
  DeleteVolume: 'deletevolume',
  ControllerPublishVolume: 'controllerpublishvolume',
  ControllerUnpublishVolume: 'controllerunpublishvolume',
  Connected: 'connected',
  Disconnected: 'disconnected',
  ApplicationResponse: 'applicationResponse',
  Upgrade: 'upgrade',
  Rollback: 'rollback',
  Backup: 'backup',
  Prepull: 'prepull',
  UpdateNodeActionStatus: 'UpdateNodeActionStatus',
} as const;
export type OperationName = (typeof Operation)[keyof typeof Operation];

/** Groups on the wire (facts §3.5), plus `hub` (edge-internal target of ACKs). */
export const Group = {
  Resource: 'resource',
  Func: 'func',
  Twin: 'twin',
  User: 'user',
  TaskManager: 'taskmanager',
  Meta: 'meta',
  DynamicController: 'dynamiccontroller',
  Hub: 'hub',
} as const;
export type GroupName = (typeof Group)[keyof typeof Group];

/** Sources (module names) seen on the wire or named by the facts. */
export const Source = {
  Edged: 'edged',
  EdgeController: 'edgecontroller',
  DeviceController: 'devicecontroller',
  DynamicController: 'dynamiccontroller',
  SyncController: 'synccontroller',
  PolicyController: 'policycontroller',
  WebSocket: 'websocket',
  Twin: 'twin',
  MetaServer: 'metaserver',
  MetaManager: 'metamanager',
  EdgeHub: 'edgehub',
  CloudHub: 'cloudhub',
  RouterEventBus: 'router_eventbus',
  RouterServiceBus: 'router_servicebus',
  TaskManager: 'taskmanager',
  NodeUpgradeJobController: 'nodeupgradejobcontroller',
} as const;
export type SourceName = (typeof Source)[keyof typeof Source];

const OPERATIONS: ReadonlySet<string> = new Set(Object.values(Operation));
export function isKnownOperation(op: string): op is OperationName {
  return OPERATIONS.has(op);
}

/** Edge ACK content and keepalive content, as edgecore sends them. */
export const ACK_OK = 'OK';
export const KEEPALIVE_PING = 'ping';

// ---------------------------------------------------------------------------------------------
// Construction

export interface MessageDeps {
  now?: () => number;
  newId?: () => string;
}

export interface NewMessageInit<C> {
  source: string;
  group: string;
  operation: string;
  resource: string;
  content: C;
  destination?: string;
  parentId?: string;
  resourceVersion?: string;
  sync?: boolean;
  type?: string;
}

function defaultId(): string {
  return globalThis.crypto.randomUUID();
}

/** Like beehive's NewMessage + BuildRouter + FillBody: uuid v4 id, ms timestamp. */
export function newMessage<C>(init: NewMessageInit<C>, deps: MessageDeps = {}): KubeEdgeMessage<C> {
  const header: { -readonly [K in keyof MessageHeader]: MessageHeader[K] } = {
    msg_id: (deps.newId ?? defaultId)(),
    timestamp: (deps.now ?? Date.now)(),
  };
  if (init.parentId) header.parent_msg_id = init.parentId;
  if (init.resourceVersion) header.resourceversion = init.resourceVersion;
  if (init.sync) header.sync = true;
  if (init.type) header.type = init.type;
  const route: { -readonly [K in keyof MessageRoute]: MessageRoute[K] } = {
    source: init.source,
    group: init.group,
    operation: init.operation,
    resource: init.resource,
  };
  if (init.destination) route.destination = init.destination;
  return { header, route, content: init.content };
}

/**
 * beehive NewRespByMessage: parent_msg_id = req.msg_id, same source/group/resource (overridable),
 * operation `response`, same type.
 */
export function responseTo<C>(
  req: KubeEdgeMessage,
  content: C,
  opts: { source?: string; group?: string; resourceVersion?: string; operation?: string } & MessageDeps = {},
): KubeEdgeMessage<C> {
  const init: NewMessageInit<C> = {
    source: opts.source ?? req.route.source,
    group: opts.group ?? req.route.group,
    operation: opts.operation ?? Operation.Response,
    resource: req.route.resource,
    content,
    parentId: req.header.msg_id,
  };
  if (opts.resourceVersion !== undefined) init.resourceVersion = opts.resourceVersion;
  if (req.header.type !== undefined) init.type = req.header.type;
  return newMessage(init, opts);
}

/** An `error`-operation reply (beehive NewErrorMessage), content the error text. */
export function errorTo(req: KubeEdgeMessage, text: string, opts: { source?: string; group?: string } & MessageDeps = {}): KubeEdgeMessage<string> {
  return responseTo(req, text, { ...opts, operation: Operation.Error });
}

/** The edge's ACK for a downstream message: op `response`, content "OK". */
export function ackFor(req: KubeEdgeMessage, deps: MessageDeps = {}): KubeEdgeMessage<string> {
  return responseTo(req, ACK_OK, deps);
}

// ---------------------------------------------------------------------------------------------
// Decoding

export type WireResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: KeError };

function malformed(field: string, what: string): KeError {
  return new KeError(WireErrorCode.Malformed, `malformed message: ${field} ${what}`, { details: { field } });
}

/**
 * Go's encoding/json field lookup: exact name or case-insensitive match; the last matching key wins.
 * Returns undefined when absent, and treats JSON `null` as absent (Go leaves the zero value).
 */
function field(obj: Readonly<Record<string, unknown>>, name: string): unknown {
  let found: unknown = undefined;
  for (const key of Object.keys(obj)) {
    if (key === name || key.toLowerCase() === name) found = obj[key];
  }
  return found === null ? undefined : found;
}

function optString(obj: Readonly<Record<string, unknown>>, name: string, path: string): string | undefined {
  const v = field(obj, name);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw malformed(path, 'must be a string');
  return v;
}

/** Validates an already-parsed JSON value as a KubeEdge message; throws KeError KE_WIRE_MALFORMED naming the field. */
export function decodeMessage(json: unknown): KubeEdgeMessage {
  if (!isJsonObject(json)) throw malformed('message', 'must be a JSON object');
  const rawHeader = field(json, 'header');
  if (rawHeader === undefined) throw malformed('header', 'is missing');
  if (!isJsonObject(rawHeader)) throw malformed('header', 'must be an object');
  const rawRoute = field(json, 'route');
  if (rawRoute === undefined) throw malformed('route', 'is missing');
  if (!isJsonObject(rawRoute)) throw malformed('route', 'must be an object');

  const msgId = field(rawHeader, 'msg_id');
  if (msgId === undefined) throw malformed('header.msg_id', 'is missing');
  if (typeof msgId !== 'string') throw malformed('header.msg_id', 'must be a string');
  const ts = field(rawHeader, 'timestamp');
  if (ts === undefined) throw malformed('header.timestamp', 'is missing');
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) throw malformed('header.timestamp', 'must be an integer');

  const header: { -readonly [K in keyof MessageHeader]: MessageHeader[K] } = { msg_id: msgId, timestamp: ts };
  const parent = optString(rawHeader, 'parent_msg_id', 'header.parent_msg_id');
  if (parent) header.parent_msg_id = parent;
  const rv = optString(rawHeader, 'resourceversion', 'header.resourceversion');
  if (rv) header.resourceversion = rv;
  const sync = field(rawHeader, 'sync');
  if (sync !== undefined && typeof sync !== 'boolean') throw malformed('header.sync', 'must be a boolean');
  if (sync === true) header.sync = true;
  const type = optString(rawHeader, 'type', 'header.type');
  if (type) header.type = type;

  const route: { -readonly [K in keyof MessageRoute]: MessageRoute[K] } = {
    source: optString(rawRoute, 'source', 'route.source') ?? '',
    group: optString(rawRoute, 'group', 'route.group') ?? '',
    operation: optString(rawRoute, 'operation', 'route.operation') ?? '',
    resource: optString(rawRoute, 'resource', 'route.resource') ?? '',
  };
  const dest = optString(rawRoute, 'destination', 'route.destination');
  if (dest) route.destination = dest;

  // content: any JSON; absent or null both mean Go's nil.
  const content = field(json, 'content') ?? null;
  return { header, route, content };
}

export function tryDecodeMessage(json: unknown): WireResult<KubeEdgeMessage> {
  try {
    return { ok: true, value: decodeMessage(json) };
  } catch (err) {
    if (err instanceof KeError) return { ok: false, error: err };
    throw err;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/**
 * Decodes one WebSocket frame (text or bytes, Go's trailing newline allowed). Rejects invalid UTF-8,
 * invalid JSON and anything `decodeMessage` rejects, with KE_WIRE_MALFORMED; frames over `maxBytes`
 * with KE_WIRE_OVERSIZED.
 */
export function parseFrame(data: string | Uint8Array, opts: { maxBytes?: number } = {}): KubeEdgeMessage {
  const size = typeof data === 'string' ? utf8Encoder.encode(data).byteLength : data.byteLength;
  if (opts.maxBytes !== undefined && size > opts.maxBytes) {
    throw new KeError(WireErrorCode.Oversized, `frame of ${size} bytes exceeds ${opts.maxBytes}`, { details: { size, maxBytes: opts.maxBytes } });
  }
  let text: string;
  if (typeof data === 'string') {
    text = data;
  } else {
    try {
      text = utf8.decode(data);
    } catch (err) {
      throw new KeError(WireErrorCode.Malformed, 'malformed message: frame is not UTF-8', { cause: err, details: { field: 'frame' } });
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KeError(WireErrorCode.Malformed, 'malformed message: frame is not JSON', { cause: err, details: { field: 'frame' } });
  }
  return decodeMessage(json);
}

export function tryParseFrame(data: string | Uint8Array, opts: { maxBytes?: number } = {}): WireResult<KubeEdgeMessage> {
  try {
    return { ok: true, value: parseFrame(data, opts) };
  } catch (err) {
    if (err instanceof KeError) return { ok: false, error: err };
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * KubeEdge's JSON: header then route then content, fields in Go struct order, empty optional
 * fields omitted, content always present (null when nil). No trailing newline (Go's Encoder adds one;
 * Go readers do not need it).
 */
export function encodeMessage(msg: KubeEdgeMessage): string {
  const h = msg.header;
  const header: Record<string, unknown> = { msg_id: h.msg_id };
  if (h.parent_msg_id) header['parent_msg_id'] = h.parent_msg_id;
  header['timestamp'] = h.timestamp;
  if (h.resourceversion) header['resourceversion'] = h.resourceversion;
  if (h.sync) header['sync'] = true;
  if (h.type) header['type'] = h.type;
  const r = msg.route;
  const route: Record<string, unknown> = {};
  if (r.source) route['source'] = r.source;
  if (r.destination) route['destination'] = r.destination;
  if (r.group) route['group'] = r.group;
  if (r.operation) route['operation'] = r.operation;
  if (r.resource) route['resource'] = r.resource;
  return JSON.stringify({ header, route, content: msg.content ?? null });
}

// ---------------------------------------------------------------------------------------------
// Content

/**
 * beehive GetContentData as text: a string passes through, null is "", anything else is its JSON.
 * Use for patch bodies (edgecore sends them as JSON strings).
 */
export function contentText(msg: KubeEdgeMessage): string {
  const c = msg.content;
  if (typeof c === 'string') return c;
  if (c === null || c === undefined) return '';
  return JSON.stringify(c);
}

/**
 * The content as a JSON value, whatever encoding the peer used: an object/array/number as is; a
 * string holding JSON (patches, membership) parsed; a string holding base64 of JSON (Go `[]byte`
 * content) decoded and parsed. Throws KE_WIRE_MALFORMED (field `content`) otherwise.
 */
export function contentJson(msg: KubeEdgeMessage): unknown {
  const c = msg.content;
  if (typeof c !== 'string') return c ?? null;
  try {
    return JSON.parse(c);
  } catch {
    // fall through to base64
  }
  const bytes = decodeBase64(c);
  if (bytes !== undefined) {
    try {
      return JSON.parse(utf8.decode(bytes));
    } catch {
      // fall through
    }
  }
  throw malformed('content', 'is not JSON (plain or base64)');
}

/** The content as bytes: a base64 string (Go `[]byte`) decoded, else the UTF-8 of contentText. */
export function contentBytes(msg: KubeEdgeMessage, opts: { base64?: boolean } = {}): Uint8Array {
  if (opts.base64 && typeof msg.content === 'string') {
    const b = decodeBase64(msg.content);
    if (b === undefined) throw malformed('content', 'is not base64');
    return b;
  }
  return utf8Encoder.encode(contentText(msg));
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX: ReadonlyMap<string, number> = new Map([...B64].map((ch, i) => [ch, i]));

/** Standard, padded base64 as Go's encoding/json writes []byte; undefined when not valid. */
export function decodeBase64(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0) return undefined;
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const body = s.length - pad;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < body; i++) {
    const v = B64_INDEX.get(s.charAt(i));
    if (v === undefined) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (o !== out.length || (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/** Encodes bytes the way Go's encoding/json writes a []byte (standard, padded base64). */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64.charAt((n >> 18) & 63) + B64.charAt((n >> 12) & 63);
    out += b === undefined ? '=' : B64.charAt((n >> 6) & 63);
    out += c === undefined ? '=' : B64.charAt(n & 63);
  }
  return out;
}
