/** Worker shell of the ping listener role (logic in src/roles/ping-listener.ts). */
import { startPingListener } from '../src/roles/ping-listener.js';
import { hostRole } from '../src/roles/role-host.js';

hostRole((ctx) =>
  startPingListener({
    self: ctx.data.config.self.id,
    host: ctx.data.config.self.host,
    port: ctx.data.config.self.port,
    queue: ctx.queue,
    state: ctx.state,
    emit: ctx.emit,
    fault: ctx.fault,
  }),
);
