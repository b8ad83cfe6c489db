/** An in-memory ObjectSource for the pod-prep and runtime tests. */
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1ConfigMap, V1Secret } from '../../../kube/client/index.js';
import type { ObjectSource } from '../runtime.js';

export interface TestObjects extends ObjectSource {
  putConfigMap(ns: string, name: string, data: Record<string, string>, binaryData?: Record<string, string>): void;
  /** `data` in clear text; stored base64 as the API does. */
  putSecret(ns: string, name: string, data: Record<string, string>): void;
  remove(ns: string, name: string): void;
}

export function testObjects(): TestObjects {
  const cms = new Map<string, V1ConfigMap>();
  const secrets = new Map<string, V1Secret>();
  return {
    configMap: (ns, name) => cms.get(`${ns}/${name}`),
    secret: (ns, name) => secrets.get(`${ns}/${name}`),
    putConfigMap(ns, name, data, binaryData) {
      cms.set(`${ns}/${name}`, { metadata: { namespace: ns, name }, data, ...(binaryData === undefined ? {} : { binaryData }) });
    },
    putSecret(ns, name, data) {
      const enc: Record<string, string> = {};
      for (const [k, v] of Object.entries(data)) enc[k] = Buffer.from(v).toString('base64');
      secrets.set(`${ns}/${name}`, { metadata: { namespace: ns, name }, data: enc });
    },
    remove(ns, name) {
      cms.delete(`${ns}/${name}`);
      secrets.delete(`${ns}/${name}`);
    },
  };
}

export function tempDir(prefix = 'ke-pod-prep-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}
