import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { KeError } from '../../base/index.js';

export interface DirLock {
  release(): void;
}

/** Whether process `pid` runs (EPERM: it runs as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `file` as an exclusive lock for this process (the file holds our pid). A lock left by a
 * process that no longer runs is taken over; one held by a live process is a KE_STORE_LOCKED error,
 * since two writers on one store would fork its revision sequence.
 */
export function lockDataDir(file: string): DirLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new KeError('KE_STORE_LOCK_IO', `cannot create lock file ${file}`, { cause: err });
      }
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
        throw new KeError('KE_STORE_LOCKED', `${file} is held by running process ${holder}: another cloudcore uses this data directory`, { details: { pid: holder } });
      }
      unlinkSync(file); // stale: its process is gone
    }
  }
  throw new KeError('KE_STORE_LOCKED', `could not take ${file}`);
}
