/**
 * The consumer: drains the ring queue and runs each request's service.
 * It sleeps with Atomics.waitAsync when the queue is empty, so its event
 * loop keeps serving sockets, timers, the transfer pool and the control
 * channel; a record landing wakes it at once.
 *
 * It holds every peer of its process (one for init and join, many for
 * `p2p host`): each record goes to the peer it is for (codec.ts,
 * recordPeer), every peer's periodic upkeep shares one clock, and its
 * transfers share one pool.
 */
import type { MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import '../runtime/comlink-errors.js';
import { hostKeptLinks, LinkPool } from '../net/link-pool.js';
import type { RingQueue } from '../queue/ring-queue.js';
import type { RoleContext, RunningRole } from './role-host.js';
import { dispatchRecord, runCommand, type DispatchContext } from '../handlers/dispatch.js';
import { formatFingers } from '../handlers/fingers.js';
import { startChordMaintenance } from '../upkeep/stabilize.js';
import { startPredecessorExpiry } from '../upkeep/membership.js';
import { UpkeepClock } from '../upkeep/upkeep-clock.js';
import { startJoin } from '../handlers/join.js';
import { lookup, type LookupResult } from '../upkeep/lookup.js';
import { PeerNode } from '../node/peer-node.js';
import { startReplication } from '../upkeep/replication.js';
import { startSuccessorListUpkeep } from '../upkeep/successor-list.js';
import { snapshotOf, type PeerSnapshot, type QueueStats } from '../handlers/snapshot.js';
import { TransferPool } from '../transfer/pool.js';
import { recordPeer } from '../protocol/codec.js';
import { P2PError } from '../errors.js';
import type { PeerConfig } from '../node/config.js';

/**
 * What the coordinator, tests, the CLI and the benchmarks may call on a
 * running consumer. `peer` picks one peer of a host; left out, the first.
 */
export interface ConsumerApi {
  /** The peer's state now. */
  snapshot(peer?: number): Promise<PeerSnapshot>;
  /** Runs a typed command line, as if typed; resolves when its work is done. */
  run(line: string, peer?: number): Promise<void>;
  /** Sends this peer's join request to its known peer. */
  join(peer?: number): Promise<void>;
  /** The `fingers` text. */
  fingers(peer?: number): string;
  /** Looks up the owner of a key from this peer. */
  lookup(key: number, peer?: number): Promise<LookupResult>;
  /** The peers this consumer holds now, by ID. */
  peers(): number[];
}

/** One peer the consumer holds, and what runs for it. */
interface Hosted {
  readonly node: PeerNode;
  readonly links: LinkPool;
  readonly transfers: TransferPool;
  /** Its periodic upkeep (each removes its tasks from the shared clock). */
  upkeep: { stop(): void }[];
  /** Killed: it sends, prints and publishes nothing more. */
  dead: boolean;
}

function queueStats(queue: RingQueue): QueueStats {
  return {
    depthBytes: queue.depthBytes,
    highWaterBytes: queue.highWaterBytes,
    capacityBytes: queue.capacity,
    recordsPopped: queue.recordsPopped,
  };
}

/** Starts the consumer role: one PeerNode per peer of the process. */
export function startConsumer(ctx: RoleContext): RunningRole {
  const { peers, controlPort } = ctx.data;
  const firstConfig = peers[0];
  if (firstConfig === undefined) throw new Error('a consumer needs at least one peer');
  // One transfer pool (piscina, made at the first transfer) serves every peer.
  const pool = new TransferPool({
    host: firstConfig.self.host,
    dataDir: firstConfig.dataDir,
    self: firstConfig.self.id,
    queueBuffer: ctx.data.queueBuffer,
  });
  const hosted = new Map<number, Hosted>();
  const first = firstConfig.self.id;
  const dispatch: DispatchContext = { queueStats: () => queueStats(ctx.queue) };
  // One timer for the periodic upkeep of every peer (upkeep/upkeep-clock.ts),
  // made at `begin`: maintenance sends to other peers, so it waits until every role is up.
  let clock: UpkeepClock | undefined;

  const upkeepOf = (node: PeerNode, c: UpkeepClock): { stop(): void }[] => [
    ...(node.config.routing === 'chord' ? [startChordMaintenance(node, c)] : []),
    startReplication(node, c),
    startSuccessorListUpkeep(node, c),
    // Predecessors that stopped pinging are forgotten (PeerNode.expirePredecessors), in every routing mode.
    startPredecessorExpiry(node, c),
  ];

  const add = (config: PeerConfig, slot: number): Hosted => {
    const id = config.self.id;
    // Connections to the peers this one talks to stay open (net/link-pool.ts).
    const links = new LinkPool(ctx.data.host ? hostKeptLinks(ctx.data.peers.length) : undefined);
    const emit = ctx.emitFor(id);
    const transfers = id === first ? pool : pool.forPeer(id, config.dataDir, config.self.host);
    const h: Hosted = {
      node: undefined as unknown as PeerNode,
      links,
      transfers,
      upkeep: [],
      dead: false,
    };
    const node = new PeerNode(config, {
      // A killed peer of a host says nothing more, and reaches nobody.
      emit: (kind, line, details) => {
        if (!h.dead) emit(kind, line, details);
      },
      state: ctx.state.forSlot(slot),
      send: (to, req) => (h.dead ? Promise.reject(new P2PError('ERR_UNREACHABLE', `peer ${id} was killed`)) : links.send(to, req)),
      transfers,
      requestExit: (code, reason) => ctx.post({ kind: 'exit', peer: id, code, reason }),
      fault: ctx.fault,
    });
    (h as { node: PeerNode }).node = node;
    hosted.set(id, h);
    if (clock !== undefined) h.upkeep = upkeepOf(node, clock);
    return h;
  };
  peers.forEach((config, slot) => add(config, slot));

  /** The peer a record or a call is for (undefined: the first); undefined when it is not held here. */
  const find = (peer: number | undefined): Hosted | undefined => hosted.get(peer ?? first);
  if (controlPort !== undefined) exposeControl(controlPort, find, () => [...hosted.keys()], dispatch);

  const route = (view: Uint8Array): void => {
    const h = find(recordPeer(view));
    // A record for a peer that has left this process (a frame that came in
    // before its port closed) has nobody to handle it.
    if (h === undefined || h.dead) return;
    dispatchRecord(h.node, dispatch, view);
  };
  const loop = async (): Promise<void> => {
    while (!ctx.queue.closed) {
      await ctx.queue.waitForData();
      try {
        ctx.queue.drain(route);
      } catch (err) {
        // dispatchRecord reports every failure itself; one that escapes it
        // is a bug, and costs one record (drain counts it as consumed), not
        // the peer.
        ctx.fault(err, 'dispatch');
      }
    }
  };
  // A loop that breaks leaves nobody to drain the queue: end the peer loudly
  // rather than hang silently.
  const running = loop().catch((err: unknown) => ctx.fatal(err));
  const stopOne = (h: Hosted): void => {
    h.node.beginStop();
    for (const u of h.upkeep) u.stop();
    h.upkeep = [];
  };
  return {
    begin: () => {
      if (clock !== undefined) return;
      clock = new UpkeepClock({ intervalMs: firstConfig.pingIntervalMs, fault: ctx.fault });
      for (const h of hosted.values()) if (!h.node.stopping) h.upkeep = upkeepOf(h.node, clock);
    },
    drop: async (peer, abrupt) => {
      const h = hosted.get(peer);
      if (h === undefined) return;
      hosted.delete(peer);
      h.dead = abrupt;
      stopOne(h);
      h.links.close();
      if (h.transfers !== pool) await h.transfers.close();
    },
    add: (config, slot) => {
      if (hosted.has(config.self.id)) throw new Error(`peer ${config.self.id} is already running here`);
      add(config, slot);
    },
    close: async () => {
      for (const h of hosted.values()) {
        // A host stops with its last peer, or all at once: peers still held
        // then are gone with it, and their half-done sends are not worth a
        // line each. A lone peer says what it has to until the end.
        if (ctx.data.host) h.dead = true;
        stopOne(h);
      }
      clock?.stop();
      ctx.queue.close();
      await running;
      for (const h of hosted.values()) h.links.close();
      controlPort?.close();
      await pool.close();
    },
  };
}

function exposeControl(
  port: MessagePort,
  find: (peer: number | undefined) => Hosted | undefined,
  ids: () => number[],
  dispatch: DispatchContext,
): void {
  const node = (peer: number | undefined): PeerNode => {
    const h = find(peer);
    if (h === undefined) throw new P2PError('ERR_BAD_ARGUMENT', `peer ${peer ?? '?'} is not running in this process`);
    return h.node;
  };
  const api: ConsumerApi = {
    snapshot: (peer) => snapshotOf(node(peer), dispatch.queueStats()),
    run: (line, peer) => runCommand(node(peer), dispatch, line),
    join: async (peer) => {
      const n = node(peer);
      const known = n.config.knownPeer;
      if (known === undefined) throw new Error(`peer ${n.id} was not started with join`);
      await startJoin(n, known);
    },
    fingers: (peer) => formatFingers(node(peer)),
    lookup: (key, peer) => lookup(node(peer), key),
    peers: ids,
  };
  Comlink.expose(api, nodeEndpoint(port));
}
