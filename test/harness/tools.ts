/**
 * System tools a test depends on. ARCHITECTURE.md: a test that needs a component it cannot find
 * fails under CI=true, and otherwise skips, printing the install command.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

export type ToolCheck =
  | { readonly path: string; readonly skip: false }
  | { readonly path: undefined; /** The skip reason, with the install hint. */ readonly skip: string };

export interface RequireToolOptions {
  /** The command that installs it, e.g. `apt-get install -y mosquitto`. */
  readonly installHint: string;
  /** How to find it; default: look for `name` on PATH. */
  readonly find?: () => Promise<string | undefined>;
}

export class ToolMissingError extends Error {
  readonly code = 'KE_TEST_TOOL_MISSING';
  constructor(
    readonly tool: string,
    readonly installHint: string,
  ) {
    super(`required tool '${tool}' not found and CI=true; install it with: ${installHint}`);
    this.name = 'ToolMissingError';
  }
}

export function isCi(): boolean {
  const v = process.env['CI'];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH (or `name` itself when it is a path). */
export async function which(name: string): Promise<string | undefined> {
  if (name.includes('/')) return (await isExecutable(name)) ? path.resolve(name) : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds a tool. Found: `{ path, skip: false }`. Missing: under CI=true throws ToolMissingError
 * (the test file fails); otherwise returns `{ skip: reason }` for `describe(..., { skip })` or
 * `t.skip(reason)`, and prints the install command on stderr.
 */
export async function requireTool(name: string, opts: RequireToolOptions): Promise<ToolCheck> {
  const found = await (opts.find ?? (() => which(name)))();
  if (found !== undefined) return { path: found, skip: false };
  if (isCi()) throw new ToolMissingError(name, opts.installHint);
  const reason = `${name} not found; install it with: ${opts.installHint}`;
  process.stderr.write(`[harness] skipping: ${reason}\n`);
  return { path: undefined, skip: reason };
}
