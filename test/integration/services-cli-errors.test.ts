/**
 * The command line's failures (spec 1): bad arguments, a port already taken
 * and an unreachable known peer each end the program quickly with exactly
 * one line on stderr and a non-zero exit code, leaving nothing half-started
 * (the peer's ports are free again afterwards).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, stopNetworks, tempDir } from '../fixtures/network.js';
import { portsFree } from '../fixtures/ports.js';

// This file's ports: 17000..17299.
const PORT_BASE = 17000;
const BASE_ARG = ['--port-base', String(PORT_BASE)];
/** Far above what any of these takes (about half a second), far below a hang. */
const QUICK_MS = 10_000;

describe('p2p command-line failures', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await tempDir();
  });
  afterAll(stopNetworks);

  const badArguments: readonly (readonly [string, readonly string[], RegExp])[] = [
    ['a peer equal to its own successor', ['init', '2', '2', '5', '30'], /own successor/],
    ['a successor that is not an integer', ['init', '2', '4', 'x', '30'], /SECOND_SUCCESSOR.*"x"/],
    ['a peer out of range', ['init', '300', '4', '5', '30'], /PEER.*0 to 255.*"300"/],
    ['join without its ping interval', ['join', '15', '4'], /join takes 3 arguments, got 2/],
    ['an unknown option', ['init', '2', '4', '5', '30', '--bogus', '1'], /unknown option --bogus/],
    ['a ping interval of zero', ['init', '2', '4', '5', '0'], /PING_INTERVAL/],
    ['equal successors', ['init', '2', '4', '4', '30'], /successors must differ/],
    ['a peer joining through itself', ['join', '15', '15', '30'], /through itself/],
    ['a negative ping interval, read as an argument', ['init', '2', '4', '5', '-1'], /PING_INTERVAL.*"-1"/],
    [
      'a routing mode that does not exist',
      ['init', '2', '4', '5', '30', '--routing', 'kademlia'],
      /--routing must be ring, ring-list or chord, got "kademlia"/,
    ],
    ['an unknown option of example', ['example', '--bogus'], /unknown option --bogus/],
  ];
  for (const [what, args, explains] of badArguments) {
    it(`${what} (p2p ${args.join(' ')}): one line on stderr, exit code 2`, async () => {
      const run = await runCli([...args, ...BASE_ARG], cwd, QUICK_MS);
      expect(run.stderr).toHaveLength(1);
      expect(run.stderr[0]).toMatch(explains);
      expect(run.stderr[0]).toContain('ERR_BAD_ARGUMENT');
      expect(run.stdout).toEqual([]);
      expect(run.code).toBe(2);
    });
  }

  it('an unknown subcommand (p2p start 2): one line on stderr, exit code 2', async () => {
    const run = await runCli(['start', '2', ...BASE_ARG], cwd, QUICK_MS);
    expect(run.stderr).toEqual([expect.stringMatching(/unknown command "start"/)]);
    expect(run.stdout).toEqual([]);
    expect(run.code).toBe(2);
  });

  describe('a port already taken', () => {
    const holders: (() => Promise<void>)[] = [];
    afterEach(async () => {
      await Promise.all(holders.splice(0).map((close) => close()));
    });

    it('TCP port of peer 2 taken: one line naming the port, exit code 1, UDP port left free', async () => {
      const port = PORT_BASE + 2;
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host: '127.0.0.1' }, resolve);
      });
      holders.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const run = await runCli(['init', '2', '4', '5', '0.5', ...BASE_ARG], cwd, QUICK_MS);
      expect(run.stderr).toEqual([expect.stringMatching(new RegExp(`TCP port ${port} .*already in use.*ERR_PORT_IN_USE`))]);
      expect(run.stdout).toEqual([]);
      expect(run.code).toBe(1);
      await holders.splice(0)[0]?.();
      expect(await portsFree(port)).toBe(true);
    });

    it('UDP port of peer 3 taken: one line naming the port, exit code 1, TCP port left free', async () => {
      const port = PORT_BASE + 3;
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ port, address: '127.0.0.1' }, resolve);
      });
      holders.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
      const run = await runCli(['init', '3', '4', '5', '0.5', ...BASE_ARG], cwd, QUICK_MS);
      expect(run.stderr).toEqual([expect.stringMatching(new RegExp(`UDP port ${port} .*already in use.*ERR_PORT_IN_USE`))]);
      expect(run.stdout).toEqual([]);
      expect(run.code).toBe(1);
      await holders.splice(0)[0]?.();
      expect(await portsFree(port)).toBe(true);
    });
  });

  it('join through a known peer nobody runs: one line, exit code 1, its ports left free', async () => {
    const run = await runCli(['join', '15', '4', '0.5', ...BASE_ARG], cwd, QUICK_MS);
    expect(run.stderr).toEqual([expect.stringMatching(new RegExp(`join.*${PORT_BASE + 4}.*ERR_UNREACHABLE`))]);
    expect(run.stdout).toEqual([]);
    expect(run.code).toBe(1);
    expect(await portsFree(PORT_BASE + 15)).toBe(true);
  });
});
