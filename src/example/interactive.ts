/**
 * `p2p example --interactive`: the example ring stays up behind a prompt.
 *   8> store 2067     types "store 2067" into peer 8
 *   kill 14           ends peer 14 abruptly (SIGKILL)
 *   start 15 join 4   starts peer 15, joining through peer 4
 *   start 3 init 4 5  starts peer 3 with successors 4 and 5
 *   peers             lists the running peers
 *   exit              stops every peer and leaves
 * Every line a peer prints is shown as it comes, labelled by peer.
 */
import { createInterface } from 'node:readline';
import { PeerNetwork, type NetworkOptions } from '../testnet/network.js';
import type { ChildPeer } from '../testnet/child-peer.js';
import { COURSE_PEERS } from '../model/walkthrough.js';

const HELP = `Commands: <peer>> <command> (e.g. "8> store 2067"), kill <peer>, start <peer> join <known>,
start <peer> init <s1> <s2>, peers, help, exit`;

/** Runs the prompt until `exit` or end of input; resolves with the exit code. */
export async function runInteractive(opts: NetworkOptions): Promise<number> {
  const net = new PeerNetwork(opts);
  const show = (peer: ChildPeer): void => {
    peer.onLine((l) => process.stdout.write(`[${peer.id}]${l.stream === 'stderr' ? '!' : ''} ${l.text}\n`));
    void peer.exited.then((code) => process.stdout.write(`[${peer.id}] exited (${code ?? 'killed'})\n`));
  };
  for (const [id, s1, s2] of COURSE_PEERS) show(net.init(id, s1, s2));
  process.stdout.write(`Example ring 2 4 5 8 9 14 19 is starting (files in ${opts.dir}).\n${HELP}\n`);
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'p2p> ' });
  rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    const typed = /^(\d+)>\s*(.*)$/.exec(line);
    const words = line.split(/\s+/);
    try {
      if (typed !== null) {
        net.get(Number(typed[1])).type(typed[2] ?? '');
      } else if (words[0] === 'kill' && words.length === 2) {
        net.get(Number(words[1])).kill('SIGKILL');
      } else if (words[0] === 'start' && words[2] === 'join' && words.length === 4) {
        show(net.join(Number(words[1]), Number(words[3])));
      } else if (words[0] === 'start' && words[2] === 'init' && words.length === 5) {
        show(net.init(Number(words[1]), Number(words[3]), Number(words[4])));
      } else if (words[0] === 'peers') {
        process.stdout.write(`Running: ${net.ring().join(' ')}\n`);
      } else if (words[0] === 'exit' || words[0] === 'quit') {
        break;
      } else if (line !== '') {
        process.stdout.write(`${HELP}\n`);
      }
    } catch (err) {
      process.stdout.write(`${err instanceof Error ? err.message : String(err)}\n`);
    }
    rl.prompt();
  }
  rl.close();
  await net.stopAll();
  return 0;
}
