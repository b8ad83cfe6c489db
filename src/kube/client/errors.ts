/**
 * The client side of the Kubernetes `Status` ↔ error mapping (the server side is
 * src/kube/apiserver/status.ts). Every failure of this client is a `KubeApiError` whose code is
 * `KE_KUBE_<REASON>`: the Status reason in upper case (KE_KUBE_NOTFOUND, KE_KUBE_CONFLICT,
 * KE_KUBE_ALREADYEXISTS, KE_KUBE_EXPIRED / KE_KUBE_GONE, KE_KUBE_INVALID, ...), or for failures
 * that never reached an answer: KE_KUBE_UNAVAILABLE (transport), KE_KUBE_TIMEOUT (our deadline),
 * KE_KUBE_ABORTED (the caller's signal), KE_KUBE_BADRESPONSE (an answer we cannot decode).
 */
import { KeError, errorMessage, isJsonArray, isJsonObject } from '../../base/index.js';

export interface KubeStatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

/** Reasons for failures that have no Status from a server. */
export const TransportReasons = {
  Unavailable: 'Unavailable',
  Timeout: 'Timeout',
  Aborted: 'Aborted',
  BadResponse: 'BadResponse',
} as const;

/** The reason Kubernetes uses for an HTTP code, when a Status does not say. */
const REASON_BY_CODE: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export class KubeApiError extends KeError {
  /** HTTP status; 0 when no answer came (transport, timeout, abort). */
  readonly status: number;
  /** Status.reason (e.g. NotFound, Conflict, Expired), or one of TransportReasons. */
  readonly reason: string;
  readonly causes: readonly KubeStatusCause[];
  /** Status.details.retryAfterSeconds, when the server asked for a pause (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: { status: number; reason: string; message: string; causes?: readonly KubeStatusCause[]; retryAfterSeconds?: number; cause?: unknown }) {
    const code = `KE_KUBE_${init.reason.replace(/[^A-Za-z0-9]/g, '').toUpperCase() || 'UNKNOWN'}`;
    super(code, init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'KubeApiError';
    this.status = init.status;
    this.reason = init.reason;
    this.causes = init.causes ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

function readCauses(details: unknown): KubeStatusCause[] {
  if (!isJsonObject(details) || !isJsonArray(details['causes'])) return [];
  const out: KubeStatusCause[] = [];
  for (const c of details['causes']) {
    if (!isJsonObject(c)) continue;
    const cause: { reason?: string; message?: string; field?: string } = {};
    if (typeof c['reason'] === 'string') cause.reason = c['reason'];
    if (typeof c['message'] === 'string') cause.message = c['message'];
    if (typeof c['field'] === 'string') cause.field = c['field'];
    out.push(cause);
  }
  return out;
}

/**
 * The error for a non-2xx answer (or a watch ERROR event): reason, message and causes from the
 * `Status` body when there is one, otherwise from the HTTP code. `what` names the request.
 */
export function errorFromStatus(httpStatus: number, body: unknown, what = ''): KubeApiError {
  const status = isJsonObject(body) && body['kind'] === 'Status' ? body : undefined;
  const code = typeof status?.['code'] === 'number' && status['code'] > 0 ? status['code'] : httpStatus;
  const reason = typeof status?.['reason'] === 'string' && status['reason'] !== '' ? status['reason'] : (REASON_BY_CODE[code] ?? 'Unknown');
  const text = typeof status?.['message'] === 'string' ? status['message'] : typeof body === 'string' ? body.slice(0, 500) : '';
  const details = status?.['details'];
  const retry = isJsonObject(details) && typeof details['retryAfterSeconds'] === 'number' ? details['retryAfterSeconds'] : undefined;
  return new KubeApiError({
    status: code,
    reason,
    message: `${what === '' ? '' : `${what}: `}${code} ${reason}${text === '' ? '' : `: ${text}`}`,
    causes: readCauses(details),
    ...(retry === undefined ? {} : { retryAfterSeconds: retry }),
  });
}

/** A failure before any answer: connection refused or reset, TLS, DNS. */
export function transportError(err: unknown, what: string): KubeApiError {
  if (err instanceof KubeApiError) return err;
  return new KubeApiError({ status: 0, reason: TransportReasons.Unavailable, message: `${what}: ${errorMessage(err)}`, cause: err });
}

export function timeoutError(what: string, ms: number): KubeApiError {
  return new KubeApiError({ status: 0, reason: TransportReasons.Timeout, message: `${what}: no answer within ${ms} ms` });
}

export function abortedError(what: string, reason: unknown): KubeApiError {
  return new KubeApiError({ status: 0, reason: TransportReasons.Aborted, message: `${what}: aborted`, cause: reason });
}

export function badResponseError(what: string, detail: string): KubeApiError {
  return new KubeApiError({ status: 0, reason: TransportReasons.BadResponse, message: `${what}: ${detail}` });
}

function reasonOf(err: unknown): string | undefined {
  return err instanceof KubeApiError ? err.reason : undefined;
}

export function isNotFound(err: unknown): boolean {
  return reasonOf(err) === 'NotFound';
}

/** 409 Conflict (a stale resourceVersion or a refused operation); not AlreadyExists. */
export function isConflict(err: unknown): boolean {
  return reasonOf(err) === 'Conflict';
}

export function isAlreadyExists(err: unknown): boolean {
  return reasonOf(err) === 'AlreadyExists';
}

/** 410: the resourceVersion left the server's history (reason Expired or Gone). */
export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && (err.status === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}

/**
 * The server has not reached the resourceVersion asked for (504 with cause
 * ResourceVersionTooLarge): it is behind, or its history restarted. A relist recovers.
 */
export function isResourceVersionTooLarge(err: unknown): boolean {
  return err instanceof KubeApiError && err.causes.some((c) => c.reason === 'ResourceVersionTooLarge');
}

export function isInvalid(err: unknown): boolean {
  return reasonOf(err) === 'Invalid';
}

/** No answer, or the server says it cannot serve now: worth retrying with backoff. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return false;
  if (err.reason === TransportReasons.Unavailable || err.reason === TransportReasons.Timeout) return true;
  return err.status === 429 || err.status === 500 || err.status === 503 || err.status === 504;
}

export function isAborted(err: unknown): boolean {
  return reasonOf(err) === TransportReasons.Aborted;
}
