/**
 * `keadm init` as a test runs it: `keadm init --data-dir D --advertise-address 127.0.0.1
 * --cloudhub-port P --certs-port P2 --apiserver-bind 127.0.0.1:P3 --monitor-bind 127.0.0.1:P4`, which
 * generates the CA and certificates and runs cloudcore in the foreground. Ready when the API server's
 * /readyz answers 200, DIR/admin.kubeconfig and DIR/ca/rootCA.crt exist.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CleanupOwner } from './cleanup.js';
import type { EdgeCloud } from './edgecore.js';
import { HttpsClient } from './https-client.js';
import { freePort, waitUntil } from './net.js';
import { ManagedProcess, type ExitInfo } from './process.js';
import { REPO_ROOT } from './repo.js';
import { createTempDir, exists } from './temp-dir.js';


export interface KeadmCloud extends EdgeCloud {
  readonly process: ManagedProcess;
  readonly apiPort: number;
  readonly monitorUrl: string;
  readonly kubeconfigPath: string;
  readonly kubeedgeCaPem: string;
  readonly kubeedgeCaKeyPem: string;
  stop(): Promise<ExitInfo & { readonly forced: boolean }>;
}

export async function startKeadmInit(opts: { readonly owner?: CleanupOwner; readonly readyTimeoutMs?: number } = {}): Promise<KeadmCloud> {
  const scratch = await createTempDir({ prefix: 'keadm-init' });
  const dataDir = path.join(scratch.path, 'cloud');
  const [hubPort, certPort, apiPort, monitorPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const entry = process.env['CLOUDCORE_LAUNCHER'] === 'bin' ? ['bin/keadm.mjs'] : ['--import', 'tsx', 'src/cmd/keadm/main.ts'];
  const proc = new ManagedProcess({
    name: 'keadm-init',
    command: process.execPath,
    args: [
      ...entry,
      'init',
      '--data-dir',
      dataDir,
      '--advertise-address',
      '127.0.0.1',
      '--cloudhub-port',
      String(hubPort),
      '--certs-port',
      String(certPort),
      '--apiserver-bind',
      `127.0.0.1:${apiPort}`,
      '--monitor-bind',
      `127.0.0.1:${monitorPort}`,
    ],
    cwd: REPO_ROOT,
  });
  const held: { client?: HttpsClient } = {};
  opts.owner?.after(async () => {
    held.client?.close();
    await proc.stop({ timeoutMs: 15_000 });
    await scratch.remove();
  });
  const caFile = path.join(dataDir, 'pki', 'ca.crt');
  const kubeconfigPath = path.join(dataDir, 'admin.kubeconfig');
  const rootCa = path.join(dataDir, 'ca', 'rootCA.crt');
  try {
    await waitUntil(
      async () => {
        if (!proc.running) throw new Error(`keadm init exited (code ${String(proc.exitInfo?.code)})`);
        if (!(await exists(caFile)) || !(await exists(kubeconfigPath)) || !(await exists(rootCa))) return false;
        const probe = new HttpsClient({ baseUrl: `https://127.0.0.1:${apiPort}`, ca: await readFile(caFile, 'utf8'), auth: { kind: 'anonymous' }, timeoutMs: 2_000 });
        try {
          return (await probe.get('/readyz')).status === 200;
        } finally {
          probe.close();
        }
      },
      { timeoutMs: opts.readyTimeoutMs ?? 90_000, intervalMs: 200, what: 'keadm init: cloudcore ready' },
    );
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nkeadm init output:\n${proc.output({ tail: 60 })}`, { cause: err });
  }
  const ca = await readFile(caFile, 'utf8');
  const c = new HttpsClient({
    baseUrl: `https://127.0.0.1:${apiPort}`,
    ca,
    auth: { kind: 'cert', cert: await readFile(path.join(dataDir, 'pki', 'admin.crt'), 'utf8'), key: await readFile(path.join(dataDir, 'pki', 'admin.key'), 'utf8') },
  });
  held.client = c;
  return {
    process: proc,
    dataDir,
    hubPort,
    certPort,
    apiPort,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    kubeconfigPath,
    kubeedgeCaPem: await readFile(rootCa, 'utf8'),
    kubeedgeCaKeyPem: await readFile(path.join(dataDir, 'ca', 'rootCA.key'), 'utf8'),
    client: c,
    stop: () => proc.stop({ timeoutMs: 15_000 }),
  };
}
