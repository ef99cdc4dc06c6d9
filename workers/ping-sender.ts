/** Worker shell of the ping sender role (logic in src/roles/ping-sender.ts): pings for every peer of the process. */
import { PingClock, startPingSender } from '../src/roles/ping-sender.js';
import { hostRole, perPeer } from '../src/roles/role-host.js';

hostRole((ctx) => {
  // One interval timer for every peer of the process (a host's share one ping interval).
  const clocks = new Map<number, PingClock>();
  const clockFor = (intervalMs: number): PingClock => {
    let c = clocks.get(intervalMs);
    if (c === undefined) clocks.set(intervalMs, (c = new PingClock(intervalMs, ctx.fault)));
    return c;
  };
  return perPeer(ctx, (config, state, emit) =>
    startPingSender({
      self: config.self,
      intervalMs: config.pingIntervalMs,
      timeoutMs: config.pingTimeoutMs,
      state,
      queue: ctx.queue,
      emit,
      fault: ctx.fault,
      clock: clockFor(config.pingIntervalMs),
    }),
  );
});
