/**
 * Which ports are bound, read from /proc/net (Linux): whether a peer
 * listens where the course says (TCP and UDP on PORT_BASE + ID) is seen
 * without sending it anything, so a submission is never disturbed by the
 * check. /proc/net shows the network namespace of this process.
 */
import { promises as fs } from 'node:fs';

/** Ports in the LISTEN state (TCP) and bound (UDP), from /proc/net; empty sets where unreadable. */
export async function boundPorts(): Promise<{ tcp: Set<number>; udp: Set<number> }> {
  const read = async (name: string, state: string): Promise<number[]> => {
    const text = await fs.readFile(`/proc/net/${name}`, 'utf8').catch(() => '');
    return text
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[3] === state)
      .map((cols) => parseInt((cols[1] ?? '').split(':')[1] ?? '', 16))
      .filter((port) => Number.isInteger(port));
  };
  const [tcp4, tcp6, udp4, udp6] = await Promise.all([read('tcp', '0A'), read('tcp6', '0A'), read('udp', '07'), read('udp6', '07')]);
  return { tcp: new Set([...tcp4, ...tcp6]), udp: new Set([...udp4, ...udp6]) };
}
