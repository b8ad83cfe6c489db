/**
 * Per-key ordering for upstream requests: tasks with the same key run one after another in the
 * order they were added; tasks with different keys run concurrently. A key is forgotten once its
 * last task settles, so the map holds only keys with work.
 */
export class KeyedChain {
  readonly #tails = new Map<string, Promise<void>>();

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.#tails.size;
  }

  /** Runs `task` after every earlier task of `key`; resolves when it settled (it never rejects). */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(task).catch(() => undefined);
    this.#tails.set(key, next);
    void next.then(() => {
      if (this.#tails.get(key) === next) this.#tails.delete(key);
    });
    return next;
  }
}

/** Upstream resource types that act on the same pod: one order for all of them. */
const SAME_OBJECT_TYPES: Readonly<Record<string, string>> = { podpatch: 'pod', podstatus: 'pod' };

/**
 * The ordering key of a request: its cloud resource `node/<id>/<ns>/<type>[/<name>]`, with the pod
 * status types folded into `pod` so a status patch and a delete of one pod keep their order.
 */
export function orderKey(resource: string): string {
  const parts = resource.split('/');
  const type = parts[3];
  if (parts[0] !== 'node' || type === undefined) return resource;
  const same = SAME_OBJECT_TYPES[type];
  if (same === undefined) return resource;
  parts[3] = same;
  return parts.join('/');
}
