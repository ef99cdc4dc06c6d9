/** Worker shell of the ping listener role (logic in src/roles/ping-listener.ts): one UDP socket per peer of the process. */
import { startPingListener } from '../src/roles/ping-listener.js';
import { hostRole, perPeer } from '../src/roles/role-host.js';

hostRole((ctx) =>
  perPeer(ctx, (config, state, emit) =>
    startPingListener({
      self: config.self.id,
      host: config.self.host,
      port: config.self.port,
      queue: ctx.queue,
      state,
      emit,
      fault: ctx.fault,
    }),
  ),
);
