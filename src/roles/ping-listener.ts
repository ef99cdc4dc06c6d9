/**
 * The ping listener: answers ping requests on the peer's UDP port at once,
 * then queues each request so that the consumer learns its predecessors
 * (a ping names its sender and which successor slot the receiver fills).
 * A bad datagram is logged with its error's name and dropped, unanswered:
 * a ping whose slot or address is junk is refused before it is answered,
 * so that it neither teaches the consumer a predecessor nor gets a reply.
 */
import type dgram from 'node:dgram';
import { errorLine, P2PError } from '../errors.js';
import { addressTo, encodeRequest, tryDecodeRequest } from '../protocol/codec.js';
import { contentError } from '../protocol/content.js';
import { bindUdp } from '../net/udp.js';
import { detach } from '../runtime/faults.js';
import type { ProducerOptions } from './socket-producer.js';

/** What the ping listener needs. */
export type PingListenerOptions = ProducerOptions;

/** Binds the UDP port (rejects with ERR_PORT_IN_USE) and starts answering. */
export async function startPingListener(opts: PingListenerOptions): Promise<{ close(): Promise<void> }> {
  const socket = await bindUdp(opts.host, opts.port);
  socket.on('error', () => undefined); // ICMP errors on replies are not ours to fail on
  socket.on('message', (msg, rinfo) => onDatagram(socket, msg, rinfo, opts));
  return { close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

function onDatagram(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo, opts: PingListenerOptions): void {
  const from = `${rinfo.address}:${rinfo.port}`;
  const decoded = tryDecodeRequest(msg);
  const fail = (err: P2PError): void => {
    opts.state.count('ping-listener', 'errors');
    opts.emit('datagram-error', errorLine(`peer ${opts.self}: dropped a datagram from ${from}: ${err.message}`, err.code), {
      stream: 'stderr',
      fields: { code: err.code, from },
    });
  };
  if (!decoded.ok) {
    fail(decoded.error);
    return;
  }
  const req = decoded.request;
  if (req.type !== 'ping' || req.content.phase !== 'req') {
    // The phase is the sender's text: quoted and cut, so that the log line stays one short line.
    const phase = JSON.stringify((req.content.phase ?? 'none').slice(0, 20));
    fail(new P2PError('ERR_UNKNOWN_TYPE', `a ${req.type} request (phase ${phase}) is not a ping request`));
    return;
  }
  const bad = contentError(req, 'udp');
  if (bad !== undefined) {
    fail(bad);
    return;
  }
  const reply = encodeRequest({
    type: 'ping',
    source: opts.self,
    destination: req.source,
    stamp: req.stamp,
    content: { phase: 'resp', seq: req.content.seq ?? '0', slot: req.content.slot ?? '0' },
  });
  socket.send(reply, rinfo.port, rinfo.address);
  // Queue the request for the consumer (predecessor bookkeeping and the
  // printed line). The reply above never waits on the queue; when the queue is
  // full this push waits without blocking the event loop, so later pings are
  // still answered.
  // The datagram is the queue's record as it is (same codec): no re-encoding,
  // only addressed to this peer, whose port it came in on.
  const record = msg;
  addressTo(record, opts.self);
  if (opts.queue.tryPush(record) === 1) {
    opts.state.count('ping-listener');
    return;
  }
  detach(
    () => opts.queue.pushAsync(record).then((r) => opts.state.count('ping-listener', r === 1 ? 'handled' : 'errors')),
    (err) => opts.fault(err, 'queueing a ping'),
  );
}
