/**
 * File transfers, as the consumer sees them. The real implementation runs
 * every transfer in a piscina pool (src/transfer/pool.ts), so that reading,
 * sending, receiving and writing a large file never stalls the consumer.
 */
import type { Endpoint } from '../net/tcp.js';
import type { Request } from '../protocol/types.js';

/** A file this peer expects to receive. */
export interface ReceiveSpec {
  readonly filename: string;
  /** `request`: save as received_NNNN.<ext>; `store`: save as NNNN.<ext> (each written first under a temporary name of its own, see `tempNameFor`). */
  readonly mode: 'request' | 'store';
}

/** Runs transfers off the consumer thread. */
export interface TransferService {
  /**
   * Opens a one-shot listener for an incoming file; resolves with where it
   * listens. The header, the end and any failure of the transfer arrive later
   * as `transfer` records in the ring queue (`_phase` header/done/failed).
   */
  receive(spec: ReceiveSpec): Promise<Endpoint>;
  /** Connects to `to` and sends `header` then the bytes of `path` (none when undefined). */
  send(to: Endpoint, header: Request, path?: string): Promise<{ bytes: number }>;
  /** Transfers running now. */
  readonly active: number;
  /** Stops the pool. */
  close(): Promise<void>;
}
