import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isJsonArray, isJsonObject, type JsonObject, type JsonValue } from '../../base/index.js';
import { BUILTIN_RESOURCES, type ResourceInfo } from './resources.js';
import { acceptedAs, evalJsonPath, humanDuration, tableColumns, toTable, wantsTable } from './table.js';

function res(plural: string): ResourceInfo {
  const r = BUILTIN_RESOURCES.find((x) => x.plural === plural);
  assert.ok(r, plural);
  return r;
}

const NOW = Date.parse('2024-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();

function rowsOf(table: JsonObject): JsonObject[] {
  const rows = table['rows'];
  assert.ok(isJsonArray(rows));
  return rows.filter(isJsonObject);
}
function cells(table: JsonObject, i = 0): JsonValue[] {
  const c = rowsOf(table)[i]?.['cells'];
  assert.ok(isJsonArray(c));
  return c;
}
/** The cells as kubectl shows them by default (priority 0 columns only), keyed by upper-cased header. */
function visible(r: ResourceInfo, o: JsonObject): Record<string, JsonValue> {
  const t = toTable(r, [o], { now: NOW, includeObject: 'Metadata' });
  const out: Record<string, JsonValue> = {};
  tableColumns(r).forEach((c, i) => {
    if (c.priority === 0) out[c.name.toUpperCase()] = cells(t)[i] ?? null;
  });
  return out;
}

describe('humanDuration', () => {
  it('follows kubectl', () => {
    const s = 1000;
    const cases: Array<[number, string]> = [
      [-5 * s, '<invalid>'],
      [-1500, '0s'],
      [0, '0s'],
      [5 * s, '5s'],
      [119 * s, '119s'],
      [120 * s, '2m'],
      [200 * s, '3m20s'],
      [10 * 60 * s, '10m'],
      [179 * 60 * s, '179m'],
      [3 * 3600 * s, '3h'],
      [(5 * 3600 + 3 * 60) * s, '5h3m'],
      [20 * 3600 * s, '20h'],
      [52 * 3600 * s, '2d4h'],
      [7 * 24 * 3600 * s, '7d'],
      [45 * 24 * 3600 * s, '45d'],
      [(2 * 365 + 30) * 24 * 3600 * s, '2y30d'],
      [10 * 365 * 24 * 3600 * s, '10y'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
  });
});

describe('toTable', () => {
  const pod: JsonObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', resourceVersion: '42', creationTimestamp: ago(200) },
    spec: { nodeName: 'edge-1', containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox' }] },
    status: {
      phase: 'Running',
      podIPs: [{ ip: '10.0.0.7' }],
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        { name: 'a', ready: true, restartCount: 0, state: { running: {} } },
        {
          name: 'b',
          ready: false,
          restartCount: 3,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, finishedAt: ago(65) } },
        },
      ],
    },
  };

  it('builds a meta.k8s.io/v1 Table for pods with kubectl columns', () => {
    const t = toTable(res('pods'), [pod], { now: NOW, includeObject: 'Metadata' });
    assert.equal(t['kind'], 'Table');
    assert.equal(t['apiVersion'], 'meta.k8s.io/v1');
    assert.deepEqual(t['metadata'], { resourceVersion: '42' });
    assert.deepEqual(
      tableColumns(res('pods')).map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Ready', 0],
        ['Status', 0],
        ['Restarts', 0],
        ['Age', 0],
        ['IP', 1],
        ['Node', 1],
        ['Nominated Node', 1],
        ['Readiness Gates', 1],
      ],
    );
    const cols = t['columnDefinitions'];
    assert.ok(isJsonArray(cols) && isJsonObject(cols[0]));
    assert.deepEqual(Object.keys(cols[0]).sort(), ['description', 'format', 'name', 'priority', 'type']);
    assert.equal(cols[0]['format'], 'name');
    assert.deepEqual(cells(t), ['web-1', '1/2', 'CrashLoopBackOff', '3 (65s ago)', '3m20s', '10.0.0.7', 'edge-1', '<none>', '<none>']);
    assert.deepEqual(rowsOf(t)[0]?.['object'], {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: pod['metadata'] ?? null,
    });
  });

  it('computes pod STATUS as kubectl does', () => {
    const status = (p: JsonObject): JsonValue => visible(res('pods'), p)['STATUS'] ?? null;
    const base = (st: JsonObject, meta: JsonObject = {}): JsonObject => ({
      metadata: { name: 'p', ...meta },
      spec: { containers: [{ name: 'c', image: 'i' }], initContainers: [{ name: 'init', image: 'i' }] },
      status: st,
    });
    assert.equal(status(base({ phase: 'Pending' })), 'Pending');
    assert.equal(status(base({ phase: 'Running' }, { deletionTimestamp: ago(1) })), 'Terminating');
    assert.equal(status(base({ phase: 'Succeeded' }, { deletionTimestamp: ago(1) })), 'Succeeded');
    assert.equal(status(base({ phase: 'Pending', initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'PodInitializing' } } }] })), 'Init:0/1');
    assert.equal(status(base({ phase: 'Pending', initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'ImagePullBackOff' } } }] })), 'Init:ImagePullBackOff');
    assert.equal(status(base({ phase: 'Pending', initContainerStatuses: [{ name: 'init', state: { terminated: { exitCode: 2 } } }] })), 'Init:ExitCode:2');
    assert.equal(status(base({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] })), 'Completed');
    assert.equal(status(base({ phase: 'Pending', reason: 'Evicted' })), 'Evicted');
    assert.equal(status(base({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] })), 'SchedulingGated');
    const done = toTable(res('pods'), [base({ phase: 'Succeeded' })], { now: NOW, includeObject: 'None' });
    assert.deepEqual(rowsOf(done)[0]?.['conditions'], [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    assert.equal(rowsOf(done)[0]?.['object'], null);
  });

  it('prints nodes with status, roles, version and wide columns', () => {
    const node: JsonObject = {
      metadata: { name: 'edge-1', creationTimestamp: ago(52 * 3600), labels: { 'node-role.kubernetes.io/edge': '', 'node-role.kubernetes.io/agent': '', 'kubernetes.io/role': 'x' } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'Hostname', address: 'h' }, { type: 'InternalIP', address: '192.168.1.5' }],
        nodeInfo: { kubeletVersion: 'v1.29.5-kubeedge-v1.18.0', osImage: 'Ubuntu 22.04', kernelVersion: '6.5', containerRuntimeVersion: 'containerd://1.7' },
      },
    };
    const t = toTable(res('nodes'), [node], { now: NOW, includeObject: 'Metadata' });
    assert.deepEqual(cells(t), [
      'edge-1',
      'Ready,SchedulingDisabled',
      'agent,edge,x',
      '2d4h',
      'v1.29.5-kubeedge-v1.18.0',
      '192.168.1.5',
      '<none>',
      'Ubuntu 22.04',
      '6.5',
      'containerd://1.7',
    ]);
    const unknown = visible(res('nodes'), { metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } });
    assert.equal(unknown['STATUS'], 'NotReady');
    assert.equal(unknown['ROLES'], '<none>');
    assert.equal(unknown['AGE'], '<unknown>');
    assert.equal(visible(res('nodes'), { metadata: { name: 'n' } })['STATUS'], 'Unknown');
  });

  it('prints deployments', () => {
    const d: JsonObject = {
      metadata: { name: 'web', creationTimestamp: ago(3 * 3600 + 5) },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] },
        template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'side', image: 'envoy' }] } },
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    const t = toTable(res('deployments'), [d], { now: NOW, includeObject: 'Object' });
    assert.deepEqual(
      tableColumns(res('deployments')).map((c) => c.name.toUpperCase()),
      ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
    );
    assert.deepEqual(cells(t), ['web', '2/3', 3, 2, '3h', 'nginx,side', 'nginx:1.25,envoy', 'app=web,tier in (fe)']);
    assert.equal(rowsOf(t)[0]?.['object'], d);
  });

  it('prints the other built-ins', () => {
    assert.deepEqual(
      visible(res('services'), { metadata: { name: 's' }, spec: { type: 'NodePort', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, nodePort: 30080 }, { port: 53, protocol: 'UDP' }] } }),
      { NAME: 's', TYPE: 'NodePort', 'CLUSTER-IP': '10.96.0.10', 'EXTERNAL-IP': '<none>', 'PORT(S)': '80:30080/TCP,53/UDP', AGE: '<unknown>' },
    );
    assert.equal(visible(res('services'), { metadata: { name: 's' }, spec: { type: 'LoadBalancer' } })['EXTERNAL-IP'], '<pending>');
    assert.deepEqual(visible(res('configmaps'), { metadata: { name: 'c' }, data: { a: '1' }, binaryData: { b: 'AA==' } }), { NAME: 'c', DATA: 2, AGE: '<unknown>' });
    assert.deepEqual(visible(res('secrets'), { metadata: { name: 's' }, type: 'Opaque', data: { a: 'MQ==' } }), { NAME: 's', TYPE: 'Opaque', DATA: 1, AGE: '<unknown>' });
    assert.deepEqual(visible(res('namespaces'), { metadata: { name: 'default', creationTimestamp: ago(5) }, status: { phase: 'Active' } }), {
      NAME: 'default',
      STATUS: 'Active',
      AGE: '5s',
    });
    assert.equal(
      visible(res('endpoints'), { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: 'fd00::3' }, { ip: '10.0.0.4' }], ports: [{ port: 80 }] }] })[
        'ENDPOINTS'
      ],
      '10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 1 more...',
    );
    assert.deepEqual(
      visible(res('events'), {
        metadata: { name: 'web.1' },
        type: 'Warning',
        reason: 'BackOff',
        involvedObject: { kind: 'Pod', name: 'web' },
        message: ' Back-off restarting \n',
        lastTimestamp: ago(30),
      }),
      { 'LAST SEEN': '30s', TYPE: 'Warning', REASON: 'BackOff', OBJECT: 'pod/web', MESSAGE: 'Back-off restarting' },
    );
    assert.deepEqual(visible(res('leases'), { metadata: { name: 'edge-1' }, spec: { holderIdentity: 'edge-1' } }), { NAME: 'edge-1', HOLDER: 'edge-1', AGE: '<unknown>' });
    assert.deepEqual(visible(res('serviceaccounts'), { metadata: { name: 'default' } }), { NAME: 'default', SECRETS: 0, AGE: '<unknown>' });
    assert.deepEqual(
      visible(res('jobs'), {
        metadata: { name: 'j' },
        spec: { completions: 3 },
        status: { succeeded: 3, startTime: ago(100), completionTime: ago(40), conditions: [{ type: 'Complete', status: 'True' }] },
      }),
      { NAME: 'j', STATUS: 'Complete', COMPLETIONS: '3/3', DURATION: '60s', AGE: '<unknown>' },
    );
    assert.deepEqual(visible(res('statefulsets'), { metadata: { name: 'db' }, spec: { replicas: 2 }, status: { readyReplicas: 1 } }), { NAME: 'db', READY: '1/2', AGE: '<unknown>' });
    assert.deepEqual(
      visible(res('daemonsets'), { metadata: { name: 'ds' }, spec: { template: { spec: { nodeSelector: { edge: 'true' } } } }, status: { desiredNumberScheduled: 2, numberReady: 1 } }),
      { NAME: 'ds', DESIRED: 2, CURRENT: 0, READY: 1, 'UP-TO-DATE': 0, AVAILABLE: 0, 'NODE SELECTOR': 'edge=true', AGE: '<unknown>' },
    );
    assert.deepEqual(visible(res('priorityclasses'), { metadata: { name: 'high' }, value: 1000, globalDefault: false, preemptionPolicy: 'Never' }), {
      NAME: 'high',
      VALUE: 1000,
      'GLOBAL-DEFAULT': false,
      AGE: '<unknown>',
      PREEMPTIONPOLICY: 'Never',
    });
    assert.deepEqual(visible(res('endpointslices'), { metadata: { name: 'es' }, addressType: 'IPv4', ports: [{ port: 80 }], endpoints: [] }), {
      NAME: 'es',
      ADDRESSTYPE: 'IPv4',
      PORTS: '80',
      ENDPOINTS: '<unset>',
      AGE: '<unknown>',
    });
    assert.deepEqual(
      visible(res('controllerrevisions'), {
        metadata: { name: 'web-7d9', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', controller: true }] },
        revision: 2,
      }),
      { NAME: 'web-7d9', CONTROLLER: 'statefulset.apps/web', REVISION: 2, AGE: '<unknown>' },
    );
  });

  it('uses the default NAME / CREATED AT table for CRDs', () => {
    const t = toTable(res('customresourcedefinitions'), [{ metadata: { name: 'devices.devices.kubeedge.io', creationTimestamp: '2024-05-01T10:00:00.123Z' } }], {
      now: NOW,
      includeObject: 'Metadata',
    });
    assert.deepEqual(
      tableColumns(res('customresourcedefinitions')).map((c) => [c.name, c.type]),
      [
        ['Name', 'string'],
        ['Created At', 'date'],
      ],
    );
    assert.deepEqual(cells(t), ['devices.devices.kubeedge.io', '2024-05-01T10:00:00Z']);
  });

  it('prints custom resources from additionalPrinterColumns, AGE when none', () => {
    const base = res('configmaps');
    const device: JsonObject = {
      metadata: { name: 'thermo', creationTimestamp: ago(90) },
      spec: { replicas: 2.0, protocol: { modbus: { slaveID: 1 } } },
      status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True', lastTransitionTime: ago(600) }] },
    };
    const cr: ResourceInfo = {
      ...base,
      group: 'devices.kubeedge.io',
      plural: 'devices',
      kind: 'Device',
      custom: {
        crdName: 'devices.devices.kubeedge.io',
        schema: undefined,
        printerColumns: [
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Protocol', type: 'string', jsonPath: '.spec.protocol', priority: 1 },
          { name: 'Missing', type: 'string', jsonPath: '.spec.nope' },
          { name: 'Since', type: 'date', jsonPath: '.status.conditions[?(@.type=="Ready")].lastTransitionTime' },
        ],
      },
    };
    const t = toTable(cr, [device], { now: NOW, includeObject: 'Metadata', listMeta: { resourceVersion: '77', continue: 'abc' } });
    assert.deepEqual(t['metadata'], { resourceVersion: '77', continue: 'abc' });
    assert.deepEqual(
      tableColumns(cr).map((c) => [c.name, c.type, c.priority]),
      [
        ['Name', 'string', 0],
        ['Replicas', 'integer', 0],
        ['Ready', 'string', 0],
        ['Protocol', 'string', 1],
        ['Missing', 'string', 0],
        ['Since', 'date', 0],
      ],
    );
    assert.deepEqual(cells(t), ['thermo', 2, 'True', '{"modbus":{"slaveID":1}}', null, '10m']);

    const plain: ResourceInfo = { ...cr, custom: { crdName: 'x', schema: undefined, printerColumns: [] } };
    assert.deepEqual(
      tableColumns(plain).map((c) => c.name),
      ['Name', 'Age'],
    );
    assert.deepEqual(cells(toTable(plain, [device], { now: NOW, includeObject: 'Metadata' })), ['thermo', '90s']);
  });

  it('omits headers on request', () => {
    const t = toTable(res('pods'), [], { now: NOW, includeObject: 'Metadata', noHeaders: true, listMeta: { resourceVersion: '5' } });
    assert.deepEqual(t['columnDefinitions'], []);
    assert.deepEqual(t['rows'], []);
    assert.deepEqual(t['metadata'], { resourceVersion: '5' });
  });
});

