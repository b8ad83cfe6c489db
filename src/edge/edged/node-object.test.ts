import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostInfo } from './host-info.js';
import { allocatableOf, conditionValues, imagesOf, MAX_IMAGES, nodeStatusPatch, type NodeFacts } from './node-object.js';

const GI = 1024 * 1024 * 1024;
const HOST: HostInfo = {
  hostname: 'h',
  ipv4: '192.0.2.1',
  cpus: 2,
  memoryBytes: 4 * GI,
  ephemeralStorageBytes: 100 * GI,
  ephemeralStorageAvailableBytes: 50 * GI,
  memoryAvailableBytes: 2 * GI,
  pidMax: 1000,
  pidCount: 100,
  machineID: 'm',
  bootID: 'b',
  systemUUID: 'u',
  architecture: 'amd64',
  operatingSystem: 'linux',
  kernelVersion: '6.1',
  osImage: 'Test',
};

function facts(host: Partial<HostInfo> = {}, more: Partial<NodeFacts> = {}): NodeFacts {
  return { nodeName: 'n', nodeIP: '192.0.2.1', host: { ...HOST, ...host }, maxPods: 110, labels: {}, runtimeVersion: 'containerd://1.6.20', runtimeReady: true, images: [], ...more };
}

const statusOf = (f: NodeFacts): Record<string, string> => Object.fromEntries(conditionValues(f).map((c) => [c.type, `${c.status}/${c.reason}`]));

test('conditions follow the hard eviction thresholds and the runtime', () => {
  assert.deepEqual(statusOf(facts()), {
    MemoryPressure: 'False/KubeletHasSufficientMemory',
    DiskPressure: 'False/KubeletHasNoDiskPressure',
    PIDPressure: 'False/KubeletHasSufficientPID',
    Ready: 'True/EdgeReady',
  });
  const low = statusOf(facts({ memoryAvailableBytes: 50 * 1024 * 1024, ephemeralStorageAvailableBytes: 5 * GI, pidCount: 990 }, { runtimeReady: false }));
  assert.deepEqual(low, {
    MemoryPressure: 'True/KubeletHasInsufficientMemory',
    DiskPressure: 'True/KubeletHasDiskPressure',
    PIDPressure: 'True/KubeletHasInsufficientPID',
    Ready: 'False/KubeletNotReady',
  });
});

test('allocatable is capacity minus the eviction thresholds; images biggest first, capped', () => {
  const a = allocatableOf(facts());
  assert.equal(a['memory'], `${(4 * GI - 100 * 1024 * 1024) / 1024}Ki`);
  assert.equal(a['ephemeral-storage'], String(90 * GI));
  assert.equal(a['cpu'], '2');
  const images = Array.from({ length: MAX_IMAGES + 5 }, (_, i) => ({ names: [`img:${i}`], sizeBytes: i }));
  const listed = imagesOf(facts({}, { images: [...images, { names: [], sizeBytes: 1e9 }] }));
  assert.equal(listed.length, MAX_IMAGES);
  assert.deepEqual(listed[0], { names: [`img:${MAX_IMAGES + 4}`], sizeBytes: MAX_IMAGES + 4 });
});

test('transition times come from the caller and change only with the status', () => {
  const seen = new Map<string, { status: string; at: string }>();
  let now = 't1';
  const transitionOf = (type: string, status: string): string => {
    const t = seen.get(type);
    if (t !== undefined && t.status === status) return t.at;
    seen.set(type, { status, at: now });
    return now;
  };
  nodeStatusPatch(facts(), transitionOf);
  now = 't2';
  const p = nodeStatusPatch(facts({ memoryAvailableBytes: 1 }), transitionOf, 'hb');
  const byType = Object.fromEntries(p.status.conditions.map((c) => [c.type, c]));
  assert.equal(byType['MemoryPressure']?.lastTransitionTime, 't2');
  assert.equal(byType['Ready']?.lastTransitionTime, 't1');
  assert.equal(byType['Ready']?.lastHeartbeatTime, 'hb');
  assert.deepEqual(p.status.nodeInfo.bootID, 'b');
});
