/**
 * Connections that stay open: one TCP connection ("link") per peer we talk
 * to, carrying any number of framed requests, each answered by one byte.
 *
 * A new connection per request cost about half of a routing hop (connect,
 * accept, the first segment's arrival; issue 13's timing). A link is opened
 * on the first request to a peer and kept while it is used.
 *
 * The exchange on a link, in order (TCP keeps it):
 *   sender:   frame, frame, frame, ...   (length-framed requests, as before)
 *   receiver: ACK,   ACK,   NAK,   ...   (one byte per frame, in frame order)
 * ACK: the frame is in the receiver's queue (what the close of a one-shot
 * connection used to say). NAK: the receiver read it after its sender had
 * given up on it and dropped it (hop-deadline.ts); the sender sees a
 * failure. Acknowledgements come back in frame order, so the sender matches
 * each byte to the oldest frame still waiting for one.
 *
 * Each frame has its own deadline. A frame that passes it fails alone: the
 * frames behind it on the link keep their own deadlines, since the receiver
 * may still read them in time (failing them at once would make a frame the
 * receiver obeys look failed to its sender: the request would then be
 * handled twice, once here and once on the way around). The link itself is
 * retired: new requests go on a fresh connection, and the old one is closed
 * once every frame on it has its answer or has timed out. Any frame it still
 * delivers after that is late, and the receiver drops it.
 *
 * A link closed by the other end (the peer stopped, crashed or evicted it)
 * fails its waiting frames at once, as a refused connection did. One case is
 * retried: a frame written on a link that was idle, which the other end
 * closed before acknowledging anything (it closed an idle connection just as
 * we wrote). The receiver only closes a connection whose frames it has all
 * acknowledged, so that frame was never queued; it goes once more on a fresh
 * connection.
 *
 * Bounds: at most MAX_KEPT_LINKS links are kept idle; past that the least
 * recently used idle link is closed. A link idle for LINK_IDLE_MS is closed
 * (well before the receiver's own idle limit, so the sender closes first).
 * File bytes keep their own connections (transfer/send.ts).
 */
import net from 'node:net';
import {
  HOST_CONNECTION_MARGIN_PER_PEER,
  HOST_LINK_FDS,
  HOST_MAX_TCP_CONNECTIONS,
  HOST_MIN_KEPT_LINKS,
  LINK_IDLE_MS,
  MAX_FRAME_BYTES,
  MAX_KEPT_LINKS,
  TCP_CONNECT_TIMEOUT_MS,
} from '../constants.js';

/** Idle links each peer of a host of `peers` keeps (MAX_KEPT_LINKS for a peer alone; see HOST_LINK_FDS). */
export function hostKeptLinks(peers: number): number {
  return Math.max(HOST_MIN_KEPT_LINKS, Math.min(MAX_KEPT_LINKS, Math.floor(HOST_LINK_FDS / (2 * Math.max(1, peers)))));
}

/** Connections the socket producer of a host of `peers` holds open on all its ports together. */
export function hostConnectionBudget(peers: number): number {
  return Math.max(HOST_MAX_TCP_CONNECTIONS, peers * (hostKeptLinks(peers) + HOST_CONNECTION_MARGIN_PER_PEER));
}
import { P2PError } from '../errors.js';
import { encodeRequest } from '../protocol/codec.js';
import type { Request } from '../protocol/types.js';
import { hopStamp } from './hop-deadline.js';
import type { Endpoint } from './tcp.js';

/** The receiver's answer to a frame it queued. */
export const FRAME_ACK = 0x06;
/** The receiver's answer to a frame it dropped as late. */
export const FRAME_NAK = 0x15;

/** One frame waiting for its answer. */
interface Waiting {
  readonly to: Endpoint;
  readonly req: Request;
  readonly frame: Uint8Array;
  readonly timeoutMs: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
  /** The link it was written on. */
  link: Link | undefined;
  /** Written on a link that had answered before and had nothing waiting (see the retry rule above). */
  onIdleLink: boolean;
  /** Already retried once. */
  retried: boolean;
}

/** One connection. */
class Link {
  readonly socket: net.Socket;
  /** Frames written and not yet answered, oldest first (timed-out ones stay: they still owe their answer). */
  readonly waiting: Waiting[] = [];
  /** Answers received on this link. */
  answered = 0;
  /** Takes no new frames: closed once each of its frames is answered or timed out. */
  retired = false;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly key: string,
    to: Endpoint,
  ) {
    this.socket = net.connect({ host: to.host, port: to.port });
    this.socket.setNoDelay(true);
  }

  /** Every frame written on it has its answer or has timed out. */
  get quiet(): boolean {
    return this.waiting.every((w) => w.settled);
  }
}

/** Kept connections by destination, owned by one thread (the consumer). */
export class LinkPool {
  /** The link that takes new frames, by "host:port"; least recently used first. */
  private readonly kept = new Map<string, Link>();
  /** Retired links that still owe answers. */
  private readonly retiring = new Set<Link>();
  private closed = false;

  constructor(
    private readonly maxKept = MAX_KEPT_LINKS,
    private readonly idleMs = LINK_IDLE_MS,
  ) {}

  /** Connections open now (kept or retiring). */
  get size(): number {
    return this.kept.size + this.retiring.size;
  }

