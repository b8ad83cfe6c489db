/**
 * A private docker-registry (distribution 2.x, Debian's `docker-registry`) on a free loopback port,
 * storing under a directory of the caller's.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, waitUntil } from './net.js';
import { startProcess, type ManagedProcess } from './process.js';

export interface RegistryHandle {
  /** `127.0.0.1:<port>`: what image references start with. */
  readonly address: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startRegistry(dir: string, binary = 'docker-registry'): Promise<RegistryHandle> {
  await mkdir(path.join(dir, 'storage'), { recursive: true });
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const configFile = path.join(dir, 'config.yml');
  await writeFile(
    configFile,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${address}`,
      '',
    ].join('\n'),
  );
  const proc = startProcess({ name: 'docker-registry', command: binary, args: ['serve', configFile] });
  try {
    await waitUntil(
      async () => {
        if (!proc.running) throw new Error(`docker-registry exited: ${proc.output({ tail: 20 })}`);
        const res = await fetch(`http://${address}/v2/`, { signal: AbortSignal.timeout(2_000) });
        return res.status === 200;
      },
      { timeoutMs: 20_000, intervalMs: 50, what: `docker-registry on ${address}` },
    );
  } catch (err) {
    await proc.kill9();
    throw err;
  }
  return {
    address,
    process: proc,
    stop: async () => {
      await proc.stop({ timeoutMs: 3_000 });
    },
  };
}
