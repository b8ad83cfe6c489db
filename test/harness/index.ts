/**
 * The one test harness: every integration and e2e test builds on these helpers.
 *
 *   tempDir / createTempDir   temp dirs removed when the test ends
 *   freePort / waitUntil      loopback ports, polling with a timeout
 *   ManagedProcess            long-running children with captured output and guaranteed cleanup
 *   startCloudcore            the real cloudcore (embedded API server) on a temp data dir
 *   HttpsClient               raw HTTPS JSON requests with cert / token / no auth
 *   requireTool               system tools: fail under CI=true, skip with the install hint otherwise
 *   findKubectl / kubectlSession / runKubectl / startKubectl   the real kubectl
 *   createTestCa              throwaway certificates
 *   at / str / num / arr / rvOf   readers for unknown JSON
 *   startHollowNodes          simulated kubelets (Nodes, Leases, pods marked Running) over src/kube/client
 */
export { onExitCleanup, keepTestDirs, type CleanupOwner } from './cleanup.js';
export { tempDir, createTempDir, type TempDir, type TempDirOptions } from './temp-dir.js';
export { freePort, sleep, waitUntil, type WaitOptions } from './net.js';
export { ManagedProcess, startProcess, runCommand, type ManagedProcessOptions, type OutputLine, type ExitInfo, type RunResult, type LineMatcher } from './process.js';
export { HttpsClient, createHttpsClient, withQuery, type ClientAuth, type HttpsClientOptions, type HttpResponse, type RequestOptions, type WatchEvent, type WatchStream } from './https-client.js';
export { startCloudcore, writeTokenFile, CloudcoreHandle, type CloudcoreOptions, type StaticToken } from './cloudcore.js';
export { requireTool, which, isCi, isExecutable, ToolMissingError, type ToolCheck } from './tools.js';
export {
  findKubectl,
  fallbackKubectl,
  requireKubectl,
  runKubectl,
  startKubectl,
  kubectlSession,
  KubectlSession,
  describeRun,
  FALLBACK_KUBECTL_VERSION,
  type KubectlBinary,
  type KubectlResult,
  type KubectlRunOptions,
} from './kubectl.js';
export { createTestCa, type TestCa, type PemPair } from './pki.js';
export { at, str, num, arr, rec, rvOf, brief, isRecord, type JsonRecord } from './json.js';
export { REPO_ROOT, CACHE_DIR } from './repo.js';
export { parseTable, findRow, type KubectlTable } from './table.js';
export { createNamespace, waitForPath, assertServingAndIntact } from './apiserver.js';
export {
  startHollowNodes,
  HOLLOW_GROUP_LABEL,
  EDGE_ROLE_LABEL,
  OUTCOME_ANNOTATION,
  RUN_MS_ANNOTATION,
  type HollowNodes,
  type HollowNodesOptions,
  type HollowNodeStats,
  type PodOutcome,
} from './hollow-nodes.js';
