/** Probes of a host-process container: exec runs the command on the host, network probes go to 127.0.0.1. */
import { spawn } from 'node:child_process';
import type { V1Container } from '../../../kube/client/index.js';
import { runProbe as runTargetProbe, type V1Probe } from '../probe.js';

export interface ProbeContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly container: V1Container;
}

/** Runs `cmd` on the host in the container's directory and env; true on exit code 0 within the timeout. */
export function execProbe(cmd: readonly string[], ctx: ProbeContext, timeoutMs: number): Promise<boolean> {
  const [file, ...args] = cmd;
  if (file === undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, { cwd: ctx.cwd, env: { ...ctx.env }, stdio: 'ignore', detached: true });
    } catch {
      // e.g. EAGAIN, or an argument Node refuses: a failed probe, never an unhandled rejection
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      resolve(false);
    }, timeoutMs);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/** Sends a signal to a whole process group; false when it is already gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** true when the probe passes; a probe with no handler fails. */
export function runProbe(p: V1Probe, ctx: ProbeContext): Promise<boolean> {
  return runTargetProbe(p, { host: '127.0.0.1', container: ctx.container, exec: (cmd, timeoutMs) => execProbe(cmd, ctx, timeoutMs) });
}
