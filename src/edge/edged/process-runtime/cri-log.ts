/**
 * Container output in the CRI log format (`<RFC3339Nano> <stream> <F|P> <line>`). The process writes
 * its stdout/stderr straight into raw files it holds open (`<run>.stdout.raw`, `<run>.stderr.raw`,
 * O_APPEND), so it never depends on edgecore's pipes; the runtime tails them into `<run>.log` from
 * saved offsets, which lets a restarted edgecore resume where the previous one stopped. Lines are
 * stamped when read, so output written while edgecore was down carries the time it was collected.
 */
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogOffsets } from './saved-state.js';

export type LogStream = 'stdout' | 'stderr';

/** kubelet splits longer lines into `P` (partial) records of this size. */
const MAX_LINE = 16 * 1024;
const READ_CHUNK = 1024 * 1024;

/** RFC 3339 with nanosecond digits (the millisecond clock padded). */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export function criLine(ms: number, stream: LogStream, tag: 'F' | 'P', text: string): string {
  return `${rfc3339Nano(ms)} ${stream} ${tag} ${text}\n`;
}

export function rawPath(base: string, stream: LogStream): string {
  return `${base}.${stream}.raw`;
}

export interface LogTail {
  /** Copies complete lines written since the last call; true when something was copied. */
  poll(): boolean;
  /** The process is gone: copies everything, the last unterminated line as `F`, and deletes the raw files. */
  finish(): void;
  offsets(): LogOffsets;
}

/** Tails `<base>.{stdout,stderr}.raw` into `logPath` starting at `from`. */
export function createLogTail(base: string, logPath: string, from: LogOffsets, now: () => number): LogTail {
  const pos: Record<LogStream, number> = { stdout: from.stdout, stderr: from.stderr };
  const step = (stream: LogStream, final: boolean): boolean => {
    // a stat first: most polls find nothing new
    const st = statSync(rawPath(base, stream), { throwIfNoEntry: false });
    if (st === undefined || st.size <= pos[stream]) return false;
    let fd: number;
    try {
      fd = openSync(rawPath(base, stream), 'r');
    } catch {
      return false;
    }
    let out = '';
    try {
      const size = fstatSync(fd).size;
      if (size <= pos[stream]) return false;
      const buf = Buffer.alloc(Math.min(READ_CHUNK, size - pos[stream]));
      const n = readSync(fd, buf, 0, buf.length, pos[stream]);
      const more = pos[stream] + n < size;
      let at = 0;
      for (;;) {
        const nl = buf.indexOf(0x0a, at);
        if (nl >= 0 && nl < n && nl - at <= MAX_LINE) {
          out += criLine(now(), stream, 'F', buf.toString('utf8', at, nl));
          at = nl + 1;
        } else if (n - at > MAX_LINE) {
          out += criLine(now(), stream, 'P', buf.toString('utf8', at, at + MAX_LINE));
          at += MAX_LINE;
        } else break;
      }
      if (final && !more && at < n) {
        out += criLine(now(), stream, 'F', buf.toString('utf8', at, n));
        at = n;
      }
      pos[stream] += at;
      if (out !== '') {
        mkdirSync(dirname(logPath), { recursive: true });
        appendFileSync(logPath, out);
      }
      return at > 0;
    } finally {
      closeSync(fd);
    }
  };
  const pollAll = (final: boolean): boolean => {
    const a = step('stdout', final);
    const b = step('stderr', final);
    return a || b;
  };
  return {
    poll: () => pollAll(false),
    finish() {
      while (pollAll(true)) {
        // drain everything, chunk by chunk
      }
      for (const s of ['stdout', 'stderr'] as const) rmSync(rawPath(base, s), { force: true });
    },
    offsets: () => ({ stdout: pos.stdout, stderr: pos.stderr }),
  };
}
