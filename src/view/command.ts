/**
 * `p2p view [FILE|DIR...] [--events FILE|DIR] [--port N] [--host H] [--id-bits M]`:
 * serves the live ring view on loopback, fed by the JSON-lines event files
 * of running peers (each started with `--events FILE`, and
 * `--snapshot-every S` for the panels), and prints its URL. With no file,
 * the page opens recorded files itself. And `openExampleView`, for
 * `p2p example --view`: the same page fed by the example's child peers.
 */
import { badArgument } from '../errors.js';
import { readArgs, type OptionTypes } from '../cli/args.js';
import type { ChildPeer } from '../testnet/child-peer.js';
import { EventHub, feedChildPeer, tailEvents } from './feed.js';
import { startViewServer, type ViewServer } from './server.js';

/** Snapshot interval the view asks of the peers it starts (seconds, as `--snapshot-every` takes it). */
export const VIEW_SNAPSHOT_SECONDS = 1;

/** The options of `p2p view`. */
export const VIEW_OPTIONS = {
  events: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'id-bits': { type: 'string' },
} as const satisfies OptionTypes;

/** What `p2p view` was asked to do. */
export interface ViewOptions {
  readonly targets: readonly string[];
  readonly port: number;
  readonly host: string;
  readonly idBits: number | undefined;
}

/** Parses `p2p view` arguments. */
export function parseViewArgs(argv: readonly string[]): ViewOptions {
  const { positionals, values } = readArgs(argv, VIEW_OPTIONS);
  const port = Number(values.port ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw badArgument(`--port must be an integer from 0 to 65535, got "${values.port ?? ''}"`);
  const idBits = values['id-bits'] === undefined ? undefined : Number(values['id-bits']);
  if (idBits !== undefined && (!Number.isInteger(idBits) || idBits < 1 || idBits > 32)) {
    throw badArgument(`--id-bits must be an integer from 1 to 32, got "${values['id-bits'] ?? ''}"`);
  }
  const host = values.host ?? '127.0.0.1';
  return { targets: [...(values.events === undefined ? [] : [values.events]), ...positionals], port, host, idBits };
}

/** Runs `p2p view` until Ctrl-C; resolves with the exit code. */
export async function runView(argv: readonly string[]): Promise<number> {
  const opts = parseViewArgs(argv);
  const hub = new EventHub();
  const tail = tailEvents(hub, opts.targets, (message) => process.stderr.write(`p2p view: ${message}\n`));
  await tail.poll();
  const server = await startViewServer({
    hub,
    host: opts.host,
    port: opts.port,
    idBits: opts.idBits,
    title: opts.targets.join(' ') || 'p2p view',
  });
  const source = opts.targets.length === 0 ? 'no event files: open a recorded one from the page' : `following ${opts.targets.join(', ')}`;
  process.stdout.write(`p2p view: ${server.url} (${source}; Ctrl-C ends it)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  tail.close();
  hub.close();
  await server.close();
  return 0;
}

/** A view of child peers started in this process (`p2p example --view`). */
export interface NetworkView {
  /** Pass as the network's `onStart`: feeds each peer to the view. */
  readonly onStart: (peer: ChildPeer) => void;
  /** Arguments each peer needs for the view's panels. */
  readonly peerArgs: readonly string[];
  readonly server: ViewServer;
  readonly close: () => Promise<void>;
}

/** Starts a view server fed by the child peers given to `onStart`, and prints its URL. */
export async function openNetworkView(port = 0): Promise<NetworkView> {
  const hub = new EventHub();
  const server = await startViewServer({ hub, port, title: 'p2p example' });
  process.stdout.write(`View: ${server.url}\n`);
  return {
    onStart: (peer) => feedChildPeer(hub, peer),
    peerArgs: ['--snapshot-every', String(VIEW_SNAPSHOT_SECONDS)],
    server,
    close: async () => {
      hub.close();
      await server.close();
    },
  };
}

/** After `p2p example --view`: the page stays up for a look at the run until Ctrl-C. */
export async function keepViewOpen(url: string): Promise<void> {
  process.stdout.write(`\nThe view stays at ${url} for a look at the run: Ctrl-C ends it.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
