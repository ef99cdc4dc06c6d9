/** Worker shell of the socket producer role (logic in src/roles/socket-producer.ts): one TCP server per peer of the process. */
import { MAX_TCP_CONNECTIONS } from '../src/constants.js';
import { hostConnectionBudget } from '../src/net/link-pool.js';
import { ConnectionBudget, startSocketProducer } from '../src/roles/socket-producer.js';
import { hostRole, perPeer } from '../src/roles/role-host.js';

hostRole((ctx) => {
  // One bound on connections for the whole process, growing with the peers it hosts.
  const budget = new ConnectionBudget(ctx.data.host ? hostConnectionBudget(ctx.data.peers.length) : MAX_TCP_CONNECTIONS);
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
