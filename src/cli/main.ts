/**
 * `p2p`: starts one peer (`init`, `join`), the course's example network
 * (`example`) or the browser view of a network (`view`). Bad arguments end
 * with a one-line error and exit code 2; a peer that cannot start (port
 * taken, known peer unreachable) with code 1.
 * Every error line has one format: `p2p: <what happened> (<CODE>)`.
 */
import { errorLine, errorLineOf, isP2PError } from '../errors.js';
import { startPeer } from '../peer/coordinator.js';
import { parsePeerCommand, USAGE } from './args.js';

/** Runs the CLI; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (
    sub === undefined ||
    sub === '-h' ||
    sub === '--help' ||
    sub === 'help' ||
    (sub !== 'grade' && sub !== 'host' && (rest.includes('--help') || rest.includes('-h')))
  ) {
    process.stdout.write(`${USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  try {
    if (sub === 'example') {
      const { runExample } = await import('../example/example.js');
      return await runExample(rest);
    }
    if (sub === 'grade') {
      const { runGrade } = await import('../grade/main.js');
      return await runGrade(rest);
    }
    if (sub === 'host') {
      const { runHost } = await import('./host.js');
      return await runHost(rest);
    }
    if (sub === 'view') {
      const { runView } = await import('../view/command.js');
      return await runView(rest);
    }
    if (sub !== 'init' && sub !== 'join') {
      process.stderr.write(
        `${errorLine(`unknown command "${sub}": expected init, join, host, example, view or grade, see p2p --help`, 'ERR_BAD_ARGUMENT')}\n`,
      );
      return 2;
    }
    const cmd = parsePeerCommand(sub, rest);
    // Ctrl-C (and SIGTERM) is the course's abrupt departure: tell nobody, end
    // now. Set before the peer starts: its threads answer typed commands
    // before startPeer returns, and a Ctrl-C then must not find Node's default.
    process.once('SIGINT', () => process.exit(130));
    process.once('SIGTERM', () => process.exit(143));
    const peer = await startPeer({ config: cmd.config, eventsFile: cmd.eventsFile, snapshotEveryMs: cmd.snapshotEveryMs, stdin: process.stdin });
    const exit = await peer.exited;
    return exit.code;
  } catch (err) {
    process.stderr.write(`${errorLineOf(err)}\n`);
    return isP2PError(err, 'ERR_BAD_ARGUMENT') ? 2 : 1;
  }
}
