/**
 * For this folder's tests: the real embedded API server, a KubeClient and informer factory, and a
 * beehive runtime where a small module plays cloudhub and records what it receives.
 */
import type { CloudModule, CloudModuleDeps } from '../common/index.js';
import { startModuleTestEnv, type ModuleTestEnv } from '../common/test-env.js';

export type TestEnv = ModuleTestEnv;

export function startTestEnv(make: (deps: CloudModuleDeps) => CloudModule[]): Promise<TestEnv> {
  return startModuleTestEnv(make);
}
