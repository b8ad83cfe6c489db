/** What edged reports about its host: capacity, addresses and system info (read once per report). */
import { readFileSync, readdirSync, statfsSync } from 'node:fs';
import os from 'node:os';

export interface HostInfo {
  readonly hostname: string;
  /** First non-internal IPv4 address; '' when there is none. */
  readonly ipv4: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Total bytes of the filesystem holding the edge database; 0 when unknown. */
  readonly ephemeralStorageBytes: number;
  /** Bytes still available there; 0 when unknown. */
  readonly ephemeralStorageAvailableBytes: number;
  /** MemAvailable (else free memory). */
  readonly memoryAvailableBytes: number;
  /** kernel.pid_max and the number of processes now; 0 when unknown. */
  readonly pidMax: number;
  readonly pidCount: number;
  /** /etc/machine-id, the boot id and the DMI product UUID; '' when unreadable. */
  readonly machineID: string;
  readonly bootID: string;
  readonly systemUUID: string;
  /** Kubernetes naming: amd64, arm64, arm, ... */
  readonly architecture: string;
  readonly operatingSystem: string;
  readonly kernelVersion: string;
  readonly osImage: string;
}

const ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

let cachedOsImage: string | undefined;

function osImage(): string {
  cachedOsImage ??= readOsImage();
  return cachedOsImage;
}

function readOsImage(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME=(.*)$/m.exec(text);
    if (m?.[1] !== undefined) return m[1].replace(/^"(.*)"$/, '$1');
  } catch {
    // not Linux, or no os-release
  }
  return `${os.type()} ${os.release()}`;
}

function firstIPv4(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '';
}

function disk(dir: string): { total: number; available: number } {
  try {
    const s = statfsSync(dir);
    return { total: Number(s.blocks) * Number(s.bsize), available: Number(s.bavail) * Number(s.bsize) };
  } catch {
    return { total: 0, available: 0 };
  }
}

function readTrimmed(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function memAvailable(): number {
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(readTrimmed('/proc/meminfo'));
  return m?.[1] !== undefined ? Number(m[1]) * 1024 : os.freemem();
}

function pids(): { max: number; count: number } {
  const max = Number(readTrimmed('/proc/sys/kernel/pid_max'));
  if (!Number.isFinite(max) || max <= 0) return { max: 0, count: 0 };
  try {
    return { max, count: readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length };
  } catch {
    return { max: 0, count: 0 };
  }
}

let cachedIds: { machineID: string; bootID: string; systemUUID: string } | undefined;

function ids(): { machineID: string; bootID: string; systemUUID: string } {
  cachedIds ??= {
    machineID: readTrimmed('/etc/machine-id'),
    bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
    systemUUID: readTrimmed('/sys/class/dmi/id/product_uuid').toLowerCase(),
  };
  return cachedIds;
}

/** Reads the host; `dataDir` is the directory of the edge database. */
export function readHostInfo(dataDir: string): HostInfo {
  const d = disk(dataDir);
  const p = pids();
  return {
    ...ids(),
    ephemeralStorageAvailableBytes: d.available,
    memoryAvailableBytes: memAvailable(),
    pidMax: p.max,
    pidCount: p.count,
    hostname: os.hostname(),
    ipv4: firstIPv4(),
    cpus: Math.max(1, os.cpus().length),
    memoryBytes: os.totalmem(),
    ephemeralStorageBytes: d.total,
    architecture: ARCH[process.arch] ?? process.arch,
    operatingSystem: os.platform() === 'win32' ? 'windows' : os.platform(),
    kernelVersion: os.release(),
    osImage: osImage(),
  };
}
