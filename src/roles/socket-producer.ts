/**
 * The socket producer: accepts TCP connections on the peer's port, reads
 * length-framed requests and pushes each one into the ring queue. A
 * connection that sends a bad frame is logged with the error's name and
 * closed; the peer keeps running.
 *
 * Anyone can connect, so what a connection may cost is bounded:
 * - Memory: a connection buffers at most one frame, and an oversized
 *   declared length is refused from its 4 length bytes (see FrameReader),
 *   so buffers never exceed MAX_TCP_CONNECTIONS x MAX_FRAME_BYTES.
 * - Time: each frame must arrive whole within TCP_FRAME_DEADLINE_MS of the
 *   connection being accepted (or of its previous frame). Peers send their
 *   one frame at once, so a connection that sends nothing, stops mid-frame
 *   or trickles bytes is a stalled or hostile one; it is closed and logged
 *   (ERR_TIMEOUT) instead of holding a slot for TCP_IDLE_TIMEOUT_MS.
 * - Slots: at MAX_TCP_CONNECTIONS, a new connection evicts the one that has
 *   waited longest for its frame rather than being refused. A flood of
 *   silent connections then pushes out only its own oldest members, and a
 *   peer of the ring, which completes its frame in milliseconds, still gets
 *   through. (`server.maxConnections` would refuse the newcomer instead:
 *   a flood would lock the ring out until the flood's connections expire.)
 * A connection carries any number of frames (peers keep them open,
 * net/link-pool.ts), and each frame is answered by one byte once it is in
 * the queue (FRAME_ACK). Between frames a connection may stay idle for
 * TCP_IDLE_TIMEOUT_MS, then it is closed quietly; once a frame's first byte
 * arrives, the whole frame must follow within TCP_FRAME_DEADLINE_MS.
 * A frame read after its sender gave up on it (this peer was frozen or
 * starved) is dropped and answered FRAME_NAK (net/hop-deadline.ts).
 * A connection whose frame waits for room in the queue is never timed out
 * or evicted: that wait is this peer's, not the sender's. When every slot
 * is such a connection, a newcomer is refused (and logged) instead.
 */
import type net from 'node:net';
import { MAX_FRAME_BYTES, MAX_TCP_CONNECTIONS, TCP_FRAME_DEADLINE_MS, TCP_IDLE_TIMEOUT_MS } from '../constants.js';
import { errorLine, isP2PError, P2PError } from '../errors.js';
import { addressTo } from '../protocol/codec.js';
import { contentError } from '../protocol/content.js';
import { FrameReader } from '../protocol/frame-reader.js';
import type { RingQueue } from '../queue/ring-queue.js';
import { HopClock } from '../net/hop-deadline.js';
import { FRAME_ACK, FRAME_NAK } from '../net/link-pool.js';
import { listenTcp } from '../net/tcp.js';
import type { Emit, EventKind } from '../runtime/events.js';
import { detach, type Fault } from '../runtime/faults.js';
import type { PeerState } from '../runtime/peer-state.js';

/** What a producer (the socket producer, the ping listener) needs: its peer, its socket's address, the queue it feeds, and where it reports. */
export interface ProducerOptions {
  /** The peer whose socket this is: what it reads is addressed to it (codec.ts, addressTo). */
  readonly self: number;
  readonly host: string;
  readonly port: number;
  readonly queue: RingQueue;
  readonly state: PeerState;
  readonly emit: Emit;
  /** Reports an unexpected error (runtime/faults.ts). */
  readonly fault: Fault;
}

/** What the socket producer needs. */
export interface SocketProducerOptions extends ProducerOptions {
  /** The connections of every peer of the process (default: this peer's own). */
  readonly budget?: ConnectionBudget | undefined;
}

/**
 * The connections open on every TCP port of the process. Each port holds at
 * most MAX_TCP_CONNECTIONS (a flood on it evicts its own longest-waiting
 * connections, as for a lone peer), and the process at most `limit`
 * together (a host of many peers: HOST_MAX_TCP_CONNECTIONS), beyond which
 * the longest-waiting connection anywhere is evicted.
 */
export class ConnectionBudget {
  readonly open = new Set<Connection>();
  constructor(readonly limit = MAX_TCP_CONNECTIONS) {}
}

/** A running socket producer. */
export interface SocketProducer {
  close(): Promise<void>;
}

/** One accepted connection and its frame deadline. */
interface Connection {
  readonly socket: net.Socket;
  readonly reader: FrameReader;
  readonly from: string;
  /** When the wait for the current frame began, or the connection went idle (ms since epoch). */
  since: number;
  /** The frame deadline; undefined while idle between frames. */
  timer: NodeJS.Timeout | undefined;
  /** Frames read whole so far. */
  frames: number;
  /** A decoded frame waits for room in the queue: not the sender's fault. */
  queueing: boolean;
}

