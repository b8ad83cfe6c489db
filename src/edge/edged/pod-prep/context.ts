/** What pod preparation needs to know about where the pod runs. */
export interface PodContext {
  readonly nodeName: string;
  /** status.hostIP(s). */
  readonly hostIP: string;
  /** status.podIP(s): the sandbox's IP, or the node's for host-network and process pods. */
  readonly podIP: string;
  /**
   * The node's allocatable resources, used for `limits.*` resourceFieldRefs of containers without
   * that limit (as kubelet does). Default: this host's CPU count and total memory; ephemeral storage 0.
   */
  readonly allocatable?: { readonly cpu: number; readonly memoryBytes: number; readonly ephemeralStorageBytes?: number };
}
