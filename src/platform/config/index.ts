/**
 * Config files: read → YAML parse (core schema, no custom tags, bounded aliases) → validate (the api's
 * pure validators merge over the defaults) → freeze. Every violation is listed in one KE_CONFIG_INVALID.
 */
import { readFileSync } from 'node:fs';
import { parseDocument, stringify } from 'yaml';
import { KeError } from '../../base/index.js';
import type { ValidationResult } from '../../api/config/index.js';

export const ConfigErrorCode = {
  invalid: 'KE_CONFIG_INVALID',
  read: 'KE_CONFIG_READ',
} as const;

export type Validator<T> = (doc: unknown) => ValidationResult<T>;

/** Freezes `value` and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Parses YAML text (one document) into plain data; YAML syntax errors become KE_CONFIG_INVALID. */
export function parseConfigText(text: string, source: string): unknown {
  const doc = parseDocument(text, { schema: 'core', customTags: [], uniqueKeys: true, prettyErrors: true });
  // an unresolved (custom) tag is only a warning to the parser; here it is an error
  const refused = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
  if (refused.length > 0) {
    const problems = refused.map((e) => e.message.split('\n')[0] ?? e.message);
    throw new KeError(ConfigErrorCode.invalid, `${source} is not valid YAML:\n  ${problems.join('\n  ')}`, { details: { path: source, errors: problems } });
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new KeError(ConfigErrorCode.invalid, `${source} is not valid YAML: ${msg}`, { cause: err, details: { path: source, errors: [msg] } });
  }
}

/** Validates parsed data; KE_CONFIG_INVALID lists every violation. The config returned is frozen. */
export function validateConfig<T>(doc: unknown, validate: Validator<T>, source: string): T {
  const result = validate(doc);
  if ('errors' in result) {
    throw new KeError(ConfigErrorCode.invalid, `${source} has ${result.errors.length} problem(s):\n  ${result.errors.join('\n  ')}`, {
      details: { path: source, errors: [...result.errors] },
    });
  }
  return deepFreeze(result.config);
}

/** Reads, parses, validates and freezes a config file. KE_CONFIG_READ when it cannot be read. */
export function loadConfigFile<T>(path: string, validate: Validator<T>): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new KeError(ConfigErrorCode.read, `cannot read config file ${path} (${code})`, { cause: err, details: { path } });
  }
  return validateConfig(parseConfigText(text, path), validate, path);
}

/** The config as YAML (what `--defaultconfig` prints and keadm writes). */
export function renderConfig(config: unknown): string {
  return stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}
