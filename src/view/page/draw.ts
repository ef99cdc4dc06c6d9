/**
 * Draws the ring on a canvas: the ID circle, the live peers at their IDs'
 * angles, successor arcs (fresh repairs highlighted), the selected or
 * hovered peer's fingers, every visible trail hop by hop with its hop count,
 * transfers, and the marks of joins, kills, quits, repairs, replicas and
 * handovers as they happen. One full redraw per animation frame: with 64
 * peers and a few hundred trails that is a few thousand path segments.
 */
import { angleOf, type PeerView, type Trail, type ViewModel } from '../model.js';

/** How long a mark (a join, a kill...) pulses on the circle (ms of event time). */
export const MARK_PULSE_MS = 4000;
/** How long an ended peer stays on the circle, crossed out (ms). */
export const ENDED_LINGER_MS = 8000;
/** Most trails labelled with their hop count at once (the newest). */
const MAX_TRAIL_LABELS = 8;
const labelled = new Set<string>();
/** How a trail's label begins, by kind. */
const TRAIL_LABELS = { store: 'Store', request: 'Request', join: 'Join of', lookup: 'lookup' } as const;
/** How long a hop takes to draw (ms). */
const HOP_DRAW_MS = 300;

const COLORS = {
  circle: '#2c3544',
  text: '#d8dee9',
  dim: '#8a94a6',
  alive: '#4fd1a5',
  joining: '#f6c945',
  leaving: '#f59e42',
  dead: '#ef5b5b',
  arc: '#5b6b85',
  repair: '#f59e42',
  finger: '#4aa8ff',
  store: '#b48cff',
  request: '#4aa8ff',
  lookup: '#7fb7be',
  join: '#f6c945',
  transfer: '#e6e6e6',
  replica: '#b48cff',
  handover: '#f59e42',
} as const;

/** What to draw besides the model. */
export interface DrawOptions {
  /** Event time to draw at (ms). */
  readonly now: number;
  /** The peer whose fingers and links are shown. */
  readonly focus: number | undefined;
  /** Draw lookups (the many background ones too). */
  readonly lookups: boolean;
  /** Spread the peers evenly in ring order instead of at their IDs' angles (for IDs bunched in one arc). */
  readonly even: boolean;
}

/** Geometry of the last frame, for hit tests. */
export interface Layout {
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
  readonly peers: readonly { id: number; x: number; y: number }[];
}

