import { KeError, isKeError, type JsonObject } from '../../base/index.js';

/**
 * The one place where errors become Kubernetes `Status` objects (server side of the HTTP boundary).
 * Code inside the API server throws `ApiError` (or a store `KeError`, mapped below).
 */
export const StatusReasons = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
} as const;
export type StatusReason = keyof typeof StatusReasons;

export interface StatusCause {
  readonly reason?: string;
  readonly message: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

export class ApiError extends KeError {
  readonly reason: StatusReason;
  readonly httpCode: number;
  readonly statusDetails: StatusDetails | undefined;

  constructor(reason: StatusReason, message: string, details?: StatusDetails, cause?: unknown) {
    super(`KE_APISERVER_${reason.toUpperCase()}`, message, cause === undefined ? undefined : { cause });
    this.reason = reason;
    this.httpCode = StatusReasons[reason];
    this.statusDetails = details;
  }
}

/** Builders for the errors Kubernetes returns, with its message wording. */
export const apiErrors = {
  notFound: (resource: string, name: string, group = ''): ApiError =>
    new ApiError('NotFound', `${qualified(resource, group)} "${name}" not found`, { name, group, kind: resource }),
  alreadyExists: (resource: string, name: string, group = ''): ApiError =>
    new ApiError('AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, { name, group, kind: resource }),
  conflict: (resource: string, name: string, why: string, group = ''): ApiError =>
    new ApiError('Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`, { name, group, kind: resource }),
  invalid: (kind: string, name: string, causes: readonly StatusCause[], group = ''): ApiError =>
    new ApiError(
      'Invalid',
      `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ')}`,
      { name, group, kind, causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, ...(c.field ? { field: c.field } : {}) })) },
    ),
  badRequest: (message: string): ApiError => new ApiError('BadRequest', message),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource'): ApiError =>
    new ApiError('MethodNotAllowed', message),
  gone: (message: string): ApiError => new ApiError('Expired', message),
  unsupportedMediaType: (contentType: string): ApiError =>
    new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${contentType})`),
  tooLarge: (limit: number): ApiError => new ApiError('RequestEntityTooLarge', `the request body is larger than the limit of ${limit} bytes`),
  unauthorized: (): ApiError => new ApiError('Unauthorized', 'Unauthorized'),
  internal: (message: string, cause?: unknown): ApiError => new ApiError('InternalError', `Internal error occurred: ${message}`, undefined, cause),
};

function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

/** Maps anything thrown inside the server to an ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isKeError(err, 'KE_STORE_CONFLICT')) return new ApiError('Conflict', err.message, undefined, err);
  if (isKeError(err, 'KE_STORE_EXISTS')) return new ApiError('AlreadyExists', err.message, undefined, err);
  if (isKeError(err, 'KE_STORE_NOT_FOUND')) return new ApiError('NotFound', err.message, undefined, err);
  if (isKeError(err, 'KE_STORE_COMPACTED')) return new ApiError('Expired', err.message, undefined, err);
  if (isKeError(err, 'KE_STORE_INVALID')) return new ApiError('BadRequest', err.message, undefined, err);
  const message = err instanceof Error ? err.message : String(err);
  return apiErrors.internal(message, err);
}

export function statusObject(err: ApiError): JsonObject {
  const details = err.statusDetails;
  const out: JsonObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    code: err.httpCode,
  };
  if (details) {
    const d: JsonObject = {};
    if (details.name !== undefined) d['name'] = details.name;
    if (details.group) d['group'] = details.group;
    if (details.kind !== undefined) d['kind'] = details.kind;
    if (details.uid !== undefined) d['uid'] = details.uid;
    if (details.causes) d['causes'] = details.causes.map((c) => ({ ...c }));
    if (details.retryAfterSeconds !== undefined) d['retryAfterSeconds'] = details.retryAfterSeconds;
    out['details'] = d;
  }
  return out;
}

export function successStatus(details?: StatusDetails): JsonObject {
  const out: JsonObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  if (details) out['details'] = { ...details, causes: undefined };
  return out;
}
