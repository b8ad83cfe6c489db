import { getPath, isJsonArray, isJsonObject, type JsonObject, type JsonValue } from '../../base/index.js';
import type { PrinterColumn, ResourceInfo } from './resources.js';
import { labelSelectorFromMeta } from './selectors.js';

/*
 * Server-side printing: meta.k8s.io/v1 Table responses with the columns kubectl shows for the built-in kinds
 * (pkg/printers/internalversion/printers.go), CRD additionalPrinterColumns for custom resources and the
 * default NAME / CREATED AT table for anything else. The server always fills every column (as Kubernetes
 * does with Wide=true); kubectl hides priority > 0 unless `-o wide`.
 */

export type IncludeObject = 'None' | 'Metadata' | 'Object';
export type Cell = string | number | boolean | null;

export interface TableColumn {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

export interface TableOptions {
  /** Current time in ms since the epoch (AGE and other durations are computed against it). */
  readonly now: number;
  /** `?includeObject=`; kubectl's default (and Kubernetes') is Metadata. */
  readonly includeObject: IncludeObject;
  /** The list's metadata (resourceVersion, continue, remainingItemCount) for list responses. */
  readonly listMeta?: JsonObject | undefined;
  /** Omit columnDefinitions (TableOptions.noHeaders; also what watch events after the first may use). */
  readonly noHeaders?: boolean | undefined;
}

// ---------------------------------------------------------------------------------------------
// Durations (apimachinery util/duration.HumanDuration)
// ---------------------------------------------------------------------------------------------

/** kubectl's human duration for `ms` milliseconds: `45s`, `3m20s`, `15m`, `5h3m`, `20h`, `2d4h`, `45d`, `2y30d`, `10y`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** translateTimestampSince: `<unknown>` for a missing timestamp. */
function since(v: unknown, now: number): string {
  const t = parseTime(v);
  return t === undefined ? '<unknown>' : humanDuration(now - t);
}

// ---------------------------------------------------------------------------------------------
// Small readers
// ---------------------------------------------------------------------------------------------

const obj = (v: unknown): JsonObject => (isJsonObject(v) ? v : {});
const arr = (v: unknown): JsonValue[] => (isJsonArray(v) ? v : []);
const str = (o: unknown, ...path: string[]): string => {
  const v = getPath(o, path);
  return typeof v === 'string' ? v : '';
};
const int = (o: unknown, fallback: number, ...path: string[]): number => {
  const v = getPath(o, path);
  return typeof v === 'number' ? Math.trunc(v) : fallback;
};
const name = (o: JsonObject): string => str(o, 'metadata', 'name');
const age = (o: JsonObject, now: number): string => since(getPath(o, ['metadata', 'creationTimestamp']), now);

/** labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty. */
function formatLabels(m: unknown): string {
  const o = obj(m);
  const parts = Object.keys(o)
    .sort()
    .map((k) => `${k}=${typeof o[k] === 'string' ? o[k] : ''}`);
  return parts.length > 0 ? parts.join(',') : '<none>';
}

function selectorString(sel: unknown): string | undefined {
  try {
    return labelSelectorFromMeta(sel).toString();
  } catch {
    return undefined;
  }
}

/** metav1.FormatLabelSelector: `<none>` when empty, `<error>` when malformed. */
function formatLabelSelector(sel: unknown): string {
  const s = selectorString(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

function containerCells(podSpec: unknown): [string, string] {
  const cs = arr(getPath(podSpec, ['containers']));
  return [cs.map((c) => str(c, 'name')).join(','), cs.map((c) => str(c, 'image')).join(',')];
}

function hasCondition(conds: unknown, type: string, status = 'True'): boolean {
  const c = arr(conds).find((x) => str(x, 'type') === type);
  return c !== undefined && str(c, 'status') === status;
}

// ---------------------------------------------------------------------------------------------
// Column definitions
// ---------------------------------------------------------------------------------------------

const NAME_DESC = 'Name of the object, unique within its namespace (or cluster-wide for cluster-scoped kinds).';
const AGE_DESC = 'Time since the object was created (metadata.creationTimestamp).';

function col(name: string, type = 'string', priority = 0, description = '', format = ''): TableColumn {
  return { name, type, format, description, priority };
}
const NAME_COL = col('Name', 'string', 0, NAME_DESC, 'name');
const AGE_COL = col('Age', 'string', 0, AGE_DESC);
const CONTAINERS_COL = col('Containers', 'string', 1, 'Names of each container in the template.');
const IMAGES_COL = col('Images', 'string', 1, 'Images referenced by each container in the template.');
const SELECTOR_COL = col('Selector', 'string', 1, 'Label selector of the pods this object manages.');

interface Row {
  readonly cells: Cell[];
  readonly conditions?: JsonObject[];
}

interface Printer {
  readonly columns: readonly TableColumn[];
  row(o: JsonObject, now: number): Row;
}

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
  const finishedAt = (cs: unknown): number | undefined => parseTime(getPath(cs, ['lastState', 'terminated', 'finishedAt']));

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
    restarts += count;
    const fin = finishedAt(cs);
    if (fin !== undefined && fin > lastRestart) lastRestart = fin;
    if (restartable(cname)) {
      sidecarRestarts += count;
      if (fin !== undefined && fin > lastSidecarRestart) lastSidecarRestart = fin;
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
      const fin = finishedAt(cs);
      if (fin !== undefined && fin > lastRestart) lastRestart = fin;
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
  let gates = '<none>';
  const readinessGates = arr(spec['readinessGates']);
  if (readinessGates.length > 0) {
    let trueCount = 0;
    for (const g of readinessGates) {
      const c = arr(status['conditions']).find((x) => str(x, 'type') === str(g, 'conditionType'));
      if (c !== undefined && str(c, 'status') === 'True') trueCount++;
    }
    gates = `${trueCount}/${readinessGates.length}`;
  }

  const row: Row = {
    cells: [name(pod), `${ready}/${total}`, reason, restartsCell, age(pod, now), podIP, str(spec, 'nodeName') || '<none>', str(status, 'nominatedNodeName') || '<none>', gates],
  };
  if (phase === 'Succeeded')
    return { ...row, conditions: [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }] };
  if (phase === 'Failed') return { ...row, conditions: [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }] };
  return row;
}

// --- nodes ---

function printNode(node: JsonObject, now: number): Row {
  const status = obj(node['status']);
  const readyCond = arr(status['conditions']).find((c) => str(c, 'type') === 'Ready');
  const parts = [readyCond === undefined ? 'Unknown' : str(readyCond, 'status') === 'True' ? 'Ready' : 'NotReady'];
  if (getPath(node, ['spec', 'unschedulable']) === true) parts.push('SchedulingDisabled');
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj(getPath(node, ['metadata', 'labels'])))) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && typeof v === 'string' && v !== '') roles.add(v);
  }
  const address = (type: string): string => str(arr(status['addresses']).find((a) => str(a, 'type') === type), 'address') || '<none>';
  const info = obj(status['nodeInfo']);
  return {
    cells: [
      name(node),
      parts.join(','),
      roles.size > 0 ? [...roles].sort().join(',') : '<none>',
      age(node, now),
      str(info, 'kubeletVersion'),
      address('InternalIP'),
      address('ExternalIP'),
      str(info, 'osImage') || '<unknown>',
      str(info, 'kernelVersion') || '<unknown>',
      str(info, 'containerRuntimeVersion') || '<unknown>',
    ],
  };
}

