// The layer table of ARCHITECTURE.md is enforced by tools/eslint-layers.js; this checks the rule
// itself on small sources placed (virtually) in each layer, so a broken rule cannot pass silently.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '../harness/index.js';

const eslint = new ESLint({ cwd: REPO_ROOT });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'ke/layers').map((m) => m.message);
}

describe('layer rules (tools/eslint-layers.js)', () => {
  it('lets a layer import the layers below it', async () => {
    assert.deepEqual(await layerErrors('src/kube/apiserver/x.ts', "import { KeError } from '../../base/index.js';\nexport const y = KeError;\n"), []);
    assert.deepEqual(await layerErrors('src/cmd/cloudcore/x.ts', "import { ApiServer } from '../../kube/apiserver/index.js';\nexport const y = ApiServer;\n"), []);
  });

  it('refuses an import of a higher layer', async () => {
    const errors = await layerErrors('src/platform/store/x.ts', "import { ApiServer } from '../../kube/apiserver/index.js';\nexport const y = ApiServer;\n");
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /layer 'platform' may not import/);
  });

  it('keeps src/base free of node:* and packages', async () => {
    assert.equal((await layerErrors('src/base/x.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n")).length, 1);
    assert.equal((await layerErrors('src/base/x.ts', "import { pino } from 'pino';\nexport const y = pino;\n")).length, 1);
  });

  it('confines heavy packages to their folders', async () => {
    const code = "import Database from 'better-sqlite3';\nexport const y = Database;\n";
    assert.deepEqual(await layerErrors('src/platform/store/x.ts', code), []);
    assert.equal((await layerErrors('src/kube/apiserver/x.ts', code)).length, 1);
    const k8s = "import * as k8s from '@kubernetes/client-node';\nexport const y = k8s;\n";
    assert.deepEqual(await layerErrors('src/kube/client/x.ts', k8s), []);
    assert.equal((await layerErrors('src/kube/apiserver/x.ts', k8s)).length, 1);
  });

  it('keeps modules of one side apart', async () => {
    const errors = await layerErrors('src/cloud/cloudhub/x.ts', "import { a } from '../edgecontroller/index.js';\nexport const y = a;\n");
    assert.equal(errors.length, 1);
    assert.deepEqual(await layerErrors('src/cloud/cloudhub/x.ts', "import { a } from '../common/index.js';\nexport const y = a;\n"), []);
    assert.equal((await layerErrors('src/edge/edged/x.ts', "import { a } from '../../cloud/common/index.js';\nexport const y = a;\n")).length, 1);
  });
});
