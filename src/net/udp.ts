/** UDP helpers for pings: one request per datagram, the same codec as TCP. */
import dgram from 'node:dgram';
import { bindError } from './tcp.js';

/** Binds a UDP socket; rejects with ERR_PORT_IN_USE when the port is taken. */
export function bindUdp(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.close();
      reject(bindError('UDP', host, port, err));
    });
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
