/**
 * How many idle links each peer of a host keeps, and how many connections
 * the host's ports accept in all: both grow or shrink with the peers so that
 * a host of 1,024 stays within a common file limit and never evicts the
 * links its own peers keep.
 */
import { describe, expect, it } from 'vitest';
import { HOST_LINK_FDS, HOST_MAX_TCP_CONNECTIONS, HOST_MIN_KEPT_LINKS, MAX_KEPT_LINKS } from '../../src/constants.js';
import { hostConnectionBudget, hostKeptLinks } from '../../src/net/link-pool.js';

describe('the kept links and connection budget of a host', () => {
  it('a small host keeps as many links per peer as a peer alone; a large one fewer, never below the floor', () => {
    expect(hostKeptLinks(2)).toBe(MAX_KEPT_LINKS);
    expect(hostKeptLinks(64)).toBe(MAX_KEPT_LINKS);
    expect(hostKeptLinks(256)).toBe(24);
    expect(hostKeptLinks(1024)).toBe(6);
    expect(hostKeptLinks(65536)).toBe(HOST_MIN_KEPT_LINKS);
  });

  it('both ends of every kept link fit in HOST_LINK_FDS, until the floor of links per peer is reached', () => {
    const most = HOST_LINK_FDS / (2 * HOST_MIN_KEPT_LINKS);
    for (const peers of [128, 256, 1000, 1024, most]) expect(2 * peers * hostKeptLinks(peers), `${peers}`).toBeLessThanOrEqual(HOST_LINK_FDS);
  });

  it("the budget of the host's ports holds every link its own peers keep, with room to spare", () => {
    for (const peers of [2, 64, 256, 1024, 4096]) {
      expect(hostConnectionBudget(peers), `${peers}`).toBeGreaterThan(peers * hostKeptLinks(peers));
      expect(hostConnectionBudget(peers)).toBeGreaterThanOrEqual(HOST_MAX_TCP_CONNECTIONS);
    }
    expect(hostConnectionBudget(1024)).toBe(1024 * 16);
  });
});
