/** Worker shell of the ping sender role (logic in src/roles/ping-sender.ts). */
import { startPingSender } from '../src/roles/ping-sender.js';
import { hostRole } from '../src/roles/role-host.js';

hostRole((ctx) =>
  startPingSender({
    self: ctx.data.config.self,
    intervalMs: ctx.data.config.pingIntervalMs,
    timeoutMs: ctx.data.config.pingTimeoutMs,
    state: ctx.state,
    queue: ctx.queue,
    emit: ctx.emit,
    fault: ctx.fault,
  }),
);
