/**
 * The human report of the benchmarks: bench/results/report.html (one
 * self-contained page: tables, inline SVG charts with the theory lines, no
 * script, no network) and bench/results/summary.md (the tables the README
 * quotes). Built from whichever result files exist in the results directory.
 *
 * Run alone: node dist/bench/report.js (after any bench has written results).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultResultsDir, formatBytes, isEntryPoint, type MachineInfo } from './common.js';
import type { CostsBenchResult } from './costs.bench.js';
import { costLines } from './floor-math.js';
import type { ChurnBenchResult } from './churn.bench.js';
import type { FailureBenchResult } from './failure.bench.js';
import type { HostBenchResult } from './host.bench.js';
import type { HopsBenchResult } from './hops.bench.js';
import type { LatencyBenchResult } from './latency.bench.js';
import type { MicroBenchResult } from './micro.bench.js';
import type { StartupBenchResult } from './startup.bench.js';
import type { QueueBenchResult } from './queue.bench.js';
import { barChart, xyChart, type Series } from './svg.js';
import {
  costsTables,
  churnTables,
  hostTables,
  failureTables,
  hopsTables,
  latencyTables,
  microTables,
  startupTables,
  queueTables,
  tableToHtml,
  tableToMarkdown,
  transferTables,
  type Table,
} from './tables.js';
import type { TransferBenchResult } from './transfer.bench.js';

/** Every result the report can show; each is optional. */
export interface ReportInputs {
  hops?: HopsBenchResult | undefined;
  latency?: LatencyBenchResult | undefined;
  transfer?: TransferBenchResult | undefined;
  failure?: FailureBenchResult | undefined;
  churn?: ChurnBenchResult | undefined;
  host?: HostBenchResult | undefined;
  queue?: QueueBenchResult | undefined;
  costs?: CostsBenchResult | undefined;
  micro?: MicroBenchResult | undefined;
  startup?: StartupBenchResult | undefined;
}

const COLORS: Record<string, string> = { ring: '#d62728', 'ring-list r=2': '#ff7f0e', 'ring-list r=4': '#2ca02c', chord: '#1f77b4' };
const color = (routing: string): string => COLORS[routing] ?? '#555';

/** Reads `<dir>/<name>.json` for every benchmark that has one. */
export function loadResults(dir: string): ReportInputs {
  const read = (name: string): unknown => {
    const file = path.join(dir, `${name}.json`);
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  };
  return {
    hops: read('hops') as ReportInputs['hops'],
    latency: read('latency') as ReportInputs['latency'],
    transfer: read('transfer') as ReportInputs['transfer'],
    failure: read('failure') as ReportInputs['failure'],
    churn: read('churn') as ReportInputs['churn'],
    host: read('host') as ReportInputs['host'],
    queue: read('queue') as ReportInputs['queue'],
    costs: read('costs') as ReportInputs['costs'],
    micro: read('micro') as ReportInputs['micro'],
    startup: read('startup') as ReportInputs['startup'],
  };
}

function hopsChart(r: HopsBenchResult): string {
  const routings = [...new Set(r.results.simulated.map((x) => x.routing))];
  const series: Series[] = routings.flatMap((routing): Series[] => {
    const sim = r.results.simulated.filter((x) => x.routing === routing);
    const live = r.results.live.filter((x) => x.routing === routing);
    return [
      { name: `${routing} (simulated)`, color: color(routing), points: sim.map((x) => [x.n, x.mean] as const), marker: 'filled', radius: 3 },
      { name: `${routing} theory`, color: color(routing), points: sim.map((x) => [x.n, x.theory] as const), dashed: true, marker: 'none' },
      ...(live.length === 0
        ? []
        : [
            {
              name: `${routing} (live)`,
              color: color(routing),
              points: live.map((x) => [x.n, x.mean] as const),
              line: false,
              marker: 'hollow',
              radius: 6,
            } satisfies Series,
          ]),
    ];
  });
  const ns = [...new Set(r.results.simulated.map((x) => x.n))];
  return xyChart({
    title: 'Mean lookup hops against N (log–log)',
    xLabel: 'peers N',
    yLabel: 'mean hops',
    xLog: true,
    yLog: true,
    xTicks: ns,
    series,
  });
}

