/**
 * The tables of the report, built once from the result files and rendered
 * twice: as Markdown (summary.md, which the README quotes) and as HTML.
 */
import type { QueueBenchResult } from './queue.bench.js';
import { fmt, formatBytes, markdownTable } from './common.js';
import type { FailureBenchResult } from './failure.bench.js';
import type { HopsBenchResult, HopsRow } from './hops.bench.js';
import type { LatencyBenchResult } from './latency.bench.js';
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
        `Real peer processes (8-bit IDs, ping every ${l?.pingSeconds ?? '?'} s), ${l?.lookups ?? '?'} fixed (origin, key) pairs per N, ` +
        `each looked up ${l?.repeats ?? '?'} times, once every view was perfect (true successors and predecessor; Chord: every finger). ` +
        'The ring runs with --successors 1. Successor lists of 4 are handed to each peer by the harness in a successor-change update. ' +
        'Parity: every lookup ended at the owner in exactly the hops and along exactly the path of the simulator. ' +
        'A lookup that differs is repeated once every view is perfect again; "after re-settling" counts those that then matched ' +
        '(a peer too slow to answer on a loaded machine is routed around for a few intervals; hops.json lists the events).',
      head: ['N', 'routing', 'mean', 'p50', 'p99', 'max', 'simulated mean', 'theory', 'parity'],
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
        ];
      }),
    });
  }
  return tables;
}

/** Latency per ring and the overall fit. */
export function latencyTables(result: LatencyBenchResult): Table[] {
  const r = result.results;
  return [
    {
      title: 'Lookup latency on live peers',
      note:
        `ms from typing \`lookup KEY\` to the peer's 'lookup' event, every repeat of every lookup. ` +
        `Overall least-squares fit: ms ≈ ${fmt(r.fit.fixedMs, 2)} + ${fmt(r.fit.msPerHop, 2)} × hops.`,
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
