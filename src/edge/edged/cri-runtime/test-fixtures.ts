/** Runtime views and options for the cri-runtime tests (unit, and the integration test in test/integration). */
import { systemClock } from '../../../base/index.js';
import { silentLogger } from '../../../platform/log/index.js';
import type { CriRuntimeOptions } from './cri-runtime.js';
import type { ContainerInfo } from './view.js';

/** Options for a runtime on `endpoint` under `dir`: no objects, fast relists. */
export function testRuntimeOptions(dir: string, endpoint: string, extra: Partial<CriRuntimeOptions> = {}): CriRuntimeOptions {
  return {
    clock: systemClock,
    log: silentLogger(),
    nodeName: 'n',
    nodeIP: '127.0.0.1',
    rootDir: dir,
    objects: { configMap: () => undefined, secret: () => undefined },
    criEndpoint: endpoint,
    podSandboxImage: '',
    imageGcHighPercent: 85,
    imageGcLowPercent: 80,
    relistMs: 50,
    ...extra,
  };
}

/** An app container of pod `u` in sandbox `s`, created at 0, with `over` applied. */
export function containerInfo(over: Partial<ContainerInfo> & Pick<ContainerInfo, 'id' | 'name' | 'state'>): ContainerInfo {
  return {
    sandboxId: 's',
    uid: 'u',
    init: false,
    createdAt: 0n,
    restartCount: 0,
    hash: '',
    image: '',
    imageRef: '',
    startedAt: 0,
    finishedAt: 0,
    exitCode: 0,
    reason: '',
    message: '',
    logPath: '',
    ...over,
  };
}
