import type { ServerResponse } from 'node:http';
import type { JsonObject } from '../../base/index.js';
import { statusObject, successStatus, toApiError, type StatusDetails } from './status.js';

const jsonCache = new WeakMap<object, string>();

/** JSON text of an object; stored values are frozen and shared, so their text is cached. */
export function toJson(o: Readonly<JsonObject>): string {
  if (Object.isFrozen(o)) {
    let s = jsonCache.get(o);
    if (s === undefined) {
      s = JSON.stringify(o);
      jsonCache.set(o, s);
    }
    return s;
  }
  return JSON.stringify(o);
}

export function sendJson(res: ServerResponse, code: number, body: Readonly<JsonObject>, headers: Record<string, string> = {}): void {
  const text = toJson(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, code: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): number {
  const apiErr = toApiError(err);
  if (res.headersSent) {
    res.destroy();
    return apiErr.httpCode;
  }
  sendJson(res, apiErr.httpCode, statusObject(apiErr));
  return apiErr.httpCode;
}

export function sendSuccess(res: ServerResponse, details?: StatusDetails): void {
  sendJson(res, 200, successStatus(details));
}
