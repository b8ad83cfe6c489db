/**
 * Issue 2, acceptance 1: the real kubectl against cloudcore's embedded API server. Every test gets
 * its own HOME (kubectl's discovery cache) and, where it creates things, its own namespace. Output
 * is checked, not just exit codes.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { WIDGET_CRD_NAME, WIDGET_CRD_YAML } from '../fixtures/widget-crd.js';
import {
  arr,
  at,
  brief,
  createNamespace,
  describeRun,
  findKubectl,
  findRow,
  num,
  parseTable,
  rec,
  requireKubectl,
  startCloudcore,
  str,
  tempDir,
  type CloudcoreHandle,
  type KubectlSession,
  kubectlSession,
} from '../harness/index.js';

const kubectl = await requireKubectl();
const kubectlBin = kubectl.path ?? '';

/** stdout lines, trimmed, without empty ones. */
function lines(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function names(list: unknown): string[] {
  return arr(list, 'items').map((i) => str(i, 'metadata.name') ?? '');
}

describe('kubectl against the embedded API server', { skip: kubectl.skip, timeout: 900_000 }, () => {
  let cc: CloudcoreHandle;

  before(async () => {
    const which = await findKubectl();
    process.stderr.write(`# kubectl: ${which?.path ?? '?'} (${which?.source ?? '?'})\n`);
    cc = await startCloudcore();
  });

  after(async () => {
    await cc?.dispose();
  });

  async function session(t: TestContext): Promise<KubectlSession> {
    return kubectlSession({ kubeconfig: cc.kubeconfigPath, kubectl: kubectlBin, owner: t });
  }

  async function manifest(t: TestContext, name: string, text: string): Promise<string> {
    const dir = await tempDir({ prefix: 'manifests', owner: t });
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('version: the server reports v1.32', async (t) => {
    const k = await session(t);
    const out = await k.ok(['version']);
    assert.match(out, /Server Version: v1\.32\.\d+/, out);
  });

  it('get nodes on an empty cluster prints "No resources found"', async (t) => {
    const k = await session(t);
    const r = await k.run(['get', 'nodes']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stdout.trim(), '', describeRun(r));
    assert.match(r.stderr, /No resources found/, describeRun(r));
  });

  it('create namespace', async (t) => {
    const k = await session(t);
    assert.deepEqual(lines(await k.ok(['create', 'namespace', 'e2e-created'])), ['namespace/e2e-created created']);
    assert.equal(await k.ok(['get', 'namespace', 'e2e-created', '-o', 'jsonpath={.metadata.name} {.status.phase}']), 'e2e-created Active');
    const table = parseTable(await k.ok(['get', 'namespaces']));
    assert.deepEqual(table.headers, ['NAME', 'STATUS', 'AGE']);
    assert.equal(findRow(table, 'e2e-created')?.['STATUS'], 'Active', brief(table.rows));
    const again = await k.run(['create', 'namespace', 'e2e-created']);
    assert.notEqual(again.code, 0, describeRun(again));
    assert.match(again.stderr, /AlreadyExists.*namespaces "e2e-created" already exists/, describeRun(again));
  });

  const SHOP = (color: string, image: string): string => `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config
  namespace: shop
data:
  color: ${color}
  size: "3"
---
apiVersion: v1
kind: Secret
metadata:
  name: shop-secret
  namespace: shop
type: Opaque
data:
  password: aHVudGVyMg==
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-web
  namespace: shop
  labels:
    app: shop-web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: shop-web
  template:
    metadata:
      labels:
        app: shop-web
    spec:
      containers:
        - name: web
          image: ${image}
          ports:
            - name: http
              containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: shop-web
  namespace: shop
spec:
  selector:
    app: shop-web
  ports:
    - name: http
      port: 80
      targetPort: http
`;

  it('apply -f a multi-document file: created, unchanged, configured', async (t) => {
    const k = await session(t);
    const file = await manifest(t, 'shop.yaml', SHOP('blue', 'nginx:1.25'));
    assert.deepEqual(lines(await k.ok(['apply', '-f', file])), [
      'namespace/shop created',
      'configmap/shop-config created',
      'secret/shop-secret created',
      'deployment.apps/shop-web created',
      'service/shop-web created',
    ]);
    assert.deepEqual(lines(await k.ok(['apply', '-f', file])), [
      'namespace/shop unchanged',
      'configmap/shop-config unchanged',
      'secret/shop-secret unchanged',
      'deployment.apps/shop-web unchanged',
      'service/shop-web unchanged',
    ]);
    const dep1 = await k.json(['get', 'deployment', 'shop-web', '-n', 'shop']);
    assert.equal(num(dep1, 'metadata.generation'), 1, brief(at(dep1, 'metadata')));

    await writeFile(file, SHOP('green', 'nginx:1.26'));
    assert.deepEqual(lines(await k.ok(['apply', '-f', file])), [
      'namespace/shop unchanged',
      'configmap/shop-config configured',
      'secret/shop-secret unchanged',
      'deployment.apps/shop-web configured',
      'service/shop-web unchanged',
    ]);
    const cm = await k.json(['get', 'configmap', 'shop-config', '-n', 'shop']);
    assert.deepEqual(rec(cm, 'data'), { color: 'green', size: '3' });
    const lastApplied = str(cm, ['metadata', 'annotations', 'kubectl.kubernetes.io/last-applied-configuration']) ?? '';
    assert.match(lastApplied, /"color":"green"/, 'last-applied annotation follows the file');
    const dep2 = await k.json(['get', 'deployment', 'shop-web', '-n', 'shop']);
    assert.equal(str(dep2, 'spec.template.spec.containers.0.image'), 'nginx:1.26');
    assert.equal(num(dep2, 'metadata.generation'), 2, 'generation is bumped by the spec change');
    const secret = await k.json(['get', 'secret', 'shop-secret', '-n', 'shop']);
    assert.equal(str(secret, 'data.password'), 'aHVudGVyMg==');
    const svc = await k.json(['get', 'service', 'shop-web', '-n', 'shop']);
    assert.match(str(svc, 'spec.clusterIP') ?? '', /^\d+\.\d+\.\d+\.\d+$/, 'the service got a cluster IP');
    assert.equal(str(svc, 'spec.type'), 'ClusterIP');
  });

  it('apply --server-side', async (t) => {
    const k = await session(t);
    const doc = (replicas: number): string => `apiVersion: v1
kind: Namespace
metadata:
  name: ssa
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ssa-config
  namespace: ssa
data:
  mode: server-side
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa-web
  namespace: ssa
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ssa-web
  template:
    metadata:
      labels:
        app: ssa-web
    spec:
      containers:
        - name: web
          image: nginx:1.25
`;
    const file = await manifest(t, 'ssa.yaml', doc(1));
    assert.deepEqual(lines(await k.ok(['apply', '--server-side', '-f', file])), [
      'namespace/ssa serverside-applied',
      'configmap/ssa-config serverside-applied',
      'deployment.apps/ssa-web serverside-applied',
    ]);
    const cm = await k.json(['get', 'configmap', 'ssa-config', '-n', 'ssa', '--show-managed-fields']);
    assert.equal(str(cm, 'data.mode'), 'server-side');
    const managers = arr(cm, 'metadata.managedFields').map((m) => `${str(m, 'manager') ?? ''}/${str(m, 'operation') ?? ''}`);
    assert.ok(managers.includes('kubectl/Apply'), `managedFields of the applied configmap: ${brief(managers)}`);

    await writeFile(file, doc(3));
    assert.deepEqual(lines(await k.ok(['apply', '--server-side', '-f', file])), [
      'namespace/ssa serverside-applied',
      'configmap/ssa-config serverside-applied',
      'deployment.apps/ssa-web serverside-applied',
    ]);
    const dep = await k.json(['get', 'deployment', 'ssa-web', '-n', 'ssa']);
    assert.equal(num(dep, 'spec.replicas'), 3);
    assert.equal(str(dep, 'spec.template.spec.containers.0.image'), 'nginx:1.25');
  });

  it('get -o yaml, -o json and -o wide', async (t) => {
    const k = await session(t);
    const ns = 'output';
    await createNamespace(cc.client, ns);
    const file = await manifest(
      t,
      'out.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: out-web
  namespace: ${ns}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: out-web
  template:
    metadata:
      labels:
        app: out-web
    spec:
      containers:
        - name: web
          image: nginx:1.25
---
apiVersion: v1
kind: Service
metadata:
  name: out-web
  namespace: ${ns}
spec:
  selector:
    app: out-web
  ports:
    - port: 8080
      targetPort: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: out-config
  namespace: ${ns}
data:
  a: "1"
  b: "2"
  c: "3"
---
apiVersion: v1
kind: Pod
metadata:
  name: out-pod
  namespace: ${ns}
spec:
  containers:
    - name: main
      image: busybox:1.36
      command: ["sleep", "3600"]
`,
    );
    await k.ok(['apply', '-f', file]);

    const y: unknown = parseYaml(await k.ok(['get', 'deployment', 'out-web', '-n', ns, '-o', 'yaml']));
    assert.equal(at(y, 'apiVersion'), 'apps/v1');
    assert.equal(at(y, 'kind'), 'Deployment');
    assert.equal(str(y, 'metadata.name'), 'out-web');
    assert.equal(str(y, 'metadata.namespace'), ns);
    assert.match(str(y, 'metadata.uid') ?? '', /^[0-9a-f-]{36}$/);
    assert.match(str(y, 'metadata.resourceVersion') ?? '', /^\d+$/);
    assert.match(str(y, 'metadata.creationTimestamp') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(num(y, 'spec.replicas'), 2);
    assert.equal(str(y, 'spec.template.spec.containers.0.image'), 'nginx:1.25');

    const j = await k.json(['get', 'configmap', 'out-config', '-n', ns]);
    assert.equal(at(j, 'kind'), 'ConfigMap');
    assert.deepEqual(rec(j, 'data'), { a: '1', b: '2', c: '3' });
    const list = await k.json(['get', 'configmaps,services', '-n', ns]);
    assert.equal(at(list, 'kind'), 'List');
    assert.ok(names(list).includes('out-config') && names(list).includes('out-web'), brief(names(list)));

    const deps = parseTable(await k.ok(['get', 'deployments', '-n', ns, '-o', 'wide']));
    assert.deepEqual(deps.headers, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    const dep = findRow(deps, 'out-web');
    assert.ok(dep, brief(deps.rows));
    assert.match(dep['READY'] ?? '', /^\d+\/2$/);
    assert.equal(dep['CONTAINERS'], 'web');
    assert.equal(dep['IMAGES'], 'nginx:1.25');
    assert.equal(dep['SELECTOR'], 'app=out-web');

    const svcs = parseTable(await k.ok(['get', 'services', '-n', ns, '-o', 'wide']));
    assert.deepEqual(svcs.headers, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    const svc = findRow(svcs, 'out-web');
    assert.ok(svc, brief(svcs.rows));
    assert.equal(svc['TYPE'], 'ClusterIP');
    assert.match(svc['CLUSTER-IP'] ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(svc['PORT(S)'], '8080/TCP');
    assert.equal(svc['SELECTOR'], 'app=out-web');

    const pods = parseTable(await k.ok(['get', 'pod', 'out-pod', '-n', ns, '-o', 'wide']));
    assert.deepEqual(pods.headers, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    const p = findRow(pods, 'out-pod');
    assert.ok(p, brief(pods.rows));
    assert.equal(p['READY'], '0/1');
    assert.equal(p['STATUS'], 'Pending');
    assert.equal(p['NODE'], '<none>');

    const cms = parseTable(await k.ok(['get', 'configmap', 'out-config', '-n', ns]));
    assert.deepEqual(cms.headers, ['NAME', 'DATA', 'AGE']);
    assert.equal(findRow(cms, 'out-config')?.['DATA'], '3');
  });

  it('label and annotate', async (t) => {
    const k = await session(t);
    const ns = 'labels';
    await createNamespace(cc.client, ns);
    assert.deepEqual(lines(await k.ok(['create', 'configmap', 'lbl', '--from-literal=a=1', '-n', ns])), ['configmap/lbl created']);
    await k.ok(['create', 'configmap', 'other', '--from-literal=a=2', '-n', ns]);

    assert.deepEqual(lines(await k.ok(['label', 'configmap', 'lbl', 'tier=backend', '-n', ns])), ['configmap/lbl labeled']);
    assert.equal(str(await k.json(['get', 'configmap', 'lbl', '-n', ns]), 'metadata.labels.tier'), 'backend');
    assert.deepEqual(lines(await k.ok(['get', 'configmaps', '-n', ns, '-l', 'tier=backend', '-o', 'name'])), ['configmap/lbl']);
    assert.deepEqual(lines(await k.ok(['get', 'configmaps', '-n', ns, '-l', 'tier in (backend,frontend)', '-o', 'name'])), ['configmap/lbl']);
    assert.ok(lines(await k.ok(['get', 'configmaps', '-n', ns, '-l', '!tier', '-o', 'name'])).includes('configmap/other'));

    const clash = await k.run(['label', 'configmap', 'lbl', 'tier=frontend', '-n', ns]);
    assert.notEqual(clash.code, 0, `relabel without --overwrite must fail: ${describeRun(clash)}`);
    assert.match(clash.stderr, /already has a value \(backend\)/, describeRun(clash));
    assert.deepEqual(lines(await k.ok(['label', 'configmap', 'lbl', 'tier=frontend', '--overwrite', '-n', ns])), ['configmap/lbl labeled']);
    assert.equal(str(await k.json(['get', 'configmap', 'lbl', '-n', ns]), 'metadata.labels.tier'), 'frontend');
    assert.deepEqual(lines(await k.ok(['label', 'configmap', 'lbl', 'tier-', '-n', ns])), ['configmap/lbl unlabeled']);
    assert.equal(at(await k.json(['get', 'configmap', 'lbl', '-n', ns]), 'metadata.labels.tier'), undefined);

    assert.deepEqual(lines(await k.ok(['annotate', 'configmap', 'lbl', 'example.com/owner=team-a', '-n', ns])), ['configmap/lbl annotated']);
    const annotated = await k.json(['get', 'configmap', 'lbl', '-n', ns]);
    assert.equal(str(annotated, ['metadata', 'annotations', 'example.com/owner']), 'team-a');
    assert.deepEqual(lines(await k.ok(['annotate', 'configmap', 'lbl', 'example.com/owner-', '-n', ns])), ['configmap/lbl annotated']);
    assert.equal(at(await k.json(['get', 'configmap', 'lbl', '-n', ns]), ['metadata', 'annotations', 'example.com/owner']), undefined);
  });

  it('patch --type strategic, merge and json', async (t) => {
    const k = await session(t);
    const ns = 'patching';
    await createNamespace(cc.client, ns);
    const file = await manifest(
      t,
      'pw.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: pw
  namespace: ${ns}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: pw
  template:
    metadata:
      labels:
        app: pw
    spec:
      containers:
        - name: web
          image: nginx:1.25
          ports:
            - containerPort: 80
          env:
            - name: MODE
              value: prod
`,
    );
    await k.ok(['apply', '-f', file]);
    const containers = async (): Promise<unknown[]> => [...arr(await k.json(['get', 'deployment', 'pw', '-n', ns]), 'spec.template.spec.containers')];

    // strategic: containers merge by name
    assert.deepEqual(
      lines(await k.ok(['patch', 'deployment', 'pw', '-n', ns, '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}'])),
      ['deployment.apps/pw patched'],
    );
    let cs = await containers();
    assert.deepEqual(cs.map((c) => str(c, 'name')).sort(), ['sidecar', 'web'], brief(cs));
    await k.ok(['patch', 'deployment', 'pw', '-n', ns, '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27","env":[{"name":"EXTRA","value":"1"}]}]}}}}']);
    cs = await containers();
    const web = cs.find((c) => str(c, 'name') === 'web');
    assert.equal(str(web, 'image'), 'nginx:1.27', brief(cs));
    assert.equal(num(web, 'ports.0.containerPort'), 80, `strategic merge keeps the other fields: ${brief(web)}`);
    assert.deepEqual(arr(web, 'env').map((e) => str(e, 'name')).sort(), ['EXTRA', 'MODE'], `env merges by name: ${brief(web)}`);
    assert.equal(cs.length, 2);

    // merge (RFC 7386): lists are replaced
    assert.deepEqual(
      lines(await k.ok(['patch', 'deployment', 'pw', '-n', ns, '--type', 'merge', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"busybox:1.36"}]}}}}'])),
      ['deployment.apps/pw patched'],
    );
    cs = await containers();
    assert.deepEqual(cs.map((c) => str(c, 'name')), ['only'], brief(cs));

    await k.ok(['create', 'configmap', 'pcm', '--from-literal=a=1', '--from-literal=keep=yes', '-n', ns]);
    await k.ok(['patch', 'configmap', 'pcm', '-n', ns, '--type', 'merge', '-p', '{"data":{"a":null,"b":"2"}}']);
    assert.deepEqual(rec(await k.json(['get', 'configmap', 'pcm', '-n', ns]), 'data'), { b: '2', keep: 'yes' });

    // json (RFC 6902)
    assert.deepEqual(
      lines(
        await k.ok([
          'patch',
          'deployment',
          'pw',
          '-n',
          ns,
          '--type',
          'json',
          '-p',
          '[{"op":"replace","path":"/spec/replicas","value":4},{"op":"add","path":"/metadata/labels","value":{"patched":"json"}},{"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"second","image":"busybox:1.36"}}]',
        ]),
      ),
      ['deployment.apps/pw patched'],
    );
    const dep = await k.json(['get', 'deployment', 'pw', '-n', ns]);
    assert.equal(num(dep, 'spec.replicas'), 4);
    assert.equal(str(dep, 'metadata.labels.patched'), 'json');
    assert.deepEqual(arr(dep, 'spec.template.spec.containers').map((c) => str(c, 'name')), ['only', 'second']);

    const failedTest = await k.run(['patch', 'deployment', 'pw', '-n', ns, '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":99},{"op":"replace","path":"/spec/replicas","value":9}]']);
    assert.notEqual(failedTest.code, 0, `a failing json-patch "test" op must reject the patch: ${describeRun(failedTest)}`);
    assert.equal(num(await k.json(['get', 'deployment', 'pw', '-n', ns]), 'spec.replicas'), 4);

    // A patch that changes nothing does not write.
    assert.deepEqual(lines(await k.ok(['patch', 'configmap', 'pcm', '-n', ns, '--type', 'merge', '-p', '{"data":{"b":"2"}}'])), ['configmap/pcm patched (no change)']);
  });

  it('scale deployment --replicas=5', async (t) => {
    const k = await session(t);
    const ns = 'scaling';
    await createNamespace(cc.client, ns);
    assert.deepEqual(lines(await k.ok(['create', 'deployment', 'sc', '--image=nginx:1.25', '-n', ns])), ['deployment.apps/sc created']);
    assert.deepEqual(lines(await k.ok(['scale', 'deployment', 'sc', '--replicas=5', '-n', ns])), ['deployment.apps/sc scaled']);
    assert.equal(num(await k.json(['get', 'deployment', 'sc', '-n', ns]), 'spec.replicas'), 5);
    const scale = await cc.client.expect(200, { path: `/apis/apps/v1/namespaces/${ns}/deployments/sc/scale` });
    assert.equal(at(scale, 'kind'), 'Scale', brief(scale));
    assert.equal(num(scale, 'spec.replicas'), 5, brief(scale));
    // --current-replicas is a precondition
    const wrong = await k.run(['scale', 'deployment', 'sc', '--current-replicas=2', '--replicas=1', '-n', ns]);
    assert.notEqual(wrong.code, 0, describeRun(wrong));
    assert.equal(num(await k.json(['get', 'deployment', 'sc', '-n', ns]), 'spec.replicas'), 5);
  });

  it('get -w prints events while another client changes objects', async (t) => {
    const k = await session(t);
    const ns = 'watching';
    await createNamespace(cc.client, ns);
    const cmPath = `/api/v1/namespaces/${ns}/configmaps`;
    await cc.client.expect(201, { method: 'POST', path: cmPath, body: { metadata: { name: 'seed' }, data: { s: '1' } } });

    const plain = await k.start(['get', 'configmaps', '-n', ns, '-w']);
    const events = await k.start(['get', 'configmaps', '-n', ns, '-w', '--output-watch-events']);
    await plain.waitForLine(/^seed\s+1\s/, { timeoutMs: 30_000 });
    await events.waitForLine(/^ADDED\s+seed\s+1\s/, { timeoutMs: 30_000 });

    // The HTTPS client creates, changes and deletes; a second kubectl creates another.
    await cc.client.expect(201, { method: 'POST', path: cmPath, body: { metadata: { name: 'w-new' }, data: { a: '1' } } });
    await events.waitForLine(/^ADDED\s+w-new\s+1\s/);
    await plain.waitForLine(/^w-new\s+1\s/);
    await cc.client.expect(200, { method: 'PATCH', path: `${cmPath}/w-new`, body: { data: { b: '2' } }, contentType: 'application/merge-patch+json' });
    await events.waitForLine(/^MODIFIED\s+w-new\s+2\s/);
    await plain.waitForLine(/^w-new\s+2\s/);
    await cc.client.expect([200, 202], { method: 'DELETE', path: `${cmPath}/w-new` });
    await events.waitForLine(/^DELETED\s+w-new\s/);

    const other = await session(t);
    await other.ok(['create', 'configmap', 'w-kubectl', '--from-literal=x=y', '-n', ns]);
    await events.waitForLine(/^ADDED\s+w-kubectl\s+1\s/);
    await plain.waitForLine(/^w-kubectl\s+1\s/);

    assert.ok(plain.running && events.running, 'both watches are still running');
    assert.equal(events.lines({ stream: 'stderr' }).length, 0, `kubectl get -w wrote errors: ${events.output({ stream: 'stderr' })}`);
    await plain.stop();
    await events.stop();
  });

  it('delete waits for configmap, deployment and an unbound pod to be gone', async (t) => {
    const k = await session(t);
    const ns = 'deleting';
    await createNamespace(cc.client, ns);
    await k.ok(['create', 'configmap', 'doomed', '--from-literal=a=1', '-n', ns]);
    await k.ok(['create', 'deployment', 'doomed', '--image=nginx:1.25', '-n', ns]);
    assert.deepEqual(lines(await k.ok(['run', 'doomed', '--image=busybox:1.36', '--restart=Never', '-n', ns, '--', 'sleep', '3600'])), ['pod/doomed created']);

    const cases: readonly (readonly [string, string])[] = [
      ['configmap', 'configmap "doomed" deleted'],
      ['deployment', 'deployment.apps "doomed" deleted'],
      ['pod', 'pod "doomed" deleted'],
    ];
    for (const [kind, expected] of cases) {
      const r = await k.run(['delete', kind, 'doomed', '-n', ns], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, describeRun(r));
      assert.deepEqual(lines(r.stdout), [expected], describeRun(r));
      const gone = await k.run(['get', kind, 'doomed', '-n', ns]);
      assert.notEqual(gone.code, 0, `${kind} still there after delete: ${describeRun(gone)}`);
      assert.match(gone.stderr, /\(NotFound\)/, describeRun(gone));
    }
    const missing = await k.run(['delete', 'configmap', 'never-existed', '-n', ns]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /configmaps "never-existed" not found/, describeRun(missing));
  });

  it('api-resources lists the built-in resources', async (t) => {
    const k = await session(t);
    const table = parseTable(await k.ok(['api-resources']));
    assert.deepEqual(table.headers, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    const expected: readonly (readonly [string, string, string, string])[] = [
      ['pods', 'v1', 'true', 'Pod'],
      ['nodes', 'v1', 'false', 'Node'],
      ['namespaces', 'v1', 'false', 'Namespace'],
      ['configmaps', 'v1', 'true', 'ConfigMap'],
      ['secrets', 'v1', 'true', 'Secret'],
      ['services', 'v1', 'true', 'Service'],
      ['endpoints', 'v1', 'true', 'Endpoints'],
      ['events', 'v1', 'true', 'Event'],
      ['serviceaccounts', 'v1', 'true', 'ServiceAccount'],
      ['leases', 'coordination.k8s.io/v1', 'true', 'Lease'],
      ['deployments', 'apps/v1', 'true', 'Deployment'],
      ['replicasets', 'apps/v1', 'true', 'ReplicaSet'],
      ['daemonsets', 'apps/v1', 'true', 'DaemonSet'],
      ['statefulsets', 'apps/v1', 'true', 'StatefulSet'],
      ['jobs', 'batch/v1', 'true', 'Job'],
      ['priorityclasses', 'scheduling.k8s.io/v1', 'false', 'PriorityClass'],
      ['endpointslices', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
      ['customresourcedefinitions', 'apiextensions.k8s.io/v1', 'false', 'CustomResourceDefinition'],
    ];
    for (const [name, apiVersion, namespaced, kind] of expected) {
      const row = table.rows.find((r) => r['NAME'] === name && r['APIVERSION'] === apiVersion);
      assert.ok(row, `api-resources has no ${name} (${apiVersion}):\n${table.rows.map((r) => `${r['NAME'] ?? ''} ${r['APIVERSION'] ?? ''}`).join('\n')}`);
      assert.equal(row['NAMESPACED'], namespaced, `${name}: ${brief(row)}`);
      assert.equal(row['KIND'], kind, `${name}: ${brief(row)}`);
    }
    assert.equal(findRow(table, 'pods')?.['SHORTNAMES'], 'po');
    assert.equal(findRow(table, 'deployments')?.['SHORTNAMES'], 'deploy');
    assert.equal(findRow(table, 'customresourcedefinitions')?.['SHORTNAMES'], 'crd,crds');
    assert.ok(lines(await k.ok(['api-resources', '--api-group=apps', '-o', 'name'])).includes('deployments.apps'));
  });

  it('a CRD: apply it, then create, list, patch status, reject invalid, and delete its custom resources', async (t) => {
    const k = await session(t);
    const ns = 'crd';
    await createNamespace(cc.client, ns);
    const crdFile = await manifest(t, 'crd.yaml', WIDGET_CRD_YAML);
    assert.deepEqual(lines(await k.ok(['apply', '-f', crdFile])), [`customresourcedefinition.apiextensions.k8s.io/${WIDGET_CRD_NAME} created`]);
    assert.deepEqual(lines(await k.ok(['wait', '--for=condition=Established', `crd/${WIDGET_CRD_NAME}`, '--timeout=60s'], { timeoutMs: 90_000 })), [
      `customresourcedefinition.apiextensions.k8s.io/${WIDGET_CRD_NAME} condition met`,
    ]);
    const discovered = parseTable(await k.ok(['api-resources', '--api-group=example.com']));
    const wrow = findRow(discovered, 'widgets');
    assert.ok(wrow, brief(discovered.rows));
    assert.equal(wrow['APIVERSION'], 'example.com/v1');
    assert.equal(wrow['NAMESPACED'], 'true');
    assert.equal(wrow['KIND'], 'Widget');
    assert.equal(wrow['SHORTNAMES'], 'wdg');

    const widgets = await manifest(
      t,
      'widgets.yaml',
      `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
  namespace: ${ns}
spec:
  size: 3
  color: red
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w2
  namespace: ${ns}
spec:
  size: 7
  color: blue
`,
    );
    assert.deepEqual(lines(await k.ok(['apply', '-f', widgets])), ['widget.example.com/w1 created', 'widget.example.com/w2 created']);
    assert.deepEqual(lines(await k.ok(['apply', '-f', widgets])), ['widget.example.com/w1 unchanged', 'widget.example.com/w2 unchanged']);
    const w1meta = rec(await k.json(['get', 'widget', 'w1', '-n', ns]), 'metadata');
    assert.match(String(w1meta['uid']), /^[0-9a-f-]{36}$/, `custom resource metadata: ${brief(w1meta)}`);
    assert.match(String(w1meta['resourceVersion']), /^\d+$/, `custom resource metadata: ${brief(w1meta)}`);
    assert.equal(w1meta['generation'], 1, `custom resource metadata: ${brief(w1meta)}`);

    const table = parseTable(await k.ok(['get', 'widgets', '-n', ns]));
    assert.deepEqual(table.headers, ['NAME', 'SIZE', 'COLOR', 'PHASE', 'AGE']);
    assert.equal(findRow(table, 'w1')?.['SIZE'], '3', brief(table.rows));
    assert.equal(findRow(table, 'w1')?.['COLOR'], 'red', brief(table.rows));
    assert.equal(findRow(table, 'w2')?.['SIZE'], '7', brief(table.rows));
    assert.equal(findRow(table, 'w2')?.['COLOR'], 'blue', brief(table.rows));
    assert.deepEqual(lines(await k.ok(['get', 'wdg', '-n', ns, '-o', 'name'])).sort(), ['widget.example.com/w1', 'widget.example.com/w2']);

    // status subresource: status only changes through /status
    assert.deepEqual(lines(await k.ok(['patch', 'widget', 'w1', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Ready"}}'])), ['widget.example.com/w1 patched']);
    await k.ok(['patch', 'widget', 'w1', '-n', ns, '--type=merge', '-p', '{"spec":{"size":4},"status":{"phase":"Hacked"}}']);
    const w1 = await k.json(['get', 'widget', 'w1', '-n', ns]);
    assert.equal(num(w1, 'spec.size'), 4);
    assert.equal(str(w1, 'status.phase'), 'Ready', 'the main resource ignores status changes');
    assert.equal(findRow(parseTable(await k.ok(['get', 'widgets', '-n', ns])), 'w1')?.['PHASE'], 'Ready');

    // schema violation
    const badFile = await manifest(t, 'bad-widget.yaml', `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: bad\n  namespace: ${ns}\nspec:\n  size: big\n  color: red\n`);
    const bad = await k.run(['apply', '-f', badFile]);
    assert.notEqual(bad.code, 0, describeRun(bad));
    assert.match(bad.stderr, /spec\.size/, describeRun(bad));
    assert.match((await k.run(['get', 'widget', 'bad', '-n', ns])).stderr, /\(NotFound\)/);

    assert.deepEqual(lines(await k.ok(['delete', 'widget', 'w1', '-n', ns])), ['widget.example.com "w1" deleted']);
    assert.deepEqual(lines(await k.ok(['delete', '-f', widgets, '--ignore-not-found'])), ['widget.example.com "w2" deleted']);
    const empty = await k.run(['get', 'widgets', '-n', ns]);
    assert.equal(empty.code, 0, describeRun(empty));
    assert.match(empty.stderr, /No resources found in crd namespace/, describeRun(empty));
  });
});