  /**
   * Sends one request and resolves once the receiver has queued it. Rejects
   * with ERR_UNREACHABLE when nobody listens, the link breaks, the receiver
   * drops it as late, or no answer comes within `timeoutMs`.
   */
  send(to: Endpoint, req: Request, timeoutMs = TCP_CONNECT_TIMEOUT_MS): Promise<void> {
    // Stamped with when it is sent and how long we wait: a receiver that
    // reads it after we gave up drops it (hop-deadline.ts).
    const frame = encodeRequest(req, MAX_FRAME_BYTES, hopStamp(timeoutMs));
    return new Promise<void>((resolve, reject) => {
      const w: Waiting = {
        to,
        req,
        frame,
        timeoutMs,
        resolve,
        reject,
        timer: undefined,
        settled: false,
        link: undefined,
        onIdleLink: false,
        retried: false,
      };
      w.timer = setTimeout(() => this.timeOut(w), timeoutMs);
      this.write(w);
    });
  }

  /** Closes every link; frames still waiting fail. */
  close(): void {
    this.closed = true;
    for (const link of [...this.kept.values(), ...this.retiring]) link.socket.destroy();
  }

  private write(w: Waiting): void {
    if (this.closed) {
      this.fail(w, new Error('this peer is stopping'));
      return;
    }
    const link = this.linkTo(w.to);
    clearTimeout(link.idleTimer);
    link.idleTimer = undefined;
    w.onIdleLink = link.answered > 0 && link.waiting.length === 0;
    w.link = link;
    link.waiting.push(w);
    link.socket.write(w.frame);
  }

  /** The kept link to `to`, or a new one. */
  private linkTo(to: Endpoint): Link {
    const key = `${to.host}:${to.port}`;
    const link = this.kept.get(key);
    // Re-inserted: the Map's order is least recently used first.
    this.kept.delete(key);
    if (link !== undefined && !link.socket.destroyed) {
      this.kept.set(key, link);
      return link;
    }
    const fresh = new Link(key, to);
    this.kept.set(key, fresh);
    this.watch(fresh);
    this.trim();
    return fresh;
  }

  private watch(link: Link): void {
    const { socket } = link;
    socket.on('data', (chunk: Buffer) => {
      for (const byte of chunk) {
        const w = link.waiting.shift();
        if (w === undefined || (byte !== FRAME_ACK && byte !== FRAME_NAK)) {
          // An answer to nothing, or not an answer: not our protocol.
          this.drop(link, new Error(`unexpected answer byte ${byte}`));
          return;
        }
        link.answered++;
        if (byte === FRAME_ACK) this.settle(w);
        else this.fail(w, new Error('the receiver dropped it: it arrived after the sender had given up on it'));
      }
      if (link.waiting.length === 0) this.idle(link);
    });
    // `on`: a second 'error' with no listener would be an uncaught exception.
    socket.on('error', (err) => this.drop(link, err));
    // The other end closed: nothing more will be answered.
    socket.on('end', () => this.drop(link, new Error('the receiver closed the connection')));
    socket.on('close', () => this.drop(link, new Error('the connection closed')));
  }

  /** A link with nothing waiting: closed if retired, else kept until idle for `idleMs`. */
  private idle(link: Link): void {
    if (link.retired) {
      this.end(link);
      return;
    }
    clearTimeout(link.idleTimer);
    link.idleTimer = setTimeout(() => this.end(link), this.idleMs);
    link.idleTimer.unref();
  }

  /** Closes the least recently used idle links beyond the cap. */
  private trim(): void {
    for (const link of this.kept.values()) {
      if (this.kept.size <= this.maxKept) return;
      if (link.waiting.length === 0) this.end(link);
    }
  }

  /** Closes a link that owes nothing. */
  private end(link: Link): void {
    this.forget(link);
    link.socket.end();
  }

  /** The link broke: every frame still waiting fails, except those the retry rule sends again. */
  private drop(link: Link, err: Error): void {
    this.forget(link);
    if (!link.socket.destroyed) link.socket.destroy();
    const waiting = link.waiting.splice(0);
    // The first frame written on an idle link, and every frame after it, were
    // never queued if the other end closed before answering any of them.
    const resend = waiting[0]?.onIdleLink === true && !this.closed;
    for (const w of waiting) {
      if (w.settled) continue;
      if (resend && !w.retried) {
        w.retried = true;
        this.write(w);
        continue;
      }
      this.fail(w, err);
    }
  }

  private forget(link: Link): void {
    clearTimeout(link.idleTimer);
    if (this.kept.get(link.key) === link) this.kept.delete(link.key);
    this.retiring.delete(link);
  }

  /** No answer in time: this frame fails, and its link takes no new frames. */
  private timeOut(w: Waiting): void {
    if (w.settled) return;
    this.fail(w, new Error(`no answer within ${w.timeoutMs} ms`));
    const link = w.link;
    if (link === undefined || link.socket.destroyed) return;
    if (!link.retired) {
      link.retired = true;
      if (this.kept.get(link.key) === link) this.kept.delete(link.key);
      this.retiring.add(link);
    }
    // Nothing it carries can still be obeyed in time: close it.
    if (link.quiet) {
      this.forget(link);
      link.socket.destroy();
    }
  }

  private settle(w: Waiting): void {
    if (w.settled) return;
    w.settled = true;
    clearTimeout(w.timer);
    w.resolve();
  }

  private fail(w: Waiting, cause: Error): void {
    if (w.settled) return;
    w.settled = true;
    clearTimeout(w.timer);
    w.reject(
      new P2PError('ERR_UNREACHABLE', `cannot deliver ${w.req.type} to ${w.to.host}:${w.to.port}: ${cause.message}`, {
        cause,
      }),
    );
  }
}
