/**
 * The chaos run's peers: child processes on one host (`PeerNetwork`), each
 * with its own data directory, and what the harness knows that the peers do
 * not: which peers it froze, and whether an exit was its doing (a kill, a
 * Quit, the final stop) or a crash. Every incarnation of every ID is kept,
 * so its transcript outlives it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ChildPeer } from '../testnet/child-peer.js';
import { PeerNetwork } from '../testnet/network.js';
import { successorList } from '../routing/ring.js';
import type { RoutingMode } from '../routing/types.js';

/** Why a peer ended, as the harness caused it. */
export const EXIT_CAUSES = { killed: 'killed', quit: 'quit', stopped: 'stopped' } as const;
type ExitCause = (typeof EXIT_CAUSES)[keyof typeof EXIT_CAUSES];

/** One run of one ID. */
export interface Incarnation {
  readonly id: number;
  /** 1 for the first run of this ID, 2 for its first restart... */
  readonly n: number;
  readonly peer: ChildPeer;
  /** Seconds since the run began. */
  readonly startedS: number;
  /** Accepted into the ring: started by `init`, or its join was accepted. */
  joined: boolean;
  /** Set before the harness ends it; unset when it ended by itself. */
  cause?: ExitCause | undefined;
  exitCode?: number | null | undefined;
}

/** A peer that ended without the harness ending it. */
export interface Crash {
  readonly id: number;
  readonly incarnation: number;
  readonly code: number | null;
  /** Seconds since the run began. */
  readonly atS: number;
  /** Its last stderr lines. */
  readonly stderr: readonly string[];
}

/** Options of the network. */
export interface ChaosNetworkOptions {
  readonly dir: string;
  readonly portBase: number;
  readonly pingSeconds: number;
  readonly routing: RoutingMode;
  readonly successors: number;
  /** Date.now() at the start of the run. */
  readonly t0: number;
  /** Told of each crash as it happens. */
  readonly onCrash?: (crash: Crash) => void;
}

/** The peers of a chaos run. */
export class ChaosNetwork {
  readonly net: PeerNetwork;
  readonly incarnations: Incarnation[] = [];
  readonly crashes: Crash[] = [];
  private readonly frozen = new Set<number>();

  constructor(readonly opts: ChaosNetworkOptions) {
    this.net = new PeerNetwork({
      dir: opts.dir,
      portBase: opts.portBase,
      pingSeconds: opts.pingSeconds,
      extraArgs: ['--routing', opts.routing, '--successors', String(opts.successors)],
    });
  }

  /** Seconds since the run began. */
  elapsedS(): number {
    return (Date.now() - this.opts.t0) / 1000;
  }

  /** Data directory of peer `id` (kept across its restarts). */
  dataDir(id: number): string {
    return path.join(this.opts.dir, 'peers', `peer-${id}`);
  }

  /** IDs of the running peers (frozen ones too), ascending. */
  ring(): number[] {
    return this.net.ring();
  }

  /** Running, not frozen, and in the ring: peers that answer typed commands. */
  steady(): number[] {
    return this.ring().filter((id) => !this.frozen.has(id) && this.current(id)?.joined === true);
  }

  /** Frozen now. */
  isFrozen(id: number): boolean {
    return this.frozen.has(id);
  }

  /** The latest incarnation of `id`, if it ever ran. */
  current(id: number): Incarnation | undefined {
    return this.incarnations.findLast((i) => i.id === id);
  }

  /** The running peer `id`. */
  get(id: number): ChildPeer {
    return this.net.get(id);
  }

  /** `init id S1..Sr PING`, its successors the true ones of the running peers now. */
  async init(id: number): Promise<Incarnation> {
    const succ = successorList(
      this.ring().filter((x) => x !== id),
      id,
      this.opts.successors,
    );
    return this.start(id, ['init', String(id), ...succ.map(String)], true);
  }

