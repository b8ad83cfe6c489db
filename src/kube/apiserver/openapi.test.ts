import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type JsonObject, type JsonValue, getObject, getPath, getString, isJsonArray, isJsonObject } from '../../base/index.js';
import { openApiHash, openApiV2, openApiV3GroupVersion, openApiV3Root, schemaNameOf, wantsOpenApiProtobuf } from './openapi.js';
import { BUILTIN_RESOURCES, type ResourceInfo } from './resources.js';

const DEVICE: ResourceInfo = {
  group: 'devices.kubeedge.io',
  version: 'v1beta1',
  kind: 'Device',
  listKind: 'DeviceList',
  plural: 'devices',
  singular: 'device',
  namespaced: true,
  shortNames: [],
  categories: [],
  subresources: ['status'],
  custom: {
    crdName: 'devices.devices.kubeedge.io',
    printerColumns: [],
    schema: {
      type: 'object',
      properties: {
        spec: { type: 'object', properties: { deviceModelRef: { type: 'object', properties: { name: { type: 'string' } } } } },
        status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};
const ALL: readonly ResourceInfo[] = [...BUILTIN_RESOURCES, DEVICE];

function objects(v: unknown): JsonObject[] {
  return isJsonArray(v) ? v.filter(isJsonObject) : [];
}

function gvkOf(op: unknown): string | undefined {
  const g = getObject(op, ['x-kubernetes-group-version-kind']);
  return g === undefined ? undefined : `${getString(g, ['group']) ?? '?'}/${getString(g, ['version']) ?? '?'}/${getString(g, ['kind']) ?? '?'}`;
}

function paramNames(op: unknown): string[] {
  return objects(getPath(op, ['parameters'])).map((p) => getString(p, ['name']) ?? '');
}

/** Every `$ref` in `doc`, which must all point into `prefix` and resolve there. */
function assertRefsResolve(doc: JsonObject, prefix: string, table: JsonObject): number {
  let n = 0;
  const walk = (x: JsonValue | undefined): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (isJsonObject(x)) {
      for (const [k, v] of Object.entries(x)) {
        if (k === '$ref' && typeof v === 'string') {
          assert.ok(v.startsWith(prefix), v);
          assert.ok(isJsonObject(table[v.slice(prefix.length)]), `unresolved ${v}`);
          n++;
        } else walk(v);
      }
    }
  };
  walk(doc);
  return n;
}

describe('openApiV3Root', () => {
  it('lists every served group version with a serverRelativeURL carrying the hash', () => {
    const root = openApiV3Root(ALL, (gv) => `H-${gv}`);
    const paths = getObject(root, ['paths']) ?? {};
    const keys = Object.keys(paths);
    assert.equal(keys[0], 'api/v1');
    for (const gv of ['api/v1', 'apis/apps/v1', 'apis/batch/v1', 'apis/coordination.k8s.io/v1', 'apis/devices.kubeedge.io/v1beta1']) {
      assert.ok(keys.includes(gv), gv);
    }
    assert.equal(getString(paths, ['apis/apps/v1', 'serverRelativeURL']), `/openapi/v3/apis/apps/v1?hash=${encodeURIComponent('H-apis/apps/v1')}`);
    assert.equal(getString(paths, ['api/v1', 'serverRelativeURL']), `/openapi/v3/api/v1?hash=${encodeURIComponent('H-api/v1')}`);
  });
});

describe('openApiV3GroupVersion', () => {
  it('has a PATCH for deployments with the Deployment GVK and the fieldValidation parameter', () => {
    const doc = openApiV3GroupVersion('apis/apps/v1', ALL);
    assert.ok(doc !== undefined);
    assert.equal(doc['openapi'], '3.0.0');
    const patch = getObject(doc, ['paths', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', 'patch']);
    assert.equal(gvkOf(patch), 'apps/v1/Deployment');
    assert.equal(getString(patch, ['x-kubernetes-action']), 'patch');
    for (const p of ['fieldValidation', 'fieldManager', 'dryRun', 'force']) assert.ok(paramNames(patch).includes(p), p);
    const content = getObject(patch, ['requestBody', 'content']) ?? {};
    assert.ok('application/apply-patch+yaml' in content);
    assert.ok(!('application/strategic-merge-patch+json' in content));

    // kubectl stops at the first PATCH of a GVK it meets, in random order: all of them must carry fieldValidation.
    let patches = 0;
    for (const item of Object.values(getObject(doc, ['paths']) ?? {})) {
      const op = getObject(item, ['patch']);
      if (op === undefined) continue;
      patches++;
      assert.ok(paramNames(op).includes('fieldValidation'));
      assert.ok(gvkOf(op) !== undefined);
    }
    assert.ok(patches >= 5);

    for (const [method, action] of [['get', 'get'], ['put', 'put'], ['delete', 'delete']] as const) {
      const op = getObject(doc, ['paths', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', method]);
      assert.equal(getString(op, ['x-kubernetes-action']), action);
      assert.equal(gvkOf(op), 'apps/v1/Deployment');
    }
    const post = getObject(doc, ['paths', '/apis/apps/v1/namespaces/{namespace}/deployments', 'post']);
    assert.equal(getString(post, ['x-kubernetes-action']), 'post');
    assert.ok(paramNames(post).includes('fieldValidation'));
    assert.equal(getString(getObject(doc, ['paths', '/apis/apps/v1/deployments', 'get']), ['x-kubernetes-action']), 'list');
    assert.equal(gvkOf(getObject(doc, ['paths', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale', 'patch'])), 'autoscaling/v1/Scale');
  });

  it('defines Kubernetes-named kind schemas whose references all resolve', () => {
    const doc = openApiV3GroupVersion('apis/apps/v1', ALL) ?? {};
    const schemas = getObject(doc, ['components', 'schemas']) ?? {};
    const dep = getObject(schemas, ['io.k8s.api.apps.v1.Deployment']);
    assert.deepEqual(getPath(dep, ['x-kubernetes-group-version-kind']), [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.equal(getString(dep, ['type']), 'object');
    assert.equal(getString(dep, ['properties', 'metadata', '$ref']), '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.ok(isJsonObject(schemas['io.k8s.api.apps.v1.DeploymentList']));
    assert.ok(isJsonObject(schemas['io.k8s.api.core.v1.PodSpec']));
    assert.ok(assertRefsResolve(doc, '#/components/schemas/', schemas) > 10);

    const core = openApiV3GroupVersion('api/v1', ALL) ?? {};
    const coreSchemas = getObject(core, ['components', 'schemas']) ?? {};
    assert.deepEqual(getPath(coreSchemas, ['io.k8s.api.core.v1.Pod', 'x-kubernetes-group-version-kind']), [{ group: '', kind: 'Pod', version: 'v1' }]);
    assert.equal(gvkOf(getObject(core, ['paths', '/api/v1/nodes/{name}', 'patch'])), '/v1/Node');
    assertRefsResolve(core, '#/components/schemas/', coreSchemas);
  });

  it("publishes a custom resource's own schema with apiVersion, kind and metadata added", () => {
    const doc = openApiV3GroupVersion('apis/devices.kubeedge.io/v1beta1', ALL) ?? {};
    const schemas = getObject(doc, ['components', 'schemas']) ?? {};
    const name = schemaNameOf(DEVICE, 'Device');
    assert.equal(name, 'io.kubeedge.devices.v1beta1.Device');
    const s = getObject(schemas, [name]);
    assert.equal(getString(s, ['properties', 'spec', 'properties', 'deviceModelRef', 'properties', 'name', 'type']), 'string');
    assert.equal(getString(s, ['properties', 'apiVersion', 'type']), 'string');
    assert.equal(getString(s, ['properties', 'metadata', '$ref']), '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.deepEqual(getPath(s, ['x-kubernetes-group-version-kind']), [{ group: 'devices.kubeedge.io', kind: 'Device', version: 'v1beta1' }]);
    const patch = getObject(doc, ['paths', '/apis/devices.kubeedge.io/v1beta1/namespaces/{namespace}/devices/{name}', 'patch']);
    assert.equal(gvkOf(patch), 'devices.kubeedge.io/v1beta1/Device');
    assert.ok(paramNames(patch).includes('fieldValidation'));
    assertRefsResolve(doc, '#/components/schemas/', schemas);
    // The stored CRD schema is not aliased into the document.
    assert.equal(getPath(DEVICE.custom?.schema, ['properties', 'metadata']), undefined);
  });

  it('answers undefined for a group version that is not served', () => {
    assert.equal(openApiV3GroupVersion('apis/nope.example.com/v1', ALL), undefined);
    assert.equal(openApiV3GroupVersion('apis/apps/v2', ALL), undefined);
  });

  it('is deterministic regardless of input order, so its hash is stable', () => {
    const shuffled = [...ALL].reverse();
    const a = openApiV3GroupVersion('api/v1', ALL) ?? {};
    const b = openApiV3GroupVersion('api/v1', shuffled) ?? {};
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    assert.equal(openApiHash(a), openApiHash(b));
    assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
    assert.equal(JSON.stringify(openApiV3Root(ALL, () => 'h')), JSON.stringify(openApiV3Root(shuffled, () => 'h')));
  });
});

describe('openApiV2', () => {
  const doc = openApiV2(ALL);
  const defs = getObject(doc, ['definitions']) ?? {};

  it('is Swagger 2.0 with GVK-tagged definitions and resolvable references', () => {
    assert.equal(doc['swagger'], '2.0');
    assert.deepEqual(getPath(defs, ['io.k8s.api.apps.v1.Deployment', 'x-kubernetes-group-version-kind']), [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.deepEqual(getPath(defs, ['io.k8s.api.core.v1.ConfigMap', 'x-kubernetes-group-version-kind']), [{ group: '', kind: 'ConfigMap', version: 'v1' }]);
    assert.deepEqual(getPath(defs, ['io.kubeedge.devices.v1beta1.Device', 'x-kubernetes-group-version-kind']), [{ group: 'devices.kubeedge.io', kind: 'Device', version: 'v1beta1' }]);
    assert.ok(assertRefsResolve(doc, '#/definitions/', defs) > 50);
    const patch = getObject(doc, ['paths', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', 'patch']);
    assert.equal(gvkOf(patch), 'apps/v1/Deployment');
    assert.ok(isJsonArray(patch?.['consumes']) && patch['consumes'].includes('application/strategic-merge-patch+json'));
    const crPatch = getObject(doc, ['paths', '/apis/devices.kubeedge.io/v1beta1/namespaces/{namespace}/devices/{name}', 'patch']);
    assert.ok(isJsonArray(crPatch?.['consumes']) && !crPatch['consumes'].includes('application/strategic-merge-patch+json'));
  });

  it('carries the strategic-merge keys kubectl apply relies on', () => {
    const meta = (def: string, field: string): [string | undefined, string | undefined] => [
      getString(defs, [def, 'properties', field, 'x-kubernetes-patch-merge-key']),
      getString(defs, [def, 'properties', field, 'x-kubernetes-patch-strategy']),
    ];
    assert.deepEqual(meta('io.k8s.api.core.v1.PodSpec', 'containers'), ['name', 'merge']);
    assert.deepEqual(meta('io.k8s.api.core.v1.PodSpec', 'volumes'), ['name', 'merge,retainKeys']);
    assert.deepEqual(meta('io.k8s.api.core.v1.Container', 'ports'), ['containerPort', 'merge']);
    assert.deepEqual(meta('io.k8s.api.core.v1.Container', 'env'), ['name', 'merge']);
    assert.deepEqual(meta('io.k8s.api.core.v1.Container', 'volumeMounts'), ['mountPath', 'merge']);
    assert.deepEqual(meta('io.k8s.api.core.v1.ServiceSpec', 'ports'), ['port', 'merge']);
    assert.equal(getString(defs, ['io.k8s.api.core.v1.Pod', 'properties', 'spec', '$ref']), '#/definitions/io.k8s.api.core.v1.PodSpec');
    assert.equal(getString(defs, ['io.k8s.api.apps.v1.DeploymentSpec', 'properties', 'template', '$ref']), '#/definitions/io.k8s.api.core.v1.PodTemplateSpec');
    assert.equal(getString(defs, ['io.k8s.api.core.v1.PodSpec', 'properties', 'containers', 'items', '$ref']), '#/definitions/io.k8s.api.core.v1.Container');
  });
});

describe('wantsOpenApiProtobuf', () => {
  it('is true only for a protobuf-only Accept', () => {
    assert.equal(wantsOpenApiProtobuf('application/com.github.proto-openapi.spec.v2@v1.0+protobuf'), true);
    assert.equal(wantsOpenApiProtobuf('application/com.github.proto-openapi.spec.v2.v1.0+protobuf; q=0.9'), true);
    assert.equal(wantsOpenApiProtobuf('application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json'), false);
    assert.equal(wantsOpenApiProtobuf('application/json'), false);
    assert.equal(wantsOpenApiProtobuf('*/*'), false);
    assert.equal(wantsOpenApiProtobuf(undefined), false);
  });
});
