import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export interface CheckpointerTuning {
  /** Commits between two checkpoint requests to the worker (default 512). */
  readonly requestEvery?: number;
  /** WAL frames (pages) beyond which the writer resets the WAL itself (default 16_384, ~64 MiB). */
  readonly restartFrames?: number;
  /**
   * Commits without a report from the worker (a long synchronous burst keeps its messages from
   * being read) after which the writer checkpoints itself (default 2048).
   */
  readonly burstCommits?: number;
}
/** Automatic checkpoint interval (pages) when checkpoints run on the writer's connection. */
export const INLINE_AUTOCHECKPOINT = 4000;

// Plain CommonJS run with `eval` (no loader needed): a second connection that copies WAL frames back
// into the database file on request. PASSIVE never blocks the writer. `done` (shared memory) turns
// non-zero once the connection is closed (1) or could not be opened (2), so close() can wait for it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const done = workerData.done;
const finish = (v) => { Atomics.store(done, 0, v); Atomics.notify(done, 0); };
let db;
try {
  const Database = require(workerData.module);
  db = new Database(workerData.path, { timeout: workerData.timeout });
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
} catch (err) {
  finish(2);
  throw err;
}
parentPort.on('message', (msg) => {
  if (msg === 'close') {
    try { db.close(); } finally { finish(1); parentPort.close(); }
    return;
  }
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
});
`;

/**
 * Keeps WAL checkpoints off the event loop. With synchronous=NORMAL a commit never fsyncs, but a
 * checkpoint fsyncs the WAL and the database file; run inline (SQLite's default) that stalls every
 * few hundred writes for as long as the disk takes. Here a worker thread with its own connection
 * checkpoints in PASSIVE mode, concurrently with the writer. Under sustained writes the WAL cannot
 * reset while frames keep arriving, so past `restartFrames` the writer checkpoints once itself
 * (cheap: the worker has already copied nearly everything), after which its next commit starts the
 * WAL over; it does the same after `burstCommits` commits without a report. If the worker fails,
 * checkpoints fall back to SQLite's inline automatic ones.
 */
/** Bytes written between two checkpoint requests at the most. */
const REQUEST_EVERY_BYTES = 16 * 1024 * 1024;

export class WalCheckpointer {
  private worker: Worker | undefined;
  /** The worker starts with the first checkpoint request, so small or idle stores never start one. */
  private started = false;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private readonly closeWaitMs: number;
  private readonly workerData: Readonly<Record<string, unknown>>;
  private commits = 0;
  private bytes = 0;
  private sinceReport = 0;
  private inFlight = false;
  private readonly requestEvery: number;
  private readonly restartFrames: number;
  private readonly burstCommits: number;

  constructor(
    private readonly db: Database.Database,
    file: string,
    timeoutMs: number,
    tuning: CheckpointerTuning = {},
  ) {
    this.requestEvery = tuning.requestEvery ?? 512;
    this.restartFrames = tuning.restartFrames ?? 16_384;
    this.burstCommits = tuning.burstCommits ?? 2048;
    this.closeWaitMs = timeoutMs + 1000;
    this.workerData = { module: createRequire(import.meta.url).resolve('better-sqlite3'), path: file, timeout: timeoutMs, done: this.done };
  }

  /** Called after every commit, with roughly how many bytes it wrote. */
  noteCommit(bytes = 0): void {
    if (this.started && this.worker === undefined) return; // fell back to inline checkpoints
    if (this.worker !== undefined && ++this.sinceReport >= this.burstCommits) this.checkpointHere();
    this.bytes += bytes;
    // by count for small writes, by volume for big ones, so the WAL stays bounded either way
    if ((++this.commits < this.requestEvery && this.bytes < REQUEST_EVERY_BYTES) || this.inFlight) return;
    this.commits = 0;
    this.bytes = 0;
    const worker = this.worker ?? this.start();
    if (worker === undefined) return;
    this.inFlight = true;
    try {
      worker.postMessage('checkpoint');
    } catch {
      this.fallBack();
    }
  }

  private start(): Worker | undefined {
    this.started = true;
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: this.workerData });
    } catch {
      return undefined; // stay with SQLite's inline checkpoints
    }
    worker.unref();
    worker.on('message', (m: unknown) => this.onReport(m));
    worker.on('error', () => this.fallBack());
    worker.on('exit', () => this.fallBack());
    this.worker = worker;
    this.db.pragma('wal_autocheckpoint = 0');
    return worker;
  }

  /**
   * Stops the worker and waits (blocking, bounded) until its connection is closed, so that nothing
   * touches the database files once the store's close() has returned.
   */
  close(): void {
    const w = this.worker;
    this.worker = undefined;
    this.started = true;
    if (w === undefined) return;
    try {
      w.postMessage('close');
      if (Atomics.wait(this.done, 0, 0, this.closeWaitMs) !== 'timed-out') return;
    } catch {
      // fall through to terminate
    }
    void w.terminate();
  }

  private onReport(m: unknown): void {
    this.inFlight = false;
    this.sinceReport = 0;
    if (typeof m === 'object' && m !== null && 'log' in m && typeof m.log === 'number' && m.log > this.restartFrames) this.checkpointHere();
  }

  /**
   * A PASSIVE checkpoint on the writer's connection: between two writes nothing else writes, so it
   * backfills the whole WAL and the next commit starts the WAL over. It never waits: when the worker
   * holds the checkpoint lock it returns at once and a later call tries again.
   */
  private checkpointHere(): void {
    this.sinceReport = 0;
    if (this.worker === undefined || !this.db.open) return;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or failing: a later call tries again.
    }
  }

  private fallBack(): void {
    if (this.worker === undefined) return;
    this.worker = undefined;
    try {
      if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT}`);
    } catch {
      // The connection is going away; nothing to fall back for.
    }
  }
}
