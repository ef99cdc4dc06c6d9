/** Worker shell of the socket producer role (logic in src/roles/socket-producer.ts). */
import { startSocketProducer } from '../src/roles/socket-producer.js';
import { hostRole } from '../src/roles/role-host.js';

hostRole((ctx) =>
  startSocketProducer({
    host: ctx.data.config.self.host,
    port: ctx.data.config.self.port,
    queue: ctx.queue,
    state: ctx.state,
    emit: ctx.emit,
    fault: ctx.fault,
  }),
);
