/**
 * A network of child-process peers on one host, and the course walkthrough
 * run against it: every step waits for the lines it causes (with a
 * deadline), and every peer's lines are compared with the specification.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, P2PError, type ErrorCode } from '../errors.js';
import type { PeerEvent } from '../runtime/events.js';
import { ChildPeer } from './child-peer.js';
import { isPingLine } from '../model/lines.js';
import { perfectViews, predecessorsIn } from '../model/ring-model.js';
import { sameLines } from '../model/transcript.js';
import type { RoutingMode } from '../routing/types.js';
import { COURSE_PEERS, routedStep, WALKTHROUGHS, type Action, type Order, type Step } from '../model/walkthrough.js';

/** Options of a network. */
export interface NetworkOptions {
  readonly dir: string;
  readonly portBase: number;
  readonly pingSeconds: number;
  /** Extra arguments for every peer (`--routing chord`...). */
  readonly extraArgs?: readonly string[];
  /**
   * A command to run peer `id`'s node through (see ChildPeerOptions
   * `commandPrefix`), e.g. `ip netns exec NAME` to put each peer on its own
   * host; undefined (the default) runs node directly.
   */
  readonly commandPrefix?: (id: number) => readonly string[] | undefined;
  /**
   * The whole command that starts peer `id` with the course's arguments
   * (`['init', '2', '4', '5', '1']`), for another implementation's peers
   * (see ChildPeerOptions `command`): they get neither `--port-base` nor
   * `extraArgs`, only this command. Undefined (the default): our CLI.
   */
  readonly peerCommand?: (id: number, args: readonly string[]) => readonly string[];
  /** Extra environment of every peer. */
  readonly env?: NodeJS.ProcessEnv;
  /** Called with each peer as it starts (e.g. to feed a view its events). */
  readonly onStart?: (peer: ChildPeer) => void;
}

/** A set of child peers sharing a working directory and a port base. */
export class PeerNetwork {
  readonly peers = new Map<number, ChildPeer>();
  /** Peers that ever ran, in start order (their transcripts outlive them). */
  readonly history: ChildPeer[] = [];
  /** Peers told to end (a Quit, a kill, stopAll): their exit is expected. */
  private readonly ending = new WeakSet<ChildPeer>();
  private readonly exitListeners = new Set<(err: P2PError, peer: ChildPeer) => void>();

  constructor(readonly opts: NetworkOptions) {}

  /**
   * Calls `listener` when a peer ends that nobody told to end (one that
   * could not start, its port taken, or that died), once its output is all
   * read, with an error that carries the peer's own last error line.
   */
  onUnexpectedExit(listener: (err: P2PError, peer: ChildPeer) => void): void {
    this.exitListeners.add(listener);
  }

  /** Marks `peer`'s coming exit as expected (performAction's Quit and kill do). */
  expectEnd(peer: ChildPeer): void {
    this.ending.add(peer);
  }

  private watchExit(peer: ChildPeer): void {
    void peer.exited.then(async (code) => {
      await peer.closed;
      if (this.ending.has(peer) || this.exitListeners.size === 0) return;
      const err = unexpectedExit(peer, code);
      for (const listener of this.exitListeners) listener(err, peer);
    });
  }

  /** Starts `p2p <args>` as peer `id`. */
  start(id: number, args: readonly string[]): ChildPeer {
    const commandPrefix = this.opts.commandPrefix?.(id);
    const command = this.opts.peerCommand?.(id, args);
    const fullArgs = command === undefined ? [...args, '--port-base', String(this.opts.portBase), ...(this.opts.extraArgs ?? [])] : args;
    const peer = new ChildPeer(id, fullArgs, {
      cwd: this.opts.dir,
      ...(commandPrefix === undefined ? {} : { commandPrefix }),
      ...(command === undefined ? {} : { command }),
      ...(this.opts.env === undefined ? {} : { env: this.opts.env }),
    });
    this.peers.set(id, peer);
    this.history.push(peer);
    this.watchExit(peer);
    this.opts.onStart?.(peer);
    return peer;
  }

  /** `p2p init id s1 s2 PING`. */
  init(id: number, s1: number, s2: number): ChildPeer {
    return this.start(id, ['init', String(id), String(s1), String(s2), String(this.opts.pingSeconds)]);
  }

  /** `p2p join id via PING`. */
  join(id: number, via: number): ChildPeer {
    return this.start(id, ['join', String(id), String(via), String(this.opts.pingSeconds)]);
  }

