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
 *
 * The cloud–edge channel (issue 4):
 *   startCloudcore            also runs cloudhub on free ports: hubPort, certPort, monitorUrl; kubeedgeCaPem /
 *                             kubeedgeCaKeyPem (DIR/ca/rootCA.*), metrics() / metric(name, labels) from the
 *                             monitor; options hub: false (`--cloudhub-enable false`) and kubeconfig (external
 *                             mode: no embedded API server, ready on the monitor's /healthz)
 *   sumMetric / httpGet       Prometheus text readers, plain HTTP GET on loopback
 *   joinEdge → EdgeHandle     keadm gettoken + keadm join (hollow runtime) until the Node is Ready; stop(),
 *                             kill9(), restart() (edgecore --config E/config/edgecore.yaml), waitReady(),
 *                             dbRows(type?) / dbKeys / dbObject (E/edgecore.db read-only), dataDir
 *   runKeadm / getToken / tokenFromSecret / joinArgs / readEdgeDb / readEdgeTable / nodeReady   the pieces
 *                             joinEdge is made of (tokenFromSecret reads kubeedge/tokensecret through the API)
 *   podSummary                a pod's phase, readiness, IP, restarts and first container ID from its JSON
 *   fakeEdgeConnection → FakeEdge   raw-frame peer with a CA-signed node cert: send/sendText/sendBinary,
 *                             request/ask (wait for the parent_msg_id reply), waitFrame, ack
 *   issueNodeCert / UpgradeRefusedError
 *   join-token.ts (import it directly: it loads src/cloud/cloudhub): makeJoinToken / tamperCaHash /
 *                             forgeJoinToken, join tokens the cloud did not issue
 *   replyContent / errStatusOf / errCodeOf / isNullObjectResp   readers for hub replies
 *   startKeadmInit → KeadmCloud   `keadm init` in the foreground on free ports (an EdgeCloud for joinEdge)
 *   product.ts (import it directly: it loads edgecore): startEdgecore, bootstrapCertificates, dialFrameServer
 *
 * Real pods at the edge (issue 5):
 *   startContainerd → ContainerdHandle   a private containerd (CRI, CNI bridge on a random 10.x.0.0/16) plus a private
 *                             docker-registry holding the test images: endpoint, registry, busyboxImage, pauseImage
 *                             (= sandbox_image), podSubnet, bridge, dir, process; stop() removes every sandbox,
 *                             containerd, its shims, the registry and the bridge
 *   requireContainerd         containerd + runc + docker-registry + CNI plugins + static busybox: fail under CI=true,
 *                             skip with the apt-get line otherwise
 *   criStatus                 CRI Status conditions (RuntimeReady, NetworkReady)
 *   buildTestImages / pushTestImages / pushImage   the busybox and pause images built in Node from
 *                             busybox-static (own tar writer, OCI manifest), pushed with the registry HTTP API v2
 *   startRegistry → RegistryHandle   a private docker-registry on a free loopback port
 */
export { onExitCleanup, keepTestDirs, type CleanupOwner } from './cleanup.js';
export { tempDir, createTempDir, type TempDir, type TempDirOptions } from './temp-dir.js';
export { freePort, sleep, waitUntil, type WaitOptions } from './net.js';
export { ManagedProcess, startProcess, runCommand, type ManagedProcessOptions, type OutputLine, type ExitInfo, type RunResult, type LineMatcher } from './process.js';
export { HttpsClient, createHttpsClient, withQuery, type ClientAuth, type HttpsClientOptions, type HttpResponse, type RequestOptions, type WatchEvent, type WatchStream } from './https-client.js';
export { startCloudcore, writeTokenFile, CloudcoreHandle, type CloudcoreOptions, type StaticToken } from './cloudcore.js';
export { sumMetric, httpGet, tcpOpen } from './monitor.js';
export { readKubeconfigCreds, type KubeconfigCreds } from './kubeconfig.js';
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
export { joinEdge, EdgeHandle, runKeadm, getToken, tokenFromSecret, joinArgs, readEdgeDb, readEdgeTable, nodeReady, type EdgeCloud, type JoinEdgeOptions, type MetaDbRow } from './edgecore.js';
export { fakeEdgeConnection, FakeEdge, issueNodeCert, UpgradeRefusedError, type FakeEdgeOptions, type ReceivedFrame } from './fake-edge.js';
export { startKeadmInit, type KeadmCloud } from './keadm.js';
export { replyContent, errStatusOf, errCodeOf, isNullObjectResp } from './hub-replies.js';
export { startContainerd, requireContainerd, CONTAINERD_INSTALL_HINT, type ContainerdHandle } from './containerd.js';
export { criStatus } from './containerd-reap.js';
export { buildTestImages, pushTestImages, pushImage, BUSYBOX_REPO, PAUSE_REPO, TEST_IMAGE_TAG, type BuiltImage } from './oci-image.js';
export { startRegistry, type RegistryHandle } from './registry.js';
export { podSummary, type PodSummary } from './pod-summary.js';