function latencyChart(r: LatencyBenchResult, hops: HopsBenchResult | undefined): string {
  const runs = hops?.results.liveRuns ?? [];
  const routings = [...new Set(r.results.rows.map((x) => x.routing))];
  const series: Series[] = routings.map((routing) => ({
    name: routing,
    color: color(routing),
    line: false,
    radius: 2,
    points: runs.filter((x) => x.routing === routing).flatMap((x) => x.lookups.flatMap((l) => l.ms.map((ms) => [l.hops, ms] as const))),
  }));
  if (series.every((s) => s.points.length === 0)) {
    series.push({ name: 'median by hops', color: '#333', line: false, points: r.results.byHops.map((b) => [b.hops, b.msP50] as const) });
  }
  const maxHops = Math.max(...r.results.byHops.map((b) => b.hops), 1);
  const { fixedMs, msPerHop } = r.results.fit;
  series.push({
    name: 'least-squares fit',
    color: '#000',
    dashed: true,
    marker: 'none',
    points: [
      [0, fixedMs],
      [maxHops, fixedMs + msPerHop * maxHops],
    ],
  });
  return xyChart({ title: 'Lookup latency against hops (every live lookup)', xLabel: 'hops', yLabel: 'ms', series, yFromZero: true });
}

function transferChart(r: TransferBenchResult): string {
  const rows = r.results.rows;
  const mibps = (bytes: number, ms: number): number => bytes / 2 ** 20 / (ms / 1000);
  const side = (name: string, pick: 'peer' | 'raw', c: string): Series => ({
    name,
    color: c,
    marker: 'filled',
    points: rows.map((x) => [x.bytes, x[pick].mibPerSecond] as const),
    ranges: rows.map((x) => [x.bytes, mibps(x.bytes, x[pick].transferMaxMs), mibps(x.bytes, x[pick].transferMinMs)] as const),
  });
  return xyChart({
    title: 'Transfer throughput, first byte to last, against file size (median, range of runs)',
    xLabel: 'file size',
    yLabel: 'MiB/s',
    xLog: true,
    yLog: true,
    xTicks: rows.map((x) => x.bytes),
    xFormat: formatBytes,
    series: [side('peer: Request → file', 'peer', '#1f77b4'), side('raw loopback pipe', 'raw', '#7f7f7f')],
  });
}

function failureChart(r: FailureBenchResult): string {
  const rows = r.results.rows;
  return xyChart({
    title: 'Kill → both predecessors repaired, against the ping interval',
    xLabel: 'ping interval (s)',
    yLabel: 'ms',
    yFromZero: true,
    xTicks: rows.map((x) => x.intervalS),
    series: [
      {
        name: 'detected, each run',
        color: '#2ca02c',
        line: false,
        marker: 'hollow',
        radius: 6,
        points: rows.flatMap((x) => x.runs.map((k) => [x.intervalS, Math.max(...k.detectMs)] as const)),
      },
      {
        name: 'repaired, each run',
        color: '#1f77b4',
        line: false,
        radius: 3,
        points: rows.flatMap((x) => x.runs.map((k) => [x.intervalS, k.bothMs] as const)),
      },
      { name: 'repaired, median', color: '#1f77b4', marker: 'none', points: rows.map((x) => [x.intervalS, x.bothMedianMs] as const) },
      { name: 'design bound', color: '#d62728', dashed: true, marker: 'none', points: rows.map((x) => [x.intervalS, x.boundMs] as const) },
    ],
  });
}

function churnChart(r: ChurnBenchResult): string {
  const ok = { correct: 1, 'wrong-owner': 0, unanswered: 0, pending: 0 } as const;
  return xyChart({
    title: `Lookups after ${Math.round(r.parameters.killShare * 100)}% of ${r.parameters.peers} peers were killed (1 = at the live owner)`,
    xLabel: 's after the kill',
    yLabel: 'correct',
    yFromZero: true,
    series: r.results.runs.map((run, i) => ({
      name: `r = ${run.r}`,
      color: ['#1f77b4', '#2ca02c', '#ff7f0e'][i % 3] ?? '#555',
      line: false,
      radius: 2,
      points: run.probes.map((p) => [p.atMs / 1000, ok[p.outcome] - 0.04 * i] as const),
    })),
  });
}

