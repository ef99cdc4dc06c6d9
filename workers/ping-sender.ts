/** Worker shell of the ping sender role (logic in src/roles/ping-sender.ts): pings for every peer of the process. */
import { startPingSender } from '../src/roles/ping-sender.js';
import { hostRole, perPeer } from '../src/roles/role-host.js';

hostRole((ctx) =>
  perPeer(ctx, (config, state, emit) =>
    startPingSender({
      self: config.self,
      intervalMs: config.pingIntervalMs,
      timeoutMs: config.pingTimeoutMs,
      state,
      queue: ctx.queue,
      emit,
      fault: ctx.fault,
    }),
  ),
);
