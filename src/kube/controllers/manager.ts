import { setMaxListeners } from 'node:events';
import { systemClock } from '../../base/index.js';
import type { Logger } from '../../platform/log/index.js';
import { EventRecorder, InformerFactory, KubeClient, KubeConnection } from '../client/index.js';
import { DEFAULT_CONTROL_PLANE_OPTIONS, type Controller, type ControllerContext, type ControlPlaneOptions } from './types.js';

export interface ControllerManagerOptions {
  /** The admin kubeconfig of the API server to manage. */
  readonly kubeconfigPath: string;
  readonly controllers: readonly Controller[];
  readonly log: Logger;
  readonly options?: Partial<ControlPlaneOptions>;
}

/**
 * Runs a list of controllers over one connection and one shared informer factory (one list-watch per
 * resource for all of them). `stop()` aborts them all.
 */
export class ControllerManager {
  private readonly abort = new AbortController();
  private connection: KubeConnection | undefined;

  constructor(private readonly opts: ControllerManagerOptions) {}

  async start(): Promise<void> {
    const connection = await KubeConnection.fromKubeconfig(this.opts.kubeconfigPath, { userAgent: 'kubeedge-ts-controller-manager' });
    this.connection = connection;
    const client = new KubeClient(connection, { fieldManager: 'kube-controller-manager' });
    const informers = new InformerFactory(client);
    const ctx: ControllerContext = {
      client,
      informers,
      recorder: (component) => new EventRecorder(client, component),
      log: this.opts.log,
      clock: systemClock,
      options: { ...DEFAULT_CONTROL_PLANE_OPTIONS, ...this.opts.options },
    };
    const signal = this.abort.signal;
    // every controller and informer listens on it: one listener each, not a leak
    setMaxListeners(0, signal);
    const started = this.opts.controllers.map((c) => c.start({ ...ctx, log: this.opts.log.child({ controller: c.name }) }, signal));
    informers.start(signal);
    await Promise.all(started);
  }

  stop(): void {
    this.abort.abort();
    this.connection?.close();
  }
}
