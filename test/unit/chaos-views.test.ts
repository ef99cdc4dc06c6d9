import { describe, expect, it } from 'vitest';
import { neighbourhood } from '../../src/chaos/views.js';

describe('the neighbourhood of a fault', () => {
  const ring = [2, 4, 5, 8, 9, 14, 19];

  it('holds r peers on each side, and the peer itself when it runs', () => {
    expect(neighbourhood(ring, [8], 2)).toEqual([4, 5, 8, 9, 14]);
    expect(neighbourhood(ring, [2], 2)).toEqual([2, 4, 5, 14, 19]);
  });

  it('places a departed peer where it was', () => {
    expect(neighbourhood([2, 4, 5, 9, 14, 19], [8], 2)).toEqual([4, 5, 9, 14]);
  });

  it('never holds more than the ring', () => {
    expect(neighbourhood([1, 2, 3], [2], 3)).toEqual([1, 2, 3]);
  });
});
