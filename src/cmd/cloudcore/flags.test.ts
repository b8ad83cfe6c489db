import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isKeError } from '../../base/index.js';
import { DEFAULT_CLOUDCORE_CONFIG } from '../../api/config/index.js';
import { parseCloudcoreFlags } from './flags.js';
import { resolveCloudcoreConfig } from './config.js';

const flagsError = (err: unknown): boolean => isKeError(err, 'KE_CLOUDCORE_FLAGS');

test('the existing flags keep their meaning', () => {
  const f = parseCloudcoreFlags([
    '--data-dir', '/d', '--apiserver-bind', '127.0.0.1:7443', '--token-auth-file', '/t.csv', '--watch-history', '50',
    '--watch-bookmark-interval', '5', '--embedded-controllers', 'false', '--node-monitor-grace-period', '20', '--advertise-address', '10.0.0.1, edge.example',
  ]);
  assert.equal(f.dataDir, '/d');
  assert.equal(f.apiserverBind, '127.0.0.1:7443');
  assert.equal(f.tokenAuthFile, '/t.csv');
  assert.equal(f.watchHistory, 50);
  assert.equal(f.watchBookmarkSeconds, 5);
  assert.equal(f.embeddedControllers, false);
  assert.equal(f.nodeGraceSeconds, 20);
  assert.deepEqual(f.advertiseHosts, ['10.0.0.1', 'edge.example']);
  const c = resolveCloudcoreConfig(f, {});
  assert.equal(c.embedded.dataDir, '/d');
  assert.equal(c.embedded.apiserverBind, '127.0.0.1:7443');
  assert.equal(c.embedded.controllers, false);
  assert.equal(c.embedded.nodeMonitorGracePeriod, 20);
  assert.deepEqual(c.modules.cloudHub.advertiseAddress, ['10.0.0.1', 'edge.example']);
});

test('defaults: data dir under $KUBEEDGE_HOME, ports of KubeEdge', () => {
  const c = resolveCloudcoreConfig(parseCloudcoreFlags([]), { KUBEEDGE_HOME: '/home/ke' });
  assert.equal(c.embedded.dataDir, '/home/ke/cloud');
  assert.equal(resolveCloudcoreConfig(parseCloudcoreFlags([]), {}).embedded.dataDir, path.join('.kubeedge', 'cloud'));
  assert.equal(c.embedded.apiserverBind, '127.0.0.1:6443');
  assert.equal(c.modules.cloudHub.websocket.port, 10000);
  assert.equal(c.modules.cloudHub.https.port, 10002);
  assert.equal(c.commonConfig.monitorServer.bindAddress, '127.0.0.1:9091');
  assert.equal(c.kubeAPIConfig.kubeConfig, '');
  assert.ok(Object.isFrozen(c.modules.cloudHub));
});

test('hub flags and --cloudhub-enable false', () => {
  const f = parseCloudcoreFlags(['--cloudhub-port', '0', '--cloudhub-https-port', '12002', '--monitor-bind', '127.0.0.1:0', '--kubeconfig', '/k']);
  const c = resolveCloudcoreConfig(f, {});
  assert.equal(c.modules.cloudHub.websocket.port, 0);
  assert.equal(c.modules.cloudHub.https.port, 12002);
  assert.equal(c.commonConfig.monitorServer.bindAddress, '127.0.0.1:0');
  assert.equal(c.kubeAPIConfig.kubeConfig, '/k');
  const off = resolveCloudcoreConfig(parseCloudcoreFlags(['--cloudhub-enable', 'false']), {});
  assert.equal(off.modules.cloudHub.enable, false);
  assert.equal(off.modules.edgeController.enable, false);
  assert.equal(off.modules.syncController.enable, false);
});

test('bad flags are KE_CLOUDCORE_FLAGS', () => {
  for (const argv of [
    ['--bogus'],
    ['--apiserver-bind', 'nope'],
    ['--cloudhub-port', '70000'],
    ['--cloudhub-port', 'x'],
    ['--monitor-bind', '9091'],
    ['--cloudhub-enable', 'yes'],
    ['--watch-history', '0'],
    ['--watch-bookmark-interval', '-1'],
    ['--node-monitor-grace-period', 'soon'],
    ['positional'],
  ]) {
    assert.throws(() => parseCloudcoreFlags(argv), flagsError, argv.join(' '));
  }
});

test('flags override the config file, the file overrides the defaults', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ke-cc-flags-'));
  try {
    const file = path.join(dir, 'cloudcore.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: cloudcore.config.kubeedge.io/v1alpha1',
        'kind: CloudCore',
        'embedded: { dataDir: /from-file, apiserverBind: "127.0.0.1:7000" }',
        'modules:',
        '  cloudHub: { nodeLimit: 3, websocket: { port: 11000 }, https: { port: 11002 } }',
        '',
      ].join('\n'),
    );
    const fromFile = resolveCloudcoreConfig(parseCloudcoreFlags(['--config', file]), {});
    assert.equal(fromFile.embedded.dataDir, '/from-file');
    assert.equal(fromFile.embedded.apiserverBind, '127.0.0.1:7000');
    assert.equal(fromFile.modules.cloudHub.nodeLimit, 3);
    assert.equal(fromFile.modules.cloudHub.websocket.port, 11000);
    const overridden = resolveCloudcoreConfig(parseCloudcoreFlags(['--config', file, '--data-dir', '/flag', '--cloudhub-port', '12000']), {});
    assert.equal(overridden.embedded.dataDir, '/flag');
    assert.equal(overridden.modules.cloudHub.websocket.port, 12000);
    assert.equal(overridden.modules.cloudHub.https.port, 11002);
    writeFileSync(file, 'modules: { cloudHub: { nodeLimit: x } }\n');
    assert.throws(() => resolveCloudcoreConfig(parseCloudcoreFlags(['--config', file]), {}), (err: unknown) => isKeError(err, 'KE_CONFIG_INVALID'));
    assert.throws(() => resolveCloudcoreConfig(parseCloudcoreFlags(['--config', path.join(dir, 'none.yaml')]), {}), (err: unknown) => isKeError(err, 'KE_CONFIG_READ'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(DEFAULT_CLOUDCORE_CONFIG.embedded.dataDir, '');
});
