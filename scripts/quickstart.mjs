#!/usr/bin/env node
// `npm start`: the quickstart. Starts cloudcore with the embedded control plane, data under
// $KUBEEDGE_HOME (default ./.kubeedge), and prints the kubectl line to use. Ctrl-C stops it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const home = path.resolve(process.env.KUBEEDGE_HOME ?? path.join(root, '.kubeedge'));
const bind = process.env.KUBEEDGE_APISERVER_BIND ?? '127.0.0.1:6443';
const args = [path.join(root, 'bin', 'cloudcore.mjs'), '--data-dir', path.join(home, 'cloud'), '--apiserver-bind', bind, ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, KUBEEDGE_HOME: home } });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
