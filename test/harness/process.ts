/**
 * A long-running child process owned by a test: captured output (line by line, both streams),
 * waiting for a line, graceful stop with escalation, SIGKILL, and guaranteed cleanup. Every server
 * or tool a test starts (cloudcore, edgecore, brokers, containerd, `kubectl get -w`) runs in one.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { onExitCleanup, type CleanupOwner } from './cleanup.js';

export type StreamName = 'stdout' | 'stderr';

let setpriv: string | null | undefined;

/** util-linux setpriv, if present (it execs, so the child keeps its pid). */
function setprivPath(): string | undefined {
  if (setpriv === undefined) {
    setpriv = null;
    for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(path.delimiter)) {
      if (dir === '') continue;
      const candidate = path.join(dir, 'setpriv');
      try {
        accessSync(candidate, constants.X_OK);
        setpriv = candidate;
        break;
      } catch {
        // not here
      }
    }
  }
  return setpriv ?? undefined;
}

export interface OutputLine {
  readonly stream: StreamName;
  readonly text: string;
  /** Position in the whole output of this process (0-based, across both streams). */
  readonly index: number;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcessOptions {
  /** Short label used in messages and echoed output. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. Without it stdin is /dev/null. */
  readonly input?: string;
  /**
   * Run the child in its own process group so that `kill9()` and cleanup also reach anything it
   * spawned. Default true.
   */
  readonly processGroup?: boolean;
  /**
   * SIGKILL the child when this process dies, however it dies (Linux parent-death signal, through
   * util-linux `setpriv --pdeathsig`, when installed). Default true.
   */
  readonly dieWithParent?: boolean;
  /** How many lines to keep (oldest dropped). Default 20,000. */
  readonly maxLines?: number;
  /** Stop the process when this test/suite ends. Processes are SIGKILLed at exit regardless. */
  readonly owner?: CleanupOwner;
}

export type LineMatcher = RegExp | string | ((line: OutputLine) => boolean);

function matches(m: LineMatcher, line: OutputLine): boolean {
  if (typeof m === 'string') return line.text.includes(m);
  if (m instanceof RegExp) return m.test(line.text);
  return m(line);
}

/** Echo child output to our stderr when HARNESS_ECHO=1 (or contains the process name). */
function echoEnabled(name: string): boolean {
  const v = process.env['HARNESS_ECHO'];
  if (v === undefined || v === '' || v === '0') return false;
  return v === '1' || v === 'true' || v.split(',').includes(name);
}

export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;

  readonly #group: boolean;
  readonly #maxLines: number;
  readonly #lines: OutputLine[] = [];
  readonly #listeners = new Set<(line: OutputLine) => void>();
  readonly #partial: Record<StreamName, string> = { stdout: '', stderr: '' };
  #total = 0;
  #exit: ExitInfo | undefined;
  #spawnError: Error | undefined;

