/**
 * A private containerd (CRI) for integration/e2e tests, next to a private docker-registry holding
 * locally built busybox and pause images. Everything lives under one temp dir (config, root, state,
 * sockets, runc state, CNI config and IPAM data, netns mounts); what cannot (the CNI bridge, shims)
 * is unique per instance and removed by stop() or, when the test process dies, at exit.
 * Facts: reference/environment.md §1-2 (`restrict_oom_score_adj = true` is mandatory here).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createCriClient } from '../../src/platform/cri/client.js';
import { onExitCleanup, type CleanupOwner } from './cleanup.js';
import { REAP_FILE, criNetworkReady, reapContainerdSync, reapStaleInstancesSync } from './containerd-reap.js';
import { waitUntil } from './net.js';
import { BUSYBOX_PATH, assertStaticElf, pushTestImages } from './oci-image.js';
import { runCommand, startProcess, type ManagedProcess } from './process.js';
import { startRegistry, type RegistryHandle } from './registry.js';
import { createTempDir } from './temp-dir.js';
import { requireTool, type ToolCheck } from './tools.js';

export interface ContainerdHandle {
  /** `unix:///<tmp>/containerd.sock` */
  readonly endpoint: string;
  /** `127.0.0.1:<port>` of the private docker-registry. */
  readonly registry: string;
  /** `${registry}/kubeedge-test/busybox:v1` (Cmd sh). */
  readonly busyboxImage: string;
  /** `${registry}/kubeedge-test/pause:v1`, also containerd's sandbox_image. */
  readonly pauseImage: string;
  /** The CNI bridge's subnet, e.g. '10.123.0.0/16'; pod IPs come from it. */
  readonly podSubnet: string;
  /** The CNI bridge (host side), e.g. 'ke1a2b3c'. */
  readonly bridge: string;
  /** The temp dir everything lives in. */
  readonly dir: string;
  /** The containerd process (output captured; HARNESS_ECHO=containerd echoes it). */
  readonly process: ManagedProcess;
  /**
   * Stops and removes every pod sandbox (CRI), stops containerd (SIGTERM, SIGKILL after 5 s),
   * kills leftover shims and containers of this instance, the registry, deletes the CNI bridge and
   * removes the temp dir. Idempotent.
   */
  stop(): Promise<void>;
}

export const CONTAINERD_INSTALL_HINT =
  'apt-get install -y --no-install-recommends containerd runc docker-registry containernetworking-plugins busybox-static iproute2 iptables';
const CNI_BIN_DIR = '/usr/lib/cni';

async function staticBusybox(): Promise<string | undefined> {
  try {
    assertStaticElf(BUSYBOX_PATH, await readFile(BUSYBOX_PATH));
    return BUSYBOX_PATH;
  } catch {
    return undefined;
  }
}

/**
 * containerd, runc, docker-registry, the CNI bridge plugin, a static /bin/busybox and `ip`. Missing:
 * under CI=true throws ToolMissingError, otherwise returns the skip reason with the install command.
 */
export async function requireContainerd(): Promise<ToolCheck> {
  const opts = { installHint: CONTAINERD_INSTALL_HINT };
  const main = await requireTool('containerd', opts);
  if (main.skip !== false) return main;
  for (const tool of ['runc', 'docker-registry', path.join(CNI_BIN_DIR, 'bridge'), path.join(CNI_BIN_DIR, 'host-local'), 'ip']) {
    const r = await requireTool(tool, opts);
    if (r.skip !== false) return r;
  }
  const bb = await requireTool('busybox-static', { ...opts, find: staticBusybox });
  if (bb.skip !== false) return bb;
  return main;
}

/** Sets `key = value` inside `[section]` ('' = top level) of containerd's default TOML; throws if absent. */
export function setTomlKey(text: string, section: string, key: string, value: string): string {
  const lines = text.split('\n');
  let inSection = section === '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const header = /^\s*\[(.+)\]\s*$/.exec(line);
    if (header) {
      if (inSection) break;
      inSection = header[1] === section;
      continue;
    }
    if (inSection && new RegExp(`^\\s*${key} = `).test(line)) {
      lines[i] = `${line.slice(0, line.indexOf(key))}${key} = ${value}`;
      return lines.join('\n');
    }
  }
  throw new Error(`containerd config: no key ${key} in [${section}]`);
}

const q = (s: string): string => JSON.stringify(s);
const CRI = 'plugins."io.containerd.grpc.v1.cri"';

function containerdConfig(defaults: string, dir: string, sandboxImage: string): string {
  const edits: readonly (readonly [string, string, string])[] = [
    ['', 'root', q(path.join(dir, 'root'))],
    ['', 'state', q(path.join(dir, 'state'))],
    ['', 'disabled_plugins', JSON.stringify(['io.containerd.snapshotter.v1.devmapper', 'io.containerd.snapshotter.v1.aufs', 'io.containerd.snapshotter.v1.btrfs', 'io.containerd.snapshotter.v1.zfs'])],
    ['grpc', 'address', q(path.join(dir, 'containerd.sock'))],
    ['ttrpc', 'address', q(path.join(dir, 'containerd.sock.ttrpc'))],
    // debug and metrics stay disabled (address ""): nothing to collide between instances.
    ['debug', 'address', q('')],
    ['metrics', 'address', q('')],
    [CRI, 'restrict_oom_score_adj', 'true'],
    [CRI, 'sandbox_image', q(sandboxImage)],
    [CRI, 'netns_mounts_under_state_dir', 'true'],
    [CRI, 'stream_server_port', q('0')],
    [`${CRI}.cni`, 'bin_dir', q(CNI_BIN_DIR)],
    [`${CRI}.cni`, 'conf_dir', q(path.join(dir, 'cni', 'net.d'))],
    [`${CRI}.containerd.runtimes.runc.options`, 'Root', q(path.join(dir, 'runc'))],
    ['plugins."io.containerd.internal.v1.opt"', 'path', q(path.join(dir, 'opt'))],
  ];
  return edits.reduce((text, [section, key, value]) => setTomlKey(text, section, key, value), defaults);
}

