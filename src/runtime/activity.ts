/**
 * How often each thread of a peer wakes up, and how many timers it holds,
 * counted at no cost while nothing happens.
 *
 * libuv already counts every iteration of a thread's event loop (each
 * return from its poll: a timer, a datagram, a connection, a message from
 * another thread, a queue record, and the turns a thread spins without
 * sleeping): `performance.nodeTiming.uvMetricsInfo.loopCount`, per thread.
 * Nobody reads it until asked. Whoever wants the figures (`status`, in the
 * consumer) bumps the ASK word of the peer state and notifies it; every
 * thread waits on that word with Atomics.waitAsync, which needs no timer and
 * wakes nobody until the ask, and answers in its own slot (PeerState.answer).
 * So the figures are exact when asked, and idle costs no wake-up to keep.
 *
 * Timers are those that keep the thread alive (Node lists them as `Timeout`
 * in getActiveResourcesInfo): unref'd ones, which never wake an idle peer on
 * their own (the fault reporter's, a connection's idle limit), are not
 * counted. Which timer each role holds is listed in the README ("Idle").
 */
import { performance } from 'node:perf_hooks';
import { THREADS, type PeerState, type ThreadActivity, type ThreadName } from './peer-state.js';

/** This thread's activity now. */
export function threadActivity(): ThreadActivity {
  return {
    wakeUps: performance.nodeTiming.uvMetricsInfo.loopCount,
    timers: process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length,
  };
}

/**
 * Answers every ask of the peer state for `thread`, from this thread, until
 * stopped. Must run on the thread it answers for.
 */
export function answerAsks(state: PeerState, thread: ThreadName, fault: (err: unknown) => void): { stop(): void } {
  let stopped = false;
  const loop = async (): Promise<void> => {
    let seen = state.asked;
    while (!stopped) {
      await state.waitAsk(seen);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have run during the await
      if (stopped) return;
      seen = state.asked;
      state.answer(thread, seen, threadActivity());
    }
  };
  state.answering(thread);
  loop().catch(fault);
  return {
    stop: () => {
      stopped = true;
    },
  };
}

/**
 * Asks every thread for its activity and waits (at most `timeoutMs`) for
 * their answers; `self` answers at once. A thread that cannot answer in time
 * (a stdin reader blocked on a full queue) keeps its last answer; one that
 * does not answer asks at all (a peer's state built in a unit test) is not
 * waited for.
 */
export async function gatherActivity(state: PeerState, self: ThreadName, timeoutMs: number): Promise<void> {
  const ask = state.ask();
  state.answer(self, ask, threadActivity());
  const others = THREADS.filter((t) => t !== self && state.isAnswering(t));
  await Promise.all(others.map((t) => state.waitAnswer(t, ask, timeoutMs)));
}
