/**
 * What survives an edgecore restart for one host-process container: `<podDir>/state/<name>.json`,
 * e.g. `{"pid":4242,"pidStart":"123456","startedAt":"...","offsets":{"stdout":10,"stderr":0},
 * "restartCount":1,"containerID":"process://...","state":{"running":{...}},"lastState":{...},...}`
 * (pid, pidStart, startedAt and offsets only while the process runs).
 * A running process is found again by pid, and `/proc/<pid>/stat` field 22 (its start time in clock
 * ticks since boot) tells it from a later process that reused the pid. That start time counts from
 * boot, so the boot id (`/proc/sys/kernel/random/boot_id`) is saved too: after a reboot a saved run is
 * over, whatever process now has its pid.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isJsonObject, type JsonObject } from '../../../base/index.js';
import type { ContainerState } from '../runtime.js';

export interface LogOffsets {
  readonly stdout: number;
  readonly stderr: number;
}

export interface SavedRun {
  readonly pid: number;
  /** /proc start time; undefined where there is no /proc. */
  readonly pidStart?: string;
  /** The boot the process was started in; undefined where unknown. */
  readonly bootId?: string;
  readonly startedAt: string;
  /** How far the raw output files were turned into the CRI log. */
  readonly offsets: LogOffsets;
}

export interface SavedContainer {
  readonly restartCount: number;
  readonly containerID: string;
  /** Present while the process runs. */
  readonly run?: SavedRun;
  readonly state: ContainerState;
  readonly lastState?: ContainerState;
  readonly done: boolean;
  readonly backoffMs: number;
  /** When the backoff delay last grew (ms since epoch); kubelet resets it after 2 × max. */
  readonly backoffAt: number;
  /** When a pending restart is due (ms since epoch). */
  readonly restartAt?: number;
}

const num = (o: JsonObject, k: string): number | undefined => (typeof o[k] === 'number' ? o[k] : undefined);
const str = (o: JsonObject, k: string): string | undefined => (typeof o[k] === 'string' ? o[k] : undefined);

function decodeState(v: unknown): ContainerState | undefined {
  if (!isJsonObject(v)) return undefined;
  const r = v['running'];
  if (isJsonObject(r)) {
    const startedAt = str(r, 'startedAt');
    return startedAt === undefined ? undefined : { running: { startedAt } };
  }
  const t = v['terminated'];
  if (isJsonObject(t)) {
    const exitCode = num(t, 'exitCode');
    const [reason, startedAt, finishedAt, containerID] = [str(t, 'reason'), str(t, 'startedAt'), str(t, 'finishedAt'), str(t, 'containerID')];
    if (exitCode === undefined || reason === undefined || startedAt === undefined || finishedAt === undefined || containerID === undefined) return undefined;
    return { terminated: { exitCode, reason, startedAt, finishedAt, containerID } };
  }
  const w = v['waiting'];
  if (isJsonObject(w)) {
    const reason = str(w, 'reason');
    const message = str(w, 'message');
    if (reason === undefined) return undefined;
    return { waiting: message === undefined ? { reason } : { reason, message } };
  }
  return undefined;
}

function decodeRun(v: JsonObject): SavedRun | undefined {
  if (!isJsonObject(v['offsets'])) return undefined;
  const pid = num(v, 'pid');
  const startedAt = str(v, 'startedAt');
  const pidStart = str(v, 'pidStart');
  const bootId = str(v, 'bootId');
  const stdout = num(v['offsets'], 'stdout') ?? 0;
  const stderr = num(v['offsets'], 'stderr') ?? 0;
  if (pid === undefined || startedAt === undefined) return undefined;
  return { pid, startedAt, offsets: { stdout, stderr }, ...(pidStart === undefined ? {} : { pidStart }), ...(bootId === undefined ? {} : { bootId }) };
}

/** The saved state, undefined when missing or unreadable. */
export function readSaved(path: string): SavedContainer | undefined {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (!isJsonObject(v)) return undefined;
  const state = decodeState(v['state']);
  const restartCount = num(v, 'restartCount');
  const containerID = str(v, 'containerID');
  if (state === undefined || restartCount === undefined || containerID === undefined) return undefined;
  const run = decodeRun(v);
  const lastState = decodeState(v['lastState']);
  const restartAt = num(v, 'restartAt');
  return {
    restartCount,
    containerID,
    state,
    done: v['done'] === true,
    backoffMs: num(v, 'backoffMs') ?? 0,
    backoffAt: num(v, 'backoffAt') ?? 0,
    ...(run === undefined ? {} : { run }),
    ...(lastState === undefined ? {} : { lastState }),
    ...(restartAt === undefined ? {} : { restartAt }),
  };
}

/** Writes atomically (temp file + rename), so a crash never leaves half a file. */
export function writeSaved(path: string, s: SavedContainer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const { run, ...rest } = s;
  writeFileSync(tmp, JSON.stringify({ ...run, ...rest }));
  renameSync(tmp, path);
}

/** Field 22 of /proc/<pid>/stat and whether the process is a zombie; undefined without /proc or process. */
function procStat(pid: number): { start: string; zombie: boolean } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (comm) state ...`: comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const start = fields[19];
  return start === undefined ? undefined : { start, zombie: fields[0] === 'Z' };
}

export function procStartTime(pid: number): string | undefined {
  return procStat(pid)?.start;
}

let bootIdCache: { readonly id: string | undefined } | undefined;

/** This boot's id (read once), undefined without /proc. */
export function currentBootId(): string | undefined {
  if (bootIdCache === undefined) {
    let id: string | undefined;
    try {
      id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      id = undefined;
    }
    bootIdCache = { id: id === '' ? undefined : id };
  }
  return bootIdCache.id;
}

/**
 * True while `pid` is the process that was started (same boot and same /proc start time, when known)
 * and not a zombie.
 */
export function processAlive(pid: number, pidStart: string | undefined, bootId?: string): boolean {
  const boot = currentBootId();
  if (bootId !== undefined && boot !== undefined && bootId !== boot) return false;
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH, or EPERM: a process of someone else took the pid.
    return false;
  }
  const st = procStat(pid);
  if (st === undefined) return pidStart === undefined;
  return !st.zombie && (pidStart === undefined || st.start === pidStart);
}
