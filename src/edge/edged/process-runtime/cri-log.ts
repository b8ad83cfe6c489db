/** Appends a process's output to a file in the CRI log format: `<RFC3339Nano> <stream> <F|P> <line>`. */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

export type LogStream = 'stdout' | 'stderr';

/** RFC 3339 with nanosecond digits (the millisecond clock padded). */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export function criLine(ms: number, stream: LogStream, tag: 'F' | 'P', text: string): string {
  return `${rfc3339Nano(ms)} ${stream} ${tag} ${text}\n`;
}

export interface CriLogWriter {
  /** Copies the stream line by line until it ends; the last unterminated line is written as `F`. */
  attach(src: Readable, stream: LogStream): void;
  close(): Promise<void>;
}

export function openCriLog(path: string, now: () => number): CriLogWriter {
  mkdirSync(dirname(path), { recursive: true });
  const out: WriteStream = createWriteStream(path, { flags: 'a' });
  return {
    attach(src, stream) {
      let pending = '';
      src.setEncoding('utf8');
      src.on('data', (chunk: string) => {
        pending += chunk;
        let nl = pending.indexOf('\n');
        while (nl >= 0) {
          out.write(criLine(now(), stream, 'F', pending.slice(0, nl)));
          pending = pending.slice(nl + 1);
          nl = pending.indexOf('\n');
        }
      });
      src.on('end', () => {
        if (pending !== '') out.write(criLine(now(), stream, 'F', pending));
        pending = '';
      });
    },
    close() {
      return new Promise((resolve) => out.end(() => resolve()));
    },
  };
}
