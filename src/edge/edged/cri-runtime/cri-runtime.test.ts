// The runtime with nobody listening on the CRI socket: start() fails with a code, the rest stays
// quiet. A failing runtime and the real thing run in test/integration/cri-runtime.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isKeError, systemClock } from '../../../base/index.js';
import { silentLogger } from '../../../platform/log/index.js';
import { CriRuntimeErrorCode, createCriRuntime, type CriRuntimeOptions } from './index.js';

function options(dir: string, endpoint: string): CriRuntimeOptions {
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
  };
}

test('start() on a socket nobody serves fails with KE_EDGED_RUNTIME_UNAVAILABLE; unknown pods have no status', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ke-cri-rt-'));
  try {
    const rt = createCriRuntime(options(dir, `unix://${path.join(dir, 'none.sock')}`));
    await assert.rejects(rt.start(), (err: unknown) => isKeError(err) && err.code === CriRuntimeErrorCode.unavailable);
    assert.equal(rt.podStatus({ metadata: { uid: 'nope' } }), undefined);
    assert.equal(rt.containerLogPath('nope', 'c'), undefined);
    await rt.killPod({ metadata: { uid: 'nope' } }, 0);
    await rt.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
