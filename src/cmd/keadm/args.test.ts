import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isKeError } from '../../base/index.js';
import { parseGettokenArgs, parseInitArgs, parseJoinArgs, parseLabels, parseResetArgs } from './args.js';
import { initConfig } from './init.js';
import { joinConfig } from './join.js';

const flagsError = (err: unknown): boolean => isKeError(err, 'KE_KEADM_FLAGS');
const TOKEN = `${'a'.repeat(64)}.h.c.s`;

test('keadm init: defaults and flags', () => {
  const d = parseInitArgs([], { KUBEEDGE_HOME: '/ke' });
  assert.equal(d.dataDir, '/ke/cloud');
  assert.equal(d.cloudhubPort, 10000);
  assert.equal(d.certsPort, 10002);
  assert.equal(d.apiserverBind, '127.0.0.1:6443');
  assert.equal(d.monitorBind, '127.0.0.1:9091');
  assert.equal(d.kubeconfig, undefined);
  const a = parseInitArgs(['--data-dir', '/c', '--advertise-address', '10.0.0.1,10.0.0.2', '--cloudhub-port', '0', '--certs-port', '1', '--kubeconfig', '/k'], {});
  assert.deepEqual(a.advertiseAddress, ['10.0.0.1', '10.0.0.2']);
  const c = initConfig(a);
  assert.equal(c.embedded.dataDir, '/c');
  assert.equal(c.kubeAPIConfig.kubeConfig, '/k');
  assert.equal(c.modules.cloudHub.websocket.port, 0);
  assert.equal(c.modules.cloudHub.https.port, 1);
  assert.equal(c.modules.cloudHub.tlsCAFile, '/c/ca/rootCA.crt');
  assert.equal(c.modules.cloudHub.tlsPrivateKeyFile, '/c/certs/server.key');
  assert.deepEqual(c.modules.cloudHub.advertiseAddress, ['10.0.0.1', '10.0.0.2']);
  assert.throws(() => parseInitArgs(['--cloudhub-port', '99999'], {}), flagsError);
  assert.throws(() => parseInitArgs(['--monitor-bind', 'x'], {}), flagsError);
  assert.throws(() => parseInitArgs(['--nope'], {}), flagsError);
});

test('keadm gettoken: the admin kubeconfig of the data dir, or --kubeconfig', () => {
  assert.equal(parseGettokenArgs([], { KUBEEDGE_HOME: '/ke' }).kubeconfig, '/ke/cloud/admin.kubeconfig');
  assert.equal(parseGettokenArgs(['--data-dir', '/c'], {}).kubeconfig, '/c/admin.kubeconfig');
  assert.equal(parseGettokenArgs(['--kubeconfig', '/k'], {}).kubeconfig, '/k');
  assert.throws(() => parseGettokenArgs(['--kubeconfig', '/k', '--data-dir', '/c'], {}), flagsError);
});

test('keadm join: required flags, defaults, config written', () => {
  const a = parseJoinArgs(['--cloudcore-ipport', '10.1.2.3:10000', '--token', TOKEN], { KUBEEDGE_HOME: '/ke' }, 'My-Host');
  assert.equal(a.nodeName, 'my-host');
  assert.equal(a.dataDir, '/ke/edge/my-host');
  assert.equal(a.certPort, 10002);
  assert.equal(a.runtime, 'auto');
  assert.equal(a.start, true);
  const c = joinConfig(a);
  assert.equal(c.modules.edgeHub.websocket.server, '10.1.2.3:10000');
  assert.equal(c.modules.edgeHub.httpServer, 'https://10.1.2.3:10002');
  assert.equal(c.modules.edgeHub.token, '');
  assert.equal(c.modules.edgeHub.tlsCaFile, path.join('/ke/edge/my-host', 'ca', 'rootCA.crt'));
  assert.equal(c.modules.edgeHub.tlsCertFile, path.join('/ke/edge/my-host', 'certs', 'server.crt'));
  assert.equal(c.database.dataSource, path.join('/ke/edge/my-host', 'edgecore.db'));
  assert.equal(c.modules.edged.hostnameOverride, 'my-host');
  const b = parseJoinArgs(
    ['--cloudcore-ipport', '[::1]:1', '--token', TOKEN, '--node-name', 'n1', '--certport', '2', '--runtime', 'process', '--data-dir', '/e', '--labels', 'a=b,x.io/y=z', '--no-start'],
    {},
  );
  assert.equal(joinConfig(b).modules.edgeHub.httpServer, 'https://[::1]:2');
  assert.deepEqual(b.labels, { a: 'b', 'x.io/y': 'z' });
  assert.equal(b.runtime, 'process');
  assert.equal(b.start, false);
  for (const argv of [
    ['--token', TOKEN],
    ['--cloudcore-ipport', '1.2.3.4:10000'],
    ['--cloudcore-ipport', '1.2.3.4', '--token', TOKEN],
    ['--cloudcore-ipport', '1.2.3.4:1', '--token', TOKEN, '--runtime', 'docker'],
    ['--cloudcore-ipport', '1.2.3.4:1', '--token', TOKEN, '--node-name', 'bad_name'],
    ['--cloudcore-ipport', '1.2.3.4:1', '--token', TOKEN, '--labels', 'novalue'],
  ]) {
    assert.throws(() => parseJoinArgs(argv, {}, 'h'), flagsError, argv.join(' '));
  }
  assert.equal(parseJoinArgs(['--help'], {}, 'h').help, true);
});

