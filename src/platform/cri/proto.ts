/**
 * Loads our CRI `.proto` subset (api.proto next to this module) with the conversion options every
 * CRI caller relies on: camelCase field names, 64-bit integers as decimal strings (nanosecond
 * timestamps do not fit a JS number), enums as their upstream names, defaults filled in.
 */
import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';

export const CRI_PROTO_PATH = fileURLToPath(new URL('./api.proto', import.meta.url));

export const CRI_LOAD_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
};

export const RUNTIME_SERVICE = 'runtime.v1.RuntimeService';
export const IMAGE_SERVICE = 'runtime.v1.ImageService';

let cached: protoLoader.PackageDefinition | undefined;

/** The package definition of api.proto; parsed once per process. */
export function loadCriDefinition(): protoLoader.PackageDefinition {
  cached ??= protoLoader.loadSync(CRI_PROTO_PATH, CRI_LOAD_OPTIONS);
  return cached;
}

/** One service of api.proto, by full name. */
export function criService(name: typeof RUNTIME_SERVICE | typeof IMAGE_SERVICE): protoLoader.ServiceDefinition {
  const def = loadCriDefinition()[name];
  if (def === undefined || 'format' in def) throw new Error(`service ${name} missing from api.proto`);
  return def;
}