// --- services and endpoints ---

function printService(svc: JsonObject, now: number): Row {
  const spec = obj(svc['spec']);
  const type = str(spec, 'type') || 'ClusterIP';
  const clusterIPs = arr(spec['clusterIPs']);
  const clusterIP = (clusterIPs.length > 0 && typeof clusterIPs[0] === 'string' ? clusterIPs[0] : str(spec, 'clusterIP')) || '<none>';
  const externalIPs = arr(spec['externalIPs']).filter((x): x is string => typeof x === 'string');
  let external: string;
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      external = externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
      break;
    case 'LoadBalancer': {
      const lb = new Set<string>();
      for (const ing of arr(getPath(svc, ['status', 'loadBalancer', 'ingress']))) {
        const v = str(ing, 'ip') || str(ing, 'hostname');
        if (v) lb.add(v);
      }
      const all = [...[...lb].sort(), ...externalIPs];
      external = all.length > 0 ? all.join(',') : '<pending>';
      break;
    }
    case 'ExternalName':
      external = str(spec, 'externalName');
      break;
    default:
      external = '<unknown>';
  }
  const ports = arr(spec['ports'])
    .map((p) => {
      const proto = str(p, 'protocol') || 'TCP';
      const nodePort = int(p, 0, 'nodePort');
      return nodePort > 0 ? `${int(p, 0, 'port')}:${nodePort}/${proto}` : `${int(p, 0, 'port')}/${proto}`;
    })
    .join(',');
  return { cells: [name(svc), type, clusterIP, external, ports || '<none>', age(svc, now), formatLabels(spec['selector'])] };
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function formatEndpoints(ep: JsonObject): string {
  const subsets = arr(ep['subsets']);
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs = arr(getPath(ss, ['addresses']));
    const ports = arr(getPath(ss, ['ports']));
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(a, 'ip'));
      }
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(hostPort(str(a, 'ip'), int(p, 0, 'port')));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

