import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../base/index.js';
import { BUILTIN_RESOURCES, type ResourceInfo } from './resources.js';
import { ApiError, apiErrors, type StatusCause } from './status.js';
import {
  applyDefaults,
  base64ErrorOffset,
  ensureNamespace,
  generateName,
  nameValidatorFor,
  pruneUnknownFields,
  validateAgainstSchema,
  validateBuiltin,
  validateObjectMeta,
} from './validation.js';

function res(plural: string): ResourceInfo {
  const r = BUILTIN_RESOURCES.find((x) => x.plural === plural);
  assert.ok(r, plural);
  return r;
}

const fields = (cs: readonly StatusCause[]): Array<[string | undefined, string | undefined]> => cs.map((c) => [c.field, c.reason]);
const find = (cs: readonly StatusCause[], field: string): StatusCause => {
  const c = cs.find((x) => x.field === field);
  assert.ok(c, `no cause for ${field} in ${JSON.stringify(cs)}`);
  return c;
};

describe('validateObjectMeta', () => {
  const create = { isCreate: true, namespace: 'default' };

  it('rejects upper-case and over-long names with metadata.name causes', () => {
    const upper = validateObjectMeta({ metadata: { name: 'MyPod' } }, res('pods'), create);
    assert.deepEqual(fields(upper), [['metadata.name', 'FieldValueInvalid']]);
    assert.match(upper[0]?.message ?? '', /^Invalid value: "MyPod": a lowercase RFC 1123 subdomain must consist of/);

    const long = validateObjectMeta({ metadata: { name: 'a'.repeat(254) } }, res('configmaps'), create);
    assert.match(find(long, 'metadata.name').message, /must be no more than 253 characters/);

    // the message the server builds from the causes reads like Kubernetes'
    const err = apiErrors.invalid('Pod', 'MyPod', upper);
    assert.match(err.message, /^Pod "MyPod" is invalid: metadata.name: Invalid value: "MyPod": a lowercase RFC 1123 subdomain/);
  });

  it('applies the per-kind name rules', () => {
    assert.match(find(validateObjectMeta({ metadata: { name: 'a.b' } }, res('namespaces'), create), 'metadata.name').message, /must not contain dots/);
    assert.match(find(validateObjectMeta({ metadata: { name: '1svc' } }, res('services'), create), 'metadata.name').message, /DNS-1035 label/);
    assert.match(find(validateObjectMeta({ metadata: { name: 'x'.repeat(64) } }, res('services'), create), 'metadata.name').message, /no more than 63/);
    assert.deepEqual(validateObjectMeta({ metadata: { name: 'kube-node-lease.x' } }, res('leases'), create), []);
    assert.deepEqual(validateObjectMeta({ metadata: { name: 'web.1' } }, res('events'), create), []);
    assert.deepEqual(nameValidatorFor({ ...res('pods'), group: 'x.io', plural: 'things' })('a/b', false), ["may not contain '/'"]);
  });

  it('handles generateName', () => {
    assert.deepEqual(validateObjectMeta({ metadata: { generateName: 'web-' } }, res('pods'), create), []);
    const bad = validateObjectMeta({ metadata: { generateName: 'Web-' } }, res('pods'), create);
    assert.deepEqual(fields(bad), [['metadata.generateName', 'FieldValueInvalid']]);
    assert.deepEqual(fields(validateObjectMeta({ metadata: {} }, res('pods'), create)), [['metadata.name', 'FieldValueRequired']]);
    assert.deepEqual(fields(validateObjectMeta({ metadata: { generateName: 'web-' } }, res('pods'), { isCreate: false, namespace: 'default' })), [
      ['metadata.name', 'FieldValueRequired'],
    ]);
    const name = generateName('web-', () => 0);
    assert.equal(name, 'web-bbbbb');
    assert.equal(generateName('x'.repeat(80)).length, 63);
  });

  it('checks the namespace', () => {
    assert.deepEqual(fields(validateObjectMeta({ metadata: { name: 'a' } }, res('pods'), { isCreate: true })), [['metadata.namespace', 'FieldValueRequired']]);
    assert.throws(
      () => validateObjectMeta({ metadata: { name: 'a', namespace: 'other' } }, res('pods'), create),
      (e: unknown) => e instanceof ApiError && e.code === 'KE_APISERVER_BADREQUEST' && /does not match the namespace sent on the request/.test(e.message),
    );
    assert.deepEqual(validateObjectMeta({ metadata: { name: 'n1' } }, res('nodes'), { isCreate: true }), []);
  });

  it('ensureNamespace fills, clears or rejects', () => {
    const o: JsonObject = { metadata: { name: 'a' } };
    ensureNamespace(o, res('pods'), 'ns1');
    assert.deepEqual(o['metadata'], { name: 'a', namespace: 'ns1' });
    const n: JsonObject = { metadata: { name: 'n', namespace: 'x' } };
    ensureNamespace(n, res('nodes'), undefined);
    assert.deepEqual(n['metadata'], { name: 'n' });
    assert.throws(() => ensureNamespace({ metadata: { namespace: 'b' } }, res('pods'), 'a'), ApiError);
  });

  it('validates labels, annotations, owner references and finalizers', () => {
    const cs = validateObjectMeta(
      {
        metadata: {
          name: 'a',
          labels: { 'bad key!': 'v', ok: '-bad' },
          annotations: { 'Example.com/Note': 'fine', 'a/b/c': 'x' },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r1', uid: 'u1', controller: true },
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r2', uid: '', controller: true },
          ],
          finalizers: ['kubernetes.io/pvc-protection', 'bad_'],
        },
      },
      res('pods'),
      create,
    );
    assert.deepEqual(fields(cs), [
      ['metadata.labels', 'FieldValueInvalid'],
      ['metadata.labels', 'FieldValueInvalid'],
      ['metadata.annotations', 'FieldValueInvalid'],
      ['metadata.ownerReferences.uid', 'FieldValueInvalid'],
      ['metadata.ownerReferences', 'FieldValueInvalid'],
      ['metadata.finalizers', 'FieldValueInvalid'],
    ]);
    assert.match(find(cs, 'metadata.ownerReferences').message, /Only one reference can have Controller set to true/);
  });

  it('limits the total annotation size to 256 KiB', () => {
    const cs = validateObjectMeta({ metadata: { name: 'a', annotations: { big: 'x'.repeat(256 * 1024) } } }, res('configmaps'), create);
    assert.deepEqual(fields(cs), [['metadata.annotations', 'FieldValueTooLong']]);
    assert.equal(cs[0]?.message, 'Too long: must have at most 262144 bytes');
  });
});

