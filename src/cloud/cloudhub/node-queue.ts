/**
 * The downstream queues of one edge node (KubeEdge's message pool): an ACK queue keyed by object UID,
 * where a newer version waiting to be sent replaces the older, and a no-ACK queue for replies. Items
 * hold the wire text already (resource in edge form). At most one message per UID is in flight; an
 * unacknowledged one is resent every `resendMs`, and after `maxResends` resends goes to the back of the
 * queue. The queue outlives sessions: `attach` a writer when the node connects, `detach` when it goes.
 * While no session is attached the waiting ACK messages are capped at `maxOfflineBytes` (text length):
 * the oldest are dropped (`onDropped`); the node gets them again when it connects (edgecontroller
 * resends everything) and synccontroller repairs what its success points say it misses.
 */
import type { Clock } from '../../base/index.js';
import { notNewer } from './ack-policy.js';

export interface AckItem {
  readonly uid: string;
  readonly namespace: string | null;
  readonly resourceType: string;
  readonly name: string | undefined;
  readonly msgId: string;
  readonly text: string;
  readonly resourceVersion: string | undefined;
  readonly isDelete: boolean;
  /**
   * A delete of an object that still exists (no longer needed on the node): a later insert/update of
   * the UID replaces it while it waits, or follows it once it is acknowledged.
   */
  readonly unassign?: boolean;
  /** The object content, for the success point. */
  readonly content: unknown;
}

interface InFlight {
  readonly item: AckItem;
  resends: number;
  timer: { cancel(): void } | undefined;
}

export type EnqueueResult = 'queued' | 'replaced' | 'stale';

/** Writes one frame; rejects when the session cannot take it (the session then closes itself). */
export type FrameWriter = (text: string) => Promise<void>;

export interface NodeQueueOptions {
  readonly clock: Clock;
  readonly resendMs: number;
  readonly maxResends: number;
  /** Most ACK messages in flight at once (distinct UIDs). */
  readonly window: number;
  /** Most no-ACK messages waiting; more are dropped. */
  readonly maxNoAck: number;
  /** Most text (UTF-16 units) of waiting ACK messages kept while no session is attached; unlimited when absent. */
  readonly maxOfflineBytes?: number;
  readonly onResend: () => void;
  readonly onWritten: () => void;
  /** Called for each waiting message dropped to stay within maxOfflineBytes. */
  readonly onDropped?: (item: AckItem) => void;
}

/** Whether non-delete `item` is outdated by `than`, a version of the same UID already queued or in flight. */
function isStale(item: AckItem, than: AckItem | undefined): boolean {
  if (than === undefined) return false;
  if (than.isDelete && than.unassign !== true) return true;
  if (than.isDelete) return olderThan(item.resourceVersion, than.resourceVersion);
  return notNewer(item.resourceVersion, than.resourceVersion);
}

/** True when `rv` is known to be older than `than`. */
function olderThan(rv: string | undefined, than: string | undefined): boolean {
  return notNewer(rv, than) && !notNewer(than, rv);
}

export class NodeQueue {
  readonly #opts: NodeQueueOptions;
  readonly #pending = new Map<string, AckItem>();
  #pendingBytes = 0;
  readonly #inFlight = new Map<string, InFlight>();
  readonly #byMsgId = new Map<string, string>();
  #noAck: string[] = [];
  /** In-flight items due for a resend, by UID, in order. */
  readonly #resendDue = new Set<string>();
  #writer: FrameWriter | undefined;
  #pumping = false;

  constructor(opts: NodeQueueOptions) {
    this.#opts = opts;
  }

  get attached(): boolean {
    return this.#writer !== undefined;
  }

  /** Waiting ACK messages (not in flight). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Text length of the waiting ACK messages. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  get noAckCount(): number {
    return this.#noAck.length;
  }

  /** True when an unassign delete of `uid` waits or is in flight (the node is about to lose that object). */
  unassignPending(uid: string): boolean {
    return this.#pending.get(uid)?.unassign === true || this.#inFlight.get(uid)?.item.unassign === true;
  }

  /**
   * Adds an ACK-tracked message; 'stale' when a queued or in-flight version of the UID is as new or
   * newer, or the UID was deleted. After an unassign delete only an older version is stale.
   */
  enqueueAck(item: AckItem): EnqueueResult {
    const queued = this.#pending.get(item.uid);
    const flying = this.#inFlight.get(item.uid)?.item;
    if (!item.isDelete && (isStale(item, queued) || isStale(item, flying))) return 'stale';
    // Map.set on an existing key keeps its place: the newer version goes out where the older one waited
    this.#put(item);
    this.#trimOffline(item.uid);
    this.#pump();
    return queued === undefined ? 'queued' : 'replaced';
  }

