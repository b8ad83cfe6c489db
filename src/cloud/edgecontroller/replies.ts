/**
 * The reply contents KubeEdge's edgecontroller sends, and that edgecore decodes (see
 * reference/wire-capture): ObjectResp `{"Object", "Err"}` for create / patch / lease calls, the plain
 * object for queries, a bare `{"ErrStatus"}` for a failed query. A failed call always carries an
 * ErrStatus: `{"Object": null, "Err": null}` crashes edgecore.
 */
import { KubeApiError, TransportReasons, type KubeObject } from '../../kube/client/index.js';

export interface KubeStatus {
  readonly apiVersion: 'v1';
  readonly kind: 'Status';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: string;
  readonly details?: { readonly name?: string; readonly group?: string; readonly kind?: string; readonly uid?: string };
  readonly code: number;
}

export interface ObjectResp {
  readonly Object: KubeObject | null;
  readonly Err: { readonly ErrStatus: KubeStatus } | null;
}

export const StatusReason = {
  BadRequest: 'BadRequest',
  Forbidden: 'Forbidden',
  NotFound: 'NotFound',
  Conflict: 'Conflict',
  MethodNotAllowed: 'MethodNotAllowed',
  NotImplemented: 'NotImplemented',
  InternalError: 'InternalError',
  ServiceUnavailable: 'ServiceUnavailable',
} as const;

export function kubeStatus(code: number, reason: string, message: string, details?: KubeStatus['details']): KubeStatus {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason, ...(details === undefined ? {} : { details }), code };
}

/** `<plural>[.<group>] "<name>" not found`, as the API server words it. */
export function notFoundStatus(plural: string, group: string, name: string): KubeStatus {
  const what = group === '' ? plural : `${plural}.${group}`;
  return kubeStatus(404, StatusReason.NotFound, `${what} "${name}" not found`, { name, ...(group === '' ? {} : { group }), kind: plural });
}

/** The Status for any failure: the API's own for a KubeApiError, 503 when the API was not reached, 500 otherwise. */
export function statusOf(err: unknown): KubeStatus {
  if (err instanceof KubeApiError) {
    if (err.status === 0) {
      const timeout = err.reason === TransportReasons.Timeout;
      return kubeStatus(timeout ? 504 : 503, timeout ? 'Timeout' : StatusReason.ServiceUnavailable, err.message);
    }
    return kubeStatus(err.status, err.reason, err.message);
  }
  return kubeStatus(500, StatusReason.InternalError, err instanceof Error ? err.message : String(err));
}

export function objectResp(obj: KubeObject): ObjectResp {
  return { Object: obj, Err: null };
}

export function objectRespError(status: KubeStatus): ObjectResp {
  return { Object: null, Err: { ErrStatus: status } };
}

/** A failed query: a bare StatusError. */
export function queryError(status: KubeStatus): { readonly ErrStatus: KubeStatus } {
  return { ErrStatus: status };
}

/** How a request's failure is shaped: `call` ⇒ ObjectResp with Err, `query` ⇒ bare ErrStatus. */
export type ReplyShape = 'call' | 'query';

export function errorContent(shape: ReplyShape, status: KubeStatus): ObjectResp | { readonly ErrStatus: KubeStatus } {
  return shape === 'call' ? objectRespError(status) : queryError(status);
}