function printEndpointSlice(es: JsonObject, now: number): Row {
  const max = 3;
  const ports: string[] = [];
  let pmore = false;
  let pcount = 0;
  for (const p of arr(es['ports'])) {
    if (ports.length < max) {
      const port = getPath(p, ['port']);
      ports.push(typeof port === 'number' ? String(port) : str(p, 'name') || '*');
    } else pmore = true;
    pcount++;
  }
  const addrs: string[] = [];
  let amore = false;
  let acount = 0;
  for (const e of arr(es['endpoints']))
    for (const a of arr(getPath(e, ['addresses']))) {
      if (addrs.length < max) addrs.push(typeof a === 'string' ? a : '');
      else amore = true;
      acount++;
    }
  return { cells: [name(es), str(es, 'addressType'), listWithMore(ports, pmore, pcount, max), listWithMore(addrs, amore, acount, max), age(es, now)] };
}

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

// --- workloads ---

function printDeployment(d: JsonObject, now: number): Row {
  const [containers, images] = containerCells(getPath(d, ['spec', 'template', 'spec']));
  return {
    cells: [
      name(d),
      `${int(d, 0, 'status', 'readyReplicas')}/${int(d, 1, 'spec', 'replicas')}`,
      int(d, 0, 'status', 'updatedReplicas'),
      int(d, 0, 'status', 'availableReplicas'),
      age(d, now),
      containers,
      images,
      selectorString(getPath(d, ['spec', 'selector'])) ?? '<invalid>',
    ],
  };
}

function printReplicaSet(rs: JsonObject, now: number): Row {
  const [containers, images] = containerCells(getPath(rs, ['spec', 'template', 'spec']));
  return {
    cells: [
      name(rs),
      int(rs, 1, 'spec', 'replicas'),
      int(rs, 0, 'status', 'replicas'),
      int(rs, 0, 'status', 'readyReplicas'),
      age(rs, now),
      containers,
      images,
      formatLabelSelector(getPath(rs, ['spec', 'selector'])),
    ],
  };
}

function printDaemonSet(ds: JsonObject, now: number): Row {
  const [containers, images] = containerCells(getPath(ds, ['spec', 'template', 'spec']));
  const s = (f: string): number => int(ds, 0, 'status', f);
  return {
    cells: [
      name(ds),
      s('desiredNumberScheduled'),
      s('currentNumberScheduled'),
      s('numberReady'),
      s('updatedNumberScheduled'),
      s('numberAvailable'),
      formatLabels(getPath(ds, ['spec', 'template', 'spec', 'nodeSelector'])),
      age(ds, now),
      containers,
      images,
      formatLabelSelector(getPath(ds, ['spec', 'selector'])),
    ],
  };
}

