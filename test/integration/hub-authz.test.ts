/**
 * Issue 4, acceptance 4: node authorization on the hub. With node A's certificate:
 *  - an upgrade whose node_id header (or URL node) names B is refused (403) and makes no session;
 *  - on A's own session, a podpatch of B's pod, a query of a secret only B's pod uses, a nodepatch
 *    of B, a Lease update of B and a query of Node B are each answered with a 403 ErrStatus;
 *  - B's objects are unchanged in the API and the refusal counters went up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  brief,
  createNamespace,
  EDGE_ROLE_LABEL,
  errCodeOf,
  fakeEdgeConnection,
  isNullObjectResp,
  startCloudcore,
  str,
  sumMetric,
  UpgradeRefusedError,
  waitUntil,
  type CloudcoreHandle,
  type FakeEdge,
} from '../harness/index.js';
import { newMessage, type KubeEdgeMessage } from '../../src/api/index.js';

const NS = 'authz';
const A = 'edge-a';
const B = 'edge-b';

const REFUSED = ['kubeedge_cloudhub_refused_total', 'kubeedge_edgecontroller_refused_total'] as const;

function node(name: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { [EDGE_ROLE_LABEL]: '', 'kubernetes.io/hostname': name } },
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'EdgeReady', lastHeartbeatTime: new Date().toISOString() }] },
  };
}

function pod(name: string, nodeName: string, secret: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 's', secret: { secretName: secret } }] },
  };
}

describe('a node cannot reach another node’s objects through the hub', { timeout: 300_000 }, () => {
  let cloud: CloudcoreHandle;
  let edgeA: FakeEdge;
  const cleanups: (() => unknown)[] = [];
  const owner = { after: (fn: () => unknown) => cleanups.push(fn) };

  before(async () => {
    cloud = await startCloudcore({ owner });
    const c = cloud.client;
    await createNamespace(c, NS);
    for (const n of [A, B]) await c.expect(201, { method: 'POST', path: '/api/v1/nodes', body: node(n) });
    await c.expect(201, {
      method: 'POST',
      path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: B, namespace: 'kube-node-lease' }, spec: { holderIdentity: B, leaseDurationSeconds: 40 } },
    });
    for (const [name, data] of [
      ['secret-a', 'YQ=='],
      ['secret-b', 'Yg=='],
    ] as const) {
      await c.expect(201, { method: 'POST', path: `/api/v1/namespaces/${NS}/secrets`, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, data: { k: data } } });
    }
    await c.expect(201, { method: 'POST', path: `/api/v1/namespaces/${NS}/pods`, body: pod('pa', A, 'secret-a') });
    await c.expect(201, { method: 'POST', path: `/api/v1/namespaces/${NS}/pods`, body: pod('pb', B, 'secret-b') });
  });

  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  async function refusedTotal(): Promise<number> {
    const text = await cloud.metrics();
    return REFUSED.reduce((sum, name) => sum + sumMetric(text, name), 0);
  }

  async function versions(): Promise<Record<string, string>> {
    const paths = {
      pod: `/api/v1/namespaces/${NS}/pods/pb`,
      secret: `/api/v1/namespaces/${NS}/secrets/secret-b`,
      node: `/api/v1/nodes/${B}`,
      lease: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${B}`,
    };
    const out: Record<string, string> = {};
    for (const [k, p] of Object.entries(paths)) {
      const r = await cloud.client.get(p);
      assert.equal(r.status, 200, `${p}: ${r.status}`);
      out[k] = str(r.body, 'metadata.resourceVersion') ?? '';
    }
    return out;
  }

  it('an upgrade with a forged node_id header or URL node is refused with 403 and makes no session', async () => {
    const before = await refusedTotal();
    for (const attempt of [
      { what: 'node_id header and URL of B', opts: { certNode: A } },
      { what: 'node_id header of B, URL of A', opts: { certNode: A, urlNode: A } },
      { what: 'node_id header of A, URL of B', opts: { certNode: A, urlNode: B, headers: { node_id: A } } },
    ]) {
      await assert.rejects(fakeEdgeConnection(cloud, B, attempt.opts), (err: unknown) => {
        assert.ok(err instanceof UpgradeRefusedError, `${attempt.what}: expected an HTTP refusal, got ${String(err)}`);
        assert.equal(err.status, 403, `${attempt.what}: ${err.message}`);
        return true;
      });
    }
    assert.equal(await cloud.metric('kubeedge_cloudhub_sessions'), 0, 'no session after refused upgrades');
    assert.ok((await refusedTotal()) > before, 'kubeedge_cloudhub_refused_total did not rise');
  });

  it("A's session: B's pod, secret, Node and Lease are refused with 403; A's own Node is served", async () => {
    edgeA = await fakeEdgeConnection(cloud, A, { owner });
    await waitUntil(async () => (await cloud.metric('kubeedge_cloudhub_sessions')) === 1, { timeoutMs: 10_000, what: 'one session' });
    const own = await edgeA.ask({ operation: 'query', resource: `default/node/${A}` });
    assert.equal(errCodeOf(own), undefined, `query of its own Node: ${brief(own)}`);
    assert.equal(str(own.content, 'metadata.name'), A, brief(own));

    const rvBefore = await versions();
    const countBefore = await refusedTotal();
    const leaseB = (await cloud.client.get(`/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${B}`)).body;
    const attempts: { what: string; msg: KubeEdgeMessage }[] = [
      {
        what: "podpatch of B's pod",
        msg: newMessage({ source: 'edged', group: 'meta', operation: 'patch', resource: `${NS}/podpatch/pb`, content: JSON.stringify({ status: { phase: 'Failed' } }) }),
      },
      { what: 'query of a secret only B uses', msg: newMessage({ source: 'edged', group: 'meta', operation: 'query', resource: `${NS}/secret/secret-b`, content: null }) },
      {
        what: 'nodepatch of B',
        msg: newMessage({
          source: 'edged',
          group: 'meta',
          operation: 'patch',
          resource: `default/nodepatch/${B}`,
          content: JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Forged' }] } }),
        }),
      },
      {
        what: 'lease update of B',
        msg: newMessage({
          source: 'edged',
          group: 'meta',
          operation: 'update',
          resource: `kube-node-lease/lease/${B}`,
          content: { ...(typeof leaseB === 'object' && leaseB !== null ? leaseB : {}), spec: { holderIdentity: A, leaseDurationSeconds: 1 } },
        }),
      },
      { what: 'query of Node B', msg: newMessage({ source: 'edged', group: 'meta', operation: 'query', resource: `default/node/${B}`, content: null }) },
    ];
    for (const a of attempts) {
      const reply = await edgeA.request(a.msg);
      assert.equal(reply.header.parent_msg_id, a.msg.header.msg_id);
      assert.equal(errCodeOf(reply), 403, `${a.what}: expected a 403 ErrStatus, got ${brief(reply)}`);
      assert.ok(!isNullObjectResp(reply), `${a.what}: {"Object":null,"Err":null}`);
    }
    // A forged resource path: cloudhub prefixes node/<A>/ so this can never speak for B.
    await edgeA.send(newMessage({ source: 'edged', group: 'meta', operation: 'patch', resource: `node/${B}/${NS}/podpatch/pb`, content: JSON.stringify({ status: { phase: 'Failed' } }) }));
    await new Promise((r) => setTimeout(r, 500));

    assert.deepEqual(await versions(), rvBefore, "B's objects changed");
    const pb = await cloud.client.get(`/api/v1/namespaces/${NS}/pods/pb`);
    assert.notEqual(str(pb.body, 'status.phase'), 'Failed');
    assert.ok((await refusedTotal()) >= countBefore + attempts.length, `refusal counters rose by ${(await refusedTotal()) - countBefore}, expected >= ${attempts.length}`);
    assert.ok(edgeA.open, "A's connection survives refusals");
  });
});
