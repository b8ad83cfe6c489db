/**
 * The node side of edged: registers the Node (retried until the cloud has it), keeps its Lease
 * renewed, and reports node status after registration, on change and periodically.
 */
import { Operation, objectResource } from '../../api/index.js';
import { backoff, errorMessage } from '../../base/index.js';
import type { V1Lease } from '../../kube/client/index.js';
import { call, post, type EdgedEnv } from './env.js';
import { nodeForRegistration, nodeStatusPatch, type NodeFacts } from './node-object.js';
import { isAlreadyExists, isNotFound } from './replies.js';
import { microTime, rfc3339 } from './time.js';
import { Waker } from './wake.js';

export const LEASE_NAMESPACE = 'kube-node-lease';
/** How often the node status is recomputed to catch changes (kubelet's nodeStatusUpdateFrequency). */
export const NODE_STATUS_CHECK_MS = 10_000;

export interface NodeAgentOptions {
  readonly leaseDurationSeconds: number;
  readonly statusReportFrequencySeconds: number;
  readonly facts: () => NodeFacts;
}

export class NodeAgent {
  private registered = false;
  private leaseExists = false;
  private nodeUid = '';
  private lastStatus = '';
  /** Per condition type: its last status and when that status began. */
  private readonly transitions = new Map<string, { status: string; at: string }>();
  private readonly waker: Waker;
  private readonly leaseWaker: Waker;

  constructor(
    private readonly env: EdgedEnv,
    private readonly opts: NodeAgentOptions,
  ) {
    this.waker = new Waker(env.clock, env.ctx.signal);
    this.leaseWaker = new Waker(env.clock, env.ctx.signal);
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  /** Runs until the module stops: registration, then the lease and status loops. */
  async run(): Promise<void> {
    await this.registerUntilDone();
    if (this.env.ctx.signal.aborted) return;
    this.reportStatus(false);
    await Promise.all([this.leaseLoop(), this.statusLoop()]);
  }

  /** The cloud connection came back. */
  onConnected(): void {
    this.waker.wake();
    this.leaseWaker.wake();
    if (this.registered) this.reportStatus(false, true);
  }

  private async registerUntilDone(): Promise<void> {
    const { env } = this;
    const resource = objectResource(env.nodeNamespace, 'node', env.nodeName);
    for (let attempt = 0; !env.ctx.signal.aborted; attempt++) {
      const node = nodeForRegistration(this.opts.facts(), rfc3339(env.clock.now()));
      const r = await call(env, Operation.Insert, resource, node);
      if (r.ok || isAlreadyExists(r)) {
        if (r.ok) this.nodeUid = uidOf(r.object);
        this.registered = true;
        env.log.info({ node: env.nodeName, existed: !r.ok }, 'node registered');
        return;
      }
      const delay = backoff(attempt, { baseMs: 1000, maxMs: 30_000 });
      env.log.info({ node: env.nodeName, reason: r.reason, err: r.message, retryMs: delay }, 'node registration failed');
      await this.waker.wait(delay);
    }
  }

  private async leaseLoop(): Promise<void> {
    const renewMs = (Math.max(1, this.opts.leaseDurationSeconds) * 1000) / 4;
    while (!this.env.ctx.signal.aborted) {
      try {
        await this.leaseTick();
      } catch (err) {
        if (this.env.ctx.signal.aborted) return;
        this.env.log.warn({ err: errorMessage(err) }, 'lease renewal failed');
      }
      await this.leaseWaker.wait(renewMs);
    }
  }

  /** One renewal: query (first time), insert when missing, else update with the compact Lease. */
  async leaseTick(): Promise<void> {
    const { env } = this;
    const resource = objectResource(LEASE_NAMESPACE, 'lease', env.nodeName);
    const duration = this.opts.leaseDurationSeconds;
    const spec = { holderIdentity: env.nodeName, leaseDurationSeconds: duration, renewTime: microTime(env.clock.now()) };
    if (!this.leaseExists) {
      const q = await call(env, Operation.Query, resource, null);
      if (isNotFound(q)) {
        const lease: V1Lease = {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: env.nodeName, namespace: LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: env.nodeName, uid: this.nodeUid }] },
          spec,
        };
        const ins = await call(env, Operation.Insert, resource, lease);
        if (ins.ok || isAlreadyExists(ins)) this.leaseExists = true;
        else env.log.info({ reason: ins.reason, err: ins.message }, 'lease create failed');
        return;
      }
      if (!q.ok) {
        env.log.info({ reason: q.reason, err: q.message }, 'lease query failed');
        return;
      }
      this.leaseExists = true;
    }
    const compact = { metadata: { name: env.nodeName, namespace: LEASE_NAMESPACE }, spec };
    const up = await call(env, Operation.Update, resource, compact);
    if (isNotFound(up)) this.leaseExists = false;
    else if (!up.ok) env.log.info({ reason: up.reason, err: up.message }, 'lease renewal failed');
  }

  private async statusLoop(): Promise<void> {
    const periodMs = Math.max(1, this.opts.statusReportFrequencySeconds) * 1000;
    let nextPeriodic = this.env.clock.now() + periodMs;
    while (!this.env.ctx.signal.aborted) {
      await this.waker.wait(Math.min(NODE_STATUS_CHECK_MS, Math.max(0, nextPeriodic - this.env.clock.now())));
      if (this.env.ctx.signal.aborted) return;
      const now = this.env.clock.now();
      if (now >= nextPeriodic) {
        nextPeriodic = now + periodMs;
        this.reportStatus(true);
      } else {
        this.reportStatus(false);
      }
    }
  }

  /**
   * The Node as the cloud has it (sent down when its Ready condition changes). When the node lifecycle
   * controller marked it not Ready (e.g. Unknown after a missed Lease window) while this edge runs, report
   * the status at once, as kubelet does when the API's view differs from its own.
   */
  onCloudNode(node: unknown): void {
    if (!this.registered) return;
    const conditions = (node as { status?: { conditions?: unknown } } | null)?.status?.conditions;
    if (!Array.isArray(conditions)) return;
    const ready: unknown = conditions.find((c: unknown) => (c as { type?: unknown } | null)?.type === 'Ready');
    const status = (ready as { status?: unknown } | undefined)?.status;
    if (status !== 'True') this.reportStatus(true, true);
  }

  /**
   * Sends the nodepatch when it differs from the last one sent (`force`: always); `heartbeat` adds
   * lastHeartbeatTime to the conditions.
   */
  reportStatus(heartbeat: boolean, force = false): void {
    const { env } = this;
    const now = rfc3339(env.clock.now());
    const transitionOf = (type: string, status: string): string => {
      const t = this.transitions.get(type);
      if (t !== undefined && t.status === status) return t.at;
      this.transitions.set(type, { status, at: now });
      return now;
    };
    const facts = this.opts.facts();
    const plain = JSON.stringify(nodeStatusPatch(facts, transitionOf));
    if (!heartbeat && !force && plain === this.lastStatus) return;
    const patch = heartbeat ? JSON.stringify(nodeStatusPatch(facts, transitionOf, now)) : plain;
    if (post(env, Operation.Patch, objectResource(env.nodeNamespace, 'nodepatch', env.nodeName), patch)) this.lastStatus = plain;
  }
}

function uidOf(obj: unknown): string {
  if (typeof obj !== 'object' || obj === null || !('metadata' in obj)) return '';
  const m = obj.metadata;
  if (typeof m !== 'object' || m === null || !('uid' in m)) return '';
  return typeof m.uid === 'string' ? m.uid : '';
}
