// Shared by bin/{cloudcore,edgecore,keadm}.mjs. When `npm run build` ran after the last change under src/,
// runs the bundle dist/bundle/<cmd>.mjs (or, when the build made none, dist/cmd/<cmd>/main.js); else
// src/cmd/<cmd>/main.ts through tsx, as in development. Silent either way.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The newest mtime (ms) of a file under dir, test files aside; stops early once one is newer than limit. */
function newestSource(dir, limit) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p, limit));
    else if (!e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    if (newest > limit) break;
  }
  return newest;
}

function distIsFresh() {
  try {
    const built = statSync(path.join(root, 'dist', '.build-stamp')).mtimeMs;
    return newestSource(path.join(root, 'src'), built) <= built;
  } catch {
    return false; // no dist/ (or no src/ to compare with: then dist/ alone is not trusted either)
  }
}

/** cmd: `cloudcore`, `edgecore` or `keadm`. */
export async function launch(cmd) {
  const forced = process.env['KE_LAUNCHER']; // `tsx` or `dist`: skip the freshness check (benchmarks, debugging)
  if (forced === 'dist' || (forced !== 'tsx' && distIsFresh())) {
    const bundle = path.join(root, 'dist', 'bundle', `${cmd}.mjs`);
    const compiled = path.join(root, 'dist', 'cmd', cmd, 'main.js');
    await import(pathToFileURL(existsSync(bundle) ? bundle : compiled).href);
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'src', 'cmd', cmd, 'main.ts')).href);
}
