/**
 * Traffic during the faults: one loop of Requests and one of lookups, each
 * typed at a random steady peer (running, unfrozen, in the ring), one after
 * the other. During the faults a missing file or a lookup that names a
 * peer other than the harness's owner is counted, not failed: the ring is
 * allowed to be repairing. A corrupted file is a failure at any time.
 */
import path from 'node:path';
import { ownerOf } from '../routing/ids.js';
import type { Prng } from '../routing/prng.js';
import type { ChaosNetwork } from './peers.js';
import { FILE_EXT } from './payload.js';
import { fetchFile, lookupAt, mayRequest, type Fetch, type FetchOutcome } from './probes.js';
import type { ChaosTiming } from './timing.js';
import { ID_BITS, TRAFFIC_PER_INTERVAL } from './constants.js';
import { pause } from './wait.js';

/** What the traffic saw. */
export interface TrafficStats {
  /** Requests by outcome. */
  requests: Record<FetchOutcome, number>;
  /** Lookups answered with the harness's owner of the moment, with another, or not at all. */
  lookups: { agreed: number; disagreed: number; unanswered: number };
  /** Requests whose bytes differed from the original (a failure). */
  corrupted: Fetch[];
}

/** Background Requests and lookups. */
export class Traffic {
  private running = false;
  private loops: Promise<void>[] = [];
  readonly stats: TrafficStats = {
    requests: { ok: 0, corrupted: 0, missing: 0, failed: 0, timeout: 0, gone: 0 },
    lookups: { agreed: 0, disagreed: 0, unanswered: 0 },
    corrupted: [],
  };

  constructor(
    private readonly cnet: ChaosNetwork,
    private readonly names: readonly string[],
    private readonly originals: string,
    private readonly prng: Prng,
    private readonly timing: ChaosTiming,
  ) {}

  /** Starts both loops. */
  start(): void {
    this.running = true;
    this.loops = [this.requestLoop(), this.lookupLoop()];
  }

  /** Stops both loops after their current command and resolves with what they saw. */
  async stop(): Promise<TrafficStats> {
    this.running = false;
    await Promise.all(this.loops);
    return this.stats;
  }

  private pickPeer(): number | undefined {
    const steady = this.cnet.steady();
    return steady.length === 0 ? undefined : steady[this.prng.nextInt(steady.length)];
  }

  /** Nobody to ask now (or not that name): try again an interval later. */
  private backOff(): Promise<void> {
    return pause(this.timing.pingMs);
  }

  /** Keeps a loop to TRAFFIC_PER_INTERVAL commands per ping interval. */
  private pace(startedMs: number): Promise<void> {
    return pause(Math.max(0, this.timing.pingMs / TRAFFIC_PER_INTERVAL - (Date.now() - startedMs)));
  }

  private async requestLoop(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      const at = this.pickPeer();
      const name = this.names[this.prng.nextInt(this.names.length)] as string;
      if (at === undefined || !mayRequest(this.cnet.get(at), name)) {
        await this.backOff();
        continue;
      }
      const original = path.join(this.originals, `${name}${FILE_EXT}`);
      const f = await fetchFile(this.cnet.get(at), this.cnet.dataDir(at), name, original, this.timing.eventMs(this.cnet.ring().length));
      this.stats.requests[f.outcome] += 1;
      if (f.outcome === 'corrupted') this.stats.corrupted.push(f);
      await this.pace(started);
    }
  }

  private async lookupLoop(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      const at = this.pickPeer();
      if (at === undefined) {
        await this.backOff();
        continue;
      }
      const key = this.prng.nextInt(2 ** ID_BITS);
      const l = await lookupAt(this.cnet.get(at), key, this.timing.lookupMs(this.cnet.ring().length));
      if (l.owner === undefined) this.stats.lookups.unanswered += 1;
      else if (l.owner === ownerOf(this.cnet.ring(), key)) this.stats.lookups.agreed += 1;
      else this.stats.lookups.disagreed += 1;
      await this.pace(started);
    }
  }
}
