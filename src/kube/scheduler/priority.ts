/**
 * A pod's priority: spec.priority when the API server's admission has set it, else the value of
 * its PriorityClass (priorityClassName), else the globalDefault class's, else 0. The two system
 * classes are known even when no PriorityClass object exists for them.
 */
import type { V1Pod, V1PriorityClass } from '../client/index.js';

export const SYSTEM_PRIORITY_CLASSES = { 'system-cluster-critical': 2_000_000_000, 'system-node-critical': 2_000_001_000 } as const;

export interface PriorityClassLookup {
  get(name: string): V1PriorityClass | undefined;
  /** The class marked globalDefault (the one with the highest value if several are). */
  globalDefault(): V1PriorityClass | undefined;
}

function isSystemClass(name: string): name is keyof typeof SYSTEM_PRIORITY_CLASSES {
  return Object.prototype.hasOwnProperty.call(SYSTEM_PRIORITY_CLASSES, name);
}

export function podPriority(pod: V1Pod, classes: PriorityClassLookup): number {
  const explicit = pod.spec?.priority;
  if (typeof explicit === 'number') return explicit;
  const name = pod.spec?.priorityClassName;
  if (name !== undefined && name !== '') {
    const pc = classes.get(name);
    if (pc !== undefined) return pc.value;
    if (isSystemClass(name)) return SYSTEM_PRIORITY_CLASSES[name];
    return 0;
  }
  return classes.globalDefault()?.value ?? 0;
}
