/**
 * A live ring of hundreds or thousands of peers in one `p2p host` process,
 * or spread over several (`hosts`: peer i of the ring in host i mod hosts,
 * each started with `--ring` so that every peer gets its true successors
 * wherever they live); in a host the five roles serve every peer, and
 * peers still talk over their own sockets. Brought to the simulator's
 * perfect state like LiveRing
 * (live-network.ts): true successor lists, true predecessors and, under
 * Chord, perfect fingers. The host starts every peer with its true
 * successors; predecessors come from pings, fingers from fix-fingers.
 *
 * Lookups are typed at the host's prompt (`ORIGIN> lookup KEY`) and timed
 * to the origin's 'lookup' event on the host's event stream (fd 3), which
 * carries every peer's events tagged with its ID.
 */
import { isP2PError } from '../src/errors.js';
import type { AddressPlan } from '../src/protocol/peer-ref.js';
import { ChildPeer } from '../src/testnet/child-peer.js';
import { successorList } from '../src/routing/ring.js';
import type { PeerEvent } from '../src/runtime/events.js';
import {
  delay,
  ExitWatch,
  sameList,
  sendSuccessorList,
  viewFault,
  type LiveLookup,
  type LiveRingOptions,
  type LiveRingSetup,
  type LookupRing,
} from './live-network.js';

/** The highest port a benchmark uses: below Linux's ephemeral range. */
const MAX_BENCH_PORT = 32767;

/** The kinds whose latest fields decide whether a view is perfect. */
const VIEW_KINDS = new Set(['successors-changed', 'predecessor-changed', 'fingers-changed']);

/** A ring of peers in one host process, in the simulator's perfect state. */
export class HostedRing implements LookupRing {
  readonly setup: LiveRingSetup = { bootMs: 0, settleMs: 0, listsInstalled: 0, startupDeaths: 0 };
  private readonly exits = new ExitWatch();
  /** Which host runs each peer (index into hosts). */
  private readonly hostOf = new Map<number, number>();
  /** Per peer, the fields of its latest event of each VIEW_KINDS kind. */
  private readonly views = new Map<number, Map<string, Readonly<Record<string, unknown>>>>();
  private readonly pinged = new Set<number>();
  private deaths = 0;

  private constructor(
    readonly hosts: readonly ChildPeer[],
    readonly opts: LiveRingOptions,
    readonly plan: AddressPlan,
  ) {
    for (const host of hosts) host.onEvent((e) => this.see(e));
    opts.ids.forEach((id, i) => this.hostOf.set(id, i % hosts.length));
  }

  /** Starts the host processes (`hosts`, default 1) and waits until every view is perfect; stops them if that fails. */
  static async start(opts: LiveRingOptions, hosts = 1, extraArgs: readonly string[] = []): Promise<HostedRing> {
    const { ids, mode, r, idBits } = opts;
    if (ids.length < 3) throw new RangeError(`a live ring needs at least 3 peers, got ${ids.length}`);
    const common = ['--ping', String(opts.pingSeconds), '--routing', mode, '--successors', String(r)];
    common.push('--id-bits', String(idBits), '--port-base', String(opts.portBase), ...extraArgs);
    // IDs too wide for PORT_BASE + ID below the ephemeral range: an address per peer instead.
    const plan: AddressPlan = opts.portBase + 2 ** idBits - 1 > MAX_BENCH_PORT ? 'ip' : 'port';
    if (plan === 'ip') common.push('--ip-per-peer');
    const count = Math.max(1, Math.min(hosts, ids.length));
    const processes = Array.from({ length: count }, (_, k): ChildPeer => {
      const mine = ids.filter((_id, i) => i % count === k);
      const ring = count > 1 ? ['--ring', ids.join(',')] : [];
      return new ChildPeer(-1 - k, ['host', '--ids', mine.join(','), ...ring, ...common], { cwd: opts.dir });
    });
    const ring = new HostedRing(processes, opts, plan);
    for (const host of processes) ring.exits.watch(host);
    try {
      const t0 = performance.now();
      await ring.waitUntil(
        () => ring.pinged.size === ids.length,
        () => `${ids.length - ring.pinged.size} peers to ping`,
      );
      ring.setup.bootMs = performance.now() - t0;
      const t1 = performance.now();
      await ring.settle();
      ring.setup.settleMs = performance.now() - t1;
      ring.setup.startupDeaths = ring.deaths;
      return ring;
    } catch (err) {
      await ring.stop();
      throw err;
    }
  }

  /** Each host's event count: pass to eventKindsSince and deathsSince. */
  marks(): Map<number, number> {
    return new Map(this.hosts.map((h, k) => [k, h.mark()]));
  }

  /** The events of every host since `marks`. */
  private eventsSince(marks: ReadonlyMap<number, number>): PeerEvent[] {
    return this.hosts.flatMap((h, k) => h.events.slice(marks.get(k) ?? 0));
  }

  /** The host process that runs peer `id`. */
  hostFor(id: number): ChildPeer {
    const host = this.hosts[this.hostOf.get(id) ?? -1];
    if (host === undefined) throw new RangeError(`peer ${id} is not in this ring`);
    return host;
  }

  /** Types `ID> COMMAND` at peer `id`'s host. */
  typeAt(id: number, command: string): void {
    this.hostFor(id).type(`${id}> ${command}`);
  }