  /** The peer with this ID; throws when there is none. */
  get(id: number): ChildPeer {
    const p = this.peers.get(id);
    if (p === undefined) throw new P2PError('ERR_BAD_ARGUMENT', `no peer ${id} in this network`);
    return p;
  }

  /** IDs of the running peers, sorted. */
  ring(): number[] {
    return [...this.peers.values()]
      .filter((p) => p.running)
      .map((p) => p.id)
      .sort((a, b) => a - b);
  }

  /** Removes a peer that has ended. */
  forget(id: number): void {
    this.peers.delete(id);
  }

  /** Waits until every running peer has had a ping from each of its two predecessors since `marks`. */
  async settlePings(marks: ReadonlyMap<number, number>, timeoutMs: number): Promise<void> {
    const ring = this.ring();
    await Promise.all(
      ring.flatMap((id) =>
        predecessorsIn(ring, id).map((pred) => this.get(id).waitForKind('ping-request', timeoutMs, marks.get(id) ?? 0, { from: pred })),
      ),
    );
  }

  /**
   * Waits until every running peer's fingers (its latest 'fingers-changed'
   * event) are the perfect fingers of the current membership.
   */
  async settleFingers(timeoutMs: number): Promise<void> {
    const ring = this.ring();
    const views = perfectViews(ring, 'chord');
    await Promise.all(
      ring.map((id) => {
        const want = (views.get(id)?.fingers ?? []).join(',');
        const peer = this.get(id);
        const isWanted = (e: PeerEvent): boolean =>
          e.kind === 'fingers-changed' && (e.fields?.fingers as readonly number[] | undefined)?.join(',') === want;
        const last = peer.events.findLastIndex((e) => e.kind === 'fingers-changed');
        return peer.waitFor(isWanted, timeoutMs, `fingers ${want}`, Math.max(0, last));
      }),
    );
  }

  /** Current event count of every peer. */
  marks(): Map<number, number> {
    return new Map([...this.peers].map(([id, p]) => [id, p.mark()]));
  }

  /** Kills every peer still running and waits for them. */
  async stopAll(): Promise<void> {
    for (const p of this.peers.values()) {
      this.expectEnd(p);
      p.kill('SIGTERM');
    }
    await Promise.all([...this.peers.values()].map((p) => p.exited));
  }
}

/**
 * The error of a peer that ended unasked: its own last error line (`p2p: …
 * (CODE)`) when it printed one, with that code; ERR_NOT_RUNNING otherwise.
 */
export function unexpectedExit(peer: ChildPeer, code: number | null): P2PError {
  const last = peer.transcript.filter((l) => l.stream === 'stderr').at(-1)?.text;
  const own = last === undefined ? undefined : /^p2p: (.*) \((ERR_[A-Z_]+)\)$/.exec(last);
  // One that printed no line on stdout never ran (a port taken, a known peer unreachable).
  const ran = peer.transcript.some((l) => l.stream === 'stdout');
  const how = !ran ? 'could not start' : `ended (exit code ${code ?? 'none, killed by a signal'})`;
  const why = own?.[1] ?? last ?? `exit code ${code ?? 'none'}, nothing on stderr`;
  const errCode = (own?.[2] ?? 'ERR_NOT_RUNNING') as ErrorCode;
  return new P2PError(ERROR_CODES.includes(errCode) ? errCode : 'ERR_NOT_RUNNING', `peer ${peer.id} ${how}: ${why}`);
}

/** The outcome of one step. */
export interface StepResult {
  readonly step: Step;
  readonly ms: number;
  /** Per peer: lines expected and lines printed (ping lines left out). */
  readonly mismatches: readonly { peer: number; expected: readonly string[]; actual: readonly string[] }[];
}

/** Options of a walkthrough run. */
export interface WalkthroughOptions extends NetworkOptions {
  readonly order: Order;
  /** Routing of every peer (default ring); also passed as `--routing`. */
  readonly routing?: RoutingMode;
  /** Called as each step ends. */
  readonly onStep?: (result: StepResult) => void;
}

/** The outcome of a walkthrough. */
export interface WalkthroughResult {
  readonly steps: readonly StepResult[];
  readonly network: PeerNetwork;
  /** received_4103.* is byte-identical to 4103.* */
  readonly fileIdentical: boolean;
  /** Why the walkthrough stopped early, if it did. */
  readonly error?: Error | undefined;
  /** It stopped because a peer ended unasked (`error` is that peer's, see unexpectedExit). */
  readonly peerEnded?: boolean;
  readonly ok: boolean;
}

/** A course line: printed on stdout, not a periodic ping line. */
export function isCourseLine(e: PeerEvent): boolean {
  return e.line !== undefined && e.stream !== 'stderr' && !isPingLine(e.line);
}

