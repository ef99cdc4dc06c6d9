/** `status`: a peer's state for a person, or as JSON. */
import type { PeerRef } from '../protocol/peer-ref.js';
import type { RoleCounters } from '../runtime/peer-state.js';
import type { PeerNode } from '../node/peer-node.js';
import { servedFiles, type ServedFile } from '../upkeep/replication.js';

/** Queue figures. */
export interface QueueStats {
  readonly depthBytes: number;
  readonly highWaterBytes: number;
  readonly capacityBytes: number;
  readonly recordsPopped: number;
}

/**
 * Memory in bytes: the whole process's resident set (every thread, every
 * socket buffer), and the heap of the consumer thread that takes the snapshot.
 */
export interface MemoryStats {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

/** Everything `status` shows. Plain data: it crosses threads through comlink. */
export interface PeerSnapshot {
  readonly peer: number;
  readonly host: string;
  readonly port: number;
  readonly routing: string;
  readonly idBits: number;
  readonly successorsWanted: number;
  readonly pingIntervalMs: number;
  readonly successors: readonly PeerRef[];
  readonly predecessors: readonly (PeerRef | null)[];
  /**
   * The files this peer would serve now, by key: in its data directory, and
   * its own key or one it replicates (computed at each snapshot, not remembered).
   */
  readonly storedKeys: readonly ServedFile[];
  readonly fingers: readonly (number | null)[];
  readonly queue: QueueStats;
  readonly roles: readonly RoleCounters[];
  readonly transfersActive: number;
  readonly memory: MemoryStats;
}

/** Takes a snapshot of the node (it reads the data directory). */
export async function snapshotOf(node: PeerNode, queue: QueueStats): Promise<PeerSnapshot> {
  const c = node.config;
  const storedKeys = await servedFiles(node);
  return {
    peer: node.id,
    host: c.self.host,
    port: c.self.port,
    routing: c.routing,
    idBits: c.idBits,
    successorsWanted: c.successors,
    pingIntervalMs: c.pingIntervalMs,
    successors: node.successors,
    predecessors: node.predecessors.map((p) => p ?? null),
    storedKeys,
    fingers: c.routing === 'chord' ? node.fingers.map((f) => f?.id ?? null) : [],
    queue,
    roles: node.deps.state.roles(),
    transfersActive: node.deps.transfers.active,
    memory: memoryStats(),
  };
}

function memoryStats(): MemoryStats {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed };
}

/** The snapshot as lines for a person. */
export function formatSnapshot(s: PeerSnapshot): string {
  const ids = (refs: readonly (PeerRef | null)[]): string =>
    refs.every((r) => r === null) ? 'none yet' : refs.map((r) => (r === null ? '?' : String(r.id))).join(', ');
  const lines = [
    `Peer ${s.peer} at ${s.host}:${s.port} (${s.routing} routing, ${s.idBits}-bit IDs, ${s.successorsWanted} successors, ping every ${s.pingIntervalMs / 1000} s)`,
    `Successors: ${ids(s.successors)}`,
    `Predecessors: ${ids(s.predecessors)}`,
    `Stored keys: ${s.storedKeys.length === 0 ? 'none' : s.storedKeys.map(formatStoredKey).join(', ')}`,
    `Queue: ${s.queue.depthBytes} bytes waiting, high-water mark ${s.queue.highWaterBytes} of ${s.queue.capacityBytes} bytes, ${s.queue.recordsPopped} records consumed`,
    `Transfers running: ${s.transfersActive}`,
    `Memory: ${mib(s.memory.rssBytes)} MiB resident (whole process), ${mib(s.memory.heapUsedBytes)} MiB heap (consumer thread)`,
    'Threads:',
    ...s.roles.map((r) => `  ${r.role.padEnd(16)} thread ${String(r.threadId).padStart(3)}  handled ${r.handled}  errors ${r.errors}`),
  ];
  return lines.join('\n');
}

/** `2067 (key 19)`, or `4103 (key 7, replica)`. */
function formatStoredKey(k: ServedFile): string {
  return `${k.filename} (key ${k.key}${k.role === 'replica' ? ', replica' : ''})`;
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
