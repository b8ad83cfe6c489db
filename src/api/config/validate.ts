/**
 * Config validation: a parsed cloudcore.yaml / edgecore.yaml document is merged over the defaults,
 * checked field by field (types, ranges, HOST:PORT forms, apiVersion/kind) and returned whole, or
 * every violation is returned with its path. Pure: no I/O, no freezing (platform/config does that).
 */
import { DEFAULT_CLOUDCORE_CONFIG, type CloudCoreConfig } from './cloudcore.js';
import { CLOUDCORE_SCHEMA } from './cloudcore-schema.js';
import { DEFAULT_EDGECORE_CONFIG, type EdgeCoreConfig } from './edgecore.js';
import { EDGECORE_SCHEMA } from './edgecore-schema.js';
import { applySchema, isRecord } from './schema.js';

export type ValidationResult<T> = { readonly config: T } | { readonly errors: readonly string[] };

const DURATION_UNITS: Readonly<Record<string, number>> = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** Seconds in a Go duration such as `5m0s` or `1h30m`, or a plain number of seconds; undefined when neither. */
export function parseDurationSeconds(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || !/^(\d+(\.\d+)?(h|m|s|ms))+$/.test(v)) return undefined;
  let total = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] ?? 0);
  return total;
}

/**
 * KubeEdge keeps kubelet's settings under `edged.tailoredKubeletConfig`; three are lifted to our flat
 * `edged` fields unless the document sets those directly, and a duration `syncFrequency` (`1m0s`) becomes seconds.
 */
function liftKubeletConfig(doc: Record<string, unknown>, errors: string[]): Record<string, unknown> {
  const modules = doc['modules'];
  if (!isRecord(modules)) return doc;
  const edged = modules['edged'];
  if (!isRecord(edged)) return doc;
  const kubelet = edged['tailoredKubeletConfig'];
  if (!isRecord(kubelet)) return doc;
  const lifted: Record<string, unknown> = { ...edged };
  const path = 'modules.edged.tailoredKubeletConfig';
  for (const key of ['maxPods', 'nodeLeaseDurationSeconds'] as const) {
    if (lifted[key] === undefined && kubelet[key] !== undefined) lifted[key] = kubelet[key];
  }
  const freq = kubelet['nodeStatusReportFrequency'];
  if (lifted['nodeStatusReportFrequency'] === undefined && freq !== undefined && freq !== null) {
    const seconds = parseDurationSeconds(freq);
    if (seconds === undefined || seconds <= 0) errors.push(`${path}.nodeStatusReportFrequency: must be a positive duration such as 5m0s, got ${JSON.stringify(freq)}`);
    else lifted['nodeStatusReportFrequency'] = seconds;
  }
  const sync = kubelet['syncFrequency'];
  if (typeof sync === 'string') {
    const seconds = parseDurationSeconds(sync);
    if (seconds === undefined || seconds <= 0) errors.push(`${path}.syncFrequency: must be a positive duration such as 1m0s, got ${JSON.stringify(sync)}`);
    lifted['tailoredKubeletConfig'] = { ...kubelet, syncFrequency: seconds !== undefined && seconds > 0 ? seconds : undefined };
  }
  return { ...doc, modules: { ...modules, edged: lifted } };
}

function rootErrors(doc: unknown): string[] | undefined {
  if (doc === undefined || doc === null) return undefined;
  return isRecord(doc) ? undefined : ['(document): must be a YAML mapping'];
}

export function validateCloudCoreConfig(doc: unknown): ValidationResult<CloudCoreConfig> {
  const early = rootErrors(doc);
  if (early !== undefined) return { errors: early };
  const errors: string[] = [];
  const config = applySchema(CLOUDCORE_SCHEMA, doc ?? {}, DEFAULT_CLOUDCORE_CONFIG, '', errors);
  return errors.length > 0 ? { errors } : { config: config as CloudCoreConfig };
}

export function validateEdgeCoreConfig(doc: unknown): ValidationResult<EdgeCoreConfig> {
  const early = rootErrors(doc);
  if (early !== undefined) return { errors: early };
  const errors: string[] = [];
  const lifted = liftKubeletConfig(isRecord(doc) ? doc : {}, errors);
  const config = applySchema(EDGECORE_SCHEMA, lifted, DEFAULT_EDGECORE_CONFIG, '', errors) as EdgeCoreConfig;
  const gc = config.modules.edged.tailoredKubeletConfig;
  if (gc.imageGCLowThresholdPercent > gc.imageGCHighThresholdPercent) {
    errors.push(
      `modules.edged.tailoredKubeletConfig.imageGCLowThresholdPercent: must not be above imageGCHighThresholdPercent (${gc.imageGCHighThresholdPercent}), got ${gc.imageGCLowThresholdPercent}`,
    );
  }
  return errors.length > 0 ? { errors } : { config };
}
