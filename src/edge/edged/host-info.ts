/** What edged reports about its host: capacity, addresses and system info (read once per report). */
import { readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';

export interface HostInfo {
  readonly hostname: string;
  /** First non-internal IPv4 address; '' when there is none. */
  readonly ipv4: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** Total bytes of the filesystem holding the edge database; 0 when unknown. */
  readonly ephemeralStorageBytes: number;
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

function diskBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return Number(s.blocks) * Number(s.bsize);
  } catch {
    return 0;
  }
}

/** Reads the host; `dataDir` is the directory of the edge database. */
export function readHostInfo(dataDir: string): HostInfo {
  return {
    hostname: os.hostname(),
    ipv4: firstIPv4(),
    cpus: Math.max(1, os.cpus().length),
    memoryBytes: os.totalmem(),
    ephemeralStorageBytes: diskBytes(dataDir),
    architecture: ARCH[process.arch] ?? process.arch,
    operatingSystem: os.platform() === 'win32' ? 'windows' : os.platform(),
    kernelVersion: os.release(),
    osImage: osImage(),
  };
}