  /** Kills the peers `ids` at once (`kill ID` at their hosts, all typed before any is handled). */
  kill(ids: readonly number[]): void {
    const byHost = new Map<ChildPeer, string[]>();
    for (const id of ids) {
      const host = this.hostFor(id);
      byHost.set(host, [...(byHost.get(host) ?? []), `kill ${id}`]);
    }
    for (const [host, lines] of byHost) host.write(`${lines.join('\n')}\n`);
  }

  /**
   * Types `lookup KEY` at `origin`; resolves with its answer, or undefined
   * when the peer reports the lookup failed or nothing comes within `ms`.
   */
  async tryLookup(origin: number, key: number, ms: number): Promise<LiveLookup | undefined> {
    const host = this.hostFor(origin);
    const t0 = performance.now();
    const ended = host.waitFor(
      (e) =>
        e.peer === origin &&
        ((e.kind === 'lookup' && e.fields?.['key'] === key) || (e.kind === 'command-failed' && e.fields?.['input'] === `lookup ${key}`)),
      ms,
      `lookup ${key} from ${origin}`,
      host.mark(),
    );
    host.type(`${origin}> lookup ${key}`);
    // Nothing within `ms` is an unanswered lookup; a host that exits is the harness's error.
    const e = await this.exits.race(ended).catch((err: unknown) => {
      if (isP2PError(err, 'ERR_TIMEOUT')) return undefined;
      throw err;
    });
    if (e?.kind !== 'lookup') return undefined;
    return { owner: Number(e.fields?.['owner']), hops: e.hops ?? -1, path: [...(e.path ?? [])], ms: performance.now() - t0 };
  }

  /** Types `ORIGIN> lookup KEY` at the origin's host and waits for the origin's answer; rejects when it fails or none comes. */
  async lookup(origin: number, key: number): Promise<LiveLookup> {
    const answer = await this.tryLookup(origin, key, this.opts.deadlineMs);
    if (answer === undefined) throw new Error(`lookup ${key} from ${origin}: failed, or no answer within ${this.opts.deadlineMs} ms`);
    return answer;
  }

  /** Successors declared dead by any peer since `marks`. */
  deathsSince(marks: ReadonlyMap<number, number>): number {
    return this.eventsSince(marks).filter((e) => e.kind === 'peer-dead').length;
  }

  /** Events of every peer since `marks`, counted by kind, leaving out `routine` kinds. */
  eventKindsSince(marks: ReadonlyMap<number, number>, routine: ReadonlySet<string>): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.eventsSince(marks)) if (!routine.has(e.kind)) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    return counts;
  }

  /** Waits out the intervals a peer routes around one it could not reach, then until every view is perfect again. */
  async resettle(): Promise<void> {
    await this.exits.race(delay(5 * this.opts.pingSeconds * 1000));
    await this.settle();
  }

  /** Stops the hosts (SIGTERM, then SIGKILL after 5 s). */
  async stop(): Promise<void> {
    this.exits.stop();
    await Promise.all(
      this.hosts.map(async (host) => {
        if (!host.running) return;
        host.kill('SIGTERM');
        const killed = setTimeout(() => host.kill('SIGKILL'), 5000);
        await host.closed;
        clearTimeout(killed);
      }),
    );
  }

  private see(e: PeerEvent): void {
    if (e.kind === 'ping-sent') this.pinged.add(e.peer);
    else if (e.kind === 'peer-dead') this.deaths += 1;
    else if (VIEW_KINDS.has(e.kind)) {
      let kinds = this.views.get(e.peer);
      if (kinds === undefined) this.views.set(e.peer, (kinds = new Map<string, Readonly<Record<string, unknown>>>()));
      kinds.set(e.kind, e.fields ?? {});
    }
  }

  /** Polls `done` every 100 ms until the deadline (or the host's exit). */
  private async waitUntil(done: () => boolean, left: () => string): Promise<void> {
    const deadline = Date.now() + this.opts.deadlineMs;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`${this.opts.ids.length} peers in ${this.hosts.length} host(s): still ${left()} after ${this.opts.deadlineMs} ms`);
      this.opts.onNote?.(`waiting for ${left()}`);
      await this.exits.race(delay(100));
    }
  }

  /** Waits until every view is perfect, handing over true successor lists where they are wrong (as LiveRing does). */
  private async settle(): Promise<void> {
    const { ids, r } = this.opts;
    const timeoutMs = Math.min(1000, Math.max(200, this.opts.pingSeconds * 1000));
    const truth = (id: number): number[] => successorList(ids, id, r);
    const view = (id: number, kind: string): Readonly<Record<string, unknown>> | undefined => this.views.get(id)?.get(kind);
    const listOk = (id: number): boolean => sameList(view(id, 'successors-changed')?.['successors'], truth(id));
    // Why a peer's view is not perfect yet (undefined: it is), for the error at the deadline.
    const why = (id: number): string | undefined => viewFault(this.opts, id, (kind) => view(id, kind));
    let lastInstall = -Infinity;
    let notYet: number[] = [];
    await this.waitUntil(
      () => {
        notYet = ids.filter((id) => why(id) !== undefined);
        const wrong = ids.filter((id) => view(id, 'successors-changed') !== undefined && !listOk(id));
        if (wrong.length > 0 && Date.now() - lastInstall > 3 * timeoutMs + 500) {
          lastInstall = Date.now();
          this.setup.listsInstalled += wrong.length;
          for (const id of wrong) void sendSuccessorList(this.opts.portBase, id, truth(id), this.plan).catch(() => undefined);
        }
        return notYet.length === 0;
      },
      () => `${notYet.length} peer views (${notYet.slice(0, 2).map(why).join('; ')}${notYet.length > 2 ? '; ...' : ''})`,
    );
  }
}
