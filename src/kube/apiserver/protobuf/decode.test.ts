import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isJsonArray, isJsonObject, type JsonObject } from '../../../base/index.js';
import { ApiError } from '../status.js';
import { PROTOBUF_MEDIA_TYPE, decodeKubeProtobuf } from './index.js';

/** A minimal protobuf writer for building test payloads. */
class Pb {
  private readonly out: number[] = [];

  int(field: number, v: number | bigint): this {
    this.key(field, 0);
    this.varint(BigInt(v));
    return this;
  }

  bool(field: number, v: boolean): this {
    return this.int(field, v ? 1 : 0);
  }

  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  bytes(field: number, b: Uint8Array | readonly number[]): this {
    this.key(field, 2);
    this.varint(BigInt(b.length));
    this.out.push(...b);
    return this;
  }

  msg(field: number, m: Pb): this {
    return this.bytes(field, m.build());
  }

  /** A map entry {1: key, 2: value}. */
  entry(field: number, key: string, value: string | Uint8Array | Pb): this {
    const e = pb().str(1, key);
    if (typeof value === 'string') e.str(2, value);
    else if (value instanceof Pb) e.msg(2, value);
    else e.bytes(2, value);
    return this.msg(field, e);
  }

  build(): Uint8Array {
    return Uint8Array.from(this.out);
  }

  private key(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    do {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      this.out.push(x === 0n ? b : b | 0x80);
    } while (x !== 0n);
  }
}

const pb = (): Pb => new Pb();
const meta = (name: string): Pb => pb().str(1, name).str(2, '').str(3, '').int(7, 0).msg(8, pb());
const intOrString = (v: number | string): Pb => (typeof v === 'number' ? pb().int(1, 0).int(2, v).str(3, '') : pb().int(1, 1).int(2, 0).str(3, v));
const quantity = (s: string): Pb => pb().str(1, s);

/** "k8s\0" + runtime.Unknown{1: TypeMeta, 2: raw, 3: "", 4: ""}. */
function body(apiVersion: string, kind: string, raw: Pb): Uint8Array {
  const unknown = pb().msg(1, pb().str(1, apiVersion).str(2, kind)).msg(2, raw).str(3, '').str(4, '').build();
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

function rejects(code: string, httpCode: number, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof ApiError && err.code === code && err.httpCode === httpCode);
}
const badRequest = (fn: () => unknown): void => rejects('KE_APISERVER_BADREQUEST', 400, fn);
const unsupported = (fn: () => unknown): void => rejects('KE_APISERVER_UNSUPPORTEDMEDIATYPE', 415, fn);

const NAMESPACE_DEMO =
  '6b 38 73 00 0a 0f 0a 02 76 31 12 09 4e 61 6d 65 73 70 61 63 65 12 1c 0a 14 0a 04 64 65 6d 6f 12 00 1a 00 22 00 2a 00 32 00 38 00 42 00 12 00 1a 02 0a 00 1a 00 22 00';

