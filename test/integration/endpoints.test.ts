/**
 * Issue 3: Endpoints and EndpointSlices from Services and ready pods, and the `default`
 * ServiceAccount in every namespace, with the controllers in-process against a real cloudcore and
 * hollow kubelets that run the pods (Running, Ready, podIP).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNotFound, KubeClient, RESOURCES, type V1Endpoints, type V1EndpointSlice, type V1Pod } from '../../src/kube/client/index.js';
import { ControllerManager } from '../../src/kube/controllers/index.js';
import { endpointsControllers, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, SLICE_CONTROLLER_NAME } from '../../src/kube/controllers/endpoints/index.js';
import { serviceAccountsControllers } from '../../src/kube/controllers/serviceaccounts/index.js';
import { silentLogger } from '../../src/platform/log/index.js';
import { startCloudcore, startHollowNodes, waitUntil } from '../harness/index.js';

const NODE = 'ep-node-1';

function webPod(name: string, namespace: string): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'web' } },
    spec: { nodeName: NODE, containers: [{ name: 'main', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }] }] },
  };
}

const endpointIps = (e: V1Endpoints | undefined): string[] => (e?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
const sliceIps = (slices: readonly V1EndpointSlice[]): string[] =>
  slices
    .flatMap((s) => s.endpoints)
    .filter((e) => e.conditions?.ready === true)
    .flatMap((e) => e.addresses)
    .sort();

test('Endpoints, EndpointSlices and default ServiceAccounts', { timeout: 120_000 }, async (t) => {
  const cc = await startCloudcore({ owner: t });
  const client = await KubeClient.fromKubeconfig(cc.kubeconfigPath);
  t.after(() => client.close());
  const nodes = await startHollowNodes(cc.kubeconfigPath, { names: [NODE] });
  t.after(() => nodes.stop());
  const manager = new ControllerManager({ kubeconfigPath: cc.kubeconfigPath, controllers: [...endpointsControllers(), ...serviceAccountsControllers()], log: silentLogger() });
  await manager.start();
  t.after(() => manager.stop());

  await t.test('a new namespace gets a default ServiceAccount, recreated when deleted', async () => {
    await client.create(RESOURCES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sa-test' } });
    const get = async (): Promise<string | false> => {
      try {
        return (await client.get(RESOURCES.serviceaccounts, 'sa-test', 'default')).metadata?.uid ?? false;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    };
    const uid = await waitUntil(get, { timeoutMs: 10_000, what: 'the default ServiceAccount' });
    await client.delete(RESOURCES.serviceaccounts, 'sa-test', 'default');
    await waitUntil(async () => {
      const again = await get();
      return again !== false && again !== uid;
    }, { timeoutMs: 10_000, what: 'the default ServiceAccount to be recreated' });
    // the namespaces that existed before the controller started have one too
    await waitUntil(async () => (await client.get(RESOURCES.serviceaccounts, 'kube-system', 'default')).metadata?.name === 'default', { timeoutMs: 10_000, what: 'kube-system/default' });
  });

  await t.test('a Service gets Endpoints and an EndpointSlice of its ready pods', async () => {
    const ns = 'web';
    await client.create(RESOURCES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const svc = await client.create(RESOURCES.services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: ns },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    // a pod of another app is not selected
    await client.create(RESOURCES.pods, { ...webPod('other', ns), metadata: { name: 'other', namespace: ns, labels: { app: 'db' } } });
    for (const name of ['web-1', 'web-2']) await client.create(RESOURCES.pods, webPod(name, ns));
    const ips = await waitUntil(
      async () => {
        const pods = (await client.list(RESOURCES.pods, { namespace: ns, labelSelector: 'app=web' })).items;
        const got = pods.map((p) => p.status?.podIP ?? '').filter((ip) => ip !== '');
        return pods.length === 2 && got.length === 2 && pods.every((p) => p.status?.phase === 'Running') ? new Map(pods.map((p) => [p.metadata?.name ?? '', p.status?.podIP ?? ''])) : false;
      },
      { timeoutMs: 20_000, what: 'the pods to run with IPs' },
    );
    const both = [...ips.values()].sort();
    const endpoints = async (): Promise<V1Endpoints | undefined> => {
      try {
        return await client.get(RESOURCES.endpoints, ns, 'web');
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    const slices = async (): Promise<V1EndpointSlice[]> => (await client.list(RESOURCES.endpointslices, { namespace: ns, labelSelector: `${SERVICE_NAME_LABEL}=web` })).items;

    const ep = await waitUntil(async () => {
      const e = await endpoints();
      return e !== undefined && endpointIps(e).join() === both.join() ? e : false;
    }, { timeoutMs: 10_000, what: 'Endpoints with both pod IPs' });
    const subset = ep.subsets?.[0];
    assert.deepEqual(subset?.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }], 'targetPort name resolved');
    assert.equal(subset?.addresses?.[0]?.nodeName, NODE);
    assert.equal(subset?.addresses?.[0]?.targetRef?.kind, 'Pod');

    const sl = await waitUntil(async () => {
      const s = await slices();
      return sliceIps(s).join() === both.join() ? s : false;
    }, { timeoutMs: 10_000, what: 'an EndpointSlice with both pod IPs' });
    assert.equal(sl.length, 1);
    const slice = sl[0];
    assert.equal(slice?.metadata?.labels?.[MANAGED_BY_LABEL], SLICE_CONTROLLER_NAME);
    assert.equal(slice?.addressType, 'IPv4');
    assert.deepEqual(slice?.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(slice?.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]), [['Service', 'web', svc.metadata?.uid, true]]);
    assert.deepEqual(new Set(slice?.endpoints.map((e) => e.targetRef?.name)), new Set(['web-1', 'web-2']));

    // steady state: no write loop between the controllers and their own watch events
    const rvs = async (): Promise<string> => [(await endpoints())?.metadata?.resourceVersion, ...(await slices()).map((x) => x.metadata?.resourceVersion)].join();
    const before = await rvs();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await rvs(), before, 'Endpoints and EndpointSlices are not rewritten when nothing changed');

    await client.delete(RESOURCES.pods, ns, 'web-1');
    const left = [ips.get('web-2') ?? ''];
    await waitUntil(async () => endpointIps(await endpoints()).join() === left.join(), { timeoutMs: 10_000, what: 'Endpoints without the deleted pod' });
    await waitUntil(async () => sliceIps(await slices()).join() === left.join(), { timeoutMs: 10_000, what: 'the EndpointSlice without the deleted pod' });

    await client.delete(RESOURCES.services, ns, 'web');
    await waitUntil(async () => (await endpoints()) === undefined, { timeoutMs: 10_000, what: 'the Endpoints to go with the service' });
    await waitUntil(async () => (await slices()).length === 0, { timeoutMs: 15_000, what: 'the EndpointSlices to go with the service' });
  });
});
