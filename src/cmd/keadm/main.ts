import { errorMessage, isKeError } from '../../base/index.js';
import { createLogger } from '../../platform/log/index.js';
import { onShutdownSignal } from '../shared/process.js';
import { processIo } from '../shared/steps.js';
import { KEADM_FLAGS_ERROR, parseGettokenArgs, parseInitArgs, parseJoinArgs, parseResetArgs } from './args.js';
import { getToken } from './gettoken.js';
import { runInit } from './init.js';
import { runJoin } from './join.js';
import { runReset } from './reset.js';
import { GETTOKEN_USAGE, INIT_USAGE, JOIN_USAGE, KEADM_USAGE, RESET_USAGE } from './usage.js';

/** Runs until a signal when `stop` is given; resolves with the exit code. */
function foreground(stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    onShutdownSignal(() => {
      stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    });
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = processIo;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(KEADM_USAGE);
      return 0;
    case 'init': {
      const args = parseInitArgs(rest, io.env);
      if (args.help) return (io.out(INIT_USAGE), 0);
      const { cloudcore } = await runInit(args, io, createLogger({ name: 'cloudcore' }));
      return foreground(() => cloudcore.stop());
    }
    case 'gettoken': {
      const args = parseGettokenArgs(rest, io.env);
      if (args.help) return (io.out(GETTOKEN_USAGE), 0);
      io.out(`${await getToken(args.kubeconfig)}\n`);
      return 0;
    }
    case 'join': {
      const args = parseJoinArgs(rest, io.env);
      if (args.help) return (io.out(JOIN_USAGE), 0);
      const { edgecore } = await runJoin(args, io, createLogger({ name: 'edgecore' }));
      return edgecore === undefined ? 0 : foreground(() => edgecore.stop());
    }
    case 'reset': {
      const args = parseResetArgs(rest, io.env);
      if (args.help) return (io.out(RESET_USAGE), 0);
      runReset(args, io);
      return 0;
    }
    default:
      io.err(`keadm: unknown command "${command}"\n\n${KEADM_USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const text = errorMessage(err);
    process.stderr.write(`${text.startsWith('keadm ') ? '' : 'keadm: '}${text}${isKeError(err) ? ` (${err.code})` : ''}\n`);
    process.exit(isKeError(err, KEADM_FLAGS_ERROR) ? 2 : 1);
  },
);
