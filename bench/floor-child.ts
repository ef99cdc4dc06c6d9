/**
 * The floors' processes (compiled to dist/bench/floor-child.js, started by
 * bench/floors.ts): the least a separate Node process can do for each thing
 * a peer is measured doing, with nothing of the peer around it. One script,
 * the role in argv[2]; each reports on stdout, one JSON object a line
 * (FloorReport), and ends on SIGTERM.
 *
 * - `framed-echo PORT`: answers each length-prefixed frame of every
 *   connection with a 1-byte ack (the far side of one routed hop).
 * - `framed-client PORT COUNT WARMUP BYTES`: one connection kept open,
 *   COUNT + WARMUP round trips of a BYTES frame and its ack, one at a time;
 *   reports the last COUNT, timed here.
 * - `dht-rpc-server PORT` / `dht-rpc-client SERVER_PORT OWN_PORT COUNT WARMUP BYTES`:
 *   the same round trip as a dht-rpc request (UDP) to a bootstrap node of
 *   a testnet of two on 127.0.0.1, answered with 1 byte.
 * - `idle-workers K`: starts K worker threads that wait for messages, reports
 *   'ready' once every one is online, and does nothing more (the floor of a
 *   peer's idle CPU, memory and start-up: its five roles are five threads).
 * - `file-server PORT BYTES`: on each connection reads a 5-byte ask and
 *   answers BYTES, then closes.
 * - `file-client PORT BYTES`: for each line on stdin, connects anew, asks,
 *   reads BYTES and closes; reports 'fetched' with its own timing. The
 *   benchmark times it from the line it types to that report, as it times a
 *   peer from `Request` to its event.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { encodeFrame, FrameCounter } from './floor-math.js';

/** What a floor process reports. */
export type FloorReport =
  { type: 'ready' } | { type: 'samples'; ms: number[] } | { type: 'fetched'; bytes: number; ms: number } | { type: 'error'; message: string };

/** The roles this script plays. */
export type FloorRole = 'framed-echo' | 'framed-client' | 'dht-rpc-server' | 'dht-rpc-client' | 'idle-workers' | 'file-server' | 'file-client';

const HOST = '127.0.0.1';
/** The dht-rpc command of the round trip (16 and up are the application's). */
const DHT_COMMAND = 16;
/** A worker that keeps its thread alive and does nothing: a listener on its port. */
const IDLE_WORKER = "require('node:worker_threads').parentPort.on('message', () => {});";
const ASK = Buffer.from('0150\n');

const report = (r: FloorReport): void => {
  process.stdout.write(`${JSON.stringify(r)}\n`);
};
const fail = (err: unknown): void => {
  report({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exitCode = 1;
};
const num = (i: number): number => {
  const v = Number(process.argv[i]);
  if (!Number.isInteger(v) || v < 0)
    throw new RangeError(`floor-child: argument ${i - 2} must be a whole number, got ${String(process.argv[i])}`);
  return v;
};

function framedEcho(port: number): void {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const frames = new FrameCounter();
    socket.on('data', (chunk: Buffer) => {
      const n = frames.push(chunk);
      if (n > 0) socket.write(Buffer.alloc(n));
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen({ host: HOST, port }, () => report({ type: 'ready' }));
}

async function framedClient(port: number, count: number, warmup: number, bytes: number): Promise<void> {
  const socket = net.connect({ host: HOST, port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const frame = encodeFrame(Buffer.alloc(bytes, 0x5a));
  let acked: (() => void) | undefined;
  socket.on('data', () => acked?.()); // each ack is one byte, and one frame is in flight at a time
  const ms: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      acked = resolve;
      socket.write(frame);
    });
    if (i >= warmup) ms.push(performance.now() - t0);
  }
  socket.destroy();
  report({ type: 'samples', ms });
}

async function dhtRpcServer(port: number): Promise<void> {
  const { default: DHT } = await import('dht-rpc');
  const node = DHT.bootstrapper(port, HOST, { host: HOST, ephemeral: false });
  node.on('request', (req) => {
    if (req.command === DHT_COMMAND) req.reply(Buffer.alloc(1));
  });
  await node.ready();
  report({ type: 'ready' });
}

async function dhtRpcClient(serverPort: number, ownPort: number, count: number, warmup: number, bytes: number): Promise<void> {
  const { default: DHT } = await import('dht-rpc');
  const node = new DHT({ bootstrap: [`${HOST}:${serverPort}`], host: HOST, port: ownPort, ephemeral: false, firewalled: false });
  await node.fullyBootstrapped();
  const to = { host: HOST, port: serverPort };
  const value = Buffer.alloc(bytes, 0x5a);
  const ms: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const t0 = performance.now();
    const reply = await node.request({ command: DHT_COMMAND, value }, to);
    if (i >= warmup) ms.push(performance.now() - t0);
    if (reply.value?.length !== 1) throw new Error(`dht-rpc answered ${String(reply.value?.length)} bytes, not 1`);
  }
  await node.destroy();
  report({ type: 'samples', ms });
}

function idleWorkers(k: number): void {
  let online = 0;
  for (let i = 0; i < k; i++) {
    const w = new Worker(IDLE_WORKER, { eval: true });
    w.once('online', () => {
      online += 1;
      if (online === k) report({ type: 'ready' });
    });
    w.once('error', fail);
  }
}

function fileServer(port: number, bytes: number): void {
  const file = Buffer.alloc(bytes, 0x46);
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let asked = 0;
    socket.on('data', (chunk: Buffer) => {
      asked += chunk.length;
      if (asked >= ASK.length) socket.end(file);
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen({ host: HOST, port }, () => report({ type: 'ready' }));
}

function fetchOnce(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const socket = net.connect({ host: HOST, port }, () => socket.write(ASK));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got >= bytes) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.once('end', () => resolve(got));
    socket.once('error', reject);
  });
}

function fileClient(port: number, bytes: number): void {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', () => {
    const t0 = performance.now();
    fetchOnce(port, bytes).then((got) => report({ type: 'fetched', bytes: got, ms: performance.now() - t0 }), fail);
  });
  report({ type: 'ready' });
}

function main(role: string | undefined): Promise<void> | void {
  switch (role as FloorRole | undefined) {
    case 'framed-echo':
      framedEcho(num(3));
      return;
    case 'framed-client':
      return framedClient(num(3), num(4), num(5), num(6));
    case 'dht-rpc-server':
      return dhtRpcServer(num(3));
    case 'dht-rpc-client':
      return dhtRpcClient(num(3), num(4), num(5), num(6), num(7));
    case 'idle-workers':
      idleWorkers(num(3));
      return;
    case 'file-server':
      fileServer(num(3), num(4));
      return;
    case 'file-client':
      fileClient(num(3), num(4));
      return;
    default:
      throw new RangeError(`floor-child: unknown role ${String(role)}`);
  }
}

process.on('SIGTERM', () => process.exit(0));
try {
  void Promise.resolve(main(process.argv[2])).catch(fail);
} catch (err) {
  fail(err);
}
