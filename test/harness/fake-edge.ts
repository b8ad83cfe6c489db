/**
 * A fake edge node for raw-frame hub tests: a client certificate signed with the cloud's KubeEdge CA
 * (CN `system:node:<name>`, O `system:nodes`) and a WebSocket to cloudhub with KubeEdge's headers.
 * Built on `ws` directly (not on our transport) so that tests can send what a broken or hostile peer
 * sends: binary frames, oversized frames, forged headers. Every received text frame is decoded with
 * the api codec when possible and kept, so a test can wait for the reply to a request
 * (`parent_msg_id`) or for any frame matching a predicate.
 */
import { WebSocket, type RawData } from 'ws';
import { DEFAULT_PROJECT_ID } from '../../src/api/config/edgecore.js';
import { encodeMessage, newMessage, tryParseFrame, type KubeEdgeMessage, type NewMessageInit } from '../../src/api/index.js';
import { issueCert, type CertKeyPair } from '../../src/platform/certs/index.js';
import type { CleanupOwner } from './cleanup.js';
import type { CloudcoreHandle } from './cloudcore.js';

export interface FakeEdgeOptions {
  /** The certificate's node (default: the nodeName argument). */
  readonly certNode?: string;
  /** Header overrides/additions (default node_id, project_id, ConnectionUse). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The node segment of the URL (default: nodeName). */
  readonly urlNode?: string;
  readonly handshakeTimeoutMs?: number;
  /** A certificate to use instead of a fresh one. */
  readonly cert?: CertKeyPair;
  readonly owner?: CleanupOwner;
}

export interface ReceivedFrame {
  readonly text: string;
  /** undefined when the frame did not decode as a message. */
  readonly msg: KubeEdgeMessage | undefined;
}

/** Issues a client certificate for `system:node:<nodeName>` with the cloud's KubeEdge CA. */
export function issueNodeCert(cloud: CloudcoreHandle, nodeName: string): Promise<CertKeyPair> {
  if (cloud.kubeedgeCaPem === '') throw new Error('cloudcore has no KubeEdge CA (DIR/ca/rootCA.crt); is the hub enabled?');
  return issueCert({ certPem: cloud.kubeedgeCaPem, keyPem: cloud.kubeedgeCaKeyPem }, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'client' });
}

/** The upgrade was answered with an HTTP status instead of 101. */
export class UpgradeRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

export class FakeEdge {
  readonly frames: ReceivedFrame[] = [];
  readonly #ws: WebSocket;
  readonly #waiters = new Set<() => void>();
  #closed: { code: number; reason: string } | undefined;

  constructor(
    readonly nodeName: string,
    ws: WebSocket,
  ) {
    this.#ws = ws;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
      const text = buf.toString('utf8');
      const parsed = isBinary ? undefined : tryParseFrame(text);
      this.frames.push({ text, msg: parsed?.ok === true ? parsed.value : undefined });
      for (const w of [...this.#waiters]) w();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.#closed = { code, reason: reason.toString('utf8') };
      for (const w of [...this.#waiters]) w();
    });
    ws.on('error', () => undefined);
  }

  get open(): boolean {
    return this.#closed === undefined && this.#ws.readyState === WebSocket.OPEN;
  }

  get closeInfo(): { readonly code: number; readonly reason: string } | undefined {
    return this.#closed;
  }

  /** Sends a text frame exactly as given. */
  sendText(text: string): Promise<void> {
    return new Promise((resolve, reject) => this.#ws.send(text, { binary: false }, (err) => (err ? reject(err) : resolve())));
  }

  /** Sends a binary frame. */
  sendBinary(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.#ws.send(bytes, { binary: true }, (err) => (err ? reject(err) : resolve())));
  }

  /** Encodes and sends a message. */
  send(msg: KubeEdgeMessage): Promise<void> {
    return this.sendText(encodeMessage(msg));
  }

  /** Resolves with the first received frame (already received or future) matching `pred`. */
  waitFrame(pred: (f: ReceivedFrame) => boolean, timeoutMs = 10_000, what = 'a matching frame'): Promise<ReceivedFrame> {
    const found = this.frames.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const f = this.frames.find(pred);
        if (f) finish(() => resolve(f));
        else if (this.#closed) finish(() => reject(new Error(`${this.nodeName}: connection closed (${this.#closed?.code ?? 0} ${this.#closed?.reason ?? ''}) before ${what}`)));
      };
      const finish = (fn: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        fn();
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${this.nodeName}: no ${what} within ${timeoutMs} ms; got ${this.frames.length} frames: ${this.frames.map((f) => f.text.slice(0, 200)).join('\n')}`))), timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** The reply to `msgId` (parent_msg_id). */
  async reply(msgId: string, timeoutMs = 10_000): Promise<KubeEdgeMessage> {
    const f = await this.waitFrame((x) => x.msg?.header.parent_msg_id === msgId, timeoutMs, `reply to ${msgId}`);
    if (f.msg === undefined) throw new Error('unreachable');
    return f.msg;
  }

  /** Sends `msg` and waits for its reply. */
  async request(msg: KubeEdgeMessage, timeoutMs = 10_000): Promise<KubeEdgeMessage> {
    await this.send(msg);
    return this.reply(msg.header.msg_id, timeoutMs);
  }

  /** Builds an edged-style upstream message (source edged, group meta) and requests it. */
  ask(init: Partial<NewMessageInit<unknown>> & { readonly operation: string; readonly resource: string }, timeoutMs = 10_000): Promise<KubeEdgeMessage> {
    return this.request(newMessage({ source: 'edged', group: 'meta', content: null, ...init }), timeoutMs);
  }

  /** ACKs a downstream message the way edgecore does (op response, content "OK"). */
  ack(msg: KubeEdgeMessage): Promise<void> {
    return this.send(newMessage({ source: msg.route.source, group: msg.route.group, operation: 'response', resource: msg.route.resource, content: 'OK', parentId: msg.header.msg_id }));
  }

  close(): void {
    this.#ws.close();
  }

  terminate(): void {
    this.#ws.terminate();
  }
}

/**
 * Dials cloudhub as `nodeName` (cert CN `system:node:<certNode ?? nodeName>`). Rejects with
 * UpgradeRefusedError when the hub answers the upgrade with an HTTP status.
 */
export async function fakeEdgeConnection(cloud: CloudcoreHandle, nodeName: string, opts: FakeEdgeOptions = {}): Promise<FakeEdge> {
  const cert = opts.cert ?? (await issueNodeCert(cloud, opts.certNode ?? nodeName));
  const url = `wss://127.0.0.1:${cloud.hubPort}/${DEFAULT_PROJECT_ID}/${opts.urlNode ?? nodeName}/events`;
  const headers = { node_id: nodeName, project_id: DEFAULT_PROJECT_ID, ConnectionUse: 'msg', ...opts.headers };
  const ws = new WebSocket(url, {
    ca: cloud.kubeedgeCaPem,
    cert: cert.certPem,
    key: cert.keyPem,
    headers,
    handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000,
    maxPayload: 256 * 1024 * 1024,
    perMessageDeflate: false,
  });
  const edge = await new Promise<FakeEdge>((resolve, reject) => {
    ws.once('open', () => resolve(new FakeEdge(nodeName, ws)));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => reject(new UpgradeRefusedError(res.statusCode ?? 0, body)));
      res.on('error', () => reject(new UpgradeRefusedError(res.statusCode ?? 0, body)));
    });
    ws.once('error', reject);
  });
  opts.owner?.after(() => edge.terminate());
  return edge;
}