test('keadm join: --set and --remote-runtime-endpoint reach edgecore.yaml, bad ones are refused', () => {
  const a = parseJoinArgs(
    ['--cloudcore-ipport', '1.2.3.4:10000', '--token', TOKEN, '--runtime', 'cri', '--remote-runtime-endpoint', 'unix:///x/c.sock', '--set', 'modules.edged.podSandboxImage=r.io/pause:1,modules.edged.maxPods=20,modules.metaManager.metaServer.server=127.0.0.1:1234'],
    {},
    'h',
  );
  const c = joinConfig(a);
  assert.equal(c.modules.edged.runtimeType, 'cri');
  assert.equal(c.modules.edged.tailoredKubeletConfig.containerRuntimeEndpoint, 'unix:///x/c.sock');
  assert.equal(c.modules.edged.podSandboxImage, 'r.io/pause:1');
  assert.equal(c.modules.edged.maxPods, 20);
  assert.equal(c.modules.metaManager.metaServer.server, '127.0.0.1:1234');
  assert.equal(c.modules.metaManager.metaServer.enable, true);
  assert.throws(() => parseJoinArgs(['--cloudcore-ipport', '1.2.3.4:1', '--token', TOKEN, '--set', 'novalue'], {}, 'h'), flagsError);
  const bad = parseJoinArgs(['--cloudcore-ipport', '1.2.3.4:1', '--token', TOKEN, '--set', 'modules.edged.maxPods=lots'], {}, 'h');
  assert.throws(() => joinConfig(bad), /modules\.edged\.maxPods/);
});

test('labels parse', () => {
  assert.deepEqual(parseLabels(undefined), {});
  assert.deepEqual(parseLabels('a=,b=c'), { a: '', b: 'c' });
  assert.throws(() => parseLabels('a=b c'), flagsError);
});

test('keadm reset flags', () => {
  assert.deepEqual(parseResetArgs([], { KUBEEDGE_HOME: '/ke' }), { help: false, dataDir: undefined, home: '/ke', force: false });
  assert.equal(parseResetArgs(['--data-dir', '/x', '--force'], {}).force, true);
});

test('keadm join: --metaserver-addr sets where the metaserver listens; join enables it', () => {
  const base = ['--cloudcore-ipport', '1.2.3.4:10000', '--token', TOKEN];
  const d = joinConfig(parseJoinArgs(base, {}, 'h'));
  assert.equal(d.modules.metaManager.metaServer.enable, true);
  assert.equal(d.modules.metaManager.metaServer.server, '127.0.0.1:10550');
  const a = parseJoinArgs([...base, '--metaserver-addr', '127.0.0.1:20550'], {}, 'h');
  assert.equal(a.metaServerAddr, '127.0.0.1:20550');
  assert.equal(joinConfig(a).modules.metaManager.metaServer.server, '127.0.0.1:20550');
  assert.throws(() => parseJoinArgs([...base, '--metaserver-addr', 'nope'], {}, 'h'), flagsError);
  assert.throws(() => parseJoinArgs([...base, '--metaserver-addr', '127.0.0.1:70000'], {}, 'h'), flagsError);
});