/** Draws one frame; returns the layout for hit tests. */
export function drawFrame(ctx: CanvasRenderingContext2D, width: number, height: number, model: ViewModel, opts: DrawOptions): Layout {
  const cx = width / 2;
  const cy = height / 2;
  const r = Math.max(60, Math.min(width, height) / 2 - 48);
  const bits = model.idBits;
  const shown = [...model.peers.values()]
    .filter((p) => p.status === 'alive' || p.status === 'joining' || p.status === 'leaving' || opts.now - p.since < ENDED_LINGER_MS)
    .sort((a, b) => a.id - b.id);
  const rank = new Map(shown.map((p, i) => [p.id, i]));
  const ang = (id: number): number => {
    const i = rank.get(id);
    return opts.even && i !== undefined ? (i / shown.length) * 2 * Math.PI - Math.PI / 2 : angleOf(id, bits);
  };
  const pos = (id: number, radius = r): { x: number; y: number } => {
    const a = ang(id);
    return { x: cx + radius * Math.cos(a), y: cy + radius * Math.sin(a) };
  };
  ctx.clearRect(0, 0, width, height);
  ctx.lineCap = 'round';

  // The ID circle, with ticks at the quarters.
  ctx.strokeStyle = COLORS.circle;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(cx, cy, r, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.fillStyle = COLORS.dim;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let q = 0; q < 4 && !opts.even; q++) {
    const id = (q * 2 ** bits) / 4;
    const a = angleOf(id, bits);
    ctx.fillText(String(id), cx + (r - 16) * Math.cos(a), cy + (r - 16) * Math.sin(a));
  }
  const live = new Set(model.livePeers().map((p) => p.id));

  // Successor arcs, along the circle just inside it; a fresh repair in orange.
  const repairedAt = new Map<number, number>();
  for (const rep of model.repairs) repairedAt.set(rep.peer, rep.time);
  for (const p of shown) {
    if (!live.has(p.id)) continue;
    const s = p.successors[0];
    if (s === undefined) continue;
    const fresh = opts.now - (repairedAt.get(p.id) ?? -Infinity) < MARK_PULSE_MS * 2;
    const broken = !live.has(s);
    drawSuccessorArc(ctx, cx, cy, r - 6, ang(p.id), ang(s), fresh ? COLORS.repair : broken ? COLORS.dead : COLORS.arc, fresh ? 3 : 1.5, broken);
  }

  // Fingers of the focused peer.
  const focus = opts.focus === undefined ? undefined : model.peers.get(opts.focus);
  if (focus !== undefined) drawLinks(ctx, focus, pos, live);

  // Trails, oldest first, so the newest is on top; only the newest few
  // labelled, so that a busy network stays readable.
  const trails = model.visibleTrails(opts.now).filter((t) => opts.lookups || t.kind !== 'lookup');
  let labels = 0;
  for (let i = trails.length - 1; i >= 0; i--) {
    const t = trails[i]!;
    if (t.kind !== 'lookup' && labels < MAX_TRAIL_LABELS) {
      labels++;
      labelled.add(t.id);
    }
  }
  for (const t of trails) drawTrail(ctx, t, opts.now, pos, cx, cy, labelled.has(t.id));
  labelled.clear();

  // Transfers: a dashed line with a dot moving along it while running.
  for (const tr of model.transfers.values()) {
    const ended = tr.ended ?? Infinity;
    if (tr.started > opts.now || opts.now - ended > 2000) continue;
    const a = pos(tr.from, r);
    const b = pos(tr.to, r);
    ctx.globalAlpha = ended === Infinity ? 0.9 : Math.max(0, 1 - (opts.now - ended) / 2000);
    ctx.setLineDash([4, 5]);
    ctx.strokeStyle = tr.outcome === 'failed' ? COLORS.dead : COLORS.transfer;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    ctx.setLineDash([]);
    const k = ended === Infinity ? ((opts.now - tr.started) % 1000) / 1000 : 1;
    ctx.fillStyle = COLORS.transfer;
    ctx.beginPath();
    ctx.arc(a.x + (b.x - a.x) * k, a.y + (b.y - a.y) * k, 3, 0, 2 * Math.PI);
    ctx.fill();
    ctx.globalAlpha = 1;
  }

  // Marks: a ring that grows and fades at the peer concerned.
  for (let i = model.marks.length - 1; i >= 0; i--) {
    const m = model.marks[i]!;
    const age = opts.now - m.time;
    if (age > MARK_PULSE_MS) break;
    if (age < 0) continue;
    const at = m.kind === 'replica' || m.kind === 'handover' ? (m.other ?? m.peer) : m.peer;
    const p = pos(at, r);
    const color =
      m.kind === 'join'
        ? COLORS.joining
        : m.kind === 'kill' || m.kind === 'exit'
          ? COLORS.dead
          : m.kind === 'replica'
            ? COLORS.replica
            : m.kind === 'handover' || m.kind === 'quit' || m.kind === 'repair'
              ? COLORS.leaving
              : COLORS.dim;
    ctx.strokeStyle = color;
    ctx.globalAlpha = Math.max(0, 1 - age / MARK_PULSE_MS);
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(p.x, p.y, 10 + (age / MARK_PULSE_MS) * 22, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  // Peers on top.
  const layout: { id: number; x: number; y: number }[] = [];
  ctx.font = '600 12px system-ui, sans-serif';
  for (const p of shown) {
    const at = pos(p.id, r);
    layout.push({ id: p.id, ...at });
    const color =
      p.status === 'alive' ? COLORS.alive : p.status === 'joining' ? COLORS.joining : p.status === 'dead' ? COLORS.dead : COLORS.leaving;
    const ended = p.status === 'dead' || p.status === 'quit';
    ctx.globalAlpha = ended ? Math.max(0.25, 1 - (opts.now - p.since) / ENDED_LINGER_MS) : 1;
    ctx.fillStyle = ended ? '#11151c' : color;
    ctx.strokeStyle = color;
    ctx.lineWidth = opts.focus === p.id ? 4 : 2;
    ctx.beginPath();
    ctx.arc(at.x, at.y, 8, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    if (p.status === 'dead') {
      ctx.beginPath();
      ctx.moveTo(at.x - 6, at.y - 6);
      ctx.lineTo(at.x + 6, at.y + 6);
      ctx.moveTo(at.x + 6, at.y - 6);
      ctx.lineTo(at.x - 6, at.y + 6);
      ctx.stroke();
    }
    const label = pos(p.id, r + 20);
    ctx.fillStyle = COLORS.text;
    ctx.fillText(String(p.id), label.x, label.y);
    const busy = p.roles.some((x) => x.busy) || (p.queue?.depthBytes ?? 0) > 0;
    if (busy && !ended) {
      ctx.fillStyle = COLORS.request;
      ctx.beginPath();
      ctx.arc(at.x + 8, at.y - 8, 3, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }
  if (shown.length === 0) {
    ctx.fillStyle = COLORS.dim;
    ctx.font = '14px system-ui, sans-serif';
    ctx.fillText('No peers yet: waiting for events', cx, cy);
  }
  return { cx, cy, r, peers: layout };
}

/** An arrow along the circle from angle a to angle b, clockwise. */
function drawSuccessorArc(
  ctx: CanvasRenderingContext2D,
  cx: number,
  cy: number,
  r: number,
  a: number,
  b: number,
  color: string,
  width: number,
  dashed: boolean,
): void {
  let end = b;
  while (end <= a) end += 2 * Math.PI;
  const pad = Math.min(0.08, (end - a) / 4);
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  if (dashed) ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.arc(cx, cy, r, a + pad, end - pad);
  ctx.stroke();
  ctx.setLineDash([]);
  const tip = end - pad;
  const tx = cx + r * Math.cos(tip);
  const ty = cy + r * Math.sin(tip);
  const dir = tip + Math.PI / 2; // the tangent, clockwise
  arrowHead(ctx, tx, ty, dir, color);
}

function arrowHead(ctx: CanvasRenderingContext2D, x: number, y: number, dir: number, color: string): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x - 8 * Math.cos(dir - 0.4), y - 8 * Math.sin(dir - 0.4));
  ctx.lineTo(x - 8 * Math.cos(dir + 0.4), y - 8 * Math.sin(dir + 0.4));
  ctx.closePath();
  ctx.fill();
}

/** The focused peer's fingers (Chord) and predecessors, as chords. */
function drawLinks(
  ctx: CanvasRenderingContext2D,
  p: PeerView,
  pos: (id: number, radius?: number) => { x: number; y: number },
  live: ReadonlySet<number>,
): void {
  const from = pos(p.id);
  ctx.font = '10px system-ui, sans-serif';
  const fingers = [...new Set(p.fingers.filter((f) => f >= 0 && f !== p.id))];
  for (const f of fingers) {
    const to = pos(f);
    ctx.strokeStyle = COLORS.finger;
    ctx.globalAlpha = live.has(f) ? 0.8 : 0.35;
    ctx.lineWidth = 1.2;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    ctx.setLineDash([]);
    arrowHead(ctx, to.x, to.y, Math.atan2(to.y - from.y, to.x - from.x), COLORS.finger);
  }
  ctx.globalAlpha = 1;
}

/** A trail: its hops as curves bowed toward the centre, drawn as they are reached, with the hop count at its head. */
function drawTrail(
  ctx: CanvasRenderingContext2D,
  t: Trail,
  now: number,
  pos: (id: number, radius?: number) => { x: number; y: number },
  cx: number,
  cy: number,
  withLabel: boolean,
): void {
  const color = COLORS[t.kind];
  const fade = t.done ? Math.max(0, 1 - Math.max(0, now - t.updated - 1500) / 4500) : 1;
  const background = t.kind === 'lookup';
  ctx.globalAlpha = fade * (background ? 0.45 : 1);
  ctx.strokeStyle = color;
  ctx.lineWidth = background ? 1.2 : 3;
  let head = pos(t.path[0] ?? t.origin);
  for (let i = 1; i < t.path.length; i++) {
    const reached = t.times[i] ?? t.updated;
    if (reached > now) break;
    const k = Math.min(1, (now - reached) / HOP_DRAW_MS);
    const a = pos(t.path[i - 1]!);
    const b = pos(t.path[i]!);
    // Control point: the chord's middle pulled toward the centre.
    const mx = (a.x + b.x) / 2;
    const my = (a.y + b.y) / 2;
    const qx = mx + (cx - mx) * 0.35;
    const qy = my + (cy - my) * 0.35;
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    if (k >= 1) {
      ctx.quadraticCurveTo(qx, qy, b.x, b.y);
      head = b;
    } else {
      // Part of the curve: de Casteljau split at k.
      const p1x = a.x + (qx - a.x) * k;
      const p1y = a.y + (qy - a.y) * k;
      const p2x = qx + (b.x - qx) * k;
      const p2y = qy + (b.y - qy) * k;
      head = { x: p1x + (p2x - p1x) * k, y: p1y + (p2y - p1y) * k };
      ctx.quadraticCurveTo(p1x, p1y, head.x, head.y);
    }
    ctx.stroke();
    if (k >= 1 && !background) arrowHead(ctx, b.x, b.y, Math.atan2(b.y - qy, b.x - qx), color);
  }
  if (withLabel) {
    const label = `${TRAIL_LABELS[t.kind]} ${t.subject}: ${t.hops} hop${t.hops === 1 ? '' : 's'}${t.done && t.outcome !== undefined ? `, ${t.outcome}` : ''}`;
    ctx.font = '600 12px system-ui, sans-serif';
    const w = ctx.measureText(label).width + 10;
    const lx = head.x + (cx - head.x) * 0.18;
    const ly = head.y + (cy - head.y) * 0.18;
    ctx.fillStyle = '#11151ccc';
    ctx.fillRect(lx - w / 2, ly - 9, w, 18);
    ctx.fillStyle = color;
    ctx.fillText(label, lx, ly);
  }
  ctx.globalAlpha = 1;
}
