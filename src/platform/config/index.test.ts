import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isKeError } from '../../base/index.js';
import { DEFAULT_CLOUDCORE_CONFIG, DEFAULT_EDGECORE_CONFIG, validateCloudCoreConfig, validateEdgeCoreConfig } from '../../api/config/index.js';
import { loadConfigFile, parseConfigText, renderConfig } from './index.js';

const testdata = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../api/config/testdata');

function withTemp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'ke-config-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("KubeEdge's cloudcore --defaultconfig loads, with the values we honour applied", () => {
  const c = loadConfigFile(path.join(testdata, 'cloudcore-defaultconfig.yaml'), validateCloudCoreConfig);
  assert.equal(c.kubeAPIConfig.qps, 2500);
  assert.equal(c.kubeAPIConfig.burst, 5000);
  assert.equal(c.modules.cloudHub.nodeLimit, 500);
  assert.deepEqual(c.modules.cloudHub.advertiseAddress, ['192.0.2.2']);
  assert.deepEqual(c.modules.cloudHub.dnsNames, []);
  assert.equal(c.modules.cloudHub.tlsCAFile, '/etc/kubeedge/ca/rootCA.crt');
  assert.equal(c.modules.syncController.resyncPeriod, DEFAULT_CLOUDCORE_CONFIG.modules.syncController.resyncPeriod);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.modules.cloudHub.websocket));
});

test("KubeEdge's edgecore --defaultconfig and --minconfig load", () => {
  const e = loadConfigFile(path.join(testdata, 'edgecore-defaultconfig.yaml'), validateEdgeCoreConfig);
  assert.equal(e.modules.edgeHub.websocket.server, '192.0.2.2:10000');
  assert.equal(e.modules.edgeHub.httpServer, 'https://192.0.2.2:10002');
  assert.equal(e.modules.edged.hostnameOverride, 'vm');
  assert.equal(e.modules.edged.nodeStatusReportFrequency, 300);
  assert.equal(e.modules.edged.runtimeType, 'hollow');
  const m = loadConfigFile(path.join(testdata, 'edgecore-minconfig.yaml'), validateEdgeCoreConfig);
  assert.equal(m.modules.edgeHub.enable, false);
  assert.equal(m.modules.edgeHub.projectID, DEFAULT_EDGECORE_CONFIG.modules.edgeHub.projectID);
});

test('the rendered defaults load back to the same config', () => {
  withTemp((dir) => {
    const file = path.join(dir, 'edgecore.yaml');
    writeFileSync(file, renderConfig(DEFAULT_EDGECORE_CONFIG));
    assert.deepEqual(loadConfigFile(file, validateEdgeCoreConfig), DEFAULT_EDGECORE_CONFIG);
    const cfile = path.join(dir, 'cloudcore.yaml');
    writeFileSync(cfile, renderConfig(DEFAULT_CLOUDCORE_CONFIG));
    assert.deepEqual(loadConfigFile(cfile, validateCloudCoreConfig), DEFAULT_CLOUDCORE_CONFIG);
  });
});

test('KE_CONFIG_INVALID lists every violation; KE_CONFIG_READ for a missing file', () => {
  withTemp((dir) => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'kind: CloudCore\nmodules:\n  cloudHub:\n    nodeLimit: x\n    keepaliveInterval: 0\n');
    assert.throws(
      () => loadConfigFile(file, validateCloudCoreConfig),
      (err: unknown) => isKeError(err, 'KE_CONFIG_INVALID') && Array.isArray(err.details?.['errors']) && (err.details['errors'] as unknown[]).length === 2,
    );
    assert.throws(() => loadConfigFile(path.join(dir, 'none.yaml'), validateCloudCoreConfig), (err: unknown) => isKeError(err, 'KE_CONFIG_READ'));
  });
});

test('YAML errors, custom tags and alias bombs are refused', () => {
  assert.throws(() => parseConfigText('a: [1, 2', 'x.yaml'), (err: unknown) => isKeError(err, 'KE_CONFIG_INVALID'));
  assert.throws(() => parseConfigText('a: !!js/function "x"\n', 'x.yaml'), (err: unknown) => isKeError(err, 'KE_CONFIG_INVALID'));
  let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 8; i++) bomb += `a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]\n`;
  assert.throws(() => parseConfigText(bomb, 'x.yaml'), (err: unknown) => isKeError(err, 'KE_CONFIG_INVALID'));
});
