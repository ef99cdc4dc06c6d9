/**
 * `npm run chaos -- [options]`: a live network under seeded random faults,
 * then the checks. Prints a progress line every few seconds and a summary;
 * on failure, the one command that replays the run and the directory that
 * keeps every peer's transcript. Exit code 0 when every check held, 1 when
 * one did not, 2 for bad options, 130 on Ctrl-C.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_SEED } from './constants.js';
import { CHAOS_USAGE, parseChaosArgs, replayCommand, type ChaosOptions } from './options.js';
import type { ChaosNetwork } from './peers.js';
import { summarize } from './report.js';
import { runChaos } from './run.js';

/** Runs the command with `argv` (the words after `--`); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(CHAOS_USAGE);
    return 0;
  }
  let opts: ChaosOptions;
  try {
    opts = parseChaosArgs(argv);
  } catch (err) {
    console.error(`chaos: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  let cnet: ChaosNetwork | undefined;
  process.once('SIGINT', () => {
    // Frozen peers would never see a SIGTERM: continue, then kill every one.
    for (const p of cnet?.net.peers.values() ?? []) {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    }
    process.exit(130);
  });
  console.log(`chaos: seed ${opts.seed}${opts.seed === DEFAULT_SEED ? ' (the default)' : ''}; replay: ${replayCommand(opts)}`);
  const result = await runChaos(opts, {
    log: (line) => console.log(line),
    onNetwork: (n) => (cnet = n),
  });
  console.log(summarize(result));
  console.log(`Result: ${path.join(result.runDir, 'result.json')} (summary.txt beside it)`);
  if (!result.ok) {
    console.log(`Transcripts (events as JSON lines, and printed lines) of every peer: ${path.join(result.runDir, 'transcripts')}`);
    console.log(`Replay: ${result.replay}`);
  }
  return result.ok ? 0 : 1;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
