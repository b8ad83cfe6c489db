import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CLOUDCORE_CONFIG, DEFAULT_EDGECORE_CONFIG, parseDurationSeconds, validateCloudCoreConfig, validateEdgeCoreConfig } from './index.js';

function errorsOf(r: { config: unknown } | { errors: readonly string[] }): readonly string[] {
  assert.ok('errors' in r, 'expected errors');
  return r.errors;
}

test('an empty document gives the defaults', () => {
  assert.deepEqual(validateCloudCoreConfig({}), { config: DEFAULT_CLOUDCORE_CONFIG });
  assert.deepEqual(validateCloudCoreConfig(null), { config: DEFAULT_CLOUDCORE_CONFIG });
  assert.deepEqual(validateEdgeCoreConfig({}), { config: DEFAULT_EDGECORE_CONFIG });
});

test('values deep-merge over the defaults', () => {
  const r = validateCloudCoreConfig({ modules: { cloudHub: { nodeLimit: 7, websocket: { port: 0 } } } });
  assert.ok('config' in r);
  assert.equal(r.config.modules.cloudHub.nodeLimit, 7);
  assert.equal(r.config.modules.cloudHub.websocket.port, 0);
  assert.equal(r.config.modules.cloudHub.websocket.address, '0.0.0.0');
  assert.equal(r.config.modules.cloudHub.https.port, 10002);
  assert.equal(r.config.modules.edgeController.nodeUpdateFrequency, 10);
});

test('every violation is listed with its path', () => {
  const errors = errorsOf(
    validateCloudCoreConfig({
      apiVersion: 'v1',
      kind: 'CloudCore',
      bogus: 1,
      commonConfig: { monitorServer: { bindAddress: 'localhost' } },
      modules: { cloudHub: { nodeLimit: 'x', websocket: { port: 70000 }, advertiseAddress: [1] }, edgeController: { nodeUpdateFrequency: -1 } },
    }),
  );
  assert.deepEqual([...errors].sort(), [
    'apiVersion: must be "cloudcore.config.kubeedge.io/v1alpha1", got "v1"',
    'bogus: unknown field',
    'commonConfig.monitorServer.bindAddress: must be HOST:PORT, got "localhost"',
    'modules.cloudHub.advertiseAddress[0]: must be a string, got 1',
    'modules.cloudHub.nodeLimit: must be a positive integer, got "x"',
    'modules.cloudHub.websocket.port: must be a port number (0-65535), got 70000',
    'modules.edgeController.nodeUpdateFrequency: must be a positive number, got -1',
  ]);
});

test('edgecore checks runtimeType, server and httpServer forms', () => {
  const errors = errorsOf(
    validateEdgeCoreConfig({
      modules: {
        edged: { runtimeType: 'docker', nodeLabels: { a: 'b', c: {} } },
        edgeHub: { websocket: { server: 'cloud' }, httpServer: 'http://cloud:10002' },
        unknownModule: {},
      },
    }),
  );
  assert.deepEqual([...errors].sort(), [
    'modules.edgeHub.httpServer: must be https://HOST:PORT, got "http://cloud:10002"',
    'modules.edgeHub.websocket.server: must be HOST:PORT, got "cloud"',
    'modules.edged.nodeLabels.c: must be a string, got an object',
    'modules.edged.runtimeType: must be one of hollow|cri|process, got "docker"',
    'modules.unknownModule: unknown field',
  ]);
});

test('a document that is not a mapping is refused', () => {
  assert.deepEqual(errorsOf(validateEdgeCoreConfig([1])), ['(document): must be a YAML mapping']);
  assert.deepEqual(errorsOf(validateCloudCoreConfig('x')), ['(document): must be a YAML mapping']);
});

test('kubelet settings under tailoredKubeletConfig are lifted', () => {
  const r = validateEdgeCoreConfig({ modules: { edged: { tailoredKubeletConfig: { maxPods: 20, nodeStatusReportFrequency: '1m30s', nodeLeaseDurationSeconds: 60 } } } });
  assert.ok('config' in r);
  assert.equal(r.config.modules.edged.maxPods, 20);
  assert.equal(r.config.modules.edged.nodeStatusReportFrequency, 90);
  assert.equal(r.config.modules.edged.nodeLeaseDurationSeconds, 60);
  const bad = errorsOf(validateEdgeCoreConfig({ modules: { edged: { tailoredKubeletConfig: { nodeStatusReportFrequency: 'soon' } } } }));
  assert.equal(bad.length, 1);
});

test('edged runtime settings: KubeEdge durations, GC thresholds, unknown kubelet keys accepted', () => {
  const r = validateEdgeCoreConfig({
    modules: { edged: { podSandboxImage: 'r/pause:1', tailoredKubeletConfig: { syncFrequency: '1m0s', containerRuntimeEndpoint: 'unix:///x.sock', cgroupDriver: 'cgroupfs' } } },
  });
  assert.ok('config' in r);
  assert.equal(r.config.modules.edged.tailoredKubeletConfig.syncFrequency, 60);
  assert.equal(r.config.modules.edged.tailoredKubeletConfig.containerRuntimeEndpoint, 'unix:///x.sock');
  assert.equal(r.config.modules.edged.podSandboxImage, 'r/pause:1');
  const errs = errorsOf(
    validateEdgeCoreConfig({ modules: { edged: { tailoredKubeletConfig: { syncFrequency: 'never', imageGCHighThresholdPercent: 50, imageGCLowThresholdPercent: 70 } } } }),
  );
  assert.equal(errs.length, 2, errs.join('\n'));
  assert.ok(errs.some((e) => e.startsWith('modules.edged.tailoredKubeletConfig.syncFrequency')));
  assert.ok(errs.some((e) => e.startsWith('modules.edged.tailoredKubeletConfig.imageGCLowThresholdPercent')));
  assert.equal(errorsOf(validateEdgeCoreConfig({ modules: { edged: { tailoredKubeletConfig: { imageGCHighThresholdPercent: 101 } } } })).length, 1);
});

test('parseDurationSeconds reads Go durations', () => {
  assert.equal(parseDurationSeconds('5m0s'), 300);
  assert.equal(parseDurationSeconds('1h'), 3600);
  assert.equal(parseDurationSeconds('250ms'), 0.25);
  assert.equal(parseDurationSeconds(12), 12);
  assert.equal(parseDurationSeconds('5 minutes'), undefined);
});
