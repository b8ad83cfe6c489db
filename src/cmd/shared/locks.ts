/** Who holds a data directory: the pid in its lock file (cloudcore.lock, edgecore.lock), if that process lives. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from '../../platform/store/index.js';

export const LOCK_FILES = ['cloudcore.lock', 'edgecore.lock'] as const;

/** The live process holding `dir` (other than this one), or undefined. */
export function lockHolder(dir: string): { pid: number; lock: string } | undefined {
  for (const lock of LOCK_FILES) {
    let text: string;
    try {
      text = readFileSync(path.join(dir, lock), 'utf8');
    } catch {
      continue;
    }
    const pid = Number(text.trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) return { pid, lock };
  }
  return undefined;
}