/** Binds the TCP port (rejects with ERR_PORT_IN_USE) and starts accepting. */
export async function startSocketProducer(opts: SocketProducerOptions): Promise<SocketProducer> {
  const budget = opts.budget ?? new ConnectionBudget();
  const { open } = budget;
  /** This port's connections (closed with it). */
  const mine = new Set<Connection>();
  const hops = new HopClock();
  const server = await listenTcp(opts.host, opts.port, (socket) => {
    const full =
      (mine.size >= MAX_TCP_CONNECTIONS && !evictLongestWaiting(mine, opts, MAX_TCP_CONNECTIONS)) ||
      (open.size >= budget.limit && !evictLongestWaiting(open, opts, budget.limit));
    if (full) {
      // Every slot holds a frame waiting for room in the queue: this peer is
      // the bottleneck, and the newcomer must wait its turn (it retries or
      // reroutes, as it does for a peer that is down).
      opts.state.count('socket-producer', 'errors');
      const from = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
      const message = `${MAX_TCP_CONNECTIONS} connections open, each with a frame waiting for room in the queue`;
      opts.emit('connection-refused', errorLine(`refused the connection from ${from}: ${message}`, 'ERR_TIMEOUT'), {
        stream: 'stderr',
        fields: { code: 'ERR_TIMEOUT', from, message },
      });
      socket.destroy();
      return;
    }
    const conn = serveConnection(socket, opts, hops);
    open.add(conn);
    mine.add(conn);
    socket.once('close', () => {
      clearTimeout(conn.timer);
      open.delete(conn);
      mine.delete(conn);
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of mine) c.socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Makes room for one more connection: closes the one waiting longest for its
 * frame. Returns false when there is none (every one is queueing).
 */
function evictLongestWaiting(open: Set<Connection>, opts: SocketProducerOptions, limit: number): boolean {
  let oldest: Connection | undefined;
  for (const c of open) if (!c.queueing && (oldest === undefined || c.since < oldest.since)) oldest = c;
  if (oldest === undefined) return false;
  // Out of the count now, not at its 'close' (a later tick): a burst of
  // newcomers in one tick must each evict a different connection.
  open.delete(oldest);
  const waited = Date.now() - oldest.since;
  close(
    oldest,
    opts,
    'connection-evicted',
    new P2PError(
      'ERR_TIMEOUT',
      `${limit} connections open; this one had waited longest for its frame (${waited} ms, ${oldest.reader.buffered} bytes)`,
    ),
  );
  return true;
}

/** Logs why a connection is closed (on stderr, with the error's code) and closes it. */
function close(conn: Connection, opts: SocketProducerOptions, kind: EventKind, err: unknown): void {
  if (conn.socket.destroyed) return;
  opts.state.count('socket-producer', 'errors');
  const code = isP2PError(err) ? err.code : 'ERR_UNKNOWN';
  const message = err instanceof Error ? err.message : String(err);
  opts.emit(kind, errorLine(`closed the connection from ${conn.from}: ${message}`, code), {
    stream: 'stderr',
    fields: { code, from: conn.from, message },
  });
  clearTimeout(conn.timer);
  conn.socket.destroy();
}

function serveConnection(socket: net.Socket, opts: SocketProducerOptions, hops: HopClock): Connection {
  const conn: Connection = {
    socket,
    // Frames only: a `transfer` request here asks for a file (its bytes go
    // to a transfer pool's own connection), and more frames follow it.
    reader: new FrameReader(MAX_FRAME_BYTES, false),
    from: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
    since: Date.now(),
    timer: undefined,
    frames: 0,
    queueing: false,
  };
  const { reader } = conn;
  const reject = (err: unknown): void => close(conn, opts, 'frame-error', err);
  // Answers are one byte each: without this, Nagle's algorithm would hold an
  // answer while the previous one is unacknowledged, and the sender's delayed
  // ACK (up to 40 ms on Linux) would stall a kept connection.
  socket.setNoDelay(true);

  // (Re)starts the wait for the next frame: from the accept, or from its first byte.
  const arm = (): void => {
    clearTimeout(conn.timer);
    conn.since = Date.now();
    conn.timer = setTimeout(() => {
      const held = reader.buffered;
      const why =
        held === 0
          ? `sent no frame within ${TCP_FRAME_DEADLINE_MS} ms`
          : `stopped ${held} bytes into a frame: not complete within ${TCP_FRAME_DEADLINE_MS} ms`;
      close(conn, opts, held === 0 ? 'connection-idle' : 'frame-stalled', new P2PError('ERR_TIMEOUT', why));
    }, TCP_FRAME_DEADLINE_MS);
    conn.timer.unref();
  };
  arm();
  // Between frames, a connection that has sent some waits without a deadline
  // (the idle limit below still holds).
  const rest = (): void => {
    clearTimeout(conn.timer);
    conn.timer = undefined;
    conn.since = Date.now();
  };

  // Frames are drained by one promise chain, so that a burst of segments and
  // the final 'end' never interleave two drains of the same reader.
  let drained: Promise<void> = Promise.resolve();
  // A kept connection idle between frames is closed quietly: its sender
  // closes its idle links well before this, and reconnects when it needs to.
  // Otherwise a backstop for a frame that waits on a full queue (the frame
  // deadline is off then).
  socket.setTimeout(TCP_IDLE_TIMEOUT_MS, () => {
    if (conn.frames > 0 && conn.timer === undefined && !conn.queueing && reader.buffered === 0) {
      socket.end();
      return;
    }
    close(conn, opts, 'connection-idle', new P2PError('ERR_TIMEOUT', `idle for ${TCP_IDLE_TIMEOUT_MS} ms`));
  });
  socket.on('error', () => socket.destroy());

  // Decodes, checks and queues every whole frame buffered so far. When the
  // queue is full the socket is paused until the consumer makes room
  // (backpressure reaches the sender through TCP flow control; nothing is
  // dropped).
  // Answers are written once per drain, not once per frame: a burst of
  // frames read together costs one write (one system call) for its answers.
  const answers: number[] = [];
  const answer = (): void => {
    if (answers.length === 0 || socket.destroyed) return;
    socket.write(Buffer.from(answers));
    answers.length = 0;
  };
  const drain = async (): Promise<void> => {
    if (socket.destroyed) return;
    try {
      for (;;) {
        const req = reader.next();
        if (req === undefined) break;
        const bad = contentError(req, 'tcp');
        if (bad !== undefined) throw bad;
        conn.frames++;
        // A whole frame came: the next one's deadline runs from its first byte.
        if (reader.buffered > 0) arm();
        else rest();
        const late = hops.lateBy(req);
        if (late > 0) {
          // Its sender gave up on it and went another way (hop-deadline.ts).
          // Answered, not ignored: a sender that is itself slow, and has
          // not yet timed out, must see a failure, not a delivery.
          opts.state.count('socket-producer', 'errors');
          opts.emit('late-hop-dropped', undefined, { fields: { type: req.type, from: req.source, stamp: req.stamp, lateMs: late } });
          answers.push(FRAME_NAK);
          continue;
        }
        // The frame is the queue's record as it is (same codec): no re-encoding,
        // only addressed to this peer, whose port it came in on.
        const record = reader.lastFrame;
        addressTo(record, opts.self);
        if (opts.queue.tryPush(record) !== 1) {
          // Answer what is queued before waiting for room.
          answer();
          socket.pause();
          clearTimeout(conn.timer);
          conn.queueing = true;
          const result = await opts.queue.pushAsync(record);
          conn.queueing = false;
          socket.resume();
          if (result !== 1) return; // queue closed: the peer is stopping
          if (reader.buffered > 0) arm();
          else rest();
        }
        // In the queue: the sender may count it delivered.
        answers.push(FRAME_ACK);
        opts.state.count('socket-producer');
      }
      answer();
    } catch (err) {
      // Frames before the bad one were queued: they are answered before the close.
      answer();
      reject(err);
    }
  };
  // drain never rejects (it closes the connection on any error); should it
  // ever, the chain stays usable and the error is reported.
  const pump = (): Promise<void> =>
    (drained = drained.then(drain).catch((err: unknown) => {
      opts.fault(err, 'reading a connection');
      socket.destroy();
    }));

  socket.on('data', (chunk: Buffer) => {
    if (conn.timer === undefined) arm(); // a frame begins after an idle spell
    try {
      reader.push(chunk);
    } catch (err) {
      reject(err);
      return;
    }
    detach(pump, (err) => opts.fault(err, 'reading a connection'));
  });
  // The sender ended: answer what is left, then close.
  socket.on('end', () => {
    detach(
      () =>
        pump().then(() => {
          if (reader.buffered > 0 && !socket.destroyed) {
            reject(new P2PError('ERR_FRAME_TRUNCATED', `connection ended inside a frame (${reader.buffered} bytes buffered)`));
            return;
          }
          clearTimeout(conn.timer);
          socket.end();
        }),
      (err) => opts.fault(err, 'closing a connection'),
    );
  });
  return conn;
}
