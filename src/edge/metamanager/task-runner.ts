/**
 * Runs async tasks off the inbox loop: at most `limit` at once, and tasks with the same key one
 * after the other, in submission order. A task's failure is handed to `onError`, never thrown.
 */
export class TaskRunner {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly tails = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly limit: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  submit(key: string, task: () => Promise<void>): void {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.then(async () => {
      await this.acquire();
      try {
        await task();
      } catch (err) {
        this.onError(err);
      } finally {
        this.release();
      }
    });
    this.tails.set(key, run);
    this.inFlight.add(run);
    void run.finally(() => {
      this.inFlight.delete(run);
      if (this.tails.get(key) === run) this.tails.delete(key);
    });
  }

  /** Tasks submitted and not yet finished. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Resolves when every task submitted so far has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.running--;
  }
}