function printStatefulSet(ss: JsonObject, now: number): Row {
  const [containers, images] = containerCells(getPath(ss, ['spec', 'template', 'spec']));
  return { cells: [name(ss), `${int(ss, 0, 'status', 'readyReplicas')}/${int(ss, 1, 'spec', 'replicas')}`, age(ss, now), containers, images] };
}

function printJob(job: JsonObject, now: number): Row {
  const spec = obj(job['spec']);
  const status = obj(job['status']);
  const succeeded = int(status, 0, 'succeeded');
  let completions: string;
  if (typeof spec['completions'] === 'number') completions = `${succeeded}/${int(spec, 0, 'completions')}`;
  else {
    const parallelism = int(spec, 0, 'parallelism');
    completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
  }
  const start = parseTime(status['startTime']);
  const end = parseTime(status['completionTime']);
  const duration = start === undefined ? '' : humanDuration((end ?? now) - start);
  const conds = status['conditions'];
  let state = 'Running';
  if (hasCondition(conds, 'Complete')) state = 'Complete';
  else if (hasCondition(conds, 'Failed')) state = 'Failed';
  else if (getPath(job, ['metadata', 'deletionTimestamp'])) state = 'Terminating';
  else if (hasCondition(conds, 'Suspended')) state = 'Suspended';
  else if (hasCondition(conds, 'FailureTarget')) state = 'FailureTarget';
  const [containers, images] = containerCells(getPath(spec, ['template', 'spec']));
  return { cells: [name(job), state, completions, duration, age(job, now), containers, images, formatLabelSelector(spec['selector'])] };
}

function printControllerRevision(cr: JsonObject, now: number): Row {
  const owner = arr(getPath(cr, ['metadata', 'ownerReferences'])).find((r) => getPath(r, ['controller']) === true);
  let controller = '<none>';
  if (owner !== undefined) {
    const apiVersion = str(owner, 'apiVersion');
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const kind = str(owner, 'kind');
    const groupKind = group ? `${kind}.${group}` : kind;
    controller = kind === '' && group === '' ? str(owner, 'name') : `${groupKind.toLowerCase()}/${str(owner, 'name')}`;
  }
  return { cells: [name(cr), controller, int(cr, 0, 'revision'), age(cr, now)] };
}

