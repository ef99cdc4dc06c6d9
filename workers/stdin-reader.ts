/**
 * Worker shell of the stdin reader role (logic in src/roles/stdin-reader.ts).
 * The coordinator starts this worker with `stdin: true` and feeds it the
 * process's standard input (or a test's lines).
 */
import { hostRole } from '../src/roles/role-host.js';
import { startStdinReader } from '../src/roles/stdin-reader.js';

hostRole((ctx) => startStdinReader({ input: process.stdin, queue: ctx.queue, state: ctx.state, emit: ctx.emit }));
