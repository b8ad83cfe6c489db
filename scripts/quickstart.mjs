#!/usr/bin/env node
// `npm start`: the quickstart. On this machine, under $KUBEEDGE_HOME (default ./.kubeedge):
//   1. `keadm init`: the embedded control plane + cloudcore (cloudhub on 127.0.0.1, KubeEdge's ports or
//      free ones when those are busy),
//   2. `keadm gettoken`, then `keadm join` of one edge node `edge-0` through the real token flow; its pod
//      runtime is `cri` when containerd answers on unix:///run/containerd/containerd.sock, else `process`
//      (each container's command runs as a host process, no isolation); its metaserver listens on
//      127.0.0.1:10550 (or a free port),
//   3. waits until edge-0 is Ready and prints the kubectl lines to use.
// Runs again on the same state (the CA, the cluster and the edge database are kept). Ctrl-C stops both.
// Logs (pino JSON) go to $KUBEEDGE_HOME/logs/{cloudcore,edgecore}.log; step output to this terminal.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const home = path.resolve(process.env.KUBEEDGE_HOME ?? path.join(root, '.kubeedge'));
const cloudDir = path.join(home, 'cloud');
const nodeName = 'edge-0';
const edgeDir = path.join(home, 'edge', nodeName);
const logDir = path.join(home, 'logs');
const keadm = path.join(root, 'bin', 'keadm.mjs');
const env = { ...process.env, KUBEEDGE_HOME: home };
const READY_TIMEOUT_MS = 120_000;

const say = (text) => process.stderr.write(`quickstart: ${text}\n`);

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function anyFreePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function pickPort(preferred, what) {
  if (await portFree(preferred)) return preferred;
  const port = await anyFreePort();
  say(`port ${preferred} (${what}) is busy, using ${port}`);
  return port;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function get(url, opts = {}) {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { ...opts, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
  });
}

const children = [];
let stopping = false;

function start(name, args, logFile) {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [keadm, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.pipe(log);
  child.exitInfo = undefined;
  child.on('exit', (code, signal) => {
    child.exitInfo = { code, signal };
    if (!stopping) {
      say(`${name} exited (${signal ?? `code ${code}`}); see ${logFile}`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  // edge first, then the cloud
  for (const child of [...children].reverse()) {
    if (child.exitInfo !== undefined) continue;
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(15_000)]);
    if (child.exitInfo === undefined) child.kill('SIGKILL');
  }
  process.exit(code);
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void shutdown(0));

async function until(what, fn, child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  for (;;) {
    if (child?.exitInfo !== undefined || stopping) throw new Error(`${what}: the process exited`);
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${READY_TIMEOUT_MS / 1000} s${last === '' ? '' : ` (${last})`}`);
    await sleep(250);
  }
}

function gettoken() {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [keadm, 'gettoken', '--data-dir', cloudDir], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr.trim() || err.message));
      else resolve(stdout.trim());
    });
  });
}

function adminAgent(kubeconfig) {
  const doc = parseYaml(readFileSync(kubeconfig, 'utf8'));
  const b64 = (v) => Buffer.from(v, 'base64');
  const cluster = doc.clusters[0].cluster;
  const user = doc.users[0].user;
  return { server: cluster.server, ca: b64(cluster['certificate-authority-data']), cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']) };
}

async function main() {
  mkdirSync(logDir, { recursive: true });
  const bind = process.env.KUBEEDGE_APISERVER_BIND ?? `127.0.0.1:${await pickPort(6443, 'API server')}`;
  const hubPort = await pickPort(10000, 'cloudhub');
  const certPort = await pickPort(10002, 'certificates');
  const monitorPort = await pickPort(9091, 'monitor');
  const metaPort = await pickPort(10550, 'edge metaserver');
  say(`state in ${home}, logs in ${logDir}`);
  const cloud = start(
    'cloudcore',
    ['init', '--data-dir', cloudDir, '--apiserver-bind', bind, '--cloudhub-port', String(hubPort), '--certs-port', String(certPort), '--monitor-bind', `127.0.0.1:${monitorPort}`, '--advertise-address', '127.0.0.1'],
    path.join(logDir, 'cloudcore.log'),
  );
  await until('cloudcore ready', async () => ((await get(`http://127.0.0.1:${monitorPort}/healthz`)).status === 200 ? true : undefined), cloud);
  const token = await until('join token', async () => ((await gettoken()) || undefined), cloud);
  const joinedAt = Date.now();
  const edge = start(
    'edgecore',
    ['join', '--cloudcore-ipport', `127.0.0.1:${hubPort}`, '--certport', String(certPort), '--token', token, '--node-name', nodeName, '--runtime', process.env.KUBEEDGE_RUNTIME ?? 'auto', '--data-dir', edgeDir,
     '--set', `modules.metaManager.metaServer.server=127.0.0.1:${metaPort}`],
    path.join(logDir, 'edgecore.log'),
  );
  const kubeconfig = path.join(cloudDir, 'admin.kubeconfig');
  const admin = adminAgent(kubeconfig);
  const tls = { ca: admin.ca, cert: admin.cert, key: admin.key };
  await until(
    `node ${nodeName} Ready`,
    async () => {
      // the Node may still say Ready from an earlier run: also wait for a Lease renewed by this edgecore
      const lease = await get(`${admin.server}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}`, tls);
      if (lease.status !== 200 || !(Date.parse(JSON.parse(lease.body).spec?.renewTime ?? '') >= joinedAt - 1_000)) return undefined;
      const r = await get(`${admin.server}/api/v1/nodes/${nodeName}`, tls);
      if (r.status !== 200) return undefined;
      const ready = (JSON.parse(r.body).status?.conditions ?? []).find((c) => c.type === 'Ready');
      return ready?.status === 'True' ? true : undefined;
    },
    edge,
  );
  process.stderr.write(
    `\nkubeedge-ts is running: cloudcore (cloudhub 127.0.0.1:${hubPort}) and edge node ${nodeName}.\n` +
      `'kubectl get nodes' shows ${nodeName} Ready:\n\n  kubectl --kubeconfig ${kubeconfig} get nodes\n\n` +
      `The edge's local API (works while the cloud is away):\n\n  kubectl --server http://127.0.0.1:${metaPort} get pods -A\n\nCtrl-C stops both.\n`,
  );
}

main().catch((err) => {
  say(err instanceof Error ? err.message : String(err));
  void shutdown(1);
});
