/** A pod record's status report: slots from the spec (or, for an adopted pod, from the container labels). */
import type { V1Pod } from '../../../kube/client/index.js';
import type { PodStatusReport } from '../runtime.js';
import { restartPolicyOf } from './config.js';
import type { PodRecord } from './pod-sync.js';
import { podStatusReport, type ContainerSlot } from './status.js';
import { currentSandbox } from './view.js';

export interface ReportDeps {
  readonly nodeIP: string;
  readonly ready: (containerId: string) => boolean;
  readonly started: (containerId: string) => boolean;
}

export function podReport(rec: PodRecord, pod: V1Pod | undefined, d: ReportDeps, terminal = false): PodStatusReport {
  const spec = pod ?? rec.pod;
  const slots = (init: boolean): ContainerSlot[] =>
    spec !== undefined
      ? ((init ? spec.spec?.initContainers : spec.spec?.containers) ?? []).map((c) => ({ name: c.name, image: c.image ?? '' }))
      : [...new Set((rec.view?.containers ?? []).filter((c) => c.init === init).map((c) => c.name))].map((name) => ({ name, image: '' }));
  const sb = currentSandbox(rec.view);
  const hostNet = spec !== undefined ? spec.spec?.hostNetwork === true : sb?.hostNetwork === true;
  // An adopted pod whose spec is not known yet: no probe workers, so its running containers count as ready.
  const known = rec.pod !== undefined;
  return podStatusReport({
    view: rec.view,
    init: slots(true),
    app: slots(false),
    restartPolicy: restartPolicyOf(spec),
    // The last sandbox's IP, also once it stopped (a finished pod keeps reporting it, as kubelet's).
    podIP: hostNet ? d.nodeIP : (sb?.ip ?? ''),
    waiting: rec.waiting,
    ready: known ? d.ready : () => true,
    started: known ? d.started : () => true,
    terminal,
  });
}
