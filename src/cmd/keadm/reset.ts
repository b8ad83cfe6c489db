/** keadm reset: removes a cloud data directory or an edge node's directory, never one in use (without --force). */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { KeError } from '../../base/index.js';
import { lockHolder } from '../shared/locks.js';
import { Steps, type Io } from '../shared/steps.js';
import type { ResetArgs } from './args.js';

export const ResetErrorCode = {
  inUse: 'KE_KEADM_DIR_IN_USE',
  notKubeedge: 'KE_KEADM_NOT_KUBEEDGE_DIR',
} as const;

export type DirKind = 'cloud' | 'edge';

const CLOUD_MARKS = ['admin.kubeconfig', 'state.db', 'cloudcore.lock', 'config/cloudcore.yaml', 'ca/rootCA.key'];
const EDGE_MARKS = ['edgecore.db', 'edgecore.lock', 'config/edgecore.yaml', 'certs/server.crt'];

/** What made `dir`: keadm init (cloud), keadm join (edge), or neither. */
export function kindOf(dir: string): DirKind | undefined {
  if (CLOUD_MARKS.some((m) => existsSync(path.join(dir, m)))) return 'cloud';
  if (EDGE_MARKS.some((m) => existsSync(path.join(dir, m)))) return 'edge';
  return undefined;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .map((n) => path.join(dir, n))
      .filter((p) => statSync(p).isDirectory());
  } catch {
    return [];
  }
}

/** The directories a reset removes: --data-dir, or the cloud and every edge node under $KUBEEDGE_HOME. */
export function resetTargets(args: ResetArgs): { dir: string; kind: DirKind }[] {
  if (args.dataDir !== undefined) {
    if (!existsSync(args.dataDir)) return [];
    const kind = kindOf(args.dataDir);
    if (kind === undefined) {
      throw new KeError(ResetErrorCode.notKubeedge, `${args.dataDir} holds no cloudcore or edgecore state (no config, certificates or database); nothing removed`);
    }
    return [{ dir: args.dataDir, kind }];
  }
  const out: { dir: string; kind: DirKind }[] = [];
  const cloud = path.join(args.home, 'cloud');
  if (existsSync(cloud) && kindOf(cloud) !== undefined) out.push({ dir: cloud, kind: 'cloud' });
  for (const dir of subdirs(path.join(args.home, 'edge'))) if (kindOf(dir) !== undefined) out.push({ dir, kind: 'edge' });
  return out;
}

export function runReset(args: ResetArgs, io: Io): { removed: string[] } {
  const targets = resetTargets(args);
  if (targets.length === 0) {
    io.err(`nothing to reset${args.dataDir === undefined ? ` under ${args.home}` : `: ${args.dataDir} does not exist`}\n`);
    return { removed: [] };
  }
  if (!args.force) {
    const busy = targets.flatMap((t) => {
      const h = lockHolder(t.dir);
      return h === undefined ? [] : [`${t.dir} is in use by ${h.lock === 'cloudcore.lock' ? 'cloudcore' : 'edgecore'} (pid ${h.pid})`];
    });
    if (busy.length > 0) {
      throw new KeError(ResetErrorCode.inUse, `${busy.join('; ')}: stop it first, or pass --force to remove the files anyway`);
    }
  }
  const steps = new Steps(io, targets.length);
  const removed: string[] = [];
  for (const t of targets) {
    steps.next(t.kind === 'cloud' ? `removing the cloud data directory ${t.dir} (CA, certificates, cluster state, config)` : `removing edge node directory ${t.dir} (config, certificates, database)`);
    rmSync(t.dir, { recursive: true, force: true });
    removed.push(t.dir);
  }
  return { removed };
}