  /** `init id S1..Sr PING` with the given successors (the first boot). */
  async initWith(id: number, successors: readonly number[]): Promise<Incarnation> {
    return this.start(id, ['init', String(id), ...successors.map(String)], true);
  }

  /** `join id via PING`; `joined` is set when the join is accepted. */
  async join(id: number, via: number): Promise<Incarnation> {
    const inc = await this.start(id, ['join', String(id), String(via)], false);
    inc.peer.onEvent((e) => {
      if (e.kind === 'join-accepted') inc.joined = true;
    });
    return inc;
  }

  /** SIGSTOP: every thread of the peer stops; its sockets stay open and unanswered. */
  freeze(id: number): void {
    this.frozen.add(id);
    this.get(id).kill('SIGSTOP');
  }

  /** SIGCONT. */
  thaw(id: number): void {
    this.frozen.delete(id);
    this.net.peers.get(id)?.kill('SIGCONT');
  }

  /** SIGKILL, the course's abrupt departure; resolves when it has ended. */
  async kill(id: number): Promise<void> {
    const inc = this.current(id);
    const peer = this.get(id);
    if (inc !== undefined) inc.cause = EXIT_CAUSES.killed;
    this.frozen.delete(id);
    peer.kill('SIGKILL');
    await peer.exited;
    this.net.forget(id);
  }

  /** Types `Quit`; resolves with the exit code, or undefined when it had not ended after `timeoutMs` (it is then killed). */
  async quit(id: number, timeoutMs: number): Promise<number | null | undefined> {
    const inc = this.current(id);
    const peer = this.get(id);
    if (inc !== undefined) inc.cause = EXIT_CAUSES.quit;
    peer.type('Quit');
    const code = await Promise.race([peer.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs).unref())]);
    if (peer.running) {
      peer.kill('SIGKILL');
      await peer.exited;
    }
    this.net.forget(id);
    return code;
  }

  /** Ends every peer (thawing frozen ones first, so that SIGTERM reaches them); SIGKILL after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    const running = [...this.net.peers.values()].filter((p) => p.running);
    for (const inc of this.incarnations) if (inc.peer.running) inc.cause = EXIT_CAUSES.stopped;
    for (const p of running) {
      p.kill('SIGCONT');
      p.kill('SIGTERM');
    }
    this.frozen.clear();
    const timer = setTimeout(() => running.forEach((p) => p.kill('SIGKILL')), graceMs);
    await Promise.all(running.map((p) => p.exited));
    clearTimeout(timer);
  }

  /** Writes every incarnation's events (`peer-ID.N.events.jsonl`) and printed lines (`peer-ID.N.log`) to `dir`. */
  async writeTranscripts(dir: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    for (const inc of this.incarnations) {
      const base = path.join(dir, `peer-${inc.id}.${inc.n}`);
      await fs.writeFile(`${base}.events.jsonl`, inc.peer.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      await fs.writeFile(`${base}.log`, inc.peer.transcript.map((l) => `${l.stream === 'stderr' ? '! ' : '  '}${l.text}`).join('\n') + '\n');
    }
  }

  private async start(id: number, args: readonly string[], joined: boolean): Promise<Incarnation> {
    await fs.mkdir(this.dataDir(id), { recursive: true });
    const peer = this.net.start(id, [...args, String(this.opts.pingSeconds), '--data-dir', this.dataDir(id)]);
    const n = this.incarnations.filter((i) => i.id === id).length + 1;
    const inc: Incarnation = { id, n, peer, startedS: this.elapsedS(), joined };
    this.incarnations.push(inc);
    void peer.exited.then((code) => {
      inc.exitCode = code;
      if (inc.cause !== undefined) return;
      const stderr = peer.transcript.filter((l) => l.stream === 'stderr').map((l) => l.text);
      const crash = { id, incarnation: n, code, atS: this.elapsedS(), stderr: stderr.slice(-20) };
      this.crashes.push(crash);
      this.opts.onCrash?.(crash);
    });
    return inc;
  }
}
