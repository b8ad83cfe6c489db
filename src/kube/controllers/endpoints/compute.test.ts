import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod, V1Service } from '../../client/index.js';
import { endpointSubsets, resolvePort, selects, serviceSelector, sliceContents, sliceName } from './compute.js';

const svc: V1Service = {
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid' },
  spec: {
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 9100 },
    ],
  },
};

function pod(name: string, ip: string | undefined, ready: boolean, opts: { httpPort?: number; deleting?: boolean; phase?: string; labels?: Record<string, string> } = {}): V1Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: opts.labels ?? { app: 'web' }, ...(opts.deleting === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: opts.httpPort ?? 8080 }] }] },
    status: {
      phase: opts.phase ?? 'Running',
      ...(ip === undefined ? {} : { podIP: ip }),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

test('selector and port resolution', () => {
  assert.deepEqual(serviceSelector(svc), { app: 'web' });
  assert.equal(serviceSelector({ spec: { selector: {} } }), undefined);
  assert.equal(serviceSelector({ spec: { type: 'ExternalName', externalName: 'x.example', selector: { app: 'web' } } }), undefined);
  assert.equal(selects({ app: 'web' }, pod('a', '1.1.1.1', true)), true);
  assert.equal(selects({ app: 'web' }, pod('a', '1.1.1.1', true, { labels: { app: 'db' } })), false);
  const p = pod('a', '1.1.1.1', true);
  assert.equal(resolvePort({ port: 80, targetPort: 'http' }, p), 8080);
  assert.equal(resolvePort({ port: 80, targetPort: 'grpc' }, p), undefined);
  assert.equal(resolvePort({ port: 80, targetPort: 81 }, p), 81);
  assert.equal(resolvePort({ port: 80 }, p), 80);
});

test('Endpoints subsets: ready and not-ready addresses, sorted, grouped by resolved ports', () => {
  const pods = [
    pod('b', '10.0.0.2', true),
    pod('a', '10.0.0.1', true),
    pod('c', '10.0.0.3', false),
    pod('d', '10.0.0.4', true, { httpPort: 8081 }),
    pod('nip', undefined, true),
    pod('gone', '10.0.0.9', true, { deleting: true }),
    pod('done', '10.0.0.8', true, { phase: 'Succeeded' }),
  ];
  const subsets = endpointSubsets(svc, pods);
  assert.equal(subsets.length, 2);
  const main = subsets.find((s) => s.ports?.[0]?.port === 8080);
  assert.deepEqual(main?.addresses?.map((a) => a.ip), ['10.0.0.1', '10.0.0.2']);
  assert.deepEqual(main?.notReadyAddresses?.map((a) => a.ip), ['10.0.0.3']);
  assert.deepEqual(main?.addresses?.[0]?.targetRef, { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' });
  assert.equal(main?.addresses?.[0]?.nodeName, 'n1');
  assert.deepEqual(main?.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }]);
  const other = subsets.find((s) => s.ports?.[0]?.port === 8081);
  assert.deepEqual(other?.addresses?.map((a) => a.ip), ['10.0.0.4']);
  assert.deepEqual(endpointSubsets({ ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } }, [pod('c', '10.0.0.3', false)])[0]?.addresses?.map((a) => a.ip), ['10.0.0.3']);
  assert.deepEqual(endpointSubsets(svc, []), []);
  assert.deepEqual(endpointSubsets({ ...svc, spec: { ...svc.spec, ports: [{ port: 80, targetPort: 'grpc' }] } }, [pod('a', '10.0.0.1', true)]), [], 'no resolvable port');
  const headless = endpointSubsets({ ...svc, spec: { selector: { app: 'web' }, clusterIP: 'None' } }, [pod('a', '10.0.0.1', true)]);
  assert.deepEqual(headless.map((s) => [s.addresses?.map((a) => a.ip), s.ports]), [[['10.0.0.1'], undefined]], 'headless without ports');
});

test('EndpointSlice contents: conditions, one slice per port set, a placeholder when empty', () => {
  const slices = sliceContents(svc, [pod('a', '10.0.0.1', true), pod('c', '10.0.0.3', false)]);
  assert.equal(slices.length, 1);
  const s = slices[0];
  assert.deepEqual(s?.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]), [['10.0.0.1', true], ['10.0.0.3', false]]);
  assert.deepEqual(s?.ports.map((p) => p.port), [8080, 9100]);
  assert.equal(s?.endpoints[0]?.nodeName, 'n1');
  const withTerminating = sliceContents(svc, [pod('a', '10.0.0.1', true), pod('gone', '10.0.0.9', true, { deleting: true })])[0];
  assert.deepEqual(withTerminating?.endpoints.find((e) => e.addresses[0] === '10.0.0.9')?.conditions, { ready: false, serving: true, terminating: true });
  const many = Array.from({ length: 5 }, (_, i) => pod(`p${i}`, `10.0.1.${i + 1}`, true));
  const chunks = sliceContents(svc, many, 2);
  assert.deepEqual(chunks.map((c) => c.endpoints.map((e) => e.addresses[0])), [['10.0.1.1', '10.0.1.2'], ['10.0.1.3', '10.0.1.4'], ['10.0.1.5']]);
  assert.equal(new Set(chunks.map((c) => sliceName(svc, c.key))).size, 3, 'one name per chunk');
  const empty = sliceContents(svc, []);
  assert.deepEqual(empty, [{ key: '', ports: [], endpoints: [] }]);
  const n1 = sliceName(svc, s?.key ?? '');
  assert.match(n1, /^web-[0-9a-f]{8}$/);
  assert.equal(sliceName(svc, s?.key ?? ''), n1, 'stable');
  assert.notEqual(sliceName(svc, ''), n1);
});