function queueChart(r: QueueBenchResult): string {
  return barChart({
    title: 'Cross-thread messages per second (median)',
    xLabel: 'messages/s',
    bars: r.results.map((x) => ({
      label: `${x.contender}, ${x.producers} producer${x.producers > 1 ? 's' : ''}`,
      value: x.messagesPerSecond,
      color: x.contender.startsWith('ring') ? '#1f77b4' : '#7f7f7f',
    })),
    format: (v) => `${(v / 1e6).toFixed(2)} M`,
  });
}

function costsChart(r: CostsBenchResult): string {
  return barChart({
    title: 'What a peer costs, as a multiple of its floor (same run)',
    xLabel: '× floor (1 = as cheap as the floor)',
    bars: costLines(r.results)
      .filter((l) => Number.isFinite(l.c.ratio))
      .map((l) => ({ label: l.metric.replace(/, \d+ peers.*$/, ''), value: l.c.ratio, color: l.c.met === false ? '#d62728' : '#1f77b4' })),
    format: (v) => `${v.toFixed(1)}×`,
  });
}

function machineLine(m: Partial<MachineInfo> & { node: string; cpus: number; date: string }): string {
  const load = m.loadAvg === undefined ? '' : `, load average at start ${m.loadAvg.map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min)`;
  return `Node ${m.node}, ${m.cpus} CPUs${m.cpuModel === undefined ? '' : ` (${m.cpuModel})`}, ${m.date}${load}`;
}

/** The report's sections, in order: a title, the run's machine, tables, a chart. */
function sections(inputs: ReportInputs): { id: string; title: string; machine: string; tables: Table[]; chart: string; failures: string[] }[] {
  const out = [];
  const { hops, latency, transfer, failure, churn, host, queue, costs, micro, startup } = inputs;
  if (hops !== undefined)
    out.push({
      id: 'hops',
      title: 'Lookup hops',
      machine: machineLine(hops),
      tables: hopsTables(hops),
      chart: hopsChart(hops),
      failures: hops.invariantFailures,
    });
  if (latency !== undefined)
    out.push({
      id: 'latency',
      title: 'Lookup latency',
      machine: machineLine(latency),
      tables: latencyTables(latency),
      chart: latencyChart(latency, hops),
      failures: latency.invariantFailures,
    });
  if (transfer !== undefined)
    out.push({
      id: 'transfer',
      title: 'Transfer throughput',
      machine: machineLine(transfer),
      tables: transferTables(transfer),
      chart: transferChart(transfer),
      failures: transfer.invariantFailures,
    });
  if (failure !== undefined)
    out.push({
      id: 'failure',
      title: 'Failure detection',
      machine: machineLine(failure),
      tables: failureTables(failure),
      chart: failureChart(failure),
      failures: failure.invariantFailures,
    });
  if (host !== undefined)
    out.push({
      id: 'host',
      title: 'Many peers in one process',
      machine: machineLine(host),
      tables: hostTables(host),
      chart: barChart({
        title: 'Idle CPU of the whole network, % of one core (ping 1 s)',
        xLabel: '% of one core',
        bars: host.results.map((r) => ({
          label: r.network === 'host' ? `a host of ${r.peers}, ${r.routing}` : `${r.peers} single peers, ${r.routing}`,
          value: r.idlePercent,
          color: r.network === 'host' ? '#1f77b4' : '#7f7f7f',
        })),
        format: (v) => `${v.toFixed(1)}%`,
      }),
      failures: host.invariantFailures,
    });
  if (churn !== undefined)
    out.push({
      id: 'churn',
      title: 'Churn at scale',
      machine: machineLine(churn),
      tables: churnTables(churn),
      chart: churnChart(churn),
      failures: churn.invariantFailures,
    });
  if (costs !== undefined)
    out.push({
      id: 'costs',
      title: 'Costs beside their floors',
      machine: machineLine(costs),
      tables: costsTables(costs),
      chart: costsChart(costs),
      failures: costs.invariantFailures,
    });
  if (queue !== undefined)
    out.push({
      id: 'queue',
      title: 'Queue',
      machine: machineLine(queue),
      tables: queueTables(queue),
      chart: queueChart(queue),
      failures: queue.invariantFailures,
    });
  if (startup !== undefined)
    out.push({
      id: 'startup',
      title: 'Start-up',
      machine: machineLine(startup),
      tables: startupTables(startup),
      chart: '',
      failures: startup.invariantFailures,
    });
  if (micro !== undefined)
    out.push({
      id: 'micro',
      title: 'Micro-benchmarks',
      machine: machineLine(micro),
      tables: microTables(micro),
      chart: '',
      failures: micro.invariantFailures,
    });
  return out;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:13px}
