/** Worker shell of the socket producer role (logic in src/roles/socket-producer.ts): one TCP server per peer of the process. */
import { HOST_MAX_TCP_CONNECTIONS, HOST_TCP_CONNECTIONS_PER_PEER, MAX_TCP_CONNECTIONS } from '../src/constants.js';
import { ConnectionBudget, startSocketProducer } from '../src/roles/socket-producer.js';
import { hostRole, perPeer } from '../src/roles/role-host.js';

hostRole((ctx) => {
  // One bound on connections for the whole process, growing with the peers it hosts.
  const budget = new ConnectionBudget(
    ctx.data.host ? Math.max(HOST_MAX_TCP_CONNECTIONS, ctx.data.peers.length * HOST_TCP_CONNECTIONS_PER_PEER) : MAX_TCP_CONNECTIONS,
  );
  return perPeer(ctx, (config, state, emit) =>
    startSocketProducer({
      self: config.self.id,
      host: config.self.host,
      port: config.self.port,
      queue: ctx.queue,
      state,
      emit,
      fault: ctx.fault,
      budget,
    }),
  );
});
