/**
 * The consumer: drains the ring queue and runs each request's service.
 * It sleeps with Atomics.waitAsync when the queue is empty, so its event
 * loop keeps serving sockets, timers, the transfer pool and the control
 * channel; a record landing wakes it at once.
 */
import type { MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import '../runtime/comlink-errors.js';
import { LinkPool } from '../net/link-pool.js';
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

/** What the coordinator, tests, the CLI and the benchmarks may call on a running consumer. */
export interface ConsumerApi {
  /** The peer's state now. */
  snapshot(): Promise<PeerSnapshot>;
  /** Runs a typed command line, as if typed; resolves when its work is done. */
  run(line: string): Promise<void>;
  /** Sends this peer's join request to its known peer. */
  join(): Promise<void>;
  /** The `fingers` text. */
  fingers(): string;
  /** Looks up the owner of a key from this peer. */
  lookup(key: number): Promise<LookupResult>;
}

function queueStats(queue: RingQueue): QueueStats {
  return {
    depthBytes: queue.depthBytes,
    highWaterBytes: queue.highWaterBytes,
    capacityBytes: queue.capacity,
    recordsPopped: queue.recordsPopped,
  };
}

/** Starts the consumer role. */
export function startConsumer(ctx: RoleContext): RunningRole {
  const { config, controlPort } = ctx.data;
  const transfers = new TransferPool({
    host: config.self.host,
    dataDir: config.dataDir,
    self: config.self.id,
    queueBuffer: ctx.data.queueBuffer,
  });
  // Connections to the peers this one talks to stay open (net/link-pool.ts).
  const links = new LinkPool();
  const node = new PeerNode(config, {
    emit: ctx.emit,
    state: ctx.state,
    send: (to, req) => links.send(to, req),
    transfers,
    requestExit: (code, reason) => ctx.post({ kind: 'exit', code, reason }),
    fault: ctx.fault,
  });
  const dispatch: DispatchContext = { queueStats: () => queueStats(ctx.queue) };
  if (controlPort !== undefined) exposeControl(controlPort, node, dispatch);

  const loop = async (): Promise<void> => {
    while (!ctx.queue.closed) {
      await ctx.queue.waitForData();
      try {
        ctx.queue.drain((view) => dispatchRecord(node, dispatch, view));
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
  let chord: { stop(): void } | undefined;
  let replication: { stop(): void } | undefined;
  let successorList: { stop(): void } | undefined;
  // Predecessors that stopped pinging are forgotten (PeerNode.expirePredecessors), in every routing mode.
  let expiry: { stop(): void } | undefined;
  // One timer for all of the periodic upkeep above (upkeep/upkeep-clock.ts).
  let clock: UpkeepClock | undefined;
  return {
    // Maintenance sends to other peers: it waits until every role is up.
    begin: () => {
      if (node.stopping || replication !== undefined) return;
      clock = new UpkeepClock({ intervalMs: config.pingIntervalMs, fault: ctx.fault });
      chord = config.routing === 'chord' ? startChordMaintenance(node, clock) : undefined;
      replication = startReplication(node, clock);
      successorList = startSuccessorListUpkeep(node, clock);
      expiry = startPredecessorExpiry(node, clock);
    },
    close: async () => {
      node.beginStop();
      clock?.stop();
      chord?.stop();
      expiry?.stop();
      successorList?.stop();
      replication?.stop();
      ctx.queue.close();
      await running;
      links.close();
      controlPort?.close();
      await transfers.close();
    },
  };
}

function exposeControl(port: MessagePort, node: PeerNode, dispatch: DispatchContext): void {
  const api: ConsumerApi = {
    snapshot: () => snapshotOf(node, dispatch.queueStats()),
    run: (line) => runCommand(node, dispatch, line),
    join: async () => {
      const known = node.config.knownPeer;
      if (known === undefined) throw new Error('this peer was not started with join');
      await startJoin(node, known);
    },
    fingers: () => formatFingers(node),
    lookup: (key) => lookup(node, key),
  };
  Comlink.expose(api, nodeEndpoint(port));
}
