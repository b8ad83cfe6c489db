import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getPath, type JsonObject } from '../../../base/index.js';
import { ApiError } from '../status.js';
import { serverSideApply, LAST_APPLIED_ANNOTATION } from './apply.js';
import { obj, objs } from './test-util.js';
import { decodeManagedFields, recordUpdate, type ManagedEntry } from './managed-fields.js';

const T1 = '2024-05-01T10:00:00Z';
const T2 = '2024-05-01T11:00:00Z';
const T3 = '2024-05-01T12:00:00Z';
const GV = 'apps/v1';

function config(replicas = 2, image = 'nginx:1.25', extraLabels: JsonObject = {}): JsonObject {
  return {
    apiVersion: GV,
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', ...extraLabels } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}

function apply(live: JsonObject | undefined, applied: JsonObject, manager = 'kubectl', force = false, now = T2): JsonObject {
  return serverSideApply({ live, applied, manager, force, kind: 'Deployment', apiVersion: GV, now });
}

const entries = (obj: JsonObject): ManagedEntry[] => decodeManagedFields(getPath(obj, ['metadata', 'managedFields'])) ?? [];
const entry = (obj: JsonObject, manager: string): ManagedEntry | undefined => entries(obj).find((e) => e.manager === manager);

/** A live object as the server stores it: created by `manager` with a plain create. */
function createdByUpdate(manager: string, source: JsonObject): JsonObject {
  const live = structuredClone(source);
  const meta = obj(live['metadata']);
  Object.assign(meta, { namespace: 'default', uid: 'u1', resourceVersion: '1', creationTimestamp: T1 });
  meta['managedFields'] = recordUpdate({ prev: undefined, next: live, manager, apiVersion: GV, now: T1, kind: 'Deployment' });
  return live;
}

function isConflict(err: unknown): err is ApiError {
  return err instanceof ApiError && err.reason === 'Conflict' && err.httpCode === 409;
}

describe('serverSideApply', () => {
  it('creates an object and records exactly the applied fields as an Apply entry', () => {
    const out = apply(undefined, config(), 'kubectl', false, T1);
    assert.equal(getPath(out, ['spec', 'replicas']), 2);
    assert.deepEqual(getPath(out, ['metadata', 'managedFields']), [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: GV,
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"nginx"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  it('re-applying the same configuration changes nothing', () => {
    const live = apply(undefined, config(), 'kubectl', false, T1);
    const again = apply(live, config(), 'kubectl', false, T3);
    assert.deepEqual(again, live);
  });

  it('an apply that leaves a field out removes it', () => {
    const live = apply(undefined, config(2, 'nginx:1.25', { tier: 'front' }), 'kubectl', false, T1);
    const noTier = apply(live, config(), 'kubectl', false, T2);
    assert.deepEqual(getPath(noTier, ['metadata', 'labels']), { app: 'web' });
    const noReplicas = config();
    delete obj(noReplicas['spec'])['replicas'];
    const out = apply(noTier, noReplicas, 'kubectl', false, T3);
    assert.equal(getPath(out, ['spec', 'replicas']), undefined);
    assert.equal(entry(out, 'kubectl')?.time, T3);
    assert.ok(!entry(out, 'kubectl')?.fields.has(['f:spec', 'f:replicas']));
  });

  it('removes a container the applier no longer applies but keeps containers others added', () => {
    const two = config();
    const spec = obj(getPath(two, ['spec', 'template', 'spec']));
    spec['containers'] = [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'extra', image: 'busybox' }];
    const live = apply(undefined, two, 'kubectl', false, T1);
    const edited = structuredClone(live);
    const editedSpec = obj(getPath(edited, ['spec', 'template', 'spec']));
    editedSpec['containers'] = [...objs(editedSpec['containers']), { name: 'injected', image: 'proxy' }];
    obj(edited['metadata'])['managedFields'] = recordUpdate({ prev: live, next: edited, manager: 'injector', apiVersion: GV, now: T2, kind: 'Deployment' });
    const out = apply(edited, config(), 'kubectl', false, T3);
    const names = objs(getPath(out, ['spec', 'template', 'spec', 'containers'])).map((c) => c['name']);
    assert.deepEqual(names, ['nginx', 'injected']);
    assert.equal(objs(getPath(out, ['spec', 'template', 'spec', 'containers']))[0]?.['ports'] !== undefined, true);
  });

  it('conflicts with another manager that owns a field whose value changes', () => {
    const live = createdByUpdate('kubectl-client-side-apply', config(1));
    assert.throws(
      () => apply(live, config(3), 'my-tool'),
      (err: unknown) => {
        assert.ok(isConflict(err));
        assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
        assert.deepEqual(err.statusDetails?.causes, [
          { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
        ]);
        return true;
      },
    );
  });

  it('reports several conflicts grouped by manager', () => {
    const live = createdByUpdate('editor', config(1, 'nginx:1.0'));
    assert.throws(
      () => apply(live, config(3, 'nginx:2.0'), 'my-tool'),
      (err: unknown) => {
        assert.ok(isConflict(err));
        assert.equal(
          err.message,
          'Apply failed with 2 conflicts: conflicts with "editor" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
        );
        assert.equal(err.statusDetails?.causes?.length, 2);
        return true;
      },
    );
  });

  it('force takes ownership away from the other manager', () => {
    const live = createdByUpdate('kubectl-client-side-apply', config(1));
    const out = apply(live, config(3), 'my-tool', true);
    assert.equal(getPath(out, ['spec', 'replicas']), 3);
    assert.ok(!entry(out, 'kubectl-client-side-apply')?.fields.has(['f:spec', 'f:replicas']));
    assert.ok(entry(out, 'kubectl-client-side-apply')?.fields.has(['f:spec', 'f:selector']));
    assert.ok(entry(out, 'my-tool')?.fields.has(['f:spec', 'f:replicas']));
    // the old owner no longer conflicts
    assert.doesNotThrow(() => apply(out, config(4), 'my-tool'));
  });

  it('two appliers share a field applied with the same value; it stays until both drop it', () => {
    const a = apply(undefined, config(2), 'tool-a', false, T1);
    const shared = apply(a, config(2), 'tool-b', false, T2);
    assert.ok(entry(shared, 'tool-a')?.fields.has(['f:spec', 'f:replicas']));
    assert.ok(entry(shared, 'tool-b')?.fields.has(['f:spec', 'f:replicas']));
    assert.throws(() => apply(shared, config(5), 'tool-b'), isConflict);

    const withoutReplicas = config();
    delete obj(withoutReplicas['spec'])['replicas'];
    const bDropped = apply(shared, withoutReplicas, 'tool-b', false, T3);
    assert.equal(getPath(bDropped, ['spec', 'replicas']), 2);
    const aDropped = apply(bDropped, withoutReplicas, 'tool-a', false, T3);
    assert.equal(getPath(aDropped, ['spec', 'replicas']), undefined);
  });

  it('an Update by someone else takes the field from the applier', () => {
    const live = apply(undefined, config(2), 'kubectl', false, T1);
    const scaled = structuredClone(live);
    obj(scaled['spec'])['replicas'] = 7;
    obj(scaled['metadata'])['managedFields'] = recordUpdate({ prev: live, next: scaled, manager: 'hpa', apiVersion: GV, now: T2, kind: 'Deployment' });
    assert.ok(!entry(scaled, 'kubectl')?.fields.has(['f:spec', 'f:replicas']));
    const withoutReplicas = config();
    delete obj(withoutReplicas['spec'])['replicas'];
    const out = apply(scaled, withoutReplicas, 'kubectl', false, T3);
    assert.equal(getPath(out, ['spec', 'replicas']), 7);
  });

  it('objects without managedFields belong to before-first-apply', () => {
    const live = config(1);
    obj(live['metadata'])['uid'] = 'u1';
    assert.throws(
      () => apply(live, config(3), 'my-tool'),
      (err: unknown) => isConflict(err) && err.message.includes('"before-first-apply" using apps/v1'),
    );
    const sameValues = apply(live, config(1), 'my-tool');
    assert.ok(entry(sameValues, 'before-first-apply'));
    assert.ok(entry(sameValues, 'my-tool'));
  });

  it('lets kubectl take over fields recorded in the last-applied annotation', () => {
    const csa = config(1);
    const meta = obj(csa['metadata']);
    meta['annotations'] = { [LAST_APPLIED_ANNOTATION]: JSON.stringify(config(1)) };
    const live = createdByUpdate('kubectl-client-side-apply', csa);
    const out = apply(live, config(3), 'kubectl');
    assert.equal(getPath(out, ['spec', 'replicas']), 3);
    const annotation = getPath(out, ['metadata', 'annotations', LAST_APPLIED_ANNOTATION]);
    assert.deepEqual(JSON.parse(String(annotation)), config(3));
    assert.throws(() => apply(live, config(3), 'not-kubectl'), isConflict);
  });

  it('ignores status on the main resource and rejects managedFields or another version in the body', () => {
    const withStatus = { ...config(), status: { replicas: 9 } };
    const out = apply(undefined, withStatus);
    assert.equal(out['status'], undefined);
    const bad = (body: JsonObject): void => assert.throws(() => apply(undefined, body), (e: unknown) => e instanceof ApiError && e.reason === 'BadRequest');
    bad({ ...config(), metadata: { name: 'web', managedFields: [] } });
    bad({ ...config(), apiVersion: 'apps/v1beta1' });
  });

  it('applies to the status subresource', () => {
    const live = apply(undefined, config(), 'kubectl', false, T1);
    const out = serverSideApply({
      live,
      applied: { apiVersion: GV, kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 99 }, status: { replicas: 2 } },
      manager: 'controller',
      force: false,
      kind: 'Deployment',
      apiVersion: GV,
      now: T2,
      subresource: 'status',
    });
    assert.deepEqual(out['status'], { replicas: 2 });
    assert.equal(getPath(out, ['spec', 'replicas']), 2);
    const controller = entry(out, 'controller');
    assert.equal(controller?.subresource, 'status');
    assert.deepEqual(controller?.fields.toFieldsV1(), { 'f:status': { 'f:replicas': {} } });
  });

  it('keeps the live order of keyed list items and places new ones where the applier put them', () => {
    const base = config();
    obj(getPath(base, ['spec', 'template', 'spec']))['containers'] = [{ name: 'a' }, { name: 'b' }];
    const live = apply(undefined, base, 'kubectl', false, T1);
    const next = config();
    obj(getPath(next, ['spec', 'template', 'spec']))['containers'] = [{ name: 'a' }, { name: 'new' }, { name: 'b' }];
    const out = apply(live, next, 'kubectl', false, T2);
    assert.deepEqual(
      objs(getPath(out, ['spec', 'template', 'spec', 'containers'])).map((c) => c['name']),
      ['a', 'new', 'b'],
    );
  });

  it('records a new owner of unchanged values (kubectl-last-applied): only managedFields change', () => {
    const live = createdByUpdate('kubectl-client-side-apply', { ...config(), metadata: { name: 'web', annotations: { [LAST_APPLIED_ANNOTATION]: '{}' } } });
    const body = { apiVersion: GV, kind: 'Deployment', metadata: { name: 'web', namespace: 'default', annotations: { [LAST_APPLIED_ANNOTATION]: '{}' } } };
    const out = apply(live, body, 'kubectl-last-applied', false, T2);
    const { managedFields: _after, ...restAfter } = obj(out['metadata']);
    const { managedFields: _before, ...restBefore } = obj(live['metadata']);
    assert.deepEqual(restAfter, restBefore);
    assert.deepEqual(entry(out, 'kubectl-last-applied')?.fields.toFieldsV1(), {
      'f:metadata': { 'f:annotations': { [`f:${LAST_APPLIED_ANNOTATION}`]: {} } },
    });
    assert.deepEqual(apply(out, body, 'kubectl-last-applied', false, T3), out);
  });

  it('keys service ports by port and defaulted protocol', () => {
    const svc = (ports: JsonObject[]): JsonObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports } });
    const live = serverSideApply({ live: undefined, applied: svc([{ port: 80 }, { port: 443 }]), manager: 'm', force: false, kind: 'Service', apiVersion: 'v1', now: T1 });
    const defaulted = structuredClone(live);
    obj(defaulted['spec'])['ports'] = [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }];
    const out = serverSideApply({ live: defaulted, applied: svc([{ port: 80, targetPort: 8080 }]), manager: 'm', force: false, kind: 'Service', apiVersion: 'v1', now: T2 });
    assert.deepEqual(getPath(out, ['spec', 'ports']), [{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
    assert.ok(entry(out, 'm')?.fields.has(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}', 'f:targetPort']));
  });

  it('treats custom resources as maps of atomic lists, with the caller telling about /status', () => {
    const cr = (tags: string[], size: number): JsonObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { tags, size }, status: { ok: true } });
    const args = { manager: 'a', force: false, kind: 'Widget', apiVersion: 'example.com/v1', statusSubresource: true } as const;
    const live = serverSideApply({ ...args, live: undefined, applied: cr(['x', 'y'], 1), now: T1 });
    assert.equal(live['status'], undefined);
    assert.deepEqual(entry(live, 'a')?.fields.toFieldsV1(), { 'f:spec': { 'f:size': {}, 'f:tags': {} } });
    const out = serverSideApply({ ...args, live, applied: cr(['z'], 1), now: T2 });
    assert.deepEqual(getPath(out, ['spec', 'tags']), ['z']);
  });
});
