/** The tasks the transfer pool runs, as plain data (they cross into pool threads by structured clone). */
import type { MessagePort } from 'node:worker_threads';
import type { Endpoint } from '../net/tcp.js';
import type { Request } from '../protocol/types.js';

/** Listen once, receive one file, save it, report through the ring queue. */
export interface ReceiveTask {
  readonly kind: 'receive';
  /** Host to listen on (this peer's host). */
  readonly host: string;
  readonly filename: string;
  readonly mode: 'request' | 'store';
  readonly dataDir: string;
  /** This peer's ID: the destination of the records pushed into the queue. */
  readonly self: number;
  /** The peer's ring queue: progress records go through it to the consumer. */
  readonly queueBuffer: SharedArrayBuffer;
  /** Give up when nobody connects (or the sender stalls) for this long. */
  readonly timeoutMs: number;
  /** Receives `{ port }` once the listener is up. */
  readonly control: MessagePort;
}

/** Connect, send a header and a file's bytes. */
export interface SendTask {
  readonly kind: 'send';
  readonly to: Endpoint;
  readonly header: Request;
  readonly path?: string | undefined;
  readonly timeoutMs: number;
}

/** Any transfer task. */
export type TransferTask = ReceiveTask | SendTask;

/** What a receive task resolves with. */
export interface ReceiveOutcome {
  readonly status: 'received' | 'missing' | 'failed';
  readonly bytes: number;
  readonly path?: string | undefined;
}
