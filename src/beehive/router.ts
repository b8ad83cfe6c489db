import { KeError, deferred, systemClock, type Clock, type Deferred } from '../base/index.js';
import { BeehiveErrorCode, type RoutedMessage, type RouterHandle } from './types.js';

/** KubeEdge's beehive channel size. */
export const DEFAULT_INBOX_CAPACITY = 1024;
/** KubeEdge's default sync timeout (used when the given timeout is ≤ 0 or absent). */
export const DEFAULT_SYNC_TIMEOUT_MS = 30_000;

export interface RouterOptions {
  /** Bound of every inbox (default 1024). */
  capacity?: number;
  clock?: Clock;
}

/** A bounded FIFO with at most one waiting consumer. */
class Inbox<M> {
  private items: M[] = [];
  private head = 0;
  private waiter: Deferred<M | undefined> | undefined;

  constructor(
    readonly name: string,
    readonly group: string,
    readonly capacity: number,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  hasRoom(): boolean {
    return this.waiter !== undefined || this.size < this.capacity;
  }

  push(msg: M): void {
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(msg);
      return;
    }
    if (this.size >= this.capacity) {
      throw new KeError(BeehiveErrorCode.inboxFull, `inbox of module ${this.name} is full`, {
        details: { module: this.name, capacity: this.capacity },
      });
    }
    this.items.push(msg);
  }

  /** Next message, or undefined when `signal` aborts first. */
  take(signal: AbortSignal): Promise<M | undefined> {
    if (this.size > 0) {
      const msg = this.items[this.head] as M;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve(msg);
    }
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.waiter !== undefined) this.waiter.resolve(undefined); // a newer consumer replaces a stale one
    const w = deferred<M | undefined>();
    this.waiter = w;
    const onAbort = (): void => {
      if (this.waiter === w) this.waiter = undefined;
      w.resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return w.promise.finally(() => signal.removeEventListener('abort', onAbort));
  }

  close(): void {
    this.waiter?.resolve(undefined);
    this.waiter = undefined;
  }
}

interface Pending<M> {
  readonly d: Deferred<M>;
  readonly timer: { cancel(): void };
}

/**
 * The in-process message router: one bounded inbox per module name, a group index, and a map of
 * pending sync calls keyed by msg_id, resolved by the reply whose parent_msg_id matches.
 */
export class Router<M extends RoutedMessage = RoutedMessage> {
  private readonly inboxes = new Map<string, Inbox<M>>();
  private readonly groups = new Map<string, Set<string>>();
  private readonly pending = new Map<string, Pending<M>>();
  private readonly capacity: number;
  private readonly clock: Clock;

  constructor(opts: RouterOptions = {}) {
    this.capacity = opts.capacity ?? DEFAULT_INBOX_CAPACITY;
    this.clock = opts.clock ?? systemClock;
  }

  addInbox(name: string, group: string): void {
    if (this.inboxes.has(name)) {
      throw new KeError(BeehiveErrorCode.duplicateModule, `module ${name} already has an inbox`, { details: { module: name } });
    }
    this.inboxes.set(name, new Inbox<M>(name, group, this.capacity));
    let members = this.groups.get(group);
    if (members === undefined) {
      members = new Set();
      this.groups.set(group, members);
    }
    members.add(name);
  }

  removeInbox(name: string): void {
    const inbox = this.inboxes.get(name);
    if (inbox === undefined) return;
    inbox.close();
    this.inboxes.delete(name);
    const members = this.groups.get(inbox.group);
    members?.delete(name);
    if (members?.size === 0) this.groups.delete(inbox.group);
  }

  has(name: string): boolean {
    return this.inboxes.has(name);
  }

  /** Messages waiting in a module's inbox. */
  queued(name: string): number {
    return this.inbox(name).size;
  }

  members(group: string): string[] {
    return [...(this.groups.get(group) ?? [])];
  }

  send(to: string, msg: M): void {
    if (this.respond(msg)) return;
    this.inbox(to).push(msg);
  }

