import { getPath, type JsonObject } from '../../base/index.js';
import { humanDuration, parseTime } from './table-format.js';
import {
  AGE,
  NAME,
  arr,
  col,
  columnsPrinter,
  formatLabelSelector,
  formatLabels,
  hasCondition,
  int,
  obj,
  selectorString,
  str,
  type ColumnCell,
  type Printer,
} from './table-printers.js';

/*
 * Printers of the workload kinds with the columns kubectl shows (pkg/printers/internalversion/printers.go):
 * deployments, replica sets, daemon sets, stateful sets, controller revisions and jobs. The pod template
 * columns (containers, images, selector) are shared.
 */

const TEMPLATE_SPEC = ['spec', 'template', 'spec'] as const;

/** One field of each container in the pod template, comma-separated. */
function containerList(field: 'name' | 'image'): (o: JsonObject) => string {
  return (o) =>
    arr(getPath(o, [...TEMPLATE_SPEC, 'containers']))
      .map((c) => str(c, field))
      .join(',');
}

const CONTAINERS: ColumnCell = [col('Containers', 'string', 1, 'Names of each container in the template.'), containerList('name')];
const IMAGES: ColumnCell = [col('Images', 'string', 1, 'Images referenced by each container in the template.'), containerList('image')];
const SELECTOR_COL = col('Selector', 'string', 1, 'Label selector of the pods this object manages.');
const SELECTOR: ColumnCell = [SELECTOR_COL, (o) => formatLabelSelector(getPath(o, ['spec', 'selector']))];

function statusCount(field: string): (o: JsonObject) => number {
  return (o) => int(o, 0, 'status', field);
}

/** `ready/desired` replicas (spec.replicas defaults to 1). */
const readyOfReplicas = (o: JsonObject): string => `${int(o, 0, 'status', 'readyReplicas')}/${int(o, 1, 'spec', 'replicas')}`;

function jobStatus(job: JsonObject): string {
  const conds = getPath(job, ['status', 'conditions']);
  if (hasCondition(conds, 'Complete')) return 'Complete';
  if (hasCondition(conds, 'Failed')) return 'Failed';
  if (getPath(job, ['metadata', 'deletionTimestamp'])) return 'Terminating';
  if (hasCondition(conds, 'Suspended')) return 'Suspended';
  if (hasCondition(conds, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(job: JsonObject): string {
  const spec = obj(job['spec']);
  const succeeded = int(job, 0, 'status', 'succeeded');
  if (typeof spec['completions'] === 'number') return `${succeeded}/${int(spec, 0, 'completions')}`;
  const parallelism = int(spec, 0, 'parallelism');
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: JsonObject, now: number): string {
  const start = parseTime(getPath(job, ['status', 'startTime']));
  const end = parseTime(getPath(job, ['status', 'completionTime']));
  return start === undefined ? '' : humanDuration((end ?? now) - start);
}

function revisionController(cr: JsonObject): string {
  const owner = arr(getPath(cr, ['metadata', 'ownerReferences'])).find((r) => getPath(r, ['controller']) === true);
  if (owner === undefined) return '<none>';
  const apiVersion = str(owner, 'apiVersion');
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = str(owner, 'kind');
  const groupKind = group ? `${kind}.${group}` : kind;
  return kind === '' && group === '' ? str(owner, 'name') : `${groupKind.toLowerCase()}/${str(owner, 'name')}`;
}

/** NAME, the kind's own columns, AGE, then the pod template's containers and images and the selector. */
function workloadPrinter(own: readonly ColumnCell[], selector: readonly ColumnCell[] = [SELECTOR]): Printer {
  return columnsPrinter(NAME, ...own, AGE, CONTAINERS, IMAGES, ...selector);
}

export const APPS_PRINTERS: Readonly<Record<string, Printer>> = {
  'apps/deployments': workloadPrinter(
    [
      [col('Ready', 'string', 0, 'Number of the pod with ready state'), readyOfReplicas],
      [col('Up-to-date', 'string', 0, 'Number of pods with the current template.'), statusCount('updatedReplicas')],
      [col('Available', 'string', 0, 'Number of available pods.'), statusCount('availableReplicas')],
    ],
    [[SELECTOR_COL, (o) => selectorString(getPath(o, ['spec', 'selector'])) ?? '<invalid>']],
  ),
  'apps/replicasets': workloadPrinter([
    [col('Desired', 'integer', 0, 'Desired number of pods.'), (o) => int(o, 1, 'spec', 'replicas')],
    [col('Current', 'integer', 0, 'Current number of pods.'), statusCount('replicas')],
    [col('Ready', 'integer', 0, 'Number of ready pods.'), statusCount('readyReplicas')],
  ]),
  'apps/daemonsets': workloadPrinter([
    [col('Desired', 'integer', 0, 'Number of nodes that should run the daemon pod.'), statusCount('desiredNumberScheduled')],
    [col('Current', 'integer', 0, 'Number of nodes running at least one daemon pod.'), statusCount('currentNumberScheduled')],
    [col('Ready', 'integer', 0, 'Number of nodes with a ready daemon pod.'), statusCount('numberReady')],
    [col('Up-to-date', 'integer', 0, 'Number of nodes running the updated daemon pod.'), statusCount('updatedNumberScheduled')],
    [col('Available', 'integer', 0, 'Number of nodes with an available daemon pod.'), statusCount('numberAvailable')],
    [col('Node Selector', 'string', 0, 'Node selector of the pod template.'), (o) => formatLabels(getPath(o, [...TEMPLATE_SPEC, 'nodeSelector']))],
  ]),
  'apps/statefulsets': workloadPrinter([[col('Ready', 'string', 0, 'Number of the pod with ready state'), readyOfReplicas]], []),
  'apps/controllerrevisions': columnsPrinter(
    NAME,
    [col('Controller', 'string', 0, 'Controller of the object'), revisionController],
    [col('Revision', 'string', 0, 'Revision number.'), (o) => int(o, 0, 'revision')],
    AGE,
  ),
  'batch/jobs': workloadPrinter([
    [col('Status', 'string', 0, 'Status of the job.'), jobStatus],
    [col('Completions', 'string', 0, 'Succeeded pods / wanted completions.'), jobCompletions],
    [col('Duration', 'string', 0, 'Time required to complete the job.'), jobDuration],
  ]),
};
