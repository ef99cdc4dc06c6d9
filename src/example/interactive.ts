/**
 * `p2p example --interactive`: the example ring stays up behind a prompt
 * (the commands are in prompt.ts: type into a peer, kill, start, peers,
 * ring, pings on|off, exit). Every line a peer prints is shown as it comes,
 * labelled by peer, except the ping lines, which are hidden unless `--full`
 * or `pings on` asks for them.
 */
import { createInterface } from 'node:readline';
import { errorLine, errorLineOf, P2PError } from '../errors.js';
import { PeerNetwork, type NetworkOptions } from '../testnet/network.js';
import type { ChildPeer, TranscriptLine } from '../testnet/child-peer.js';
import { COURSE_PEERS } from '../model/walkthrough.js';
import { isPingLine } from '../model/lines.js';
import { parsePromptLine, PROMPT_HELP, type PromptCommand } from './prompt.js';
import { formatRing, type RingView } from './ring-report.js';

/** Options of the prompt. */
export interface InteractiveOptions extends NetworkOptions {
  /** Show the ping lines from the start (`--full`); `pings on|off` changes it. */
  readonly pings?: boolean;
  /** Where the prompt writes (default process.stdout). */
  readonly out?: NodeJS.WritableStream;
  /** Where it reads (default process.stdin). */
  readonly input?: NodeJS.ReadableStream;
}

/** How long `ring` waits for each peer's snapshot. */
function snapshotWaitMs(pingSeconds: number): number {
  return Math.max(5000, 3000 * pingSeconds);
}

/** The prompt over one network: shows the peers' lines and runs each command. */
class Prompt {
  private pings: boolean;
  /** Per peer, how many `status --json` lines `ring` asked for and has not hidden yet. */
  private readonly asked = new Map<ChildPeer, number>();

  constructor(
    private readonly net: PeerNetwork,
    private readonly out: NodeJS.WritableStream,
    pings: boolean,
  ) {
    this.pings = pings;
  }

  write(text: string): void {
    this.out.write(`${text}\n`);
  }

  /** Shows `peer`'s lines as they come, and its end. */
  show(peer: ChildPeer): ChildPeer {
    peer.onLine((l) => this.line(peer, l));
    void peer.exited.then((code) => this.write(`[${peer.id}] exited (${code ?? 'killed'})`));
    return peer;
  }

  private line(peer: ChildPeer, l: TranscriptLine): void {
    const asked = this.asked.get(peer) ?? 0;
    if (l.stream === 'stdout' && asked > 0 && l.text.startsWith('{')) {
      this.asked.set(peer, asked - 1);
      return;
    }
    if (l.stream === 'stdout' && !this.pings && isPingLine(l.text)) return;
    this.write(`[${peer.id}]${l.stream === 'stderr' ? '!' : ''} ${l.text}`);
  }

  /** Runs one command; resolves with false on `exit`. */
  async run(cmd: PromptCommand): Promise<boolean> {
    switch (cmd.kind) {
      case 'empty':
        return true;
      case 'exit':
        return false;
      case 'help':
        this.write(PROMPT_HELP);
        return true;
      case 'bad':
        this.write(errorLine(cmd.why, 'ERR_BAD_COMMAND'));
        return true;
      case 'type':
        this.running(cmd.peer).type(cmd.line);
        return true;
      case 'kill':
        this.running(cmd.peer).kill('SIGKILL');
        return true;
      case 'join':
        this.refuseRunning(cmd.peer);
        this.running(cmd.via);
        this.show(this.net.join(cmd.peer, cmd.via));
        return true;
      case 'init':
        this.refuseRunning(cmd.peer);
        this.show(this.net.init(cmd.peer, cmd.first, cmd.second));
        return true;
      case 'peers':
        this.write(`Running: ${this.net.ring().join(' ') || 'none'}`);
        return true;
      case 'pings':
        this.pings = cmd.on;
        this.write(`Ping lines ${cmd.on ? 'shown' : 'hidden'}.`);
        return true;
      case 'ring':
        for (const line of await this.ring()) this.write(line);
        return true;
    }
  }

  /** The running peer `id`; throws ERR_NOT_RUNNING, naming the running ones, when there is none. */
  private running(id: number): ChildPeer {
    const peer = this.net.peers.get(id);
    if (peer === undefined || !peer.running) {
      throw new P2PError('ERR_NOT_RUNNING', `no running peer ${id}; running: ${this.net.ring().join(' ') || 'none'}`);
    }
    return peer;
  }

  private refuseRunning(id: number): void {
    if (this.net.peers.get(id)?.running === true) {
      throw new P2PError('ERR_DUPLICATE_ID', `peer ${id} is already running: kill it or type "${id}> quit" first`);
    }
  }

  /** Asks every running peer for its snapshot and reads the ring from them. */
  private async ring(): Promise<string[]> {
    const running = this.net.ring();
    const waitMs = snapshotWaitMs(this.net.opts.pingSeconds);
    const views = await Promise.all(
      running.map(async (id): Promise<RingView | undefined> => {
        const peer = this.net.get(id);
        const mark = peer.mark();
        this.asked.set(peer, (this.asked.get(peer) ?? 0) + 1);
        peer.type('status --json');
        try {
          const event = await peer.waitForKind('status', waitMs, mark);
          return JSON.parse(event.line ?? '') as RingView;
        } catch {
          this.asked.set(peer, 0); // a late answer is shown, not hidden
          return undefined;
        }
      }),
    );
    return formatRing(
      views.filter((v): v is RingView => v !== undefined),
      running,
    );
  }
}

/** Runs the prompt until `exit` or end of input; resolves with the exit code. */
export async function runInteractive(opts: InteractiveOptions): Promise<number> {
  const out = opts.out ?? process.stdout;
  const net = new PeerNetwork(opts);
  const prompt = new Prompt(net, out, opts.pings === true);
  for (const [id, s1, s2] of COURSE_PEERS) prompt.show(net.init(id, s1, s2));
  prompt.write(
    `Example ring 2 4 5 8 9 14 19 is starting (files in ${opts.dir}); ping lines are ${opts.pings === true ? 'shown' : 'hidden (pings on shows them)'}.`,
  );
  prompt.write(PROMPT_HELP);
  const rl = createInterface({ input: opts.input ?? process.stdin, output: out, prompt: 'p2p> ' });
  rl.on('SIGINT', () => rl.close()); // Ctrl-C at the prompt: leave as `exit` does, the peers stopped
  rl.prompt();
  for await (const raw of rl) {
    let more = true;
    try {
      more = await prompt.run(parsePromptLine(raw));
    } catch (err) {
      prompt.write(errorLineOf(err));
    }
    if (!more) break;
    rl.prompt();
  }
  rl.close();
  await net.stopAll();
  return 0;
}
