import { getPath, isJsonObject, type JsonObject } from '../../base/index.js';
import { humanDuration, parseTime, since } from './table-format.js';
import { AGE, AGE_COL, NAME, NAME_COL, age, arr, col, columnsPrinter, formatLabels, hasCondition, int, name, obj, str, type Printer, type Row } from './table-printers.js';

/*
 * Printers of the core and cluster kinds with the columns kubectl shows (pkg/printers/internalversion/printers.go):
 * pods, nodes, namespaces, config maps, secrets, services, endpoints, endpoint slices, events, service accounts,
 * leases and priority classes.
 */

// --- pods ---

function printPod(pod: JsonObject, now: number): Row {
  const spec = obj(pod['spec']);
  const status = obj(pod['status']);
  const phase = str(status, 'phase');
  let reason = str(status, 'reason') || phase;
  for (const c of arr(status['conditions'])) if (str(c, 'type') === 'PodScheduled' && str(c, 'reason') === 'SchedulingGated') reason = 'SchedulingGated';

  const initSpecs = new Map<string, JsonObject>();
  let total = arr(spec['containers']).length;
  for (const c of arr(spec['initContainers'])) {
    initSpecs.set(str(c, 'name'), obj(c));
    if (str(c, 'restartPolicy') === 'Always') total++;
  }
  const restartable = (n: string): boolean => initSpecs.get(n)?.['restartPolicy'] === 'Always';
  const finishedAt = (cs: unknown): number => parseTime(getPath(cs, ['lastState', 'terminated', 'finishedAt'])) ?? -Infinity;

  let restarts = 0;
  let sidecarRestarts = 0;
  let ready = 0;
  let lastRestart = -Infinity;
  let lastSidecarRestart = -Infinity;
  let initializing = false;
  const initStatuses = arr(status['initContainerStatuses']);
  const initCount = arr(spec['initContainers']).length;
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = obj(initStatuses[i]);
    const cname = str(cs, 'name');
    const count = int(cs, 0, 'restartCount');
    const fin = finishedAt(cs);
    restarts += count;
    lastRestart = Math.max(lastRestart, fin);
    if (restartable(cname)) {
      sidecarRestarts += count;
      lastSidecarRestart = Math.max(lastSidecarRestart, fin);
    }
    const terminated = getPath(cs, ['state', 'terminated']);
    const waiting = getPath(cs, ['state', 'waiting']);
    if (isJsonObject(terminated) && int(terminated, 0, 'exitCode') === 0) continue;
    if (restartable(cname) && cs['started'] === true) {
      if (cs['ready'] === true) ready++;
      continue;
    }
    if (isJsonObject(terminated)) {
      const r = str(terminated, 'reason');
      const signal = int(terminated, 0, 'signal');
      reason = r ? `Init:${r}` : signal !== 0 ? `Init:Signal:${signal}` : `Init:ExitCode:${int(terminated, 0, 'exitCode')}`;
    } else if (isJsonObject(waiting) && str(waiting, 'reason') !== '' && str(waiting, 'reason') !== 'PodInitializing') {
      reason = `Init:${str(waiting, 'reason')}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(status['conditions'], 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(status['containerStatuses']);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = obj(statuses[i]);
      restarts += int(cs, 0, 'restartCount');
      lastRestart = Math.max(lastRestart, finishedAt(cs));
      const waiting = getPath(cs, ['state', 'waiting']);
      const terminated = getPath(cs, ['state', 'terminated']);
      if (isJsonObject(waiting) && str(waiting, 'reason') !== '') reason = str(waiting, 'reason');
      else if (isJsonObject(terminated) && str(terminated, 'reason') !== '') reason = str(terminated, 'reason');
      else if (isJsonObject(terminated)) {
        const signal = int(terminated, 0, 'signal');
        reason = signal !== 0 ? `Signal:${signal}` : `ExitCode:${int(terminated, 0, 'exitCode')}`;
      } else if (cs['ready'] === true && isJsonObject(getPath(cs, ['state', 'running']))) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(status['conditions'], 'Ready') ? 'Running' : 'NotReady';
  }

  const deletionTimestamp = getPath(pod, ['metadata', 'deletionTimestamp']);
  const deleting = deletionTimestamp !== undefined && deletionTimestamp !== null;
  if (deleting && str(status, 'reason') === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartsCell = restarts !== 0 && lastRestart !== -Infinity ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);

  const ips = arr(status['podIPs']);
  const podIP = (ips.length > 0 ? str(ips[0], 'ip') : str(status, 'podIP')) || '<none>';
  const readinessGates = arr(spec['readinessGates']);
  const trueGates = readinessGates.filter((g) => hasCondition(status['conditions'], str(g, 'conditionType'))).length;
  const gates = readinessGates.length > 0 ? `${trueGates}/${readinessGates.length}` : '<none>';

  const row: Row = {
    cells: [name(pod), `${ready}/${total}`, reason, restartsCell, age(pod, now), podIP, str(spec, 'nodeName') || '<none>', str(status, 'nominatedNodeName') || '<none>', gates],
  };
  if (phase === 'Succeeded')
    return { ...row, conditions: [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }] };
  if (phase === 'Failed') return { ...row, conditions: [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }] };
  return row;
}

// --- nodes ---

function nodeStatus(node: JsonObject): string {
  const readyCond = arr(getPath(node, ['status', 'conditions'])).find((c) => str(c, 'type') === 'Ready');
  const parts = [readyCond === undefined ? 'Unknown' : str(readyCond, 'status') === 'True' ? 'Ready' : 'NotReady'];
  if (getPath(node, ['spec', 'unschedulable']) === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: JsonObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj(getPath(node, ['metadata', 'labels'])))) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && typeof v === 'string' && v !== '') roles.add(v);
  }
  return roles.size > 0 ? [...roles].sort().join(',') : '<none>';
}

/** The first address of a type, `<none>` when the node has none. */
function nodeAddress(type: string): (node: JsonObject) => string {
  return (node) => str(arr(getPath(node, ['status', 'addresses'])).find((a) => str(a, 'type') === type), 'address') || '<none>';
}

/** A status.nodeInfo field, `missing` when empty. */
function nodeInfo(field: string, missing = ''): (node: JsonObject) => string {
  return (node) => str(node, 'status', 'nodeInfo', field) || missing;
}

// --- services and endpoints ---

const serviceType = (svc: JsonObject): string => str(svc, 'spec', 'type') || 'ClusterIP';

function serviceClusterIP(svc: JsonObject): string {
  const clusterIPs = arr(getPath(svc, ['spec', 'clusterIPs']));
  return (clusterIPs.length > 0 && typeof clusterIPs[0] === 'string' ? clusterIPs[0] : str(svc, 'spec', 'clusterIP')) || '<none>';
}

function serviceExternalIP(svc: JsonObject): string {
  const externalIPs = arr(getPath(svc, ['spec', 'externalIPs'])).filter((x): x is string => typeof x === 'string');
  switch (serviceType(svc)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = new Set<string>();
      for (const ing of arr(getPath(svc, ['status', 'loadBalancer', 'ingress']))) {
        const v = str(ing, 'ip') || str(ing, 'hostname');
        if (v) lb.add(v);
      }
      const all = [...[...lb].sort(), ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(svc, 'spec', 'externalName');
    default:
      return '<unknown>';
  }
}

function servicePorts(svc: JsonObject): string {
  const ports = arr(getPath(svc, ['spec', 'ports'])).map((p) => {
    const proto = str(p, 'protocol') || 'TCP';
    const nodePort = int(p, 0, 'nodePort');
    return nodePort > 0 ? `${int(p, 0, 'port')}:${nodePort}/${proto}` : `${int(p, 0, 'port')}/${proto}`;
  });
  return ports.join(',') || '<none>';
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** kubectl's capped list of endpoints: the first `max` entries, then `+ N more...`. */
function cappedList(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

function formatEndpoints(ep: JsonObject): string {
  const subsets = arr(ep['subsets']);
  if (subsets.length === 0) return '<none>';
  const endpoints: string[] = [];
  for (const ss of subsets) {
    const ips = arr(getPath(ss, ['addresses'])).map((a) => str(a, 'ip'));
    const ports = arr(getPath(ss, ['ports']));
    if (ports.length === 0) endpoints.push(...ips);
    for (const p of ports) endpoints.push(...ips.map((ip) => hostPort(ip, int(p, 0, 'port'))));
  }
  return cappedList(endpoints);
}

const slicePorts = (es: JsonObject): string =>
  cappedList(
    arr(es['ports']).map((p) => {
      const port = getPath(p, ['port']);
      return typeof port === 'number' ? String(port) : str(p, 'name') || '*';
    }),
  ) || '<unset>';

const sliceAddresses = (es: JsonObject): string =>
  cappedList(arr(es['endpoints']).flatMap((e) => arr(getPath(e, ['addresses'])).map((a) => (typeof a === 'string' ? a : '')))) || '<unset>';

// --- events ---

function printEvent(ev: JsonObject, now: number): Row {
  const first = parseTime(ev['firstTimestamp']) !== undefined ? since(ev['firstTimestamp'], now) : since(ev['eventTime'], now);
  let last = parseTime(ev['lastTimestamp']) !== undefined ? since(ev['lastTimestamp'], now) : first;
  let count = int(ev, 0, 'count');
  const series = ev['series'];
  if (isJsonObject(series)) {
    last = since(series['lastObservedTime'], now);
    count = int(series, 0, 'count');
  } else if (count === 0) count = 1;
  const kind = str(ev, 'involvedObject', 'kind').toLowerCase();
  const objName = str(ev, 'involvedObject', 'name');
  const component = str(ev, 'source', 'component') || str(ev, 'reportingController');
  const instance = str(ev, 'source', 'host') || str(ev, 'reportingInstance');
  return {
    cells: [
      last,
      str(ev, 'type'),
      str(ev, 'reason'),
      objName ? `${kind}/${objName}` : kind,
      str(ev, 'involvedObject', 'fieldPath'),
      instance ? `${component}, ${instance}` : component,
      str(ev, 'message').trim(),
      first,
      count,
      name(ev),
    ],
  };
}

export const CORE_PRINTERS: Readonly<Record<string, Printer>> = {
  '/pods': {
    columns: [
      NAME_COL,
      col('Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 0, 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 0, 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE_COL,
      col('IP', 'string', 1, 'IP address allocated to the pod.'),
      col('Node', 'string', 1, 'The node the pod is bound to.'),
      col('Nominated Node', 'string', 1, 'The node the scheduler nominated for this pod when preempting.'),
      col('Readiness Gates', 'string', 1, 'Readiness gates of the pod that are true / all.'),
    ],
    row: printPod,
  },
  '/nodes': columnsPrinter(
    NAME,
    [col('Status', 'string', 0, 'The status of the node'), nodeStatus],
    [col('Roles', 'string', 0, 'The roles of the node'), nodeRoles],
    AGE,
    [col('Version', 'string', 0, 'Kubelet version reported by the node.'), nodeInfo('kubeletVersion')],
    [col('Internal-IP', 'string', 1, 'First InternalIP address of the node.'), nodeAddress('InternalIP')],
    [col('External-IP', 'string', 1, 'First ExternalIP address of the node.'), nodeAddress('ExternalIP')],
    [col('OS-Image', 'string', 1, 'OS image reported by the node.'), nodeInfo('osImage', '<unknown>')],
    [col('Kernel-Version', 'string', 1, 'Kernel version reported by the node.'), nodeInfo('kernelVersion', '<unknown>')],
    [col('Container-Runtime', 'string', 1, 'Container runtime version reported by the node.'), nodeInfo('containerRuntimeVersion', '<unknown>')],
  ),
  '/namespaces': columnsPrinter(NAME, [col('Status', 'string', 0, 'The status of the namespace'), (o) => str(o, 'status', 'phase')], AGE),
  '/configmaps': columnsPrinter(
    NAME,
    [col('Data', 'string', 0, 'Number of data entries.'), (o) => Object.keys(obj(o['data'])).length + Object.keys(obj(o['binaryData'])).length],
    AGE,
  ),
  '/secrets': columnsPrinter(
    NAME,
    [col('Type', 'string', 0, 'Type of the secret.'), (o) => str(o, 'type')],
    [col('Data', 'string', 0, 'Number of data entries.'), (o) => Object.keys(obj(o['data'])).length],
    AGE,
  ),
  '/services': columnsPrinter(
    NAME,
    [col('Type', 'string', 0, 'How the service is exposed.'), serviceType],
    [col('Cluster-IP', 'string', 0, 'The cluster IP of the service.'), serviceClusterIP],
    [col('External-IP', 'string', 0, 'External IPs or load-balancer ingress of the service.'), serviceExternalIP],
    [col('Port(s)', 'string', 0, 'Ports exposed by the service.'), servicePorts],
    AGE,
    [col('Selector', 'string', 1, 'Label selector of the backing pods.'), (o) => formatLabels(getPath(o, ['spec', 'selector']))],
  ),
  '/endpoints': columnsPrinter(NAME, [col('Endpoints', 'string', 0, 'Addresses and ports of the endpoints.'), formatEndpoints], AGE),
  '/events': {
    columns: [
      col('Last Seen', 'string', 0, 'Time since the event was last observed.'),
      col('Type', 'string', 0, 'Type of the event (Normal, Warning).'),
      col('Reason', 'string', 0, 'Short machine-understandable reason.'),
      col('Object', 'string', 0, 'The object this event is about.'),
      col('Subobject', 'string', 1, 'Field path of the involved object.'),
      col('Source', 'string', 1, 'The component reporting the event.'),
      col('Message', 'string', 0, 'Human-readable description.'),
      col('First Seen', 'string', 1, 'Time since the event was first observed.'),
      col('Count', 'string', 1, 'Number of times the event occurred.'),
      { ...NAME_COL, priority: 1 },
    ],
    row: printEvent,
  },
  '/serviceaccounts': columnsPrinter(NAME, [col('Secrets', 'string', 0, 'Number of secrets of the service account.'), (o) => arr(o['secrets']).length], AGE),
  'coordination.k8s.io/leases': columnsPrinter(NAME, [col('Holder', 'string', 0, 'Identity of the current holder of the lease.'), (o) => str(o, 'spec', 'holderIdentity')], AGE),
  'scheduling.k8s.io/priorityclasses': columnsPrinter(
    NAME,
    [col('Value', 'integer', 0, 'Priority value.'), (o) => int(o, 0, 'value')],
    [col('Global-Default', 'boolean', 0, 'Whether this is the default priority class.'), (o) => o['globalDefault'] === true],
    AGE,
    [col('PreemptionPolicy', 'string', 0, 'Preemption policy of the class.'), (o) => str(o, 'preemptionPolicy')],
  ),
  'discovery.k8s.io/endpointslices': columnsPrinter(
    NAME,
    [col('AddressType', 'string', 0, 'Type of the addresses.'), (o) => str(o, 'addressType')],
    [col('Ports', 'string', 0, 'Ports of the slice.'), slicePorts],
    [col('Endpoints', 'string', 0, 'Addresses of the endpoints.'), sliceAddresses],
    AGE,
  ),
};