describe('validateBuiltin', () => {
  it('pods need containers with unique DNS-label names and an image', () => {
    assert.deepEqual(fields(validateBuiltin({ spec: {} }, res('pods'))), [['spec.containers', 'FieldValueRequired']]);
    const cs = validateBuiltin(
      {
        spec: {
          initContainers: [{ name: 'init', image: 'busybox' }],
          containers: [{ name: 'init', image: 'nginx' }, { name: 'Web' }, { image: 'x', ports: [{ containerPort: 0 }] }],
          restartPolicy: 'Sometimes',
        },
      },
      res('pods'),
    );
    assert.deepEqual(fields(cs), [
      ['spec.containers[0].name', 'FieldValueDuplicate'],
      ['spec.containers[1].name', 'FieldValueInvalid'],
      ['spec.containers[1].image', 'FieldValueRequired'],
      ['spec.containers[2].name', 'FieldValueRequired'],
      ['spec.containers[2].ports[0].containerPort', 'FieldValueInvalid'],
      ['spec.restartPolicy', 'FieldValueNotSupported'],
    ]);
    assert.equal(find(cs, 'spec.restartPolicy').message, 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
    assert.equal(find(cs, 'spec.containers[2].ports[0].containerPort').message, 'Invalid value: 0: must be between 1 and 65535, inclusive');
  });

  const deployment = (over: JsonObject = {}): JsonObject => ({
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...over,
    },
  });

  it('workloads need a selector that matches the template labels', () => {
    assert.deepEqual(validateBuiltin(deployment(), res('deployments')), []);
    const mismatch = validateBuiltin(deployment({ selector: { matchLabels: { app: 'api' } } }), res('deployments'));
    assert.deepEqual(fields(mismatch), [['spec.template.metadata.labels', 'FieldValueInvalid']]);
    assert.equal(mismatch[0]?.message, 'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`');
    assert.deepEqual(fields(validateBuiltin(deployment({ selector: undefined }), res('statefulsets'))), [['spec.selector', 'FieldValueRequired']]);
    assert.match(find(validateBuiltin(deployment({ selector: {} }), res('daemonsets')), 'spec.selector').message, /empty selector is invalid for daemonset/);
    assert.deepEqual(fields(validateBuiltin(deployment({ replicas: -1 }), res('replicasets'))), [['spec.replicas', 'FieldValueInvalid']]);
    const rp = validateBuiltin(
      deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } }),
      res('deployments'),
    );
    assert.equal(find(rp, 'spec.template.spec.restartPolicy').message, 'Unsupported value: "Never": supported values: "Always"');
    assert.deepEqual(fields(validateBuiltin(deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } } }), res('deployments'))), [
      ['spec.template.spec.containers[0].image', 'FieldValueRequired'],
    ]);
  });

  it('jobs need restartPolicy OnFailure or Never', () => {
    const job = (rp?: string): JsonObject => ({ spec: { template: { spec: { ...(rp ? { restartPolicy: rp } : {}), containers: [{ name: 'c', image: 'i' }] } } } });
    assert.deepEqual(validateBuiltin(job('Never'), res('jobs')), []);
    assert.equal(find(validateBuiltin(job(), res('jobs')), 'spec.template.spec.restartPolicy').message, 'Unsupported value: "Always": supported values: "OnFailure", "Never"');
  });

  it('services check type and ports', () => {
    assert.deepEqual(validateBuiltin({ spec: { ports: [{ port: 80 }] } }, res('services')), []);
    const cs = validateBuiltin({ spec: { type: 'Internal', ports: [{ port: 0, name: 'a' }, { port: 443, name: 'a', protocol: 'HTTP' }] } }, res('services'));
    assert.deepEqual(fields(cs), [
      ['spec.type', 'FieldValueNotSupported'],
      ['spec.ports[0].port', 'FieldValueInvalid'],
      ['spec.ports[1].name', 'FieldValueDuplicate'],
      ['spec.ports[1].protocol', 'FieldValueNotSupported'],
    ]);
    assert.equal(cs[0]?.message, 'Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
    assert.deepEqual(fields(validateBuiltin({ spec: {} }, res('services'))), [['spec.ports', 'FieldValueRequired']]);
    assert.deepEqual(validateBuiltin({ spec: { clusterIP: 'None' } }, res('services')), []);
    assert.deepEqual(fields(validateBuiltin({ spec: { type: 'ExternalName' } }, res('services'))), [['spec.externalName', 'FieldValueRequired']]);
  });

  it('configmap and secret keys, secret base64', () => {
    const cm = validateBuiltin({ data: { 'good.key_1': 'x', 'bad key': 'y', '..x': 'z' } }, res('configmaps'));
    assert.deepEqual(fields(cm), [
      ['data[bad key]', 'FieldValueInvalid'],
      ['data[..x]', 'FieldValueInvalid'],
    ]);
    assert.match(cm[0]?.message ?? '', /a valid config key must consist of alphanumeric characters/);
    const sec = validateBuiltin({ data: { ok: 'aGVsbG8=', bad: 'not base64!' } }, res('secrets'));
    assert.deepEqual(fields(sec), [['data[bad]', 'FieldValueInvalid']]);
    assert.match(sec[0]?.message ?? '', /illegal base64 data at input byte 3/);
    assert.deepEqual(fields(validateBuiltin({ type: 'kubernetes.io/tls', data: { 'tls.crt': '' } }, res('secrets'))), [['data[tls.key]', 'FieldValueRequired']]);
    assert.equal(base64ErrorOffset('aGVsbG8='), -1);
    assert.equal(base64ErrorOffset('aGVsbG8'), 4);
    assert.equal(base64ErrorOffset(''), -1);
  });

  it('CRDs: name, group, scope, names and exactly one storage version', () => {
    const crd = (over: JsonObject = {}): JsonObject => ({
      metadata: { name: 'devices.devices.kubeedge.io' },
      spec: {
        group: 'devices.kubeedge.io',
        scope: 'Namespaced',
        names: { plural: 'devices', singular: 'device', kind: 'Device', listKind: 'DeviceList' },
        versions: [{ name: 'v1beta1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
        ...over,
      },
    });
    assert.deepEqual(validateBuiltin(crd(), res('customresourcedefinitions')), []);
    const cs = validateBuiltin(
      crd({
        scope: 'Global',
        versions: [
          { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
          { name: 'v1', served: false, storage: false },
        ],
      }),
      res('customresourcedefinitions'),
    );
    assert.deepEqual(fields(cs), [
      ['spec.scope', 'FieldValueNotSupported'],
      ['spec.versions[1].name', 'FieldValueDuplicate'],
      ['spec.versions[1].schema.openAPIV3Schema', 'FieldValueRequired'],
      ['spec.versions', 'FieldValueInvalid'],
    ]);
    const named = validateBuiltin({ ...crd(), metadata: { name: 'devices.example.com' } }, res('customresourcedefinitions'));
    assert.equal(find(named, 'metadata.name').message, 'Invalid value: "devices.example.com": must be spec.names.plural+"."+spec.group');
    const noNames = validateBuiltin(crd({ names: {} }), res('customresourcedefinitions'));
    assert.ok(noNames.some((c) => c.field === 'spec.names.kind' && c.reason === 'FieldValueRequired'));
    assert.ok(noNames.some((c) => c.field === 'spec.names.plural' && c.reason === 'FieldValueRequired'));
  });
});

const SCHEMA: JsonObject = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['model'],
      properties: {
        model: { type: 'string', pattern: '^[a-z]+$', minLength: 2, maxLength: 8 },
        replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
        ratio: { type: 'number', exclusiveMaximum: true, maximum: 1 },
        mode: { type: 'string', enum: ['fast', 'slow'], default: 'fast' },
        port: { 'x-kubernetes-int-or-string': true },
        when: { type: 'string', format: 'date-time' },
        note: { type: 'string', nullable: true },
        tags: { type: 'array', maxItems: 2, items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        nested: { type: 'object', default: {}, properties: { level: { type: 'integer', default: 3 } } },
      },
    },
    status: { type: 'object', properties: { ready: { type: 'boolean' } } },
  },
};

