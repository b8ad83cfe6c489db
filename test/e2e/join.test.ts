/**
 * Issue 4, acceptance 1: `keadm init`, `keadm gettoken` and `keadm join` for two hollow edge nodes:
 * both are Ready in `kubectl get nodes` with the edge role. A wrong token (valid form, JWT not signed
 * by the CA), a tampered CA hash and an expired token each make `keadm join` exit 1 with a message
 * naming the cause.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import {
  describeRun,
  findRow,
  getToken,
  joinArgs,
  joinEdge,
  kubectlSession,
  parseTable,
  requireKubectl,
  runKeadm,
  startKeadmInit,
  tempDir,
  type KeadmCloud,
  type RunResult,
} from '../harness/index.js';
import { forgeJoinToken, makeJoinToken, tamperCaHash } from '../harness/join-token.js';

const kubectl = await requireKubectl();

describe('keadm init / gettoken / join', { skip: kubectl.skip, timeout: 600_000 }, () => {
  let cloud: KeadmCloud;
  let token: string;
  const cleanups: (() => unknown)[] = [];
  const owner = { after: (fn: () => unknown) => cleanups.push(fn) };

  before(async () => {
    cloud = await startKeadmInit({ owner });
    token = await getToken(cloud);
  });

  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  it('gettoken prints sha256(CA).JWT', () => {
    assert.match(token, /^[0-9a-f]{64}\.[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('two nodes join and are Ready with the edge role in kubectl get nodes', async (t) => {
    const [a, b] = await Promise.all([joinEdge(cloud, { nodeName: 'edge-a', token, owner }), joinEdge(cloud, { nodeName: 'edge-b', token, owner })]);
    assert.ok(a.running && b.running);
    const k = await kubectlSession({ kubeconfig: cloud.kubeconfigPath, ...(kubectl.path ? { kubectl: kubectl.path } : {}), owner: t });
    const out = await k.ok(['get', 'nodes']);
    const table = parseTable(out);
    for (const name of ['edge-a', 'edge-b']) {
      const row = findRow(table, name);
      assert.ok(row, `${name} missing from kubectl get nodes:\n${out}`);
      assert.equal(row['STATUS'], 'Ready', out);
      assert.match(row['ROLES'] ?? '', /\bedge\b/, out);
    }
    const labels = await k.ok(['get', 'node', 'edge-a', '-o', 'jsonpath={.metadata.labels}']);
    assert.match(labels, /"node-role\.kubernetes\.io\/edge":""/, labels);
  });

  async function joinFails(t: TestContext, nodeName: string, badToken: string): Promise<RunResult> {
    const dataDir = await tempDir({ prefix: `edge-${nodeName}`, owner: t });
    const r = await runKeadm(joinArgs(cloud, { token: badToken, nodeName, dataDir }), { timeoutMs: 90_000 });
    assert.equal(r.timedOut, false, `keadm join did not exit:\n${describeRun(r)}`);
    assert.equal(r.code, 1, `keadm join should exit 1:\n${describeRun(r)}`);
    // Never echo the token back.
    assert.ok(!(r.stdout + r.stderr).includes(badToken.slice(65)), `the token's JWT appears in the output:\n${describeRun(r)}`);
    const node = await cloud.client.get(`/api/v1/nodes/${nodeName}`);
    assert.equal(node.status, 404, `a refused node must not be registered: ${node.status}`);
    t.diagnostic(`keadm join (${nodeName}) said: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ')}`);
    return r;
  }

  it('a wrong token (valid form, JWT not signed with the CA key) is refused', async (t) => {
    const r = await joinFails(t, 'edge-wrong-token', forgeJoinToken(token));
    assert.match(r.stdout + r.stderr, /token/i, describeRun(r));
    assert.match(r.stdout + r.stderr, /invalid|reject|refus|wrong|unauthori[sz]ed|not accepted/i, describeRun(r));
  });

  it('a tampered CA hash is refused as a CA hash mismatch', async (t) => {
    const r = await joinFails(t, 'edge-bad-hash', tamperCaHash(token));
    assert.match(r.stdout + r.stderr, /hash/i, describeRun(r));
    assert.match(r.stdout + r.stderr, /\bCA\b|certificate authority|ca\.crt/i, describeRun(r));
  });

  it('an expired token is refused as expired', async (t) => {
    const expired = makeJoinToken({ caCertPem: cloud.kubeedgeCaPem, caKeyPem: cloud.kubeedgeCaKeyPem, expiresAt: Math.floor(Date.now() / 1000) - 3600 });
    const r = await joinFails(t, 'edge-expired', expired);
    assert.match(r.stdout + r.stderr, /expired/i, describeRun(r));
  });

  it('an unreachable cloud is reported as unreachable', async (t) => {
    const dataDir = await tempDir({ prefix: 'edge-unreachable', owner: t });
    const args = joinArgs({ ...cloud, hubPort: 1, certPort: 1 }, { token, nodeName: 'edge-unreachable', dataDir });
    const r = await runKeadm(args, { timeoutMs: 120_000 });
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout + r.stderr, /unreachable|connect|ECONNREFUSED/i, describeRun(r));
  });
});
