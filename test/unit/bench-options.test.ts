/**
 * The benchmarks' command line (bench/cli.ts and each bench's command):
 * the quick presets, the flags over the defaults, --only and --port-base of
 * npm run bench, bad values named, every option in --help; the progress
 * line's ETA; and the spread of the start-up IDs. No peer is started here.
 */
import { describe, expect, it } from 'vitest';
import { COSTS_COMMAND, costsOptionsFromArgs, DEFAULT_COSTS_OPTIONS, QUICK_COSTS_OPTIONS, spreadIds } from '../../bench/costs.bench.js';
import { DEFAULT_LIVE } from '../../bench/hops.bench.js';
import { DEFAULT_HOP_FLOOR, LATENCY_COMMAND, latencyOptionsFromArgs } from '../../bench/latency.bench.js';
import { benchUsage, parseBenchArgs, parseBytes } from '../../bench/cli.js';
import { etaText } from '../../bench/common.js';
import { FAILURE_COMMAND } from '../../bench/failure.bench.js';
import { DEFAULT_HOSTED, HOPS_COMMAND, routingName } from '../../bench/hops.bench.js';
import { hostedIdBits } from '../../bench/live-lookups.js';
import { MICRO_COMMAND } from '../../bench/micro.bench.js';
import { QUEUE_COMMAND } from '../../bench/queue.bench.js';
import { BENCH_NAMES, DEFAULT_RUN_ALL, RUN_ALL_COMMAND } from '../../bench/run-all.js';
import { STARTUP_COMMAND } from '../../bench/startup.bench.js';
import { TRANSFER_COMMAND } from '../../bench/transfer.bench.js';

describe('costsOptionsFromArgs', () => {
  it('is the defaults without flags, the quick preset with --quick', () => {
    expect(costsOptionsFromArgs([])).toEqual(DEFAULT_COSTS_OPTIONS);
    expect(costsOptionsFromArgs(['--quick'])).toEqual(QUICK_COSTS_OPTIONS);
    expect(DEFAULT_COSTS_OPTIONS.startupPeers).toBe(64);
    expect(DEFAULT_COSTS_OPTIONS.pingSeconds).toBe(1);
  });

  it('takes --peers, --window, --requests and --startup-runs over either', () => {
    const o = costsOptionsFromArgs(['--quick', '--peers', '32', '--window', '30', '--requests', '50', '--startup-runs', '3']);
    expect(o).toMatchObject({
      startupPeers: 32,
      idleWindowSeconds: 30,
      requests: 50,
      startupRuns: 3,
      idleWarmupSeconds: QUICK_COSTS_OPTIONS.idleWarmupSeconds,
    });
  });

  it('names a bad value', () => {
    expect(() => costsOptionsFromArgs(['--peers', '2'])).toThrow(/--peers/);
    expect(() => costsOptionsFromArgs(['--window', 'x'])).toThrow(RangeError);
  });
});

describe('spreadIds', () => {
  it('spreads distinct IDs over 0..255, ascending', () => {
    for (const n of [3, 4, 16, 64, 100, 256]) {
      const ids = spreadIds(n);
      expect(ids).toHaveLength(n);
      expect(new Set(ids).size).toBe(n);
      expect(ids.every((id, i) => id >= 0 && id <= 255 && (i === 0 || id > (ids[i - 1] ?? -1)))).toBe(true);
    }
    expect(spreadIds(4)).toEqual([32, 96, 160, 224]);
  });

  it('refuses fewer than 3 or more than 256', () => {
    expect(() => spreadIds(2)).toThrow(RangeError);
    expect(() => spreadIds(257)).toThrow(RangeError);
  });
});

describe('latencyOptionsFromArgs', () => {
  it('is the defaults without flags, and takes sizes, lookups, repeats and round trips', () => {
    expect(latencyOptionsFromArgs([])).toEqual({ live: DEFAULT_LIVE, floor: DEFAULT_HOP_FLOOR });
    const o = latencyOptionsFromArgs(['--sizes', '8,16', '--lookups', '8', '--repeats', '2', '--round-trips', '500']);
    expect(o.live).toMatchObject({ sizes: [8, 16], lookups: 8, repeats: 2, routings: DEFAULT_LIVE.routings });
    expect(o.floor?.roundTrips).toBe(500);
  });

  it('names a bad size', () => {
    expect(() => latencyOptionsFromArgs(['--sizes', '8,2'])).toThrow(/--sizes/);
  });
});

