import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1StatefulSet } from '../../client/index.js';
import { PodExpectations } from './expectations.js';
import { ordinalOf, statefulPodFor } from './pod.js';
import { revisionName, statefulSetRevision, statefulSetTemplateHash, templateOfRevision } from './revision.js';

const set: V1StatefulSet = {
  metadata: { name: 'web', namespace: 'apps', uid: 'u1' },
  spec: {
    serviceName: 'nginx',
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }],
  },
};

describe('StatefulSet pods', () => {
  test('ordinalOf accepts only <set>-<decimal>', () => {
    assert.equal(ordinalOf('web', 'web-0'), 0);
    assert.equal(ordinalOf('web', 'web-12'), 12);
    assert.equal(ordinalOf('web', 'web-012'), -1);
    assert.equal(ordinalOf('web', 'web-x'), -1);
    assert.equal(ordinalOf('web', 'webby-1'), -1);
    assert.equal(ordinalOf('web', 'web-1-2'), -1);
    assert.equal(ordinalOf('web', undefined), -1);
  });

  test('statefulPodFor: stable name, identity labels, hostname and subdomain, controller ownerReference', () => {
    const p = statefulPodFor(set, 2, 'web-abc', undefined);
    assert.equal(p.metadata?.name, 'web-2');
    assert.equal(p.metadata?.generateName, undefined);
    assert.equal(p.metadata?.namespace, 'apps');
    assert.deepEqual(p.metadata?.labels, { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2', 'controller-revision-hash': 'web-abc' });
    assert.deepEqual(p.metadata?.annotations, { a: 'b' });
    assert.equal(p.spec?.hostname, 'web-2');
    assert.equal(p.spec?.subdomain, 'nginx');
    assert.deepEqual(p.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
    assert.equal(p.spec?.volumes, undefined, 'volumeClaimTemplates are ignored');
  });

  test('a pod at an older revision takes that revision template', () => {
    const rev = statefulSetRevision({ ...set, spec: { ...set.spec!, template: { ...set.spec!.template, spec: { containers: [{ name: 'c', image: 'nginx:0' }] } } } }, 'web-old', 1);
    const p = statefulPodFor(set, 0, 'web-old', templateOfRevision(rev));
    assert.equal(p.spec?.containers[0]?.image, 'nginx:0');
    assert.equal(p.metadata?.labels?.['controller-revision-hash'], 'web-old');
  });
});

describe('StatefulSet revisions', () => {
  test('the hash ignores key order and changes with the template and the collision count', () => {
    const a = statefulSetTemplateHash({ metadata: { labels: { x: '1', y: '2' } } }, undefined);
    assert.equal(a, statefulSetTemplateHash({ metadata: { labels: { y: '2', x: '1' } } }, 0));
    assert.notEqual(a, statefulSetTemplateHash({ metadata: { labels: { x: '1', y: '3' } } }, undefined));
    assert.notEqual(a, statefulSetTemplateHash({ metadata: { labels: { x: '1', y: '2' } } }, 1));
    assert.match(revisionName(set), /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  test('a revision records the template and round-trips it', () => {
    const name = revisionName(set);
    const rev = statefulSetRevision(set, name, 4);
    assert.equal(rev.metadata?.name, name);
    assert.equal(rev.revision, 4);
    assert.equal(rev.metadata?.labels?.['controller-revision-hash'], name);
    assert.deepEqual(templateOfRevision(rev), set.spec?.template);
    assert.equal(templateOfRevision(undefined), undefined);
  });
});

describe('PodExpectations', () => {
  test('waits for the creations and deletions it was told of, and expires', () => {
    let now = 0;
    const e = new PodExpectations({ now: () => now, setTimeout: () => ({ cancel: () => undefined }) }, 1000);
    assert.equal(e.satisfied('k'), true);
    e.expectCreate('k', 'web-0');
    e.expectDelete('k', 'uid-1');
    assert.equal(e.satisfied('k'), false);
    e.created('k', 'web-0');
    assert.equal(e.satisfied('k'), false);
    e.deleted('k', 'uid-1');
    assert.equal(e.satisfied('k'), true);
    e.expectCreate('k', 'web-1');
    now = 2000;
    assert.equal(e.satisfied('k'), true);
  });
});