const BUILTIN_PRINTERS: Readonly<Record<string, Printer>> = {
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
  '/nodes': {
    columns: [
      NAME_COL,
      col('Status', 'string', 0, 'The status of the node'),
      col('Roles', 'string', 0, 'The roles of the node'),
      AGE_COL,
      col('Version', 'string', 0, 'Kubelet version reported by the node.'),
      col('Internal-IP', 'string', 1, 'First InternalIP address of the node.'),
      col('External-IP', 'string', 1, 'First ExternalIP address of the node.'),
      col('OS-Image', 'string', 1, 'OS image reported by the node.'),
      col('Kernel-Version', 'string', 1, 'Kernel version reported by the node.'),
      col('Container-Runtime', 'string', 1, 'Container runtime version reported by the node.'),
    ],
    row: printNode,
  },
  '/namespaces': {
    columns: [NAME_COL, col('Status', 'string', 0, 'The status of the namespace'), AGE_COL],
    row: (o, now) => ({ cells: [name(o), str(o, 'status', 'phase'), age(o, now)] }),
  },
  '/configmaps': {
    columns: [NAME_COL, col('Data', 'string', 0, 'Number of data entries.'), AGE_COL],
    row: (o, now) => ({ cells: [name(o), Object.keys(obj(o['data'])).length + Object.keys(obj(o['binaryData'])).length, age(o, now)] }),
  },
  '/secrets': {
    columns: [NAME_COL, col('Type', 'string', 0, 'Type of the secret.'), col('Data', 'string', 0, 'Number of data entries.'), AGE_COL],
    row: (o, now) => ({ cells: [name(o), str(o, 'type'), Object.keys(obj(o['data'])).length, age(o, now)] }),
  },
  '/services': {
    columns: [
      NAME_COL,
      col('Type', 'string', 0, 'How the service is exposed.'),
      col('Cluster-IP', 'string', 0, 'The cluster IP of the service.'),
      col('External-IP', 'string', 0, 'External IPs or load-balancer ingress of the service.'),
      col('Port(s)', 'string', 0, 'Ports exposed by the service.'),
      AGE_COL,
      col('Selector', 'string', 1, 'Label selector of the backing pods.'),
    ],
    row: printService,
  },
  '/endpoints': {
    columns: [NAME_COL, col('Endpoints', 'string', 0, 'Addresses and ports of the endpoints.'), AGE_COL],
    row: (o, now) => ({ cells: [name(o), formatEndpoints(o), age(o, now)] }),
  },
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
  '/serviceaccounts': {
    columns: [NAME_COL, col('Secrets', 'string', 0, 'Number of secrets of the service account.'), AGE_COL],
    row: (o, now) => ({ cells: [name(o), arr(o['secrets']).length, age(o, now)] }),
  },
  'coordination.k8s.io/leases': {
    columns: [NAME_COL, col('Holder', 'string', 0, 'Identity of the current holder of the lease.'), AGE_COL],
    row: (o, now) => ({ cells: [name(o), str(o, 'spec', 'holderIdentity'), age(o, now)] }),
  },
  'apps/deployments': {
    columns: [
      NAME_COL,
      col('Ready', 'string', 0, 'Number of the pod with ready state'),
      col('Up-to-date', 'string', 0, 'Number of pods with the current template.'),
      col('Available', 'string', 0, 'Number of available pods.'),
      AGE_COL,
      CONTAINERS_COL,
      IMAGES_COL,
      SELECTOR_COL,
    ],
    row: printDeployment,
  },
  'apps/replicasets': {
    columns: [
      NAME_COL,
      col('Desired', 'integer', 0, 'Desired number of pods.'),
      col('Current', 'integer', 0, 'Current number of pods.'),
      col('Ready', 'integer', 0, 'Number of ready pods.'),
      AGE_COL,
      CONTAINERS_COL,
      IMAGES_COL,
      SELECTOR_COL,
    ],
    row: printReplicaSet,
  },
  'apps/daemonsets': {
    columns: [
      NAME_COL,
      col('Desired', 'integer', 0, 'Number of nodes that should run the daemon pod.'),
      col('Current', 'integer', 0, 'Number of nodes running at least one daemon pod.'),
      col('Ready', 'integer', 0, 'Number of nodes with a ready daemon pod.'),
      col('Up-to-date', 'integer', 0, 'Number of nodes running the updated daemon pod.'),
      col('Available', 'integer', 0, 'Number of nodes with an available daemon pod.'),
      col('Node Selector', 'string', 0, 'Node selector of the pod template.'),
      AGE_COL,
      CONTAINERS_COL,
      IMAGES_COL,
      SELECTOR_COL,
    ],
    row: printDaemonSet,
  },
  'apps/statefulsets': {
    columns: [NAME_COL, col('Ready', 'string', 0, 'Number of the pod with ready state'), AGE_COL, CONTAINERS_COL, IMAGES_COL],
    row: printStatefulSet,
  },
  'apps/controllerrevisions': {
    columns: [NAME_COL, col('Controller', 'string', 0, 'Controller of the object'), col('Revision', 'string', 0, 'Revision number.'), AGE_COL],
    row: printControllerRevision,
  },
  'batch/jobs': {
    columns: [
      NAME_COL,
      col('Status', 'string', 0, 'Status of the job.'),
      col('Completions', 'string', 0, 'Succeeded pods / wanted completions.'),
      col('Duration', 'string', 0, 'Time required to complete the job.'),
      AGE_COL,
      CONTAINERS_COL,
      IMAGES_COL,
      SELECTOR_COL,
    ],
    row: printJob,
  },
  'scheduling.k8s.io/priorityclasses': {
    columns: [
      NAME_COL,
      col('Value', 'integer', 0, 'Priority value.'),
      col('Global-Default', 'boolean', 0, 'Whether this is the default priority class.'),
      AGE_COL,
      col('PreemptionPolicy', 'string', 0, 'Preemption policy of the class.'),
    ],
    row: (o, now) => ({ cells: [name(o), int(o, 0, 'value'), o['globalDefault'] === true, age(o, now), str(o, 'preemptionPolicy')] }),
  },
  'discovery.k8s.io/endpointslices': {
    columns: [
      NAME_COL,
      col('AddressType', 'string', 0, 'Type of the addresses.'),
      col('Ports', 'string', 0, 'Ports of the slice.'),
      col('Endpoints', 'string', 0, 'Addresses of the endpoints.'),
      AGE_COL,
    ],
    row: printEndpointSlice,
  },
};

