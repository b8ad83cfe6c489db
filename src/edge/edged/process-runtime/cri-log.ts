/**
 * Container output in the CRI log format (`<RFC3339Nano> <stream> <F|P> <line>`). The process writes
 * its stdout/stderr straight into raw files it holds open (`<run>.stdout.raw`, `<run>.stderr.raw`,
 * O_APPEND), so it never depends on edgecore's pipes; the runtime tails them into `<run>.log` from
 * saved offsets, which lets a restarted edgecore resume where the previous one stopped. Lines are
 * stamped when read, so output written while edgecore was down carries the time it was collected.
 *
 * Sizes are bounded as kubelet bounds them (containerLogMaxSize, containerLogMaxFiles): a `<run>.log`
 * that would pass `maxBytes` is renamed `<run>.log.<YYYYMMDD-hhmmss>` and a new one started, and at
 * most `maxFiles` files per run are kept. A raw file is truncated to 0 once everything in it was
 * converted and it reached `maxBytes`: the process appends with O_APPEND, so its next write lands at
 * the new end (offset 0), no hole. The process cannot be made to reopen its file (it is not our child
 * after an edgecore restart), so this is logrotate's copytruncate: output the process writes between
 * the last size check and the truncate (two syscalls apart) is lost, a window that opens once per
 * `maxBytes` of output.
 */
import { appendFileSync, closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LogOffsets } from './saved-state.js';

export type LogStream = 'stdout' | 'stderr';

/** kubelet splits longer lines into `P` (partial) records of this size. */
const MAX_LINE = 16 * 1024;
const READ_CHUNK = 1024 * 1024;

export interface LogLimits {
  /** A log file is rotated before it passes this size (kubelet containerLogMaxSize). */
  readonly maxBytes: number;
  /** Log files kept per run, the current one included (kubelet containerLogMaxFiles, at least 2). */
  readonly maxFiles: number;
}

/** kubelet's defaults: 10Mi, 5 files. */
export const DEFAULT_LOG_LIMITS: LogLimits = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };

/** `<log>.<YYYYMMDD-hhmmss>` with `-<n>` when a second rotation falls in the same second; sorts by age. */
const ROTATED = /^\.\d{8}-\d{6}(-\d+)?$/;

export function isRotatedLog(name: string, log: string): boolean {
  return name.startsWith(log) && ROTATED.test(name.slice(log.length));
}

function stamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

/** Renames `logPath` aside and drops the oldest rotated files beyond `maxFiles - 1`. */
function rotate(logPath: string, ms: number, maxFiles: number): void {
  const dir = dirname(logPath);
  const names = readdirSync(dir);
  const base = `${basename(logPath)}.${stamp(ms)}`;
  // after every earlier file of this second: `-<n>` one above the highest (the plain name may be gone already)
  let next = -1;
  for (const n of names) if (n === base || n.startsWith(`${base}-`)) next = Math.max(next, n === base ? 0 : Number(n.slice(base.length + 1)));
  const target = next < 0 ? base : `${base}-${next + 1}`;
  renameSync(logPath, join(dir, target));
  const rotated = [...names.filter((n) => isRotatedLog(n, basename(logPath))), target].sort(byAge);
  for (const old of rotated.slice(0, Math.max(0, rotated.length - Math.max(1, maxFiles - 1)))) rmSync(join(dir, old), { force: true });
}

/** Rotated log names, oldest first: by stamp, then by the `-<n>` suffix (numerically). */
export function byAge(a: string, b: string): number {
  const key = (n: string): [string, number] => {
    const m = /\.(\d{8}-\d{6})(?:-(\d+))?$/.exec(n);
    return [m?.[1] ?? '', Number(m?.[2] ?? 0)];
  };
  const [sa, na] = key(a);
  const [sb, nb] = key(b);
  return sa === sb ? na - nb : sa < sb ? -1 : 1;
}

/** Appends CRI lines to `logPath`, rotating before the file would pass the limit. */
function createLogWriter(logPath: string, limits: LogLimits, now: () => number): (lines: readonly string[]) => void {
  let size: number | undefined;
  return (lines) => {
    mkdirSync(dirname(logPath), { recursive: true });
    size ??= statSync(logPath, { throwIfNoEntry: false })?.size ?? 0;
    let batch = '';
    let batchBytes = 0;
    for (const line of lines) {
      const n = Buffer.byteLength(line);
      if (size + batchBytes + n > limits.maxBytes && size + batchBytes > 0) {
        if (batch !== '') appendFileSync(logPath, batch);
        rotate(logPath, now(), limits.maxFiles);
        size = 0;
        batch = '';
        batchBytes = 0;
      }
      batch += line;
      batchBytes += n;
    }
    if (batch !== '') appendFileSync(logPath, batch);
    size += batchBytes;
  };
}

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
export function createLogTail(base: string, logPath: string, from: LogOffsets, now: () => number, limits: LogLimits = DEFAULT_LOG_LIMITS): LogTail {
  const pos: Record<LogStream, number> = { stdout: from.stdout, stderr: from.stderr };
  const write = createLogWriter(logPath, limits, now);
  const step = (stream: LogStream, final: boolean): boolean => {
    // a stat first: most polls find nothing new
    const st = statSync(rawPath(base, stream), { throwIfNoEntry: false });
    if (st === undefined) return false;
    // smaller than what was read: truncated after the offset was saved (edgecore stopped in between)
    if (st.size < pos[stream]) pos[stream] = 0;
    if (st.size <= pos[stream]) return false;
    let fd: number;
    try {
      fd = openSync(rawPath(base, stream), 'r+');
    } catch {
      return false;
    }
    const out: string[] = [];
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
          out.push(criLine(now(), stream, 'F', buf.toString('utf8', at, nl)));
          at = nl + 1;
        } else if (n - at > MAX_LINE) {
          out.push(criLine(now(), stream, 'P', buf.toString('utf8', at, at + MAX_LINE)));
          at += MAX_LINE;
        } else break;
      }
      if (final && !more && at < n) {
        out.push(criLine(now(), stream, 'F', buf.toString('utf8', at, n)));
        at = n;
      }
      if (out.length > 0) write(out);
      pos[stream] += at;
      // everything converted and the file is big: start it again (see the header for the race)
      if (!final && pos[stream] >= limits.maxBytes && fstatSync(fd).size === pos[stream]) {
        ftruncateSync(fd, 0);
        pos[stream] = 0;
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
