/** Reads the kubeconfig cloudcore writes (credentials embedded as `*-data`). */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { isRecord } from './json.js';

export interface KubeconfigCreds {
  readonly server: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** Reads server + embedded credentials from a kubeconfig with `*-data` fields (as cloudcore writes them). */
export async function readKubeconfigCreds(file: string): Promise<KubeconfigCreds> {
  const doc: unknown = parseYaml(await readFile(file, 'utf8'));
  const b64 = (v: unknown, what: string): string => {
    if (typeof v !== 'string') throw new Error(`${file}: no ${what}`);
    return Buffer.from(v, 'base64').toString('utf8');
  };
  const first = (v: unknown, key: string): Record<string, unknown> => {
    if (isRecord(v) && Array.isArray(v[key])) {
      const x: unknown = (v[key] as unknown[])[0];
      if (isRecord(x)) return x;
    }
    throw new Error(`${file}: no ${key}`);
  };
  const cluster = first(doc, 'clusters')['cluster'];
  const user = first(doc, 'users')['user'];
  if (!isRecord(cluster) || !isRecord(user) || typeof cluster['server'] !== 'string') throw new Error(`${file}: unexpected kubeconfig shape`);
  return {
    server: cluster['server'],
    caPem: b64(cluster['certificate-authority-data'], 'certificate-authority-data'),
    certPem: b64(user['client-certificate-data'], 'client-certificate-data'),
    keyPem: b64(user['client-key-data'], 'client-key-data'),
  };
}