/** The course lines a peer printed from event index `since` on. */
export function courseLines(peer: ChildPeer, since = 0): string[] {
  return peer.events
    .slice(since)
    .filter(isCourseLine)
    .map((e) => e.line ?? '');
}

/**
 * Waits (with a deadline) until the peer has printed `count` course lines
 * since `since`, then returns every course line printed since then. On a
 * timeout it returns what there is, so that a comparison shows the
 * difference instead of a bare timeout.
 */
export async function linesAfter(peer: ChildPeer, since: number, count: number, timeoutMs: number): Promise<string[]> {
  let n = 0;
  if (count > 0) {
    await peer.waitFor((e) => isCourseLine(e) && ++n >= count, timeoutMs, `${count} course lines`, since).catch(() => undefined);
  }
  return courseLines(peer, since);
}

/**
 * Waits for every peer in `expected` to print its lines since its mark and
 * returns, per peer, what it printed (a peer that ran several times: its
 * latest run). Peers expected to print nothing are read last, once the
 * others are done, so that a line printed on the way (a wrong forwarder's)
 * has come out.
 */
export async function printedBy(
  net: PeerNetwork,
  marks: ReadonlyMap<number, number>,
  expected: Readonly<Record<number, readonly string[]>>,
  timeoutMs: number,
): Promise<Record<number, string[]>> {
  const read = (key: string, count: number): Promise<readonly [number, string[]]> => {
    const id = Number(key);
    const peer = net.history.filter((p) => p.id === id).at(-1);
    if (peer === undefined) throw new P2PError('ERR_BAD_ARGUMENT', `no peer ${id} ever ran`);
    return linesAfter(peer, marks.get(id) ?? 0, count, timeoutMs).then((lines) => [id, lines] as const);
  };
  const all = Object.entries(expected);
  const speaking = await Promise.all(all.filter(([, l]) => l.length > 0).map(([key, l]) => read(key, l.length)));
  const silent = await Promise.all(all.filter(([, l]) => l.length === 0).map(([key]) => read(key, 0)));
  return Object.fromEntries([...speaking, ...silent]);
}

/** Starts the course's ring in `opts.dir` and runs the walkthrough; the network is left running for the caller to stop. */
export async function runWalkthrough(opts: WalkthroughOptions): Promise<WalkthroughResult> {
  const routing = opts.routing ?? 'ring';
  const net = new PeerNetwork({ ...opts, extraArgs: [...(opts.extraArgs ?? []), '--routing', routing] });
  const pingMs = opts.pingSeconds * 1000;
  // Generous: a loaded two-core machine runs eight peers of six threads
  // each, and starting or walking the ring costs CPU in proportion to its
  // peers (1.5 s each leaves room for a load average of 10).
  const deadline = Math.max(15_000, 10 * pingMs + 10_000) + 1500 * (COURSE_PEERS.length + 1);
  const steps: StepResult[] = [];
  // A peer that ends unasked (its port taken, a thread died) stops the
  // walkthrough at once, with that peer's own error, instead of the step
  // waiting out its deadline for lines that cannot come.
  let stopped: (err: P2PError) => void = () => undefined;
  let ended: P2PError | undefined;
  const died = new Promise<never>((_, reject) => (stopped = reject));
  died.catch(() => undefined);
  net.onUnexpectedExit((err) => {
    ended ??= err;
    stopped(err);
  });
  for (const [id, s1, s2] of COURSE_PEERS) net.init(id, s1, s2);
  try {
    for (const course of WALKTHROUGHS[opts.order]) {
      const started = Date.now();
      const run = async (): Promise<StepResult> => {
        if (routing === 'chord') await net.settleFingers(deadline);
        const step = routing === 'ring' ? course : routedStep(course, net.ring(), routing);
        const marks = net.marks();
        await performAction(net, step.action, deadline);
        const mismatches = await collect(net, step, marks, deadline);
        // Peers that gained predecessors must show pings from them before the next step.
        await net.settlePings(step.action.kind === 'pings' ? new Map() : net.marks(), deadline);
        return { step, ms: Date.now() - started, mismatches };
      };
      const result = await Promise.race([run(), died]);
      steps.push(result);
      opts.onStep?.(result);
    }
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    return { steps, network: net, fileIdentical: false, error, peerEnded: error === ended, ok: false };
  }
  // Each step checked its own window; now every line each peer printed, from
  // its start to now, against everything the steps expect of it, in order:
  // nothing printed between two steps' windows escapes the comparison.
  const whole = wholeTranscripts(net, steps);
  if (whole.mismatches.length > 0) steps.push(whole);
  const fileIdentical = await sameFile(opts.dir, '4103');
  return { steps, network: net, fileIdentical, ok: fileIdentical && steps.every((s) => s.mismatches.length === 0) };
}

