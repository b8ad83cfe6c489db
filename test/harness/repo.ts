import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/harness/repo.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Folder for tools the harness prepares once (ignored by git). */
export const CACHE_DIR = path.join(REPO_ROOT, '.cache');