describe('the benchmarks’ shared command line', () => {
  it('reads flags, numbers, lists, sizes and names, and names the first mistake', () => {
    const table = {
      sizes: { kind: 'bytes', help: '' },
      runs: { kind: 'int', min: 1, max: 9, help: '' },
      intervals: { kind: 'numbers', min: 0.1, help: '' },
      only: { kind: 'names', choices: ['hops', 'queue'], help: '' },
    } as const;
    expect(parseBenchArgs(['--quick', '--sizes', '1k,64K,1m', '--runs=3', '--intervals', '0.5,2', '--only', 'queue'], table)).toEqual({
      quick: true,
      sizes: [1024, 65536, 1048576],
      runs: 3,
      intervals: [0.5, 2],
      only: ['queue'],
    });
    expect(parseBytes('1.5k')).toBe(1536);
    expect(parseBytes('2 GiB')).toBe(2 ** 31);
    expect(parseBytes('x')).toBeUndefined();
    expect(() => parseBenchArgs(['--runs', '10'], table)).toThrow(/--runs takes whole numbers in 1..9, got "10"/);
    expect(() => parseBenchArgs(['--only', 'hops,disk'], table)).toThrow(/--only takes names among hops, queue/);
    expect(() => parseBenchArgs(['--bogus'], table)).toThrow(/unknown option --bogus/);
    expect(() => parseBenchArgs(['--runs'], table)).toThrow(/--runs needs a value/);
    expect(() => parseBenchArgs(['now'], table)).toThrow(/unexpected argument "now"/);
    expect(() => parseBenchArgs(['--port-base', '80'], table)).toThrow(/--port-base/);
  });

  it('prints every option, the shared ones included, in --help', () => {
    for (const cmd of [
      HOPS_COMMAND,
      LATENCY_COMMAND,
      TRANSFER_COMMAND,
      FAILURE_COMMAND,
      COSTS_COMMAND,
      QUEUE_COMMAND,
      MICRO_COMMAND,
      STARTUP_COMMAND,
      RUN_ALL_COMMAND,
    ]) {
      const usage = benchUsage(cmd.command, cmd.summary, cmd.options);
      for (const name of [...Object.keys(cmd.options), 'help', 'quick', 'port-base']) expect(usage, cmd.command).toContain(`--${name}`);
    }
  });

  it('--quick, --only, --sizes and --port-base of npm run bench', () => {
    const quick = RUN_ALL_COMMAND.configure(
      parseBenchArgs(['--quick', '--only', 'hops,transfer', '--port-base', '20000'], RUN_ALL_COMMAND.options),
    );
    expect(quick.only).toEqual(['hops', 'transfer']);
    expect(quick.hops.live?.sizes).toEqual([8]);
    expect(quick.hops.live?.portBase).toBe(20000);
    expect(quick.transfer.portBase).toBe(20000);
    expect(quick.costs).toMatchObject({ portBase: 20000, startupPortBase: 20300, floorPort: 20270 });
    expect(quick.hopFloor.port).toBe(20260);
    expect(quick.startup).toMatchObject({ portBase: 20000, peers: 8, runs: 1 });
    expect(quick.micro?.timeMs).toBeLessThan(DEFAULT_RUN_ALL.micro?.timeMs ?? 0);
    const full = RUN_ALL_COMMAND.configure(parseBenchArgs(['--sizes', '8,16'], RUN_ALL_COMMAND.options));
    expect(full.hops.live?.sizes).toEqual([8, 16]);
    expect(full.transfer).toEqual(DEFAULT_RUN_ALL.transfer);
    expect(full.only).toEqual(BENCH_NAMES);
  });

  it('hosted rings: 256 and 1,024 by default, none with --quick, --hosted-sizes and --large choose', () => {
    expect(HOPS_COMMAND.configure({}).live?.hosted?.sizes).toEqual([256, 1024]);
    expect(HOPS_COMMAND.configure({ quick: true }).live?.hosted).toBeUndefined();
    expect(HOPS_COMMAND.configure(parseBenchArgs(['--hosted-sizes', '512', '--large'], HOPS_COMMAND.options)).live?.hosted?.sizes).toEqual([
      512, 4096,
    ]);
    const quickLarge = RUN_ALL_COMMAND.configure(parseBenchArgs(['--quick', '--large'], RUN_ALL_COMMAND.options));
    expect(quickLarge.hops.live?.hosted).toMatchObject({ sizes: [4096], portBase: DEFAULT_HOSTED.portBase });
    // One bit more than N needs: half the IDs are free.
    expect([256, 1024, 4096].map(hostedIdBits)).toEqual([9, 11, 13]);
    expect(hostedIdBits(100)).toBe(8);
    const large = HOPS_COMMAND.configure(parseBenchArgs(['--hosted-only', '--large', '--routings', 'chord,ring-list-4'], HOPS_COMMAND.options));
    expect(large.live?.sizes).toEqual([]);
    expect(large.live?.routings.map(routingName)).toEqual(['ring-list-4', 'chord']);
    expect(() => parseBenchArgs(['--routings', 'kademlia'], HOPS_COMMAND.options)).toThrow(/kademlia/);
    expect(HOPS_COMMAND.configure(parseBenchArgs(['--large', '--hosted-ping', '8'], HOPS_COMMAND.options)).live?.hosted?.pingSeconds).toBe(8);
  });

  it('each benchmark’s --quick is smaller than its default, and --port-base moves its peers', () => {
    expect(TRANSFER_COMMAND.configure({ quick: true }).sizes.at(-1)).toBeLessThanOrEqual(2 ** 20);
    expect(FAILURE_COMMAND.configure({ quick: true }).runs).toBeLessThan(FAILURE_COMMAND.configure({}).runs);
    expect(QUEUE_COMMAND.configure({ quick: true }).records).toBeLessThan(QUEUE_COMMAND.configure({}).records);
    expect(HOPS_COMMAND.configure({ 'port-base': 20000 }).live?.portBase).toBe(20000);
    expect(FAILURE_COMMAND.configure({ 'port-base': 20000 }).portBase).toBe(20000);
    expect(TRANSFER_COMMAND.configure({ sizes: [1024, 2 ** 30], 'max-mib': 1 }).sizes).toEqual([1024]);
  });
});

describe('etaText', () => {
  it('is the time left at the pace so far', () => {
    expect(etaText(10_000, 0, 4)).toBe('ETA --:--');
    expect(etaText(10_000, 1, 4)).toBe('ETA 0:30');
    expect(etaText(60_000, 1, 3)).toBe('ETA 2:00');
    expect(etaText(5_000, 4, 4)).toBe('ETA 0:00');
  });
});