.bad{color:#b00;font-weight:bold}.fail{background:#fee;border:1px solid #b00;padding:.5em 1em}.machine{color:#666;font-size:12px}svg{max-width:100%;height:auto}`;

/** The whole report: HTML and Markdown. */
export function renderReport(inputs: ReportInputs): { html: string; markdown: string; charts: Record<string, string> } {
  const secs = sections(inputs);
  const failures = secs.flatMap((s) => s.failures.map((f) => `${s.id}: ${f}`));
  const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>p2p-dht benchmarks</title>',
    `<style>${STYLE}</style></head><body>`,
    '<h1>p2p-dht benchmarks</h1>',
    '<p>Reproduce with <code>npm run bench</code> (or <code>npm run bench:hops</code>, <code>bench:latency</code>, <code>bench:transfer</code>, <code>bench:failure</code>, <code>bench:queue</code>, <code>bench:costs</code>, <code>bench:startup</code>, <code>bench:micro</code>; <code>--help</code> lists the options of each). Raw numbers: the JSON files beside this page.</p>',
    failures.length === 0
      ? '<p>Every invariant held (lookups at their owners, live hops equal to simulated hops, received files identical).</p>'
      : `<div class="fail"><b>Invariants broken:</b><ul>${failures.map((f) => `<li>${esc(f)}</li>`).join('')}</ul></div>`,
    `<ul>${secs.map((s) => `<li><a href="#${s.id}">${s.title}</a></li>`).join('')}</ul>`,
    ...secs.map((s) =>
      [`<h2 id="${s.id}">${s.title}</h2>`, `<p class="machine">${esc(s.machine)}</p>`, ...s.tables.map(tableToHtml), s.chart].join('\n'),
    ),
    '</body></html>',
  ].join('\n');
  const markdown = [
    '## Benchmarks',
    '',
    'Measured by `npm run bench`; the full report with charts is bench/results/report.html.',
    '',
    ...(failures.length === 0 ? [] : ['**Invariants broken:**', '', ...failures.map((f) => `- ${f}`), '']),
    ...secs.flatMap((s) => [`_${s.title}: ${s.machine}_`, '', ...s.tables.flatMap((t) => [tableToMarkdown(t), ''])]),
  ].join('\n');
  const charts = Object.fromEntries(secs.filter((s) => s.chart !== '').map((s) => [s.id, s.chart]));
  return { html, markdown, charts };
}

/** Writes report.html and summary.md into `dir` from the results there; returns their paths. */
export function writeReport(dir: string = defaultResultsDir()): { html: string; markdown: string } {
  const { html, markdown, charts } = renderReport(loadResults(dir));
  const files = { html: path.join(dir, 'report.html'), markdown: path.join(dir, 'summary.md') };
  writeFileSync(files.html, html);
  writeFileSync(files.markdown, markdown);
  // Each chart also as a file of its own, so the README can show one.
  for (const [id, svg] of Object.entries(charts)) writeFileSync(path.join(dir, `${id}.svg`), svg);
  return files;
}

if (isEntryPoint(import.meta.url)) {
  const files = writeReport();
  console.log(`wrote ${files.html}\nwrote ${files.markdown}`);
}
