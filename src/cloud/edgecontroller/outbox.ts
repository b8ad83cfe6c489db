/**
 * Downstream messages wait here in order until cloudhub's inbox takes them: a full inbox
 * (KE_BEEHIVE_INBOX_FULL) pauses the pump briefly instead of losing the message.
 */
import { BeehiveErrorCode } from '../../beehive/index.js';
import { isKeError, sleep } from '../../base/index.js';
import type { KubeEdgeMessage } from '../../api/index.js';
import type { Logger } from '../../platform/log/index.js';

const RETRY_MS = 20;

export class Outbox {
  #queue: KubeEdgeMessage[] = [];
  #head = 0;
  #wake: (() => void) | undefined;

  constructor(
    private readonly send: (msg: KubeEdgeMessage) => void,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.#queue.length - this.#head;
  }

  push(msg: KubeEdgeMessage): void {
    this.#queue.push(msg);
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** Delivers queued messages until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const msg = this.#queue[this.#head];
      if (msg === undefined) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            signal.removeEventListener('abort', done);
            this.#wake = undefined;
            resolve();
          };
          this.#wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
        continue;
      }
      try {
        this.send(msg);
      } catch (err) {
        if (isKeError(err, BeehiveErrorCode.inboxFull)) {
          await sleep(RETRY_MS, signal).catch(() => undefined);
          continue;
        }
        this.log.warn({ err, resource: msg.route.resource, operation: msg.route.operation }, 'downstream message dropped');
      }
      this.#head++;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
    }
  }
}