describe('decodeKubeProtobuf', () => {
  it('exports the protobuf media type', () => {
    assert.equal(PROTOBUF_MEDIA_TYPE, 'application/vnd.kubernetes.protobuf');
  });

  it('decodes the body of `kubectl create namespace demo`', () => {
    assert.deepEqual(decodeKubeProtobuf(hex(NAMESPACE_DEMO)), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'demo' },
      spec: {},
      status: {},
    });
  });

  describe('matches `kubectl create ... --dry-run=client -o json` for bodies captured from kubectl 1.32', () => {
    const doc: unknown = JSON.parse(readFileSync(new URL('./testdata/kubectl-create-v1.32.json', import.meta.url), 'utf8'));
    const fixtures = isJsonObject(doc) && isJsonArray(doc['fixtures']) ? doc['fixtures'] : [];
    assert.ok(fixtures.length >= 15);
    for (const f of fixtures) {
      assert.ok(isJsonObject(f) && typeof f['command'] === 'string' && typeof f['body'] === 'string');
      it(f['command'], () => assert.deepEqual(decodeKubeProtobuf(hex(f['body'] as string)), f['expected']));
    }
  });

  it('decodes a ConfigMap with data, binaryData and a set-but-false immutable', () => {
    const raw = pb().msg(1, meta('cm')).entry(2, 'a', 'b').entry(2, 'empty', '').entry(3, 'bin', Uint8Array.of(0xff, 0x00)).bool(4, false);
    assert.deepEqual(decodeKubeProtobuf(body('v1', 'ConfigMap', raw)), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm' },
      data: { a: 'b', empty: '' },
      binaryData: { bin: '/wA=' },
      immutable: false,
    });
  });

  it('decodes a Secret: data bytes become base64, stringData stays text', () => {
    const raw = pb()
      .msg(1, meta('s').str(3, 'ns').entry(11, 'app', 'x'))
      .entry(2, 'password', new TextEncoder().encode('s3cr3t'))
      .str(3, 'Opaque')
      .entry(4, 'user', 'admin');
    assert.deepEqual(decodeKubeProtobuf(body('v1', 'Secret', raw)), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'ns', labels: { app: 'x' } },
      data: { password: 'czNjcjN0' },
      type: 'Opaque',
      stringData: { user: 'admin' },
    });
  });

  it('decodes a Deployment with replicas, selector, template, probes, env refs, volumes and a RollingUpdate strategy', () => {
    const container = pb()
      .str(1, 'web')
      .str(2, 'nginx:1.27')
      .str(5, '')
      .msg(6, pb().str(1, 'http').int(2, 0).int(3, 80).str(4, 'TCP').str(5, ''))
      .msg(7, pb().str(1, 'PLAIN').str(2, 'v'))
      .msg(7, pb().str(1, 'FROM_SECRET').str(2, '').msg(3, pb().msg(4, pb().msg(1, pb().str(1, 'creds')).str(2, 'token'))))
      .msg(8, pb().entry(1, 'cpu', quantity('500m')).entry(2, 'memory', quantity('64Mi')))
      .msg(9, pb().str(1, 'cfg').bool(2, true).str(3, '/etc/cfg').str(4, ''))
      .msg(11, pb().msg(1, pb().msg(2, pb().str(1, '/healthz').msg(2, intOrString('http')).str(4, 'HTTP'))).int(2, 0).int(4, 10))
      .str(14, 'IfNotPresent')
      .bool(16, false)
      .bool(18, false);
    const podSpec = pb()
      .msg(1, pb().str(1, 'cfg').msg(2, pb().msg(19, pb().msg(1, pb().str(1, 'app-config')).int(3, 420))))
      .msg(2, container)
      .str(3, 'Always')
      .int(4, 30)
      .str(6, 'ClusterFirst')
      .bool(11, false)
      .msg(14, pb())
      .msg(22, pb().str(1, 'node-role.kubernetes.io/edge').str(2, 'Exists').str(4, 'NoSchedule'));
    const spec = pb()
      .int(1, 3)
      .msg(2, pb().entry(1, 'app', 'web'))
      .msg(3, pb().msg(1, pb().str(1, '').msg(8, pb()).entry(11, 'app', 'web')).msg(2, podSpec))
      .msg(4, pb().str(1, 'RollingUpdate').msg(2, pb().msg(1, intOrString('25%')).msg(2, intOrString(1))))
      .int(5, 0)
      .int(6, 0)
      .bool(7, false);
    const status = pb().int(1, 0).int(2, 0).int(3, 0).int(4, 0).int(5, 0).int(7, 0);
    const raw = pb().msg(1, meta('web')).msg(2, spec).msg(3, status);
    assert.deepEqual(decodeKubeProtobuf(body('apps/v1', 'Deployment', raw)), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            volumes: [{ name: 'cfg', configMap: { name: 'app-config', defaultMode: 420 } }],
            containers: [
              {
                name: 'web',
                image: 'nginx:1.27',
                ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
                env: [
                  { name: 'PLAIN', value: 'v' },
                  { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
                ],
                resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } },
                volumeMounts: [{ name: 'cfg', readOnly: true, mountPath: '/etc/cfg' }],
                readinessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, periodSeconds: 10 },
                imagePullPolicy: 'IfNotPresent',
              },
            ],
            restartPolicy: 'Always',
            terminationGracePeriodSeconds: 30,
            dnsPolicy: 'ClusterFirst',
            securityContext: {},
            tolerations: [{ key: 'node-role.kubernetes.io/edge', operator: 'Exists', effect: 'NoSchedule' }],
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
        revisionHistoryLimit: 0,
      },
      status: {},
    });
  });

  it('decodes a Service with ports (int targetPort) and a selector', () => {
    const port = pb().str(1, '').str(2, 'TCP').int(3, 80).msg(4, intOrString(8080)).int(5, 0);
    const spec = pb().msg(1, port).entry(2, 'app', 'web').str(3, '').str(4, 'ClusterIP').str(7, 'None').int(12, 0).bool(13, false);
    const raw = pb().msg(1, meta('web')).msg(2, spec).msg(3, pb().msg(1, pb()));
    assert.deepEqual(decodeKubeProtobuf(body('v1', 'Service', raw)), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'web' }, type: 'ClusterIP', sessionAffinity: 'None' },
      status: {},
    });
  });

  it('decodes a Job, keeping set pointer fields even when zero', () => {
    const template = pb().msg(1, meta('')).msg(2, pb().msg(2, pb().str(1, 'pi').str(2, 'perl').str(3, 'perl').str(3, '-e')).str(3, 'OnFailure'));
    const spec = pb().int(1, 2).int(2, 4).int(7, 0).msg(6, template).int(8, 0).bool(10, false).str(9, 'NonIndexed');
    const raw = pb().msg(1, meta('pi')).msg(2, spec).msg(3, pb().int(4, 0).int(5, 0).int(6, 0).str(7, ''));
    assert.deepEqual(decodeKubeProtobuf(body('batch/v1', 'Job', raw)), {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi' },
      spec: {
        parallelism: 2,
        completions: 4,
        backoffLimit: 0,
        template: { metadata: {}, spec: { containers: [{ name: 'pi', image: 'perl', command: ['perl', '-e'] }], restartPolicy: 'OnFailure' } },
        ttlSecondsAfterFinished: 0,
        suspend: false,
        completionMode: 'NonIndexed',
      },
      status: {},
    });
  });

  it('decodes a PriorityClass with a negative value (10-byte varint)', () => {
    const raw = pb().msg(1, meta('low')).int(2, -1000).bool(3, false).str(4, '').str(5, 'Never');
    assert.deepEqual(decodeKubeProtobuf(body('scheduling.k8s.io/v1', 'PriorityClass', raw)), {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'low' },
      value: -1000,
      preemptionPolicy: 'Never',
    });
  });

  it('decodes ObjectMeta times, owner references, finalizers and managed fields', () => {
    const owner = pb().str(1, 'Deployment').str(3, 'web').str(4, 'uid-1').str(5, 'apps/v1').bool(6, true);
    const managed = pb().str(1, 'kubectl').str(2, 'Update').str(3, 'v1').msg(4, pb().int(1, 1700000000)).str(6, 'FieldsV1').msg(7, pb().str(1, '{"f:data":{}}'));
    const m = meta('cm').int(7, 2).msg(9, pb().int(1, 1700000000).int(2, 5)).int(10, 0).entry(12, '__proto__', 'x').msg(13, owner).str(14, 'example.com/f').msg(17, managed);
    const decoded = decodeKubeProtobuf(body('v1', 'ConfigMap', pb().msg(1, m)));
    const annotations: JsonObject = {};
    Object.defineProperty(annotations, '__proto__', { value: 'x', enumerable: true, writable: true, configurable: true });
    assert.deepEqual(decoded, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'cm',
        generation: 2,
        deletionTimestamp: '2023-11-14T22:13:20Z',
        deletionGracePeriodSeconds: 0,
        annotations,
        ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'uid-1', apiVersion: 'apps/v1', controller: true }],
        finalizers: ['example.com/f'],
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2023-11-14T22:13:20Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
      },
    });
    assert.ok(Object.getPrototypeOf((decoded['metadata'] as JsonObject)['annotations']) === Object.prototype);
  });

  it('omits a zero creationTimestamp whether empty or explicit zeros', () => {
    const m = pb().str(1, 'n').msg(8, pb().int(1, 0).int(2, 0));
    assert.deepEqual(decodeKubeProtobuf(body('v1', 'Namespace', pb().msg(1, m))), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
  });

  it('accepts packed and unpacked repeated varints', () => {
    const psc = pb().bytes(4, [0x01, 0x02]).int(4, 3);
    const raw = pb().msg(1, meta('d')).msg(2, pb().msg(3, pb().msg(2, pb().msg(14, psc))));
    const spec = decodeKubeProtobuf(body('apps/v1', 'Deployment', raw))['spec'];
    assert.deepEqual(spec, { template: { spec: { securityContext: { supplementalGroups: [1, 2, 3] } } } });
  });

  it('lets the last occurrence of a scalar win and merges repeated occurrences of a message', () => {
    const raw = pb().msg(1, pb().str(1, 'a').str(3, 'ns')).msg(1, pb().str(1, 'b')).str(3, 'T1').str(3, '');
    assert.deepEqual(decodeKubeProtobuf(body('v1', 'Secret', raw)), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b', namespace: 'ns' } });
  });

  describe('malformed input → 400', () => {
    it('rejects a missing or wrong magic prefix', () => {
      badRequest(() => decodeKubeProtobuf(Uint8Array.of(0x6b, 0x38)));
      badRequest(() => decodeKubeProtobuf(hex('7b 7d 00 00 0a 00')));
    });

    it('rejects every truncation of a valid body', () => {
      const full = hex(NAMESPACE_DEMO);
      // Cutting exactly after one of the envelope's fields (typeMeta, raw, contentEncoding) leaves a valid, shorter message.
      const fieldEnds = new Set([21, 51, 53]);
      for (let n = 4; n < full.length; n++) if (!fieldEnds.has(n)) badRequest(() => decodeKubeProtobuf(full.subarray(0, n)));
    });

    it('rejects a wire type that does not match the schema', () => {
      badRequest(() => decodeKubeProtobuf(body('v1', 'ConfigMap', pb().msg(1, meta('x')).int(4, 1).str(4, 'yes'))));
      badRequest(() => decodeKubeProtobuf(body('v1', 'Namespace', pb().int(1, 5))));
    });

    it('rejects a missing kind, invalid UTF-8 and a bad IntOrString', () => {
      badRequest(() => decodeKubeProtobuf(body('v1', '', pb())));
      badRequest(() => decodeKubeProtobuf(body('v1', 'ConfigMap', pb().msg(1, pb().bytes(1, [0xc3, 0x28])))));
      const port = pb().int(3, 80).msg(4, pb().int(1, 7));
      badRequest(() => decodeKubeProtobuf(body('v1', 'Service', pb().msg(2, pb().msg(1, port)))));
    });
  });

  describe('anything this server would drop → 415', () => {
    it('rejects a field number missing from the schema', () => {
      unsupported(() => decodeKubeProtobuf(body('v1', 'ConfigMap', pb().msg(1, meta('x').str(15, 'cluster')))));
      const container = pb().str(1, 'c').str(2, 'img').msg(99, pb());
      const raw = pb().msg(2, pb().msg(3, pb().msg(2, pb().msg(2, container))));
      unsupported(() => decodeKubeProtobuf(body('apps/v1', 'Deployment', raw)));
    });

    it('rejects kinds without a schema', () => {
      unsupported(() => decodeKubeProtobuf(body('v1', 'Pod', pb().msg(1, meta('p')))));
      unsupported(() => decodeKubeProtobuf(body('batch/v1', 'CronJob', pb().msg(1, meta('c')))));
      unsupported(() => decodeKubeProtobuf(body('apps/v2', 'Deployment', pb())));
    });

    it('rejects a status that is not empty', () => {
      unsupported(() => decodeKubeProtobuf(body('v1', 'Namespace', pb().msg(3, pb().str(1, 'Active')))));
      unsupported(() => decodeKubeProtobuf(body('apps/v1', 'Deployment', pb().msg(3, pb().int(2, 3)))));
    });

    it('rejects a content encoding inside the envelope', () => {
      const unknown = pb().msg(1, pb().str(1, 'v1').str(2, 'Namespace')).msg(2, pb()).str(3, 'gzip').build();
      unsupported(() => decodeKubeProtobuf(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown])));
    });
  });
});
