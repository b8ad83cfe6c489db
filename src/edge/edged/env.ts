import { newMessage, type KubeEdgeMessage } from '../../api/index.js';
import type { Clock } from '../../base/index.js';
import type { ModuleContext } from '../../beehive/index.js';
import type { Logger } from '../../platform/log/index.js';
import { EdgeModule } from '../common/index.js';
import { interpretReply, type CallResult } from './replies.js';
import { untilAborted } from './wake.js';

/** What edged's parts share for the life of one start. */
export interface EdgedEnv {
  readonly ctx: ModuleContext<KubeEdgeMessage>;
  readonly log: Logger;
  readonly clock: Clock;
  readonly nodeName: string;
  /** registerNodeNamespace (`default`): namespace of node, nodepatch and the pod list query. */
  readonly nodeNamespace: string;
  /** How long a call through metamanager may take (its remote timeout plus a margin). */
  readonly callTimeoutMs: number;
  isConnected(): boolean;
}

export const EDGED_SOURCE = 'edged';
export const META_GROUP = 'meta';

export function edgedMessage(operation: string, resource: string, content: unknown, sync = false): KubeEdgeMessage {
  return newMessage({ source: EDGED_SOURCE, group: META_GROUP, operation, resource, content, sync });
}

/** A sync call to metamanager; a timeout or any router failure comes back as a failed result. */
export async function call(env: EdgedEnv, operation: string, resource: string, content: unknown): Promise<CallResult> {
  try {
    const reply = await untilAborted(env.ctx.sendSync(EdgeModule.MetaManager, edgedMessage(operation, resource, content, true), env.callTimeoutMs), env.ctx.signal);
    return interpretReply(reply);
  } catch (err) {
    if (env.ctx.signal.aborted) throw err;
    return { ok: false, reason: 'Error', code: undefined, message: err instanceof Error ? err.message : String(err) };
  }
}

/** Fire and forget to metamanager (status reports). */
export function post(env: EdgedEnv, operation: string, resource: string, content: unknown): boolean {
  try {
    env.ctx.send(EdgeModule.MetaManager, edgedMessage(operation, resource, content));
    return true;
  } catch (err) {
    env.log.warn({ resource, op: operation, err: err instanceof Error ? err.message : String(err) }, 'report not handed to metamanager');
    return false;
  }
}
