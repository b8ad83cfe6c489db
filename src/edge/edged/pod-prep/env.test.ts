import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Pod } from '../../../kube/client/index.js';
import { commandLine, expandVars, resolveEnv } from './index.js';
import { testObjects } from './test-objects.js';

const ctx = { nodeName: 'edge-1', hostIP: '10.0.0.9', podIP: '10.88.0.5', allocatable: { cpu: 4, memoryBytes: 8 * 2 ** 30 } };

function pod(c: V1Container, extra: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod {
  return {
    metadata: { name: 'p1', namespace: 'ns1', uid: 'u-1', labels: { app: 'web' }, annotations: { 'a/b': 'x' } },
    spec: { nodeName: 'edge-1', serviceAccountName: 'sa1', ...extra, containers: [c] },
  };
}

test('expandVars: $(VAR), unknown names kept, $$ escapes, unterminated kept', () => {
  const env = { A: 'x', B: '' };
  assert.equal(expandVars('$(A)-$(B)-$(C)', env), 'x--$(C)');
  assert.equal(expandVars('$$(A) $$ $x $(A', env), '$(A) $ $x $(A');
  assert.equal(expandVars('$(A)$(A)', env), 'xx');
});

test('commandLine expands command and args; unset stays unset', () => {
  const env = { NAME: 'world' };
  assert.deepEqual(commandLine({ name: 'c', command: ['echo', '$(NAME)'], args: ['$$(NAME)', '$(NAME)'] }, env), {
    command: ['echo', 'world'],
    args: ['$(NAME)', 'world'],
  });
  assert.deepEqual(commandLine({ name: 'c' }, env), {});
  assert.deepEqual(commandLine({ name: 'c', args: ['a'] }, env), { args: ['a'] });
});

test('envFrom first (with prefix), then env overrides; $(VAR) sees earlier entries', () => {
  const objects = testObjects();
  objects.putConfigMap('ns1', 'cm', { A: 'from-cm', B: 'b-cm', 'bad=key': 'skipped' });
  objects.putSecret('ns1', 'sec', { PASS: 's3cret' });
  const c: V1Container = {
    name: 'main',
    envFrom: [{ configMapRef: { name: 'cm' } }, { secretRef: { name: 'sec' }, prefix: 'S_' }, { configMapRef: { name: 'absent', optional: true } }],
    env: [
      { name: 'A', value: 'override-$(B)' },
      { name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'B' } } },
      { name: 'P', valueFrom: { secretKeyRef: { name: 'sec', key: 'PASS' } } },
      { name: 'OPT', valueFrom: { secretKeyRef: { name: 'sec', key: 'nope', optional: true } } },
      { name: 'EMPTY' },
      { name: 'REF', value: '$(S_PASS)/$(A)' },
    ],
  };
  const r = resolveEnv(pod(c), c, objects, ctx);
  assert.equal(r.error, undefined);
  assert.deepEqual(r.env, { A: 'override-b-cm', B: 'b-cm', S_PASS: 's3cret', K: 'b-cm', P: 's3cret', EMPTY: '', REF: 's3cret/override-b-cm' });
});

test('fieldRef paths and resourceFieldRef with divisors and the allocatable default', () => {
  const objects = testObjects();
  const fields = ['metadata.name', 'metadata.namespace', 'metadata.uid', "metadata.labels['app']", "metadata.annotations['a/b']", 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
  const c: V1Container = {
    name: 'main',
    resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m', memory: '32Mi' } },
    env: [
      ...fields.map((f, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath: f } } })),
      { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
      { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      { name: 'MEM_LIM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'MEM_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } },
      { name: 'CPU_LIM', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
    ],
  };
  const r = resolveEnv(pod(c), c, objects, ctx);
  assert.equal(r.error, undefined);
  assert.deepEqual(
    fields.map((_f, i) => r.env[`F${i}`]),
    ['p1', 'ns1', 'u-1', 'web', 'x', 'edge-1', 'sa1', '10.0.0.9', '10.0.0.9', '10.88.0.5', '10.88.0.5'],
  );
  assert.equal(r.env.CPU_REQ, '1'); // 250m rounds up to 1 core
  assert.equal(r.env.CPU_REQ_M, '250');
  assert.equal(r.env.MEM_LIM_MI, '64');
  assert.equal(r.env.MEM_REQ, String(32 * 2 ** 20));
  assert.equal(r.env.CPU_LIM, '4'); // no limit: node allocatable
});

test('missing non-optional sources are CreateContainerConfigError messages', () => {
  const objects = testObjects();
  objects.putConfigMap('ns1', 'cm', { A: '1' });
  const cases: [V1Container['env'], V1Container['envFrom'], string][] = [
    [[{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'B' } } }], undefined, "couldn't find key B in ConfigMap ns1/cm"],
    [[{ name: 'X', valueFrom: { configMapKeyRef: { name: 'gone', key: 'B' } } }], undefined, 'configmap "gone" not found'],
    [[{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'B' } } }], undefined, 'secret "gone" not found'],
    [undefined, [{ secretRef: { name: 'gone' } }], 'secret "gone" not found'],
    [undefined, [{ configMapRef: { name: 'gone' } }], 'configmap "gone" not found'],
  ];
  for (const [env, envFrom, msg] of cases) {
    const c: V1Container = { name: 'main', ...(env === undefined ? {} : { env }), ...(envFrom === undefined ? {} : { envFrom }) };
    assert.equal(resolveEnv(pod(c), c, objects, ctx).error, msg);
  }
  const optional: V1Container = {
    name: 'main',
    env: [
      { name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'B', optional: true } } },
      { name: 'Y', valueFrom: { configMapKeyRef: { name: 'gone', key: 'B', optional: true } } },
      { name: 'Z', valueFrom: { configMapKeyRef: { name: 'cm', key: 'A' } } },
    ],
  };
  assert.deepEqual(resolveEnv(pod(optional), optional, objects, ctx), { env: { Z: '1' } });
});