/** A 10.x.0.0/16 with x in 100..250 that no host route uses yet. */
async function pickSubnet(): Promise<string> {
  const routes = await runCommand('ip', ['-4', 'route', 'show'], { timeoutMs: 5_000 });
  const used = new Set([...routes.stdout.matchAll(/\b10\.(\d+)\./g)].map((m) => Number(m[1])));
  const free = Array.from({ length: 151 }, (_, i) => 100 + i).filter((x) => !used.has(x));
  const x = free[randomBytes(2).readUInt16BE(0) % Math.max(free.length, 1)] ?? 100 + (randomBytes(1)[0] ?? 0) % 151;
  return `10.${x}.0.0/16`;
}

function conflist(name: string, bridge: string, subnet: string, ipamDir: string): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name,
      plugins: [
        {
          type: 'bridge',
          bridge,
          isGateway: true,
          ipMasq: true,
          ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: ipamDir },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/**
 * Starts docker-registry (pushing the test images) and containerd on a temp dir, and resolves once
 * CRI answers Version and Status reports NetworkReady. With `owner`, stop() runs when it ends.
 */
export async function startContainerd(opts: { readonly owner?: CleanupOwner } = {}): Promise<ContainerdHandle> {
  reapStaleInstancesSync();
  const tmp = await createTempDir({ prefix: 'containerd' });
  const dir = tmp.path;
  const suffix = randomBytes(3).toString('hex');
  const bridge = `ke${suffix}`;
  const socket = path.join(dir, 'containerd.sock');
  const endpoint = `unix://${socket}`;
  const network = `ke-test-${suffix}`;
  const reap = (): void => reapContainerdSync({ dir, socket, bridge, network });
  const unregisterReap = onExitCleanup(reap);
  let registry: RegistryHandle | undefined;
  let proc: ManagedProcess | undefined;
  let stopping: Promise<void> | undefined;

  const doStop = async (): Promise<void> => {
    if (proc?.running === true) {
      const cri = createCriClient(endpoint, { timeoutMs: 30_000 });
      try {
        const sandboxes = await cri.listPodSandbox(undefined, { timeoutMs: 5_000 });
        await Promise.all(
          sandboxes.map(async (sb) => {
            await cri.stopPodSandbox(sb.id).catch(() => undefined);
            await cri.removePodSandbox(sb.id).catch(() => undefined);
          }),
        );
      } catch {
        // containerd not answering: the reaping below does the work
      } finally {
        cri.close();
      }
    }
    await proc?.stop({ timeoutMs: 5_000 });
    await registry?.stop();
    reap();
    unregisterReap();
    await tmp.remove();
  };
  const stop = (): Promise<void> => (stopping ??= doStop());
  opts.owner?.after(stop);

  try {
    await writeFile(path.join(dir, REAP_FILE), JSON.stringify({ pid: process.pid, socket, bridge, network }));
    registry = await startRegistry(path.join(dir, 'registry'));
    const images = await pushTestImages(registry.address);
    const podSubnet = await pickSubnet();
    const cniDir = path.join(dir, 'cni', 'net.d');
    await mkdir(cniDir, { recursive: true });
    await writeFile(path.join(cniDir, '10-kubeedge-test.conflist'), conflist(network, bridge, podSubnet, path.join(dir, 'cni', 'ipam')));

    const defaults = await runCommand('containerd', ['config', 'default'], { timeoutMs: 20_000 });
    if (defaults.code !== 0) throw new Error(`containerd config default failed: ${defaults.stderr}`);
    const configFile = path.join(dir, 'config.toml');
    await writeFile(configFile, containerdConfig(defaults.stdout, dir, images.pause));

    const p = startProcess({ name: 'containerd', command: 'containerd', args: ['--config', configFile] });
    proc = p;
    const cri = createCriClient(endpoint, { timeoutMs: 2_000 });
    try {
      await waitUntil(
        async () => {
          if (!p.running) throw new Error(`containerd exited (${JSON.stringify(p.exitInfo)}): ${p.output({ tail: 30 })}`);
          const v = await cri.version();
          return v.runtimeName === 'containerd' && (await criNetworkReady(endpoint));
        },
        { timeoutMs: 30_000, intervalMs: 50, what: 'containerd CRI Version + Status NetworkReady' },
      );
    } finally {
      cri.close();
    }
    return { endpoint, registry: registry.address, busyboxImage: images.busybox, pauseImage: images.pause, podSubnet, bridge, dir, process: p, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
