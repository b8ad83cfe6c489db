/** The reply metamanager gives when neither the cloud nor SQLite has the object: a bare Status, as cloudcore's query does. */
import type { JsonObject } from '../../base/index.js';

export function notFoundContent(type: string, name: string | undefined): JsonObject {
  const what = name === undefined ? type : `${type} "${name}"`;
  const details: JsonObject = { kind: type };
  if (name !== undefined) details['name'] = name;
  return {
    ErrStatus: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `${what} not found`,
      reason: 'NotFound',
      details,
      code: 404,
    },
  };
}
