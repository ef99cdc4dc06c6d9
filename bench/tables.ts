/**
 * The tables of the report, built once from the result files and rendered
 * twice: as Markdown (summary.md, which the README quotes) and as HTML.
 */
import type { QueueBenchResult } from './queue.bench.js';
import { fmt, formatBytes, markdownTable } from './common.js';
import type { CostsBenchResult } from './costs.bench.js';
import { costLines, ISSUE_13_TARGETS, ratioText, verdict } from './floor-math.js';
import type { ChurnBenchResult } from './churn.bench.js';
import type { FailureBenchResult } from './failure.bench.js';
import type { HostBenchResult } from './host.bench.js';
import { liveSetting, type HopsBenchResult, type HopsRow } from './hops.bench.js';
import type { LatencyBenchResult } from './latency.bench.js';
import type { MicroBenchResult } from './micro.bench.js';
import type { StartupBenchResult } from './startup.bench.js';
import { esc } from './svg.js';
import type { TransferBenchResult } from './transfer.bench.js';

/** One table: a title, an optional note under it, a header and rows of cells. */
export interface Table {
  readonly title: string;
  readonly note?: string;
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const ORDER = ['ring', 'ring-list r=2', 'ring-list r=4', 'chord'];
const THEORY = ['N/2', 'N/4', 'N/8', '½·log2 N + 1'];

function bySizeAndRouting(rows: readonly HopsRow[]): Map<number, Map<string, HopsRow>> {
  const m = new Map<number, Map<string, HopsRow>>();
  for (const r of rows) m.set(r.n, (m.get(r.n) ?? new Map<string, HopsRow>()).set(r.routing, r));
  return m;
}

/** Simulated mean vs theory, simulated percentiles, live with parity. */
export function hopsTables(result: HopsBenchResult): Table[] {
  const sim = bySizeAndRouting(result.results.simulated);
  const p = result.parameters.simulated;
  const tables: Table[] = [
    {
      title: 'Lookup hops, simulated: mean against theory',
      note:
        `${p.keys} lookups per cell, ${p.idBits}-bit IDs, seed ${p.seed} + N; the same membership and the same (origin, key) pairs for every routing. ` +
        'Hops: forwarding hops from the origin to the owner, the final hop included (0 when the origin owns the key). ' +
        'Theory: N/2 for the ring, N/(2r) through a list of r successors, ½·log2 N for Chord plus 1 for the final successor step. ' +
        '(With a uniform origin the exact means are (N−1)/2 for the ring and (N+r−2)/(2r) through the list: the last jump is a partial one.)',
      head: ['N', ...ORDER.flatMap((o, i) => [`${o} mean`, THEORY[i] as string])],
      rows: [...sim].map(([n, cells]) => [
        String(n),
        ...ORDER.flatMap((o) => {
          const c = cells.get(o);
          return [fmt(c?.mean ?? Number.NaN, 2), fmt(c?.theory ?? Number.NaN, 2)];
        }),
      ]),
    },
    {
      title: 'Lookup hops, simulated: p50 / p99 / max',
      head: ['N', ...ORDER],
      rows: [...sim].map(([n, cells]) => [
        String(n),
        ...ORDER.map((o) => {
          const c = cells.get(o);
          return c === undefined ? '—' : `${c.p50} / ${c.p99} / ${c.max}`;
        }),
      ]),
    },
  ];
  if (result.results.live.length > 0) {
    const l = result.parameters.live;
    tables.push({
      title: 'Lookup hops, live peers, with the simulator on the same lookups',
      note:
        `Real peers, each in a process of its own (8-bit IDs, ping every ${l?.pingSeconds ?? '?'} s) or, for the larger rings, all in one \`p2p host\` process ` +
        `(IDs one bit wider than N needs, ping every ${l?.hosted?.pingSeconds ?? '?'} s; peers still talk over their own sockets), ` +
        `${l?.lookups ?? '?'} fixed (origin, key) pairs per N, ` +
        `each looked up ${l?.repeats ?? '?'} times, once every view was perfect (true successors and predecessor; Chord: every finger). ` +
        'The ring runs with --successors 1. Successor lists of 4 are handed to each peer by the harness in a successor-change update. ' +
        'Parity: every lookup ended at the owner in exactly the hops and along exactly the path of the simulator. ' +
        'A lookup that differs is repeated once every view is perfect again; "after re-settling" counts those that then matched ' +
        '(a peer too slow to answer on a loaded machine is routed around for a few intervals; hops.json lists the events).',
      head: ['N', 'routing', 'mean', 'p50', 'p99', 'max', 'simulated mean', 'theory', 'parity', 'peers'],
      rows: result.results.live.map((r) => {
        const run = result.results.liveRuns.find((x) => x.n === r.n && x.routing === r.routing);
        const equal = run?.lookups.filter((k) => k.hops === k.simHops).length ?? 0;
        const later = r.transient > 0 ? `, ${r.transient} after re-settling` : '';
        return [
          String(r.n),
          r.routing,
          fmt(r.mean, 2),
          String(r.p50),
          String(r.p99),
          String(r.max),
          fmt(r.simMean, 2),
          fmt(r.theory, 2),
          `${r.parity ? 'equal' : 'DIFFERS'} (${equal}/${r.lookups}${later})`,
          liveSetting(r),
        ];
      }),
    });
  }
  return tables;
}

/** Many peers in one process beside a process per peer. */
export function hostTables(result: HostBenchResult): Table[] {
  const p = result.parameters;
  return [
    {
      title: 'Many peers in one process beside a process per peer',
      note:
        'The same rings (IDs spread over 0..255, each peer given its true successors, ping every second), started at once. ' +
        `All pinged: from the spawn to the last peer's first ping. Idle: CPU (user + system, every thread) of every process over ${p.windowSeconds} s, ` +
        `${p.settleSeconds} s after that, as a percentage of one core. RSS: every process's resident memory at the end of the window. Load: the 1-minute load average as the network started.`,
      head: ['network', 'processes', 'all pinged, s', 'idle, % of a core', 'RSS in all, MiB', 'MiB per peer', 'load'],
      rows: result.results.map((r) => [
        r.network === 'host' ? `a host of ${r.peers}, ${r.routing}` : `${r.peers} single peers, ${r.routing}`,
        String(r.processes),
        fmt(r.allPingedMs / 1000, 2),
        fmt(r.idlePercent, 1),
        fmt(r.rssMiB, 0),
        fmt(r.rssMiB / r.peers, 2),
        fmt(r.load1, 1),
      ]),
    },
  ];
}

/** Churn at scale: one row per replica count. */
export function churnTables(result: ChurnBenchResult): Table[] {
  const p = result.parameters;
  const k = Math.round(p.killShare * p.peers);
  const share = `${fmt(100 * p.killShare, 0)}%`;
  return [
    {
      title: `Churn at scale: ${k} of ${p.peers} Chord peers (${share}) killed at once`,
      note:
        `One \`p2p host\` of ${p.peers} Chord peers (ping every ${p.pingSeconds} s), ${p.files} files each on exactly its owner and the owner's r − 1 successors, ` +
        `then ${k} peers drawn from the seed killed at one instant (\`kill ID\`: their sockets close, nobody is told). A lookup (random live origin, random key) ` +
        `starts every 50 ms; it fails when it ends at another peer than the key's live owner or is not answered within its timeout. ` +
        `Failed just after: among the first ${p.batch} lookups, beside the share of peers killed (the Chord paper, sec. 6.4, finds the two about equal before stabilization). ` +
        'Correct again: from the start of the first lookup of the final run of 64 correct ones. ' +
        'Files lost: every replica among the killed, expected F·C(k, r)/C(N, r). Restored: every surviving file on its r live replicas again.',
      head: ['r', 'killed', 'failed just after', 'killed share', 'correct again after', 'files lost', 'expected lost', 'files restored after'],
      rows: result.results.runs.map((r) => [
        String(r.r),
        `${r.killed.length} of ${r.peers}`,
        `${fmt(100 * r.firstBatchFailed, 1)}%`,
        share,
        r.correctAfterMs < 0 ? 'never' : `${fmt(r.correctAfterMs / 1000, 1)} s`,
        `${r.lost.length} of ${r.files}`,
        fmt(r.expectedLost, 2),
        r.restoredAfterMs < 0 ? 'never' : `${fmt(r.restoredAfterMs / 1000, 1)} s`,
      ]),
    },
  ];
}

/** Latency per ring and the overall fit. */
export function latencyTables(result: LatencyBenchResult): Table[] {
  const r = result.results;
  return [
    {
      title: 'Lookup latency on live peers',
      note:
        `ms from typing \`lookup KEY\` to the peer's 'lookup' event, every repeat of every lookup. ` +
        `Overall least-squares fit: ms ≈ ${fmt(r.fit.fixedMs, 2)} + ${fmt(r.fit.msPerHop, 2)} × hops` +
        (r.processFit !== undefined && r.hostedFit !== undefined
          ? `; over the rings of a process per peer ms ≈ ${fmt(r.processFit.fixedMs, 2)} + ${fmt(r.processFit.msPerHop, 2)} × hops, ` +
            `over the rings in hosts ms ≈ ${fmt(r.hostedFit.fixedMs, 2)} + ${fmt(r.hostedFit.msPerHop, 2)} × hops.`
          : '.'),
      head: ['N', 'routing', 'samples', 'mean hops', 'mean ms', 'p50 ms', 'p99 ms', 'ms per hop (fit)'],
      rows: r.rows.map((x) => [
        String(x.n),
        x.routing,
        String(x.samples),
        fmt(x.meanHops, 2),
        fmt(x.msMean),
        fmt(x.msP50),
        fmt(x.msP99),
        fmt(x.msPerHop, 2),
      ]),
    },
    ...hopFloorTables(result),
  ];
}

/** The per-hop cost beside the floor of a hop (framed round trip; dht-rpc when measured), as ratios. */
function hopFloorTables(result: LatencyBenchResult): Table[] {
  const f = result.results.floor;
  if (f === undefined) return [];
  const { processFit, hostedFit, fit } = result.results;
  const rows: string[][] = [
    [
      processFit === undefined
        ? 'one hop (least-squares slope over every live lookup)'
        : 'one hop between processes (least-squares slope over the rings of a process per peer)',
      fmt(processFit?.msPerHop ?? fit.msPerHop, 3),
      '—',
      '—',
      '—',
      '—',
      `< ${ISSUE_13_TARGETS.hopMs} ms`,
      verdict(f.perHopVsFramed),
    ],
    ...(hostedFit === undefined
      ? []
      : [
          [
            'one hop inside a host (slope over the rings in hosts; not judged: no process boundary)',
            fmt(hostedFit.msPerHop, 3),
            '—',
            '—',
            '—',
            '—',
            '—',
            '—',
          ],
        ]),
    [
      `framed round trip, ${f.frameBytes} B + 1 B ack, TCP kept open`,
      fmt(f.framed.median, 3),
      fmt(f.framed.p90, 3),
      fmt(f.framed.min, 3),
      String(f.framed.n),
      fmt(f.perHopVsFramed.ratio, 1),
      '—',
      '—',
    ],
  ];
  if ('error' in f.dhtRpc)
    rows.push(['dht-rpc round trip', 'not measured', '—', '—', '—', '—', `≤ ${ISSUE_13_TARGETS.hopOverDhtRpc}×`, f.dhtRpc.error]);
  else
    rows.push([
      `dht-rpc request, ${f.frameBytes} B + 1 B reply, UDP`,
      fmt(f.dhtRpc.median, 3),
      fmt(f.dhtRpc.p90, 3),
      fmt(f.dhtRpc.min, 3),
      String(f.dhtRpc.n),
      fmt(f.perHopVsDhtRpc?.ratio ?? Number.NaN, 1),
      `hop ≤ ${ISSUE_13_TARGETS.hopOverDhtRpc}×`,
      verdict(f.perHopVsDhtRpc ?? {}),
    ]);
  return [
    {
      title: 'One hop beside its floor',
      note:
        'Measured in the same run, after the live lookups: round trips between two separate Node processes on 127.0.0.1, ' +
        `one at a time, ${f.options.roundTrips} after ${f.options.warmup} not counted, timed in the client. ` +
        'Framed: a length-prefixed frame over one TCP connection kept open, answered by a 1-byte ack (the floor of a forwarded request). ' +
        'dht-rpc: a request to the bootstrap node of a testnet of two, answered with 1 byte. ' +
        "hop ÷ floor: the per-hop slope over the floor's median. Targets of issue 13: a hop under 0.5 ms, within 2× of dht-rpc. " +
        `Floor measured ${f.measuredAt.date}, load average ${f.measuredAt.loadAvg.map((x) => x.toFixed(1)).join(' / ')}.`,
      head: ['contender', 'median ms', 'p90 ms', 'min ms', 'round trips', 'hop ÷ floor', 'target', 'verdict'],
      rows,
    },
  ];
}

/** Idle CPU, memory, start-up and the small file, each beside its floor and its target. */
export function costsTables(result: CostsBenchResult): Table[] {
  const r = result.results;
  const p = result.parameters;
  const idle = r.idle[0];
  return [
    {
      title: 'What a peer costs, beside its floor',
      note:
        `Every floor measured in the same run. Idle: ${idle?.peers ?? p.idlePeers} peers per ring, ping every ${p.pingSeconds} s, ` +
        `CPU of every thread over ${p.idleWindowSeconds} s (${idle?.cpuSource ?? '?'}), opened ${fmt(idle?.warmupSeconds ?? p.idleWarmupSeconds, 0)} s after every view was perfect ` +
        `(once every process, peer or floor, was ${p.idleSettleSeconds} s old: a fresh Node process runs a few garbage collections in its first 20 s); ` +
        'floor: as many bare Node processes, each with 5 idle worker threads, over the same window; medians over processes. ' +
        `RSS at the window's end. Start-up: processes started at once (${p.startupRuns} run${p.startupRuns > 1 ? 's' : ''}), until every peer sent its first pings; ` +
        'floor: until every floor process had its 5 threads online. ' +
        `Small file: typing \`Request\` of a ${formatBytes(p.fileBytes)} file two hops away until the requester's 'file-received' event, ${p.requests} requests; ` +
        `floor: fetching ${formatBytes(p.fileBytes)} over a fresh TCP connection (connect, ask, read) in a client process, timed the same way. ` +
        `Targets of issue 13: idle ≤ ${ISSUE_13_TARGETS.idleCpuPercent}% of a core, start-up ≤ ${ISSUE_13_TARGETS.startupSeconds} s, small file < ${ISSUE_13_TARGETS.smallFileMs} ms.`,
      head: ['metric', 'unit', 'ours', 'floor', '× floor', 'target', 'verdict', 'load (1 min)'],
      rows: costLines(r).map((l) => [
        l.metric,
        l.unit,
        fmt(l.c.value, l.digits),
        fmt(l.c.floor, l.digits),
        ratioText(l.c),
        l.c.target === undefined ? '—' : String(l.c.target),
        verdict(l.c),
        fmt(l.load, 1),
      ]),
    },
  ];
}

/** Throughput per size, peer beside the raw pipe: first byte to last, time to first byte, end to end. */
export function transferTables(result: TransferBenchResult): Table[] {
  const p = result.parameters;
  return [
    {
      title: 'Transfer throughput: a peer fetching a file, beside a raw loopback pipe',
      note:
        `Median of ${p.runs} runs (${p.runsLarge} from ${formatBytes(p.largeFrom)}), contenders alternating; ms range in brackets. ` +
        "Raw: a Node socket piped into fs.createWriteStream, sender and receiver in two threads, with the peer's buffer sizes (1 MiB reads, 1 MiB write buffer). " +
        "MiB/s: throughput from the receiving side's first bytes to its completion (peer: its `file-receiving` to its `file-received` event; " +
        "raw: the receiver's first 'data' to its file closed); peer/raw: the ratio of those throughputs (target ≥ 0.80 from 64 MiB). " +
        'TTFB: time to first byte (peer: from typing `Request NNNN`, two routing hops, until `file-receiving`; raw: from the send command). ' +
        'End to end: the two together; e2e peer/raw: the ratio of the end-to-end throughputs, fixed costs included.',
      head: [
        'size',
        'peer MiB/s',
        'raw MiB/s',
        'peer/raw',
        'peer TTFB ms',
        'raw TTFB ms',
        'peer end to end ms [min–max]',
        'raw end to end ms [min–max]',
        'e2e peer/raw',
      ],
      rows: result.results.rows.map((r) => [
        formatBytes(r.bytes),
        fmt(r.peer.mibPerSecond),
        fmt(r.raw.mibPerSecond),
        fmt(r.ratio, 2),
        fmt(r.peer.ttfbMedianMs),
        fmt(r.raw.ttfbMedianMs, 2),
        `${fmt(r.peer.msMedian)} [${fmt(r.peer.msMin)}–${fmt(r.peer.msMax)}]`,
        `${fmt(r.raw.msMedian)} [${fmt(r.raw.msMin)}–${fmt(r.raw.msMax)}]`,
        fmt(r.endToEndRatio, 2),
      ]),
    },
  ];
}

/** Detection and repair per ping interval. */
export function failureTables(result: FailureBenchResult): Table[] {
  const p = result.parameters;
  return [
    {
      title: "Failure detection: SIGKILL → both predecessors' repair lines",
      note:
        `${p.runs} runs per interval, each a fresh ring of ${p.peers.length} peers, Peer ${p.victim} killed at a random phase of the interval. ` +
        `Detected: the later of the two "Peer X is no longer alive" lines; repaired: the later of the two "My new second successor" lines (one more round trip). ` +
        `Bound: one interval + ${p.pingMissesDead} × ping timeout (timeout = min(1000 ms, max(200 ms, interval))).`,
      head: [
        'ping interval',
        'timeout ms',
        'bound ms',
        'detected: median',
        'detected: max',
        'repaired: median',
        'repaired: min–max',
        'within bound: detected',
        'within bound: repaired',
      ],
      rows: result.results.rows.map((r) => [
        `${r.intervalS} s`,
        String(r.pingTimeoutMs),
        String(r.boundMs),
        fmt(r.detectMedianMs, 0),
        fmt(r.detectMaxMs, 0),
        fmt(r.bothMedianMs, 0),
        `${fmt(r.bothMinMs, 0)}–${fmt(r.bothMaxMs, 0)}`,
        `${r.detectWithinBound}/${r.runs.length}`,
        `${r.withinBound}/${r.runs.length}`,
      ]),
    },
  ];
}

/** The ring queue against postMessage, unbatched and batched (copied and transferred). */
export function queueTables(result: QueueBenchResult): Table[] {
  const p = result.parameters;
  return [
    {
      title: 'Queue: the shared ring queue against postMessage',
      note:
        `${p.records.toLocaleString('en-US')} records between threads (encoded requests of ~${Math.round(p.recordBytes)} bytes), median of ${p.runs} runs. ` +
        'Every consumer decodes every record (decodeQueueRecord), as the peer does. ' +
        `Batched postMessage packs its ${p.batch} records into one length-prefixed buffer, posted copied (structured clone) or transferred. ` +
        '× postMessage: against unbatched postMessage; × batched pM: against the faster batched postMessage; both with the same producers, in the same run.',
      head: ['contender', 'producers', 'messages/s', '× postMessage', '× batched pM'],
      rows: result.results.map((r) => [
        r.contender,
        String(r.producers),
        Math.round(r.messagesPerSecond).toLocaleString('en-US'),
        fmt(r.ratioToPostMessage, 2),
        fmt(r.ratioToBatchedPostMessage, 2),
      ]),
    },
  ];
}

/** The micro-benchmarks: one row per task, per operation. */
export function microTables(result: MicroBenchResult): Table[] {
  const p = result.parameters;
  return [
    {
      title: 'Micro-benchmarks: codec, next hop, fingers, simulated lookups',
      note:
        `tinybench, one thread, ${p.timeMs} ms a task after a warm-up; each call does ${p.batch} operations over the same seeded inputs ` +
        `(${p.peers} peers with 32-bit IDs), and the figures are per operation. ± %: relative margin of error of the mean.`,
      head: ['group', 'task', 'M ops/s', 'ns/op (mean)', 'ns/op (p99)', '± %', 'samples'],
      rows: result.results.rows.map((r) => [
        r.group,
        r.name,
        fmt(r.opsPerSecond / 1e6, 2),
        fmt(r.meanNs, 0),
        fmt(r.p99Ns, 0),
        fmt(r.rmePercent, 1),
        String(r.samples),
      ]),
    },
  ];
}

/** Start-up: one row per contender and number of processes. */
export function startupTables(result: StartupBenchResult): Table[] {
  const p = result.parameters;
  return [
    {
      title: 'Start-up: spawn to first ping, beside a bare node with five idle workers',
      note:
        `One process, then ${p.peers} at once (each \`init ID S1 S2 1\` with its true successors), ${p.runs} run(s) of each, peers and floor interleaved. ` +
        'All pinged: spawn of the first to the last first ping (median, then each run); per process: medians; RSS 2 s after the last ping.',
      head: ['contender', 'processes', 'all pinged (s, median)', 'per process: first ping (ms)', 'CPU (ms)', 'RSS (MiB)', 'load (1 min)'],
      rows: result.results.map((r) => [
        r.contender === 'peer' ? 'peer (bin/p2p.js init, ping 1 s)' : 'floor: node + 5 idle workers',
        String(r.processes),
        `${fmt(r.allPingedMedianMs / 1000, 2)} (${r.runs.map((x) => fmt(x.allPingedMs / 1000, 2)).join(', ')})`,
        fmt(r.firstPingMedianMs, 0),
        fmt(r.cpuMedianMs, 0),
        fmt(r.rssMedianMb, 1),
        r.runs.map((x) => fmt(x.load1, 2)).join(', '),
      ]),
    },
  ];
}

/** A table as Markdown (title as a heading, note as a paragraph). */
export function tableToMarkdown(t: Table): string {
  return [`### ${t.title}`, '', ...(t.note === undefined ? [] : [t.note, '']), markdownTable(t.head, t.rows)].join('\n');
}

/** A table as HTML. */
export function tableToHtml(t: Table): string {
  const head = `<tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td${/DIFFERS/.test(c) ? ' class="bad"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<h3>${esc(t.title)}</h3>\n${t.note === undefined ? '' : `<p class="note">${esc(t.note)}</p>\n`}<table>\n${head}\n${rows}\n</table>`;
}
