/** `status`: a peer's state for a person, or as JSON. */
import { ACTIVITY_ASK_TIMEOUT_MS } from '../constants.js';
import type { PeerRef } from '../protocol/peer-ref.js';
import { gatherActivity } from '../runtime/activity.js';
import { THREADS, type RoleCounters, type ThreadName } from '../runtime/peer-state.js';
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

/** How often one of the peer's threads woke up (runtime/activity.ts). */
export interface ThreadStats {
  readonly thread: ThreadName;
  /** Event-loop iterations since the thread started. */
  readonly wakeUps: number;
  /** Wake-ups per second over `PeerSnapshot.windowMs`. */
  readonly wakeUpsPerSecond: number;
  /** Timers it holds now (those that keep it alive; unref'd ones are not counted). */
  readonly timers: number;
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
  /** Wake-ups and timers of the five roles and the coordinator. */
  readonly threads: readonly ThreadStats[];
  /** The span of `wakeUpsPerSecond`: since the previous `status`, or since the peer started. */
  readonly windowMs: number;
  readonly transfersActive: number;
  readonly memory: MemoryStats;
}

/** The previous snapshot's wake-up counts, so that the next one gives rates over the span between them. */
const lastCounts = new WeakMap<PeerNode, { at: number; wakeUps: Map<ThreadName, number> }>();

/** Each thread's wake-ups and timers, and their rate since the previous call (or since the thread started). */
async function threadStats(node: PeerNode): Promise<{ threads: ThreadStats[]; windowMs: number }> {
  const state = node.deps.state;
  await gatherActivity(state, 'consumer', ACTIVITY_ASK_TIMEOUT_MS);
  const now = Date.now();
  const last = lastCounts.get(node);
  const windowMs = Math.max(1, now - (last?.at ?? performance.timeOrigin));
  const threads = THREADS.map((thread) => {
    const { wakeUps, timers } = state.activity(thread);
    const since = wakeUps - (last?.wakeUps.get(thread) ?? 0);
    return { thread, wakeUps, wakeUpsPerSecond: Math.round((since / windowMs) * 1e5) / 100, timers };
  });
  lastCounts.set(node, { at: now, wakeUps: new Map(threads.map((t) => [t.thread, t.wakeUps])) });
  return { threads, windowMs };
}

/** Takes a snapshot of the node (it reads the data directory, and asks every thread how often it woke). */
export async function snapshotOf(node: PeerNode, queue: QueueStats): Promise<PeerSnapshot> {
  const c = node.config;
  const storedKeys = await servedFiles(node);
  const { threads, windowMs } = await threadStats(node);
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
    threads,
    windowMs,
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
    `Wake-ups (event-loop iterations) per second over the last ${(s.windowMs / 1000).toFixed(1)} s, and timers held:`,
    ...s.threads.map(
      (t) => `  ${t.thread.padEnd(16)} ${t.wakeUpsPerSecond.toFixed(2).padStart(8)}/s  (${t.wakeUps} in all)  timers ${t.timers}`,
    ),
  ];
  return lines.join('\n');
}

/** `2067 (key 19)`, or `4103 (key 7, replica)`. */
function formatStoredKey(k: ServedFile): string {
  return `${k.filename} (key ${k.key}${k.role === 'replica' ? ', replica' : ''})`;
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