// --- the default table (rest.NewDefaultTableConvertor): CRDs and kinds without a printer ---

function rfc3339(v: unknown): string {
  const t = parseTime(v);
  return t === undefined ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const DEFAULT_PRINTER: Printer = {
  columns: [NAME_COL, col('Created At', 'date', 0, AGE_DESC)],
  row: (o) => ({ cells: [name(o), rfc3339(getPath(o, ['metadata', 'creationTimestamp']))] }),
};

// ---------------------------------------------------------------------------------------------
// JSONPath (the subset CRD printer columns use)
// ---------------------------------------------------------------------------------------------

type Step =
  | { readonly t: 'field'; readonly name: string }
  | { readonly t: 'recursive'; readonly name: string }
  | { readonly t: 'wild' }
  | { readonly t: 'index'; readonly i: number }
  | { readonly t: 'slice'; readonly start: number | undefined; readonly end: number | undefined }
  | { readonly t: 'filter'; readonly path: readonly Step[]; readonly op: string | undefined; readonly lit: unknown };

function parseLiteral(s: string): unknown {
  const t = s.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  if (t === 'true' || t === 'false') return t === 'true';
  if (t === 'nil' || t === 'null') return null;
  const n = Number(t);
  return t !== '' && !Number.isNaN(n) ? n : t;
}

function parseSteps(input: string): Step[] {
  let p = input.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1).trim();
  if (p.startsWith('$')) p = p.slice(1);
  if (p.startsWith('@')) p = p.slice(1);
  const steps: Step[] = [];
  let i = 0;
  const readName = (): string => {
    let out = '';
    while (i < p.length && p[i] !== '.' && p[i] !== '[') {
      if (p[i] === '\\' && i + 1 < p.length) i++;
      out += p[i];
      i++;
    }
    return out;
  };
  while (i < p.length) {
    const c = p[i];
    if (c === '.') {
      if (p[i + 1] === '.') {
        i += 2;
        steps.push({ t: 'recursive', name: readName() });
        continue;
      }
      i++;
      if (p[i] === '*') {
        i++;
        steps.push({ t: 'wild' });
        continue;
      }
      const n = readName();
      if (n !== '') steps.push({ t: 'field', name: n });
      continue;
    }
    if (c === '[') {
      let depth = 0;
      let j = i;
      let quote = '';
      for (; j < p.length; j++) {
        const ch = p[j];
        if (quote) {
          if (ch === quote) quote = '';
        } else if (ch === '"' || ch === "'") quote = ch;
        else if (ch === '[') depth++;
        else if (ch === ']' && --depth === 0) break;
      }
      const inner = p.slice(i + 1, j).trim();
      i = j + 1;
      if (inner === '*') steps.push({ t: 'wild' });
      else if (inner.startsWith('?(') && inner.endsWith(')')) {
        const expr = inner.slice(2, -1).trim();
        const m = /^(@[^=!<>]*?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(expr);
        if (m) steps.push({ t: 'filter', path: parseSteps(m[1] ?? '@'), op: m[2], lit: parseLiteral(m[3] ?? '') });
        else steps.push({ t: 'filter', path: parseSteps(expr), op: undefined, lit: undefined });
      } else if ((inner.startsWith("'") && inner.endsWith("'")) || (inner.startsWith('"') && inner.endsWith('"'))) {
        steps.push({ t: 'field', name: inner.slice(1, -1) });
      } else if (inner.includes(':')) {
        const [a, b] = inner.split(':');
        steps.push({ t: 'slice', start: a?.trim() ? Number(a) : undefined, end: b?.trim() ? Number(b) : undefined });
      } else {
        steps.push({ t: 'index', i: Number(inner) });
      }
      continue;
    }
    // a path without a leading dot (`spec.replicas`)
    const n = readName();
    if (n !== '') steps.push({ t: 'field', name: n });
    else i++;
  }
  return steps;
}

function compare(a: unknown, op: string, b: unknown): boolean {
  if (op === '==') return a === b || (typeof a === 'number' && typeof b === 'number' && a === b) || String(a) === String(b);
  if (op === '!=') return !(String(a) === String(b));
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
}

function applySteps(values: unknown[], steps: readonly Step[]): unknown[] {
  let cur = values;
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (s.t) {
        case 'field':
          if (isJsonObject(v) && v[s.name] !== undefined) next.push(v[s.name]);
          break;
        case 'wild':
          if (isJsonArray(v)) next.push(...v);
          else if (isJsonObject(v)) next.push(...Object.keys(v).sort().map((k) => v[k]));
          break;
        case 'index':
          if (isJsonArray(v)) {
            const idx = s.i < 0 ? v.length + s.i : s.i;
            if (idx >= 0 && idx < v.length) next.push(v[idx]);
          }
          break;
        case 'slice':
          if (isJsonArray(v)) next.push(...v.slice(s.start, s.end));
          break;
        case 'recursive': {
          const walk = (x: unknown): void => {
            if (isJsonObject(x)) {
              if (x[s.name] !== undefined) next.push(x[s.name]);
              for (const k of Object.keys(x).sort()) walk(x[k]);
            } else if (isJsonArray(x)) x.forEach(walk);
          };
          walk(v);
          break;
        }
        case 'filter':
          if (isJsonArray(v))
            for (const item of v) {
              const found = applySteps([item], s.path);
              if (s.op === undefined ? found.length > 0 : found.length > 0 && compare(found[0], s.op, s.lit)) next.push(item);
            }
          break;
      }
    }
    cur = next;
  }
  return cur;
}

