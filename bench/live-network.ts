/**
 * A live ring of real peer processes for benchmarks, started fast and
 * brought to the state the simulator assumes: every peer holds its true
 * successor list (r entries), knows its true predecessor and, in Chord mode,
 * its perfect fingers. Only then do hop counts mean anything next to the
 * simulator's.
 *
 * Start-up: `init ID S1 S2 PING` with the true first two successors, in
 * ascending ID order, at most `window` peers booting at once, so each peer's
 * successors boot right behind it (a successor that never answered is given
 * a grace period, STARTUP_GRACE_*, but a crowded machine can outlast it).
 *
 * Successor lists longer than two: peers start with the course's form of
 * `init` (two successors) and, for r > 2, the harness hands each peer its
 * true list at once with the protocol's own `update`/`successor-change`
 * message, the one a peer receives when the ring changes around it (peers
 * would also fill their lists themselves, quietly, within about r - 2 ping
 * intervals: src/upkeep/successor-list.ts). The same message repairs a list
 * that start-up broke (a successor declared dead while still booting); both
 * are counted in `setup`.
 */
import { PeerNetwork } from '../src/testnet/network.js';
import type { ChildPeer } from '../src/testnet/child-peer.js';
import { defaultRef, formatPeerRefs, type AddressPlan, type PeerRef } from '../src/protocol/peer-ref.js';
import { DEFAULT_IP_PER_PEER_BASE } from '../src/constants.js';
import { sendRequest } from '../src/net/tcp.js';
import { buildFingers } from '../src/routing/chord.js';
import { predecessorOf, successorList } from '../src/routing/ring.js';
import type { RoutingMode } from '../src/routing/types.js';

/** Options of a live ring. */
export interface LiveRingOptions {
  /** Peer IDs, ascending, distinct, at least 3. */
  readonly ids: readonly number[];
  readonly mode: RoutingMode;
  /** Successor list length (--successors). */
  readonly r: number;
  readonly idBits: number;
  readonly pingSeconds: number;
  readonly portBase: number;
  /** Working (and data) directory of every peer. */
  readonly dir: string;
  /** Deadline of every wait, in ms. */
  readonly deadlineMs: number;
  /** Peers booting at once (default 4). */
  readonly window?: number;
  /** Told what the start-up is waiting for. */
  readonly onNote?: (what: string) => void;
}

/** How the ring came up. */
export interface LiveRingSetup {
  /** From the first spawn to the last peer's first ping. */
  bootMs: number;
  /** From then until every view was perfect. */
  settleMs: number;
  /** Peers whose successor list the harness handed over (r > 2, or a list broken at start-up). */
  listsInstalled: number;
  /** Successors declared dead during start-up (each then repaired by an installed list). */
  startupDeaths: number;
}

/** One lookup as the live peer reported it. */
export interface LiveLookup {
  owner: number;
  hops: number;
  path: number[];
  /** From typing `lookup` to the 'lookup' event, in ms. */
  ms: number;
}

const HOST = '127.0.0.1';
let installStamp = 0;

/** The most recent event of `kind` (undefined when none). */
function latest(peer: ChildPeer, kind: string, test: (f: Record<string, unknown>) => boolean = () => true): Record<string, unknown> | undefined {
  for (let i = peer.events.length - 1; i >= 0; i--) {
    const e = peer.events[i];
    if (e?.kind === kind && test(e.fields ?? {})) return e.fields ?? {};
  }
  return undefined;
}

export const sameList = (a: unknown, b: readonly number[]): boolean =>
  Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Turns a peer's exit into an error at once: a wait raced against `alarm`
 * rejects, naming the peer, its exit code and its last lines, instead of
 * running to its deadline. Exits asked for (`expect`, or every exit after
 * `stop`) are not errors.
 */
export class ExitWatch {
  /** Rejects at the first unexpected exit; never resolves. */
  readonly alarm: Promise<never>;
  private fail: (err: Error) => void = () => undefined;
  private readonly expected = new Set<number>();
  private stopped = false;

  constructor() {
    this.alarm = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.alarm.catch(() => undefined); // nobody may be racing it when it fires
  }

  /** Watches `peer` from now on; returns it. */
  watch(peer: ChildPeer): ChildPeer {
    void peer.exited.then((code) => {
      if (this.stopped || this.expected.has(peer.id)) return;
      const tail = peer.transcript
        .slice(-4)
        .map((l) => l.text)
        .join(' | ');
      this.fail(new Error(`peer ${peer.id} exited (code ${String(code)}) during the benchmark; last lines: ${tail === '' ? '(none)' : tail}`));
    });
    return peer;
  }

  /** The exit of peer `id` is wanted (it is about to be killed). */
  expect(id: number): void {
    this.expected.add(id);
  }

  /** Every exit from now on is wanted (the harness is stopping the peers). */
  stop(): void {
    this.stopped = true;
  }

