/**
 * reliablesyncs.kubeedge.io/v1alpha1: ObjectSync (namespaced) and ClusterObjectSync (cluster-scoped)
 * record, per edge node and object, the last resourceVersion the edge acknowledged (KubeEdge's
 * "success point"). Name: `<nodeName>.<objectUID>`, in the object's namespace for ObjectSync.
 */

export const RELIABLESYNCS_GROUP = 'reliablesyncs.kubeedge.io';
export const RELIABLESYNCS_VERSION = 'v1alpha1';
export const RELIABLESYNCS_API_VERSION = `${RELIABLESYNCS_GROUP}/${RELIABLESYNCS_VERSION}`;

export interface ObjectSyncSpec {
  readonly objectAPIVersion?: string;
  readonly objectKind?: string;
  readonly objectName?: string;
}

export interface ObjectSyncStatus {
  readonly objectResourceVersion?: string;
}

export interface ObjectSync {
  apiVersion?: string;
  kind?: 'ObjectSync' | 'ClusterObjectSync';
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string> };
  spec?: ObjectSyncSpec;
  status?: ObjectSyncStatus;
}

/** `<nodeName>.<objectUID>` */
export function objectSyncName(nodeName: string, objectUid: string): string {
  return `${nodeName}.${objectUid}`;
}

/** Splits an ObjectSync name: node names may contain dots and UIDs never do, so the UID is what follows the last dot. */
export function parseObjectSyncName(name: string): { nodeName: string; objectUid: string } | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return undefined;
  return { nodeName: name.slice(0, dot), objectUid: name.slice(dot + 1) };
}

/** Compares Kubernetes resourceVersions as unsigned integers; a non-numeric one sorts first (never newer). */
export function compareResourceVersion(a: string | undefined, b: string | undefined): number {
  const pa = a !== undefined && /^\d+$/.test(a) ? BigInt(a) : -1n;
  const pb = b !== undefined && /^\d+$/.test(b) ? BigInt(b) : -1n;
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

function crd(kind: 'ObjectSync' | 'ClusterObjectSync', plural: string, scope: 'Namespaced' | 'Cluster'): Record<string, unknown> {
  const singular = kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${RELIABLESYNCS_GROUP}` },
    spec: {
      group: RELIABLESYNCS_GROUP,
      names: { kind, listKind: `${kind}List`, plural, singular },
      scope,
      versions: [
        {
          name: RELIABLESYNCS_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: { objectAPIVersion: { type: 'string' }, objectKind: { type: 'string' }, objectName: { type: 'string' } },
                },
                status: { type: 'object', properties: { objectResourceVersion: { type: 'string' } } },
              },
            },
          },
        },
      ],
    },
  };
}

/** The two CustomResourceDefinitions, as cloudcore installs them. */
export const RELIABLESYNCS_CRDS: readonly Record<string, unknown>[] = [
  crd('ObjectSync', 'objectsyncs', 'Namespaced'),
  crd('ClusterObjectSync', 'clusterobjectsyncs', 'Cluster'),
];