describe('evalJsonPath', () => {
  const o = { a: { b: [{ n: 'x', v: 1 }, { n: 'y', v: 2 }], 'k.d': 'dot' } };
  it('evaluates the simple paths CRD columns use', () => {
    assert.deepEqual(evalJsonPath(o, '.a.b[1].n'), ['y']);
    assert.deepEqual(evalJsonPath(o, '.a.b[*].n'), ['x', 'y']);
    assert.deepEqual(evalJsonPath(o, '.a.b[-1].v'), [2]);
    assert.deepEqual(evalJsonPath(o, '.a.b[?(@.v>1)].n'), ['y']);
    assert.deepEqual(evalJsonPath(o, ".a.b[?(@.n=='x')].v"), [1]);
    assert.deepEqual(evalJsonPath(o, ".a['k.d']"), ['dot']);
    assert.deepEqual(evalJsonPath(o, '.a.k\\.d'), ['dot']);
    assert.deepEqual(evalJsonPath(o, '{.a.b[0].n}'), ['x']);
    assert.deepEqual(evalJsonPath(o, '..n'), ['x', 'y']);
    assert.deepEqual(evalJsonPath(o, '.a.missing.x'), []);
  });
});

describe('wantsTable / acceptedAs', () => {
  it('recognises kubectl get', () => {
    assert.ok(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'));
    assert.ok(wantsTable('application/json; as=Table; g=meta.k8s.io; v=v1'));
  });
  it('falls back to plain objects', () => {
    assert.ok(!wantsTable(undefined));
    assert.ok(!wantsTable('application/json'));
    assert.ok(!wantsTable('*/*'));
    assert.ok(!wantsTable('application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json'));
    assert.ok(!wantsTable('application/json, application/json;as=Table;v=v1;g=meta.k8s.io'));
    assert.ok(wantsTable('application/json;q=0.5, application/json;as=Table;v=v1;g=meta.k8s.io'));
    assert.equal(acceptedAs('application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'), 'PartialObjectMetadataList');
    assert.equal(acceptedAs('application/vnd.kubernetes.protobuf'), undefined);
    assert.equal(acceptedAs('application/yaml'), 'Object');
  });
});
