import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKeError } from '../../base/index.js';
import { DEFAULT_EDGECORE_CONFIG } from '../../api/config/index.js';
import { DEFAULT_EDGECORE_CONFIG_PATH, parseEdgecoreFlags } from './flags.js';
import { edgeNodeName } from './run.js';

test('edgecore flags', () => {
  assert.deepEqual(parseEdgecoreFlags(['--config', '/x.yaml']), { config: '/x.yaml', help: false, defaultConfig: false });
  assert.equal(parseEdgecoreFlags([]).config, DEFAULT_EDGECORE_CONFIG_PATH);
  assert.equal(parseEdgecoreFlags(['--defaultconfig']).defaultConfig, true);
  assert.equal(parseEdgecoreFlags(['-h']).help, true);
  assert.throws(() => parseEdgecoreFlags(['--bogus']), (err: unknown) => isKeError(err, 'KE_EDGECORE_FLAGS'));
  assert.throws(() => parseEdgecoreFlags(['--config', '']), (err: unknown) => isKeError(err, 'KE_EDGECORE_FLAGS'));
});

test('node name: override, hostnameOverride, host name; lower-cased', () => {
  const withOverride = { ...DEFAULT_EDGECORE_CONFIG, modules: { ...DEFAULT_EDGECORE_CONFIG.modules, edged: { ...DEFAULT_EDGECORE_CONFIG.modules.edged, hostnameOverride: 'Edge-A' } } };
  assert.equal(edgeNodeName(withOverride), 'edge-a');
  assert.equal(edgeNodeName(withOverride, 'Other'), 'other');
  assert.ok(edgeNodeName(DEFAULT_EDGECORE_CONFIG).length > 0);
  assert.equal(edgeNodeName(DEFAULT_EDGECORE_CONFIG), edgeNodeName(DEFAULT_EDGECORE_CONFIG).toLowerCase());
});
