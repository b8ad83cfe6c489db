// The runtime with nobody listening on the CRI socket: start() fails with a code, the rest stays
// quiet. A failing runtime and the real thing run in test/integration/cri-runtime.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isKeError } from '../../../base/index.js';
import { CriRuntimeErrorCode, createCriRuntime, type CriRuntimeOptions } from './index.js';
import { testRuntimeOptions } from './test-fixtures.js';

const options = (dir: string, endpoint: string): CriRuntimeOptions => testRuntimeOptions(dir, endpoint);

test('start() on a socket nobody serves fails with KE_EDGED_RUNTIME_UNAVAILABLE; unknown pods have no status; stop() releases calls waiting for start', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ke-cri-rt-'));
  try {
    const rt = createCriRuntime(options(dir, `unix://${path.join(dir, 'none.sock')}`));
    await assert.rejects(rt.start(), (err: unknown) => isKeError(err) && err.code === CriRuntimeErrorCode.unavailable);
    assert.equal(rt.podStatus({ metadata: { uid: 'nope' } }), undefined);
    assert.equal(rt.containerLogPath('nope', 'c'), undefined);
    // Pod calls wait for the first successful start (until then nothing says what already runs).
    let settled = 0;
    const waiting = [rt.killPod({ metadata: { uid: 'nope' } }, 0), rt.syncPod({ metadata: { uid: 'p' }, spec: { containers: [{ name: 'c' }] } }), rt.removeOrphans(new Set())].map((p) => p.then(() => settled++));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, 0, 'nothing ran before start()');
    await rt.stop();
    await Promise.all(waiting);
    assert.equal(settled, 3);
    assert.equal(rt.podStatus({ metadata: { uid: 'p' } }), undefined, 'the pod was never synced');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
