import { KeError } from '../base/index.js';
import { BeehiveErrorCode } from './types.js';

interface Node {
  readonly name: string;
  readonly dependsOn?: readonly string[];
}

/**
 * Orders modules so that each comes after everything it depends on; ties keep the listed order.
 * Throws KE_BEEHIVE_DUPLICATE_MODULE, KE_BEEHIVE_UNKNOWN_DEPENDENCY or KE_BEEHIVE_CYCLE (with the cycle's path).
 */
export function startOrder<T extends Node>(modules: readonly T[]): T[] {
  const byName = new Map<string, T>();
  for (const m of modules) {
    if (byName.has(m.name)) {
      throw new KeError(BeehiveErrorCode.duplicateModule, `module ${m.name} is listed twice`, { details: { module: m.name } });
    }
    byName.set(m.name, m);
  }
  for (const m of modules) {
    for (const d of m.dependsOn ?? []) {
      if (!byName.has(d)) {
        throw new KeError(BeehiveErrorCode.unknownDependency, `module ${m.name} depends on unknown module ${d}`, {
          details: { module: m.name, dependency: d },
        });
      }
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const out: T[] = [];
  const stack: string[] = [];
  const visit = (m: T): void => {
    const s = state.get(m.name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(m.name)), m.name];
      throw new KeError(BeehiveErrorCode.cycle, `module dependency cycle: ${cycle.join(' -> ')}`, { details: { cycle } });
    }
    state.set(m.name, 'visiting');
    stack.push(m.name);
    for (const d of m.dependsOn ?? []) visit(byName.get(d) as T);
    stack.pop();
    state.set(m.name, 'done');
    out.push(m);
  };
  for (const m of modules) visit(m);
  return out;
}