function wholeTranscripts(net: PeerNetwork, steps: readonly StepResult[]): StepResult {
  const mismatches: { peer: number; expected: readonly string[]; actual: readonly string[] }[] = [];
  for (const peer of net.history) {
    const expected = steps.flatMap((s) => s.step.expect[peer.id] ?? []);
    const actual = peer.events.filter(isCourseLine).map((e) => e.line ?? '');
    if (!sameLines(expected, actual)) {
      mismatches.push({ peer: peer.id, expected, actual });
    }
  }
  const step: Step = { title: 'Every line of every peer, start to end', action: { kind: 'pings' }, expect: {} };
  return { step, ms: 0, mismatches };
}

/**
 * Does what `a` says to the network: starts a joining peer, types a
 * command, or ends a peer (a Quit waits for its exit with status 0, a kill
 * for its end). Resolves once the action is done, not once its lines are out.
 */
export async function performAction(net: PeerNetwork, a: Action, deadline: number): Promise<void> {
  switch (a.kind) {
    case 'pings':
      return;
    case 'join':
      net.join(a.peer, a.via);
      return;
    case 'quit': {
      const peer = net.get(a.peer);
      net.expectEnd(peer);
      peer.type('Quit');
      const code = await withDeadline(peer.exited, deadline, `peer ${a.peer} to exit after Quit`);
      if (code !== 0) throw new P2PError('ERR_WORKER_DIED', `peer ${a.peer} exited with code ${String(code)} after Quit`);
      net.forget(a.peer);
      return;
    }
    case 'store':
      net.get(a.at).type(`Store ${a.file}`);
      return;
    case 'kill': {
      const peer = net.get(a.peer);
      net.expectEnd(peer);
      peer.kill('SIGKILL');
      await peer.exited;
      net.forget(a.peer);
      return;
    }
    case 'request':
      net.get(a.at).type(`Request ${a.file}`);
      return;
  }
}

/** Waits until each peer printed as many course lines as the step expects, then compares them. */
async function collect(net: PeerNetwork, step: Step, marks: ReadonlyMap<number, number>, deadline: number): Promise<StepResult['mismatches']> {
  const out: { peer: number; expected: readonly string[]; actual: readonly string[] }[] = [];
  await Promise.all(
    Object.entries(step.expect).map(async ([key, expected]) => {
      const id = Number(key);
      const peer = net.history.filter((p) => p.id === id).at(-1);
      if (peer === undefined) throw new P2PError('ERR_BAD_ARGUMENT', `step "${step.title}" expects lines from peer ${id}, which never ran`);
      const since = net.peers.get(id) === peer ? (marks.get(id) ?? 0) : 0;
      let n = 0;
      await peer
        .waitFor((e) => isCourseLine(e) && ++n >= expected.length, deadline, `${expected.length} lines for "${step.title}"`, since)
        .catch(() => undefined); // a short transcript is reported as a mismatch below
      const actual = peer.events
        .slice(since)
        .filter(isCourseLine)
        .map((e) => e.line ?? '');
      if (!sameLines(expected, actual)) {
        out.push({ peer: id, expected, actual });
      }
    }),
  );
  return out;
}

async function sameFile(dir: string, name: string): Promise<boolean> {
  const files = await fs.readdir(dir);
  const original = files.find((f) => f.startsWith(`${name}.`));
  const copy = files.find((f) => f.startsWith(`received_${name}.`));
  if (original === undefined || copy === undefined) return false;
  const [a, b] = await Promise.all([fs.readFile(path.join(dir, original)), fs.readFile(path.join(dir, copy))]);
  return a.equals(b);
}

/**
 * Runs `fail` once the input already waiting has been read. When this
 * process was starved (a loaded machine), a deadline's timer and the peers'
 * output that arrived meanwhile are both due at once, and timers run before
 * I/O in Node's event loop: without this, a deadline would fire on lines
 * that had arrived in time. Two turns of the loop let the poll phase read
 * every pipe that is ready; a promise settled meanwhile wins.
 */
export function afterPendingInput(fail: () => void): void {
  setImmediate(() => setImmediate(fail));
}

/** Resolves with `p`, or rejects with ERR_TIMEOUT after `ms`, naming `what`. */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => afterPendingInput(() => reject(new P2PError('ERR_TIMEOUT', `no ${what} within ${ms} ms`))), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
