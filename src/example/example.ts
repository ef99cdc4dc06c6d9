/**
 * `p2p example`: the course's seven-peer ring, each peer its own process
 * with its five threads, put through the walkthrough; then each peer's
 * transcript, labelled by peer, the line-for-line check against the
 * specification and the byte-for-byte check of the transferred file.
 * `--interactive` keeps the network up behind a prompt instead.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_PORT_BASE } from '../constants.js';
import { badArgument } from '../errors.js';
import { readArgs, ROUTING_MODE_LIST, type OptionTypes } from '../cli/args.js';
import { isRoutingMode, type RoutingMode } from '../routing/types.js';
import { packageRoot } from '../runtime/worker-path.js';
import { runInteractive } from './interactive.js';
import { keepViewOpen, openNetworkView } from '../view/command.js';
import type { ChildPeer } from '../testnet/child-peer.js';
import { runWalkthrough, type StepResult } from '../testnet/network.js';
import { isPingLine } from '../model/lines.js';
import type { Order } from '../model/walkthrough.js';

/** Options of `p2p example`. */
export interface ExampleOptions {
  readonly interactive: boolean;
  readonly pingSeconds: number;
  readonly portBase: number;
  readonly dir: string | undefined;
  readonly order: Order;
  readonly full: boolean;
  readonly routing: RoutingMode;
  readonly view: boolean;
}

/** The options of `p2p example`. */
export const EXAMPLE_OPTIONS = {
  ping: { type: 'string' },
  'port-base': { type: 'string' },
  dir: { type: 'string' },
  order: { type: 'string' },
  routing: { type: 'string' },
  interactive: { type: 'boolean' },
  full: { type: 'boolean' },
  view: { type: 'boolean' },
} as const satisfies OptionTypes;

/** Parses `p2p example` arguments. */
export function parseExampleArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ExampleOptions {
  const { positionals, values: options } = readArgs(argv, EXAMPLE_OPTIONS);
  if (positionals.length > 0) throw badArgument(`example takes no arguments, got "${positionals.join(' ')}"`);
  const pingSeconds = Number(options.ping ?? '1');
  if (!Number.isFinite(pingSeconds) || pingSeconds < 0.1 || pingSeconds > 60) {
    throw badArgument('--ping must be a number of seconds from 0.1 to 60');
  }
  const portBase = Number(options['port-base'] ?? env.P2P_PORT_BASE ?? DEFAULT_PORT_BASE);
  if (!Number.isInteger(portBase) || portBase < 1 || portBase + 255 > 65535) {
    throw badArgument('--port-base must be an integer from 1 to 65280');
  }
  const order = options.order ?? 'walkthrough';
  if (order !== 'walkthrough' && order !== 'marking') throw badArgument('--order must be walkthrough or marking');
  const routing = options.routing ?? 'ring';
  if (!isRoutingMode(routing)) throw badArgument(`--routing must be ${ROUTING_MODE_LIST}`);
  return {
    interactive: options.interactive === true,
    pingSeconds,
    portBase,
    dir: options.dir,
    order,
    full: options.full === true,
    routing,
    view: options.view === true,
  };
}

/** Copies the sample files into `dir` (made when missing, or a fresh temporary one). */
export async function prepareDirectory(dir: string | undefined): Promise<string> {
  const target = dir === undefined ? await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-example-')) : path.resolve(dir);
  await fs.mkdir(target, { recursive: true });
  for (const name of ['2067.pdf', '4103.pdf']) {
    await fs.copyFile(path.join(packageRoot(), 'examples', name), path.join(target, name));
  }
  await fs.rm(path.join(target, 'received_4103.pdf'), { force: true });
  return target;
}

/** Runs `p2p example`; resolves with the exit code. */
export async function runExample(argv: readonly string[]): Promise<number> {
  const opts = parseExampleArgs(argv);
  const dir = await prepareDirectory(opts.dir);
  const view = opts.view ? await openNetworkView() : undefined;
  const viewArgs = view?.peerArgs ?? [];
  const onStart = view?.onStart;
  try {
    const code = opts.interactive
      ? await runInteractive({
          dir,
          portBase: opts.portBase,
          pingSeconds: opts.pingSeconds,
          extraArgs: ['--routing', opts.routing, ...viewArgs],
          onStart,
        })
      : await runExampleWalkthrough(opts, dir, viewArgs, onStart);
    if (view !== undefined && !opts.interactive) await keepViewOpen(view.server.url);
    return code;
  } finally {
    await view?.close();
  }
}

async function runExampleWalkthrough(
  opts: ExampleOptions,
  dir: string,
  extraArgs: readonly string[],
  onStart: ((peer: ChildPeer) => void) | undefined,
): Promise<number> {
  const out = process.stdout;
  out.write(`Example network: peers 2 4 5 8 9 14 19, ping every ${opts.pingSeconds} s, ports ${opts.portBase}+ID, files in ${dir}\n`);
  out.write(`Walkthrough (${opts.order} order, ${opts.routing} routing):\n`);
  const result = await runWalkthrough({
    dir,
    portBase: opts.portBase,
    pingSeconds: opts.pingSeconds,
    order: opts.order,
    routing: opts.routing,
    extraArgs,
    onStart,
    onStep: (s: StepResult) => out.write(`  ${s.mismatches.length === 0 ? 'ok  ' : 'FAIL'} ${s.step.title} (${(s.ms / 1000).toFixed(1)} s)\n`),
  });
  if (result.error !== undefined) out.write(`  FAIL ${result.error.message}\n`);
  await result.network.stopAll();
  out.write('\nTranscripts (ping lines counted, not shown; --full shows them):\n');
  for (const peer of result.network.history) {
    const pings = peer.transcript.filter((l) => isPingLine(l.text)).length;
    out.write(`\n── Peer ${peer.id} (${peer.args.slice(0, -2).join(' ')}) ── ${pings} ping lines\n`);
    for (const line of peer.transcript) {
      if (!opts.full && isPingLine(line.text)) continue;
      out.write(`${String(peer.id).padStart(3)} ${line.stream === 'stderr' ? '!' : '|'} ${line.text}\n`);
    }
  }
  const checked = result.steps.reduce((n, s) => n + Object.values(s.step.expect).flat().length, 0);
  out.write('\nChecks:\n');
  for (const s of result.steps) {
    for (const m of s.mismatches) {
      out.write(
        `  FAIL ${s.step.title}, peer ${m.peer}:\n    expected: ${JSON.stringify(m.expected)}\n    printed:  ${JSON.stringify(m.actual)}\n`,
      );
    }
  }
  const linesOk = result.steps.every((s) => s.mismatches.length === 0);
  out.write(`  ${linesOk ? 'ok  ' : 'FAIL'} ${checked} lines compared with the specification, line for line\n`);
  if (result.error !== undefined) out.write(`  FAIL the walkthrough stopped early: ${result.error.message}\n`);
  out.write(`  ${result.fileIdentical ? 'ok  ' : 'FAIL'} received_4103.pdf is byte-identical to 4103.pdf\n`);
  return result.ok ? 0 : 1;
}
