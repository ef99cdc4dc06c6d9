/**
 * Worker shell of the stdin reader role (logic in src/roles/stdin-reader.ts).
 * The coordinator starts this worker with `stdin: true` and feeds it the
 * process's standard input (or a test's lines). In a host of many peers it
 * reads `ID> COMMAND` lines, and passes the host's own commands on to the
 * coordinator.
 */
import { hostRole } from '../src/roles/role-host.js';
import { startStdinReader } from '../src/roles/stdin-reader.js';

hostRole((ctx) => {
  const peers = new Set(ctx.data.peers.map((p) => p.self.id));
  const host = ctx.data.host ? { peers, command: (line: string) => ctx.post({ kind: 'host-command', line }) } : undefined;
  const reader = startStdinReader({ input: process.stdin, queue: ctx.queue, state: ctx.state, emit: ctx.emit, host });
  return {
    close: () => reader.close(),
    drop: (peer) => void peers.delete(peer),
    add: (config) => void peers.add(config.self.id),
  };
});
