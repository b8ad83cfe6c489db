import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getPath, type JsonObject } from '../../../base/index.js';
import { applyJsonPatch } from './json-patch.js';
import { obj, objs } from './test-util.js';
import { capUpdateManagers, decodeManagedFields, fieldSetOf, recordUpdate, type ManagedEntry } from './managed-fields.js';
import { FieldSet } from './field-set.js';

const T1 = '2024-05-01T10:00:00Z';
const T2 = '2024-05-01T11:00:00Z';

function deployment(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '5', generation: 1, creationTimestamp: T1, labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
      },
    },
    status: { replicas: 1 },
  };
}

function created(manager = 'kubectl-client-side-apply'): JsonObject {
  const made = deployment();
  const meta = obj(made['metadata']);
  meta['managedFields'] = recordUpdate({ prev: undefined, next: made, manager, apiVersion: 'apps/v1', now: T1, kind: 'Deployment' });
  return made;
}

const entries = (obj: JsonObject): ManagedEntry[] => decodeManagedFields(getPath(obj, ['metadata', 'managedFields'])) ?? [];

describe('fieldSetOf', () => {
  it('lists the leaf fields of an object, keyed list items, and skips server-owned fields and status', () => {
    assert.deepEqual(fieldSetOf(deployment(), 'Deployment'), {
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
    });
  });

  it('tracks status on the status subresource, and primitive sets by value', () => {
    const pod: JsonObject = { metadata: { name: 'p', finalizers: ['x'] }, spec: { nodeName: 'n' }, status: { phase: 'Running' } };
    assert.deepEqual(fieldSetOf(pod, 'Pod'), { 'f:metadata': { 'f:finalizers': { 'v:"x"': {} } }, 'f:spec': { 'f:nodeName': {} } });
    assert.deepEqual(fieldSetOf(pod, 'Pod', { subresource: 'status' }), {
      'f:metadata': { 'f:finalizers': { 'v:"x"': {} } },
      'f:status': { 'f:phase': {} },
    });
    assert.deepEqual(fieldSetOf({ metadata: { name: 'c' }, data: { k: 'v' } }, 'ConfigMap'), { 'f:data': { 'f:k': {} } });
  });
});

describe('recordUpdate', () => {
  it('gives the creator every field it set, with "." on new maps and list items', () => {
    const [entry] = entries(created());
    assert.ok(entry);
    assert.equal(entry.manager, 'kubectl-client-side-apply');
    assert.equal(entry.operation, 'Update');
    assert.equal(entry.time, T1);
    const v1 = entry.fields.toFieldsV1();
    assert.deepEqual(getPath(v1, ['f:metadata', 'f:labels']), { '.': {}, 'f:app': {} });
    assert.deepEqual(Object.keys(obj(getPath(v1, ['f:spec']))), ['f:replicas', 'f:selector', 'f:template']);
    const containers = obj(getPath(v1, ['f:spec', 'f:template', 'f:spec', 'f:containers']));
    assert.deepEqual(Object.keys(containers), ['k:{"name":"nginx"}']);
    assert.deepEqual(getPath(containers, ['k:{"name":"nginx"}', 'f:ports', '.']), {});
  });

  it('moves a changed field to the writer and keeps untouched entries as they were', () => {
    const live = created();
    const next = structuredClone(live);
    obj(next['spec'])['replicas'] = 3;
    const mf = recordUpdate({ prev: live, next, manager: 'kube-controller-manager', apiVersion: 'apps/v1', now: T2, kind: 'Deployment' });
    const [csa, kcm] = decodeManagedFields(mf) ?? [];
    assert.equal(csa?.manager, 'kubectl-client-side-apply');
    assert.equal(csa?.time, T1);
    assert.ok(!csa?.fields.has(['f:spec', 'f:replicas']));
    assert.ok(csa?.fields.has(['f:spec', 'f:selector']));
    assert.equal(kcm?.manager, 'kube-controller-manager');
    assert.deepEqual(kcm?.fields.toFieldsV1(), { 'f:spec': { 'f:replicas': {} } });
  });

  it('adds nothing for a write that changes nothing tracked, and drops emptied entries', () => {
    const live = created();
    const next = structuredClone(live);
    obj(next['status'])['replicas'] = 5;
    obj(next['metadata'])['resourceVersion'] = '6';
    const mf = recordUpdate({ prev: live, next, manager: 'other', apiVersion: 'apps/v1', now: T2, kind: 'Deployment' });
    assert.deepEqual(mf, getPath(live, ['metadata', 'managedFields']));
    const statusWrite = recordUpdate({ prev: live, next, manager: 'kcm', apiVersion: 'apps/v1', now: T2, kind: 'Deployment', subresource: 'status' });
    const kcm = decodeManagedFields(statusWrite)?.find((e) => e.manager === 'kcm');
    assert.equal(kcm?.subresource, 'status');
    assert.deepEqual(kcm?.fields.toFieldsV1(), { 'f:status': { 'f:replicas': {} } });
  });

  it('removes deleted fields from every owner', () => {
    const live = created();
    const next = structuredClone(live);
    delete obj(next['metadata'])['labels'];
    const mf = recordUpdate({ prev: live, next, manager: 'editor', apiVersion: 'apps/v1', now: T2, kind: 'Deployment' });
    const [csa, editor] = decodeManagedFields(mf) ?? [];
    assert.equal(editor, undefined);
    assert.equal(getPath(csa?.fields.toFieldsV1(), ['f:metadata']), undefined);
  });

  it('keeps a managedFields list a client rewrote (kubectl csaupgrade) and resets on []', () => {
    const live = created();
    const csa = obj(objs(getPath(live, ['metadata', 'managedFields']))[0]);
    const upgraded = { ...csa, manager: 'kubectl', operation: 'Apply' };
    const next = obj(applyJsonPatch(live, [
      { op: 'replace', path: '/metadata/managedFields', value: [upgraded] },
      { op: 'replace', path: '/metadata/resourceVersion', value: '5' },
    ]));
    const mf = recordUpdate({ prev: live, next, manager: 'kubectl', apiVersion: 'apps/v1', now: T2, kind: 'Deployment' });
    assert.deepEqual(mf, [upgraded]);

    const reset = structuredClone(live);
    obj(reset['metadata'])['managedFields'] = [];
    assert.deepEqual(recordUpdate({ prev: live, next: reset, manager: 'x', apiVersion: 'apps/v1', now: T2, kind: 'Deployment' }), []);
    const omitted = structuredClone(live);
    delete obj(omitted['metadata'])['managedFields'];
    assert.deepEqual(
      recordUpdate({ prev: live, next: omitted, manager: 'x', apiVersion: 'apps/v1', now: T2, kind: 'Deployment' }),
      getPath(live, ['metadata', 'managedFields']),
    );
  });

  it('merges the oldest Update entries into ancient-changes above ten', () => {
    const list: ManagedEntry[] = Array.from({ length: 12 }, (_, i) => ({
      manager: `m${i}`,
      operation: 'Update',
      apiVersion: 'v1',
      time: `2024-01-01T00:00:${String(i).padStart(2, '0')}Z`,
      fields: FieldSet.of(['f:data', `f:k${i}`]),
    }));
    const capped = capUpdateManagers(list);
    assert.equal(capped.length, 10);
    const ancient = capped.find((e) => e.manager === 'ancient-changes');
    assert.deepEqual(ancient?.fields.paths(), [['f:data', 'f:k0'], ['f:data', 'f:k1'], ['f:data', 'f:k2']]);
  });
});
