/** Worker shell of the consumer role (logic in src/roles/consumer.ts). */
import { startConsumer } from '../src/roles/consumer.js';
import { hostRole } from '../src/roles/role-host.js';

hostRole(startConsumer);