  respond(reply: M): boolean {
    const parent = reply.header.parent_msg_id;
    if (parent === undefined || parent === '') return false;
    const p = this.pending.get(parent);
    if (p === undefined) return false;
    this.pending.delete(parent);
    p.timer.cancel();
    p.d.resolve(reply);
    return true;
  }

  sendSync(to: string, msg: M, timeoutMs = DEFAULT_SYNC_TIMEOUT_MS): Promise<M> {
    const id = msg.header.msg_id;
    if (this.pending.has(id)) {
      return Promise.reject(new KeError(BeehiveErrorCode.duplicateSync, `a sync call with msg_id ${id} is already pending`, { details: { msgId: id } }));
    }
    const inbox = this.inboxes.get(to);
    if (inbox === undefined) return Promise.reject(this.unknown(to));
    const ms = timeoutMs > 0 ? timeoutMs : DEFAULT_SYNC_TIMEOUT_MS;
    const d = deferred<M>();
    const timer = this.clock.setTimeout(() => {
      if (this.pending.get(id)?.d !== d) return;
      this.pending.delete(id);
      d.reject(new KeError(BeehiveErrorCode.timeout, `no reply from ${to} within ${ms} ms`, { details: { module: to, msgId: id, timeoutMs: ms } }));
    }, ms);
    this.pending.set(id, { d, timer });
    try {
      inbox.push(msg);
    } catch (err) {
      this.pending.delete(id);
      timer.cancel();
      return Promise.reject(err);
    }
    return d.promise;
  }

  /** Fan-out; all-or-nothing: throws KE_BEEHIVE_INBOX_FULL before delivering if any member is full. */
  sendToGroup(group: string, msg: M): number {
    const members = this.groups.get(group);
    if (members === undefined || members.size === 0) {
      throw new KeError(BeehiveErrorCode.unknownGroup, `no module in group ${group}`, { details: { group } });
    }
    const targets = [...members].map((n) => this.inbox(n));
    const full = targets.find((t) => !t.hasRoom());
    if (full !== undefined) {
      throw new KeError(BeehiveErrorCode.inboxFull, `inbox of module ${full.name} is full`, {
        details: { module: full.name, group, capacity: full.capacity },
      });
    }
    for (const t of targets) t.push(msg);
    return targets.length;
  }

  /** The inbox of `name` as an async iteration (one consumer at a time); ends when `signal` aborts. */
  receive(name: string, signal: AbortSignal): AsyncIterable<M> {
    const inbox = this.inbox(name);
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<M> => ({
        next: async (): Promise<IteratorResult<M>> => {
          const msg = await inbox.take(signal);
          return msg === undefined ? { done: true, value: undefined } : { done: false, value: msg };
        },
        return: (): Promise<IteratorResult<M>> => Promise.resolve({ done: true, value: undefined }),
      }),
    };
  }

  /** A handle bound to one module's inbox and signal. */
  handle(name: string, signal: AbortSignal): RouterHandle<M> {
    return {
      send: (to, msg) => this.send(to, msg),
      sendSync: (to, msg, timeoutMs) => this.sendSync(to, msg, timeoutMs),
      sendToGroup: (group, msg) => this.sendToGroup(group, msg),
      respond: (reply) => this.respond(reply),
      receive: () => this.receive(name, signal),
    };
  }

  /** Fails every pending sync call and closes every inbox. */
  close(): void {
    for (const [id, p] of this.pending) {
      p.timer.cancel();
      p.d.reject(new KeError(BeehiveErrorCode.stopped, 'router closed', { details: { msgId: id } }));
    }
    this.pending.clear();
    for (const name of [...this.inboxes.keys()]) this.removeInbox(name);
  }

  private inbox(name: string): Inbox<M> {
    const inbox = this.inboxes.get(name);
    if (inbox === undefined) throw this.unknown(name);
    return inbox;
  }

  private unknown(name: string): KeError {
    return new KeError(BeehiveErrorCode.unknownModule, `no module named ${name}`, { details: { module: name } });
  }
}