  /** Adds a reply; false (dropped) when the node is not connected or the queue is full. */
  enqueueNoAck(text: string): boolean {
    if (this.#writer === undefined || this.#noAck.length >= this.#opts.maxNoAck) return false;
    this.#noAck.push(text);
    this.#pump();
    return true;
  }

  /** The edge ACKed `parentMsgId`: the in-flight item, now done, or undefined when it was not in flight. */
  ack(parentMsgId: string): AckItem | undefined {
    const uid = this.#byMsgId.get(parentMsgId);
    if (uid === undefined) return this.#lateAck(parentMsgId);
    const f = this.#inFlight.get(uid);
    if (f === undefined || f.item.msgId !== parentMsgId) return undefined;
    this.#byMsgId.delete(parentMsgId);
    this.#inFlight.delete(uid);
    this.#resendDue.delete(uid);
    f.timer?.cancel();
    this.#pump();
    return f.item;
  }

  /** An ACK for a message that went back to the queue (resends exhausted, or a reconnect): it arrived after all. */
  #lateAck(msgId: string): AckItem | undefined {
    for (const [uid, item] of this.#pending) {
      if (item.msgId !== msgId) continue;
      this.#take(uid);
      return item;
    }
    return undefined;
  }

  attach(writer: FrameWriter): void {
    this.#writer = writer;
    this.#pump();
  }

  /** The node went away: unacknowledged messages go back to the front of the queue, replies are dropped. */
  detach(): void {
    this.#writer = undefined;
    this.#noAck = [];
    this.#resendDue.clear();
    const back: AckItem[] = [];
    for (const f of this.#inFlight.values()) {
      f.timer?.cancel();
      back.push(f.item);
    }
    this.#inFlight.clear();
    this.#byMsgId.clear();
    const rest = [...this.#pending.values()];
    this.#pending.clear();
    this.#pendingBytes = 0;
    for (const item of back) if (!rest.some((r) => r.uid === item.uid)) this.#put(item);
    for (const item of rest) this.#put(item);
    this.#trimOffline(undefined);
  }

  /** Drops everything (cloudhub stops). */
  clear(): void {
    this.detach();
    this.#pending.clear();
    this.#pendingBytes = 0;
  }

  #put(item: AckItem): void {
    const old = this.#pending.get(item.uid);
    if (old !== undefined) this.#pendingBytes -= old.text.length;
    this.#pending.set(item.uid, item);
    this.#pendingBytes += item.text.length;
  }

  #take(uid: string): void {
    const old = this.#pending.get(uid);
    if (old === undefined) return;
    this.#pending.delete(uid);
    this.#pendingBytes -= old.text.length;
  }

  /** Offline: drops the oldest waiting messages (never `keep`, the one just added) until within maxOfflineBytes. */
  #trimOffline(keep: string | undefined): void {
    const max = this.#opts.maxOfflineBytes;
    if (max === undefined || this.#writer !== undefined) return;
    for (const [uid, item] of this.#pending) {
      if (this.#pendingBytes <= max) return;
      if (uid === keep) continue;
      this.#take(uid);
      this.#opts.onDropped?.(item);
    }
  }

  #pump(): void {
    if (this.#pumping || this.#writer === undefined) return;
    this.#pumping = true;
    void this.#run();
  }

  /** Writes until there is nothing to write; clears the pumping flag in the same turn it finds nothing. */
  async #run(): Promise<void> {
    try {
      for (;;) {
        const writer = this.#writer;
        if (writer === undefined) return;
        const text = this.#next();
        if (text === undefined) return;
        try {
          await writer(text);
          this.#opts.onWritten();
        } catch {
          // the session closes itself; detach() puts in-flight items back
          return;
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** The next frame to write: replies first, then resends, then new ACK messages. */
  #next(): string | undefined {
    const reply = this.#noAck.shift();
    if (reply !== undefined) return reply;
    for (const uid of this.#resendDue) {
      this.#resendDue.delete(uid);
      const f = this.#inFlight.get(uid);
      if (f === undefined) continue;
      this.#arm(f);
      return f.item.text;
    }
    if (this.#inFlight.size >= this.#opts.window) return undefined;
    for (const [uid, item] of this.#pending) {
      if (this.#inFlight.has(uid)) continue;
      this.#take(uid);
      const f: InFlight = { item, resends: 0, timer: undefined };
      this.#inFlight.set(uid, f);
      this.#byMsgId.set(item.msgId, uid);
      this.#arm(f);
      return item.text;
    }
    return undefined;
  }

  #arm(f: InFlight): void {
    f.timer?.cancel();
    f.timer = this.#opts.clock.setTimeout(() => this.#expired(f), this.#opts.resendMs);
  }

  #expired(f: InFlight): void {
    const uid = f.item.uid;
    if (this.#inFlight.get(uid) !== f || this.#writer === undefined) return;
    f.timer = undefined;
    if (f.resends >= this.#opts.maxResends) {
      // give others a turn: back to the end of the queue, unless a newer version already waits
      this.#inFlight.delete(uid);
      this.#byMsgId.delete(f.item.msgId);
      if (!this.#pending.has(uid)) this.#put(f.item);
    } else {
      f.resends++;
      this.#opts.onResend();
      this.#resendDue.add(uid);
    }
    this.#pump();
  }
}