describe('validateAgainstSchema', () => {
  it('accepts a valid object (apiVersion/kind/metadata left alone)', () => {
    const ok = { apiVersion: 'x/v1', kind: 'T', metadata: { name: 'a' }, spec: { model: 'abc', replicas: 3, port: 'http', when: '2024-01-02T03:04:05Z', note: null, labels: { a: 'b' } } };
    assert.deepEqual(validateAgainstSchema(ok, SCHEMA), []);
  });

  it('reports Kubernetes-style causes', () => {
    const cs = validateAgainstSchema(
      {
        spec: {
          replicas: 'string',
          ratio: 1,
          mode: 'medium',
          port: true,
          when: 'yesterday',
          tags: [{ name: 'a' }, { name: 5 }, {}],
          labels: { a: 1 },
          model: 'A',
        },
        status: { ready: 'yes' },
      },
      SCHEMA,
    );
    assert.deepEqual(fields(cs), [
      ['spec.replicas', 'FieldValueTypeInvalid'],
      ['spec.ratio', 'FieldValueInvalid'],
      ['spec.mode', 'FieldValueNotSupported'],
      ['spec.port', 'FieldValueTypeInvalid'],
      ['spec.when', 'FieldValueTypeInvalid'],
      ['spec.tags', 'FieldValueTooMany'],
      ['spec.tags[1].name', 'FieldValueTypeInvalid'],
      ['spec.tags[2].name', 'FieldValueRequired'],
      ['spec.labels.a', 'FieldValueTypeInvalid'],
      ['spec.model', 'FieldValueInvalid'],
      ['spec.model', 'FieldValueInvalid'],
      ['status.ready', 'FieldValueTypeInvalid'],
    ]);
    assert.equal(find(cs, 'spec.replicas').message, 'Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    assert.equal(find(cs, 'spec.ratio').message, 'Invalid value: 1: spec.ratio in body should be less than 1');
    assert.equal(find(cs, 'spec.mode').message, 'Unsupported value: "medium": supported values: "fast", "slow"');
    assert.equal(find(cs, 'spec.port').message, 'Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"');
    assert.equal(find(cs, 'spec.tags[2].name').message, 'Required value');
    assert.equal(find(cs, 'spec.tags').message, 'Too many: 3: must have at most 2 items');
    const model = cs.filter((c) => c.field === 'spec.model').map((c) => c.message);
    assert.deepEqual(model, ['Invalid value: "A": spec.model in body should be at least 2 chars long', "Invalid value: \"A\": spec.model in body should match '^[a-z]+$'"]);
  });

  it('reports required, minimum, maxLength and null', () => {
    const cs = validateAgainstSchema({ spec: { replicas: -1, model: 'abcdefghij', when: null } }, SCHEMA);
    assert.deepEqual(fields(cs), [
      ['spec.replicas', 'FieldValueInvalid'],
      ['spec.model', 'FieldValueTooLong'],
      ['spec.when', 'FieldValueTypeInvalid'],
    ]);
    assert.equal(find(cs, 'spec.replicas').message, 'Invalid value: -1: spec.replicas in body should be greater than or equal to 0');
    assert.deepEqual(fields(validateAgainstSchema({ spec: {} }, SCHEMA)), [['spec.model', 'FieldValueRequired']]);
    assert.deepEqual(fields(validateAgainstSchema({ spec: 'x' }, SCHEMA)), [['spec', 'FieldValueTypeInvalid']]);
  });
});

describe('pruneUnknownFields / applyDefaults', () => {
  it('prunes unknown fields but keeps metadata, preserved subtrees and additionalProperties', () => {
    const input: JsonObject = {
      apiVersion: 'x/v1',
      kind: 'T',
      metadata: { name: 'a', labels: { k: 'v' } },
      junk: 1,
      spec: { model: 'abc', unknown: true, labels: { any: 'thing' }, extra: { free: { form: 1 } }, tags: [{ name: 'a', drop: 1 }] },
      status: { ready: true, other: 'x' },
    };
    const out = pruneUnknownFields(input, SCHEMA);
    assert.deepEqual(out, {
      apiVersion: 'x/v1',
      kind: 'T',
      metadata: { name: 'a', labels: { k: 'v' } },
      spec: { model: 'abc', labels: { any: 'thing' }, extra: { free: { form: 1 } }, tags: [{ name: 'a' }] },
      status: { ready: true },
    });
    assert.equal(input['junk'], 1, 'input untouched');
  });

  it('keeps apiVersion/kind/metadata of embedded resources', () => {
    const schema: JsonObject = {
      type: 'object',
      properties: { spec: { type: 'object', properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } } } } },
    };
    const out = pruneUnknownFields({ spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {}, junk: 1 } } }, schema);
    assert.deepEqual(out, { spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} } } });
  });

  it('applies defaults top-down and handles nulls', () => {
    const input: JsonObject = { spec: { model: 'abc', mode: null, note: null, tags: null } };
    const out = applyDefaults(input, SCHEMA);
    assert.deepEqual(out, { spec: { model: 'abc', mode: 'fast', note: null, replicas: 1, nested: { level: 3 } } });
    assert.deepEqual(input, { spec: { model: 'abc', mode: null, note: null, tags: null } });
  });
});