  /** `wait`, or the first unexpected exit, whichever comes first. */
  race<T>(wait: Promise<T>): Promise<T> {
    return Promise.race([wait, this.alarm]);
  }
}

/** What the lookup runs (live-lookups.ts) need of a live ring, of child peers or of one host. */
export interface LookupRing {
  readonly setup: LiveRingSetup;
  /** Where each event stream is now: pass to eventKindsSince and deathsSince. */
  marks(): Map<number, number>;
  /** Types `lookup KEY` at `origin` and waits for its answer. */
  lookup(origin: number, key: number): Promise<LiveLookup>;
  /** After a disturbance: waits until every view is perfect again. */
  resettle(): Promise<void>;
  eventKindsSince(marks: ReadonlyMap<number, number>, routine: ReadonlySet<string>): Record<string, number>;
  deathsSince(marks: ReadonlyMap<number, number>): number;
  stop(): Promise<void>;
}

/**
 * What is not yet perfect in the view peer `id` last reported (`latest`
 * gives the fields of its latest event of a kind): its successor list, its
 * first predecessor or, under Chord, its fingers; undefined when perfect.
 */
export function viewFault(
  ring: Pick<LiveRingOptions, 'ids' | 'mode' | 'r' | 'idBits'>,
  id: number,
  latest: (kind: string) => Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  const { ids, mode, r, idBits } = ring;
  const successors = latest('successors-changed')?.['successors'];
  const truth = successorList(ids, id, r);
  if (!sameList(successors, truth)) return `${id}: successors ${JSON.stringify(successors)}, true ${truth.join(',')}`;
  const preds = latest('predecessor-changed')?.['predecessors'];
  const pred = predecessorOf(ids, id);
  if (!Array.isArray(preds) || preds[0] !== pred) return `${id}: predecessors ${JSON.stringify(preds)}, true ${pred}`;
  if (mode !== 'chord') return undefined;
  const fingers = latest('fingers-changed')?.['fingers'];
  const want = buildFingers(ids, id, idBits);
  return sameList(fingers, want) ? undefined : `${id}: fingers ${JSON.stringify(fingers)}, true ${want.join(',')}`;
}

/** A ring of child peers in the simulator's perfect state. */
export class LiveRing implements LookupRing {
  /** Peers' exits: any but a `kill` stops the harness's waits at once. */
  readonly exits = new ExitWatch();

  private constructor(
    readonly net: PeerNetwork,
    readonly opts: LiveRingOptions,
    readonly setup: LiveRingSetup,
  ) {}

  /** Starts the peers and waits until every view is perfect; stops them all if that fails. */
  static async start(opts: LiveRingOptions): Promise<LiveRing> {
    const { ids, mode, r, idBits } = opts;
    if (ids.length < 3) throw new RangeError(`a live ring needs at least 3 peers, got ${ids.length}`);
    const net = new PeerNetwork({
      dir: opts.dir,
      portBase: opts.portBase,
      pingSeconds: opts.pingSeconds,
      extraArgs: ['--routing', mode, '--successors', String(r), '--id-bits', String(idBits)],
    });
    const ring = new LiveRing(net, opts, { bootMs: 0, settleMs: 0, listsInstalled: 0, startupDeaths: 0 });
    try {
      await ring.boot();
      const t0 = performance.now();
      await ring.settle();
      ring.setup.settleMs = performance.now() - t0;
      ring.setup.startupDeaths = [...net.peers.values()].reduce((k, p) => k + p.events.filter((e) => e.kind === 'peer-dead').length, 0);
      return ring;
    } catch (err) {
      ring.exits.stop();
      await net.stopAll();
      throw err;
    }
  }

  /** Every peer's event count. */
  marks(): Map<number, number> {
    return this.net.marks();
  }

  /** True successor list of `id` (what buildViews gives it). */
  truthSuccessors(id: number): number[] {
    return successorList(this.opts.ids, id, this.opts.r);
  }

  /** Types `lookup KEY` at `origin` and waits for its answer. */
  async lookup(origin: number, key: number): Promise<LiveLookup> {
    const peer = this.net.get(origin);
    const since = peer.mark();
    const t0 = performance.now();
    const pending = peer.waitForKind('lookup', this.opts.deadlineMs, since, { key });
    peer.type(`lookup ${key}`);
    const e = await this.exits.race(pending);
    const ms = performance.now() - t0;
    return { owner: Number(e.fields?.['owner']), hops: e.hops ?? -1, path: [...(e.path ?? [])], ms };
  }

  /** Successors declared dead by any peer since start-up finished (0 in a stable ring). */
  deathsSince(marks: ReadonlyMap<number, number>): number {
    let n = 0;
    for (const [id, p] of this.net.peers) n += p.events.slice(marks.get(id) ?? 0).filter((e) => e.kind === 'peer-dead').length;
    return n;
  }