  constructor(opts: ManagedProcessOptions) {
    this.name = opts.name;
    this.#group = opts.processGroup ?? true;
    this.#maxLines = opts.maxLines ?? 20_000;
    const wrap = (opts.dieWithParent ?? true) && setprivPath() !== undefined;
    const command = wrap ? (setprivPath() ?? opts.command) : opts.command;
    const args = wrap ? ['--pdeathsig', 'KILL', '--', opts.command, ...opts.args] : [...opts.args];
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: this.#group,
    });
    if (child.pid === undefined) {
      // spawn failed synchronously (ENOENT arrives as an 'error' event right after).
      this.pid = -1;
    } else {
      this.pid = child.pid;
    }
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
    const echo = echoEnabled(this.name);
    for (const stream of ['stdout', 'stderr'] as const) {
      const s = child[stream];
      if (!s) continue;
      s.setEncoding('utf8');
      s.on('data', (chunk: string) => this.#onData(stream, chunk, echo));
      s.on('end', () => this.#flush(stream, echo));
    }
    const unregister = onExitCleanup(() => this.#killSync('SIGKILL'));
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('error', (err) => {
        this.#spawnError = err;
        if (this.pid === -1) {
          this.#exit = { code: null, signal: null };
          unregister();
          resolve(this.#exit);
        }
      });
      child.once('close', (code, signal) => {
        this.#flush('stdout', echo);
        this.#flush('stderr', echo);
        this.#exit = { code, signal };
        unregister();
        // Reap anything left in the group (the leader is gone, the group id may still exist).
        if (this.#group && this.pid > 0) {
          try {
            process.kill(-this.pid, 'SIGKILL');
          } catch {
            // no such group: fine
          }
        }
        resolve(this.#exit);
      });
    });
    opts.owner?.after(() => this.stop());
  }

  /** undefined while running. */
  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The error from spawn itself (e.g. ENOENT), if any. */
  get spawnError(): Error | undefined {
    return this.#spawnError;
  }

  /** Number of lines seen so far; pass it as `from` to wait only for later lines. */
  get lineCount(): number {
    return this.#total;
  }

  lines(filter?: { readonly stream?: StreamName; readonly from?: number }): readonly OutputLine[] {
    return this.#lines.filter((l) => (filter?.stream === undefined || l.stream === filter.stream) && l.index >= (filter?.from ?? 0));
  }

  /** The retained output as text (both streams interleaved in arrival order), optionally the last `tail` lines. */
  output(opts: { readonly tail?: number; readonly stream?: StreamName } = {}): string {
    let ls = this.lines(opts.stream === undefined ? undefined : { stream: opts.stream });
    if (opts.tail !== undefined) ls = ls.slice(-opts.tail);
    return ls.map((l) => l.text).join('\n');
  }

  onLine(listener: (line: OutputLine) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves with the first line (at index >= `from`) that matches. Rejects on timeout or when the
   * process exits first, with the tail of its output in the message.
   */
  waitForLine(matcher: LineMatcher, opts: { readonly timeoutMs?: number; readonly from?: number; readonly stream?: StreamName } = {}): Promise<OutputLine> {
    const from = opts.from ?? 0;
    const ok = (l: OutputLine): boolean => l.index >= from && (opts.stream === undefined || l.stream === opts.stream) && matches(matcher, l);
    const found = this.#lines.find(ok);
    if (found) return Promise.resolve(found);
    const timeoutMs = opts.timeoutMs ?? 15_000;
    return new Promise<OutputLine>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        off();
        fn();
      };
      const off = this.onLine((l) => {
        if (ok(l)) finish(() => resolve(l));
      });
      const timer = setTimeout(
        () => finish(() => reject(new Error(`${this.name}: no output line matching ${String(matcher)} within ${timeoutMs} ms. Output tail:\n${this.output({ tail: 40 })}`))),
        timeoutMs,
      );
      void this.exited.then((e) =>
        // let buffered lines be delivered first
        setImmediate(() =>
          finish(() => reject(new Error(`${this.name} exited (code ${String(e.code)}, signal ${String(e.signal)}) before printing a line matching ${String(matcher)}. Output tail:\n${this.output({ tail: 40 })}`))),
        ),
      );
    });
  }

  /** Sends a signal to the process (not its group). No-op once it has exited. */
  signal(sig: NodeJS.Signals): void {
    if (!this.running || this.pid <= 0) return;
    try {
      process.kill(this.pid, sig);
    } catch {
      // already gone
    }
  }

  /**
   * Graceful stop: `signal` (SIGTERM) to the process, wait up to `timeoutMs`, then SIGKILL the group.
   * Resolves with how it exited; `forced` tells whether the escalation was needed.
   */
  async stop(opts: { readonly signal?: NodeJS.Signals; readonly timeoutMs?: number } = {}): Promise<ExitInfo & { readonly forced: boolean }> {
    if (this.#exit) return { ...this.#exit, forced: false };
    this.signal(opts.signal ?? 'SIGTERM');
    const timeoutMs = opts.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const r = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (r !== 'timeout') return { ...r, forced: false };
    const e = await this.kill9();
    return { ...e, forced: true };
  }

  /** SIGKILL (the whole group by default), and wait for the exit. */
  async kill9(): Promise<ExitInfo> {
    this.#killSync('SIGKILL');
    return this.exited;
  }

  #killSync(sig: NodeJS.Signals): void {
    if (this.pid <= 0 || this.#exit) return;
    try {
      process.kill(this.#group ? -this.pid : this.pid, sig);
    } catch {
      try {
        process.kill(this.pid, sig);
      } catch {
        // already gone
      }
    }
  }

  #onData(stream: StreamName, chunk: string, echo: boolean): void {
    const text = this.#partial[stream] + chunk;
    const parts = text.split('\n');
    this.#partial[stream] = parts.pop() ?? '';
    for (const p of parts) this.#push(stream, p.endsWith('\r') ? p.slice(0, -1) : p, echo);
  }

  #flush(stream: StreamName, echo: boolean): void {
    const rest = this.#partial[stream];
    if (rest !== '') {
      this.#partial[stream] = '';
      this.#push(stream, rest, echo);
    }
  }

  #push(stream: StreamName, text: string, echo: boolean): void {
    const line: OutputLine = { stream, text, index: this.#total++ };
    this.#lines.push(line);
    if (this.#lines.length > this.#maxLines) this.#lines.splice(0, this.#lines.length - this.#maxLines);
    if (echo) process.stderr.write(`[${this.name}] ${text}\n`);
    for (const l of [...this.#listeners]) l(line);
  }
}

export function startProcess(opts: ManagedProcessOptions): ManagedProcess {
  return new ManagedProcess(opts);
}

export interface RunResult extends ExitInfo {
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** The command line, for messages. */
  readonly command: string;
}

/** Runs a command to completion (with a timeout), capturing stdout and stderr separately. */
export async function runCommand(
  command: string,
  args: readonly string[],
  opts: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly input?: string; readonly timeoutMs?: number } = {},
): Promise<RunResult> {
  const cmdline = [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  return new Promise<RunResult>((resolve) => {
    const child = spawn(command, [...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const unregister = onExitCleanup(() => {
      try {
        child.kill('SIGKILL');
      } catch {
        // gone
      }
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      unregister();
      if (spawnError) stderr += `${stderr === '' ? '' : '\n'}spawn error: ${spawnError.message}`;
      resolve({ code, signal, stdout, stderr, timedOut, command: cmdline });
    });
  });
}
