/**
 * keadm's token flow in one process against a real cloudcore (embedded control plane, loopback, free
 * ports, temp dirs): gettoken, join refusing a wrong token / foreign CA / unreachable cloud with the
 * edge codes, then a join that starts edgecore and registers the Node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isKeError, sleep } from '../../base/index.js';
import { KubeClient, RESOURCES } from '../../kube/client/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { loadConfigFile } from '../../platform/config/index.js';
import { validateCloudCoreConfig, validateEdgeCoreConfig } from '../../api/config/index.js';
import type { Io } from '../shared/steps.js';
import { parseInitArgs, parseJoinArgs } from './args.js';
import { getToken } from './gettoken.js';
import { runInit } from './init.js';
import { runJoin } from './join.js';

function quietIo(): Io & { text(): string } {
  let text = '';
  return { out: (t) => (text += t), err: (t) => (text += t), env: {}, text: () => text };
}

async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

test('keadm init, gettoken and join in one process', { timeout: 180_000 }, async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'ke-keadm-'));
  const log = silentLogger();
  const cloudDir = path.join(home, 'cloud');
  const init = await runInit(
    parseInitArgs(['--data-dir', cloudDir, '--apiserver-bind', '127.0.0.1:0', '--cloudhub-port', '0', '--certs-port', '0', '--monitor-bind', '127.0.0.1:0'], {}),
    quietIo(),
    log,
  );
  const client = await KubeClient.fromKubeconfig(init.cloudcore.kubeconfigPath);
  try {
    assert.ok(existsSync(path.join(cloudDir, 'ca', 'rootCA.crt')));
    assert.equal(loadConfigFile(init.configPath, validateCloudCoreConfig).embedded.dataDir, cloudDir);
    const ports = init.cloudcore.hubPorts;
    assert.ok(ports !== undefined && ports.websocket > 0 && ports.https > 0);
    const token = await poll('join token', () => getToken(init.cloudcore.kubeconfigPath));
    const join = (extra: readonly string[], tok = token, certPort = ports.https) =>
      parseJoinArgs(['--cloudcore-ipport', `127.0.0.1:${ports.websocket}`, '--certport', String(certPort), '--token', tok, ...extra], {}, 'unused');

    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await assert.rejects(runJoin(join(['--node-name', 'bad-1', '--data-dir', path.join(home, 'bad-1'), '--no-start'], tampered), quietIo(), log), (err: unknown) =>
      isKeError(err, 'KE_EDGEHUB_TOKEN_REJECTED'),
    );
    const foreignCa = `${'0'.repeat(64)}${token.slice(token.indexOf('.'))}`;
    await assert.rejects(runJoin(join(['--node-name', 'bad-2', '--data-dir', path.join(home, 'bad-2'), '--no-start'], foreignCa), quietIo(), log), (err: unknown) =>
      isKeError(err, 'KE_EDGEHUB_CA_HASH_MISMATCH'),
    );
    await assert.rejects(runJoin(join(['--node-name', 'bad-3', '--data-dir', path.join(home, 'bad-3'), '--no-start'], 'nonsense'), quietIo(), log), (err: unknown) =>
      isKeError(err, 'KE_EDGEHUB_TOKEN_MALFORMED'),
    );
    await assert.rejects(runJoin(join(['--node-name', 'bad-4', '--data-dir', path.join(home, 'bad-4'), '--no-start'], token, 1), quietIo(), log), (err: unknown) =>
      isKeError(err, 'KE_EDGEHUB_CLOUD_UNREACHABLE'),
    );

    const edgeDir = path.join(home, 'edge-1');
    const io = quietIo();
    const joined = await runJoin(join(['--node-name', 'edge-1', '--data-dir', edgeDir, '--labels', 'site=lab']), io, log);
    try {
      assert.match(io.text(), /^\[1\/4\] /m);
      assert.match(io.text(), /^\[4\/4\] /m);
      const cfg = loadConfigFile(joined.configPath, validateEdgeCoreConfig);
      assert.equal(cfg.modules.edgeHub.token, '');
      assert.equal(cfg.modules.edged.hostnameOverride, 'edge-1');
      assert.equal(joined.edgecore?.nodeName, 'edge-1');
      const node = await poll('node edge-1', () => client.get(RESOURCES.nodes, undefined, 'edge-1'));
      assert.equal(node.metadata?.labels?.['node-role.kubernetes.io/edge'], '');
    } finally {
      await joined.edgecore?.stop();
    }
  } finally {
    client.close();
    await init.cloudcore.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