/** Evaluates a simple JSONPath (`.spec.replicas`, `.status.conditions[?(@.type=="Ready")].status`, `.items[0]`, `[*]`) to all matches. */
export function evalJsonPath(root: unknown, path: string): unknown[] {
  return applySteps([root], parseSteps(path));
}

/** Go's encoding/json output for a JSON value (sorted keys), as jsonpath prints objects in string columns. */
function goJson(v: unknown): string {
  if (isJsonArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isJsonObject(v))
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}

function customCell(type: string, value: unknown, now: number): Cell {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return goJson(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      const t = parseTime(value);
      return t === undefined ? '<invalid>' : humanDuration(now - t);
    }
    default:
      return null;
  }
}

const DEFAULT_CR_COLUMNS: readonly PrinterColumn[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: AGE_DESC }];

function customPrinter(printerColumns: readonly PrinterColumn[]): Printer {
  const pcs = printerColumns.length > 0 ? printerColumns : DEFAULT_CR_COLUMNS;
  const parsed = pcs.map((c) => parseSteps(c.jsonPath));
  return {
    columns: [
      NAME_COL,
      ...pcs.map((c) =>
        col(c.name, c.type, c.priority ?? 0, c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, c.format ?? ''),
      ),
    ],
    row: (o, now) => ({
      cells: [name(o), ...pcs.map((c, i) => customCell(c.type, applySteps([o], parsed[i] ?? [])[0], now))],
    }),
  };
}

