/** Flag parsing the binaries share: node's parseArgs, strict, no positionals, errors as KeError. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KeError, errorMessage } from '../../base/index.js';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** The values of `argv` for `options`; an unknown flag or missing value is a KeError `errorCode` that ends with `usage`. */
export function parseStrictFlags<const O extends FlagOptions>(argv: readonly string[], options: O, errorCode: string, usage: string) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new KeError(errorCode, `${errorMessage(err)}\n\n${usage}`);
  }
}