  /**
   * After a disturbance: waits out the intervals a peer routes around one
   * it could not reach (4 ping intervals in src/node/peer-node.ts; 5 here),
   * then until every view is perfect again.
   */
  async resettle(): Promise<void> {
    await this.exits.race(delay(5 * this.opts.pingSeconds * 1000));
    await this.settle();
  }

  /** Events of every peer since `marks`, counted by kind, leaving out `routine` kinds. */
  eventKindsSince(marks: ReadonlyMap<number, number>, routine: ReadonlySet<string>): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [id, p] of this.net.peers) {
      for (const e of p.events.slice(marks.get(id) ?? 0)) {
        if (!routine.has(e.kind)) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
      }
    }
    return counts;
  }

  /** Kills peer `id` on purpose: its exit is not an error. */
  kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): void {
    this.exits.expect(id);
    this.net.get(id).kill(signal);
  }

  /** Stops every peer. */
  async stop(): Promise<void> {
    this.exits.stop();
    await this.net.stopAll();
  }

  private async boot(): Promise<void> {
    const { ids } = this.opts;
    const n = ids.length;
    const window = Math.max(1, this.opts.window ?? 4);
    const t0 = performance.now();
    const up = (id: number): Promise<unknown> => {
      const peer = this.net.get(id);
      const booted = peer.waitForKind('ping-sent', this.opts.deadlineMs).catch((err: unknown) => {
        const tail = peer.transcript
          .slice(-4)
          .map((l) => l.text)
          .join(' | ');
        throw new Error(`${err instanceof Error ? err.message : String(err)} (running: ${String(peer.running)}; last lines: ${tail})`);
      });
      return this.exits.race(booted);
    };
    for (let i = 0; i < n; i++) {
      const behind = ids[i - window];
      if (behind !== undefined) await up(behind);
      this.opts.onNote?.(`booting peer ${i + 1}/${n}`);
      const id = ids[i] as number;
      this.exits.watch(this.net.init(id, ids[(i + 1) % n] as number, ids[(i + 2) % n] as number));
    }
    await Promise.all(ids.map(up));
    this.setup.bootMs = performance.now() - t0;
  }

  /** Waits until every view is perfect, handing over true successor lists where they are wrong. */
  private async settle(): Promise<void> {
    const { ids, mode, deadlineMs } = this.opts;
    const timeoutMs = Math.min(1000, Math.max(200, this.opts.pingSeconds * 1000));
    const listOk = (id: number): boolean => sameList(latest(this.net.get(id), 'successors-changed')?.['successors'], this.truthSuccessors(id));
    const perfect = (id: number): boolean => viewFault(this.opts, id, (kind) => latest(this.net.get(id), kind)) === undefined;
    const deadline = Date.now() + deadlineMs;
    let lastInstall = -Infinity;
    for (;;) {
      const notYet = ids.filter((id) => !perfect(id));
      if (notYet.length === 0) break;
      if (Date.now() > deadline) {
        throw new Error(`${mode} ring of ${ids.length}: views of peers ${notYet.slice(0, 8).join(', ')} not perfect within ${deadlineMs} ms`);
      }
      // A wrong list (r > 2, or a successor declared dead while booting) gets the true one;
      // again only after any detection it may have raced with has landed. A list not
      // reported yet is not wrong: the consumer may announce it after the first ping.
      const wrong = ids.filter((id) => latest(this.net.get(id), 'successors-changed') !== undefined && !listOk(id));
      if (wrong.length > 0 && Date.now() - lastInstall > 3 * timeoutMs + 500) {
        await Promise.all(wrong.map((id) => this.installList(id)));
        this.setup.listsInstalled += wrong.length;
        lastInstall = Date.now();
      }
      this.opts.onNote?.(`waiting for ${notYet.length} peer views`);
      await this.exits.race(delay(100));
    }
  }

  /** Hands peer `id` its true successor list, as a successor-change update. */
  private async installList(id: number): Promise<void> {
    await sendSuccessorList(this.opts.portBase, id, this.truthSuccessors(id));
  }
}

/**
 * Hands peer `id` the successor list `ids`, as the protocol's successor-change
 * update; peers on 127.0.0.1, portBase + ID (or, `ip`, on 127.1.0.0 + ID, portBase).
 */
export async function sendSuccessorList(portBase: number, id: number, ids: readonly number[], plan: AddressPlan = 'port'): Promise<void> {
  const ref = (peer: number): PeerRef => defaultRef(peer, plan === 'ip' ? DEFAULT_IP_PER_PEER_BASE : HOST, portBase, plan);
  const list = ids.map(ref);
  installStamp += 1;
  await sendRequest(ref(id), {
    type: 'update',
    source: id,
    destination: id,
    stamp: `bench-${installStamp}`,
    content: {
      reason: 'successor-change',
      _firstID: String(list[0]?.id ?? ''),
      _secondID: String(list[1]?.id ?? ''),
      _succ: formatPeerRefs(list),
    },
  });
}

/** Resolves after `ms` (polling a ring into shape; the kill phase of the failure benchmark). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