function printerFor(res: ResourceInfo): Printer {
  if (res.custom) return customPrinter(res.custom.printerColumns);
  return BUILTIN_PRINTERS[`${res.group}/${res.plural}`] ?? DEFAULT_PRINTER;
}

/** The column definitions of a resource's table (all priorities). */
export function tableColumns(res: ResourceInfo): readonly TableColumn[] {
  return printerFor(res).columns;
}

/** A PartialObjectMetadata for an object (what `includeObject=Metadata` returns per row). */
export function toPartialObjectMetadata(o: JsonObject): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: isJsonObject(o['metadata']) ? o['metadata'] : {} };
}

/**
 * Converts objects (a list, or one object from a GET) into a meta.k8s.io/v1 Table. Pass `listMeta` for lists;
 * without it the table carries the single object's resourceVersion.
 */
export function toTable(res: ResourceInfo, objects: JsonObject[], opts: TableOptions): JsonObject {
  const printer = printerFor(res);
  const metadata: JsonObject = {};
  if (opts.listMeta) {
    for (const k of ['resourceVersion', 'continue', 'remainingItemCount'] as const) {
      const v = opts.listMeta[k];
      if (v !== undefined && v !== null && v !== '') metadata[k] = v;
    }
  } else if (objects.length === 1) {
    const rv = getPath(objects[0], ['metadata', 'resourceVersion']);
    if (typeof rv === 'string' && rv !== '') metadata['resourceVersion'] = rv;
  }
  const rows: JsonValue[] = objects.map((o) => {
    const r = printer.row(o, opts.now);
    const row: JsonObject = { cells: r.cells };
    if (r.conditions) row['conditions'] = r.conditions;
    row['object'] = opts.includeObject === 'None' ? null : opts.includeObject === 'Object' ? o : toPartialObjectMetadata(o);
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}

// ---------------------------------------------------------------------------------------------
// Content negotiation
// ---------------------------------------------------------------------------------------------

export type AcceptedAs = 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList' | 'Object';

interface MediaClause {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
  readonly order: number;
}

function parseAccept(accept: string): MediaClause[] {
  const out: MediaClause[] = [];
  accept.split(',').forEach((part, order) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    if (!type) return;
    const params = new Map<string, string>();
    for (const r of rest) {
      const eq = r.indexOf('=');
      if (eq > 0) params.set(r.slice(0, eq).trim().toLowerCase(), r.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
    }
    const q = params.has('q') ? Number(params.get('q')) : 1;
    out.push({ type: type.toLowerCase(), params, q: Number.isNaN(q) ? 0 : q, order });
  });
  return out.filter((c) => c.q > 0).sort((a, b) => b.q - a.q || a.order - b.order);
}

/**
 * What the client asked for, taking the first acceptable Accept clause (by q, then order) as Kubernetes does:
 * `application/json;as=Table;v=v1;g=meta.k8s.io` → 'Table'; PartialObjectMetadata(List) likewise; a plain
 * JSON/YAML/wildcard clause → 'Object'. Clauses this server cannot produce (protobuf, Table v1beta1, YAML tables)
 * are skipped.
 * Returns undefined when nothing is acceptable (the server answers 406).
 */
export function acceptedAs(accept: string | undefined): AcceptedAs | undefined {
  if (accept === undefined || accept.trim() === '') return 'Object';
  for (const c of parseAccept(accept)) {
    const json = c.type === 'application/json' || c.type === 'application/*' || c.type === '*/*';
    const as = c.params.get('as');
    if (as === undefined) {
      if (json || c.type === 'application/yaml') return 'Object';
      continue;
    }
    // Table / PartialObjectMetadata are only produced as JSON here
    if (!json) continue;
    if (c.params.get('g') !== 'meta.k8s.io' || c.params.get('v') !== 'v1') continue;
    if (as === 'Table' || as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return as;
  }
  return undefined;
}

/** True when the Accept header's first acceptable clause asks for a meta.k8s.io/v1 Table (kubectl get). */
export function wantsTable(accept: string | undefined): boolean {
  return acceptedAs(accept) === 'Table';
}
