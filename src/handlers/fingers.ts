/** `fingers`: the routing table for a person. */
import type { PeerNode } from '../node/peer-node.js';

/** The finger table, the successor list and the predecessor, as lines. */
export function formatFingers(node: PeerNode): string {
  const m = node.config.idBits;
  const size = 2 ** m;
  const lines = [`Peer ${node.id}: ${node.config.routing} routing, ${m}-bit IDs`];
  if (node.config.routing === 'chord') {
    lines.push('Fingers (start -> successor):');
    node.fingers.forEach((f, i) => {
      const start = (node.id + 2 ** i) % size;
      lines.push(`  ${String(i).padStart(2)}  ${String(start).padStart(10)} -> ${f === undefined ? '?' : f.id}`);
    });
  } else {
    lines.push('Fingers: none (ring routing uses the first successor only)');
  }
  lines.push(`Successor list: ${node.successors.map((s) => s.id).join(', ') || 'none yet'}`);
  lines.push(`Predecessor: ${node.predecessors[0]?.id ?? 'unknown'}`);
  return lines.join('\n');
}
