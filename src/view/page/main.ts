/**
 * The view's page: follows the server's event stream (SSE) or a recorded
 * file opened here, keeps every event in a Timeline, and draws the model at
 * the timeline's cursor on each animation frame. Live, the cursor follows
 * the newest event; Pause freezes it; Replay and the slider move it.
 *
 * For tests, `window.p2pView` exposes the state the page shows (peers on the
 * circle, arcs, trails, repairs) and the controls; the ring's element
 * carries the same as data attributes.
 */
import { successorArcs, type ViewModel, type ViewState } from '../model.js';
import { parseEventLines, Timeline } from '../timeline.js';
import type { PeerEvent } from '../../runtime/events.js';
import { drawFrame, type Layout } from './draw.js';
import { renderPanel } from './panel.js';

/** The panel and the timeline's list are refreshed at most this often (ms). */
const PANEL_REFRESH_MS = 250;
/** Lines kept in the timeline's list. */
const LOG_LINES = 300;

type Mode = { kind: 'live' } | { kind: 'paused'; at: number } | { kind: 'replay'; at: number; wall: number };

declare global {
  interface Window {
    p2pView?: {
      state: () => ViewState;
      pause: () => void;
      /** Pauses the picture at event time `ms`. */
      pauseAt: (ms: number) => void;
      live: () => void;
      select: (id: number | undefined) => void;
      load: (text: string) => void;
    };
  }
}

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from the page`);
  return el;
};

const canvas = $('canvas') as HTMLCanvasElement;
const ring = $('ring');
const peersEl = $('peers');
const logEl = $('log');
const statusEl = $('status');
const pauseBtn = $('pause') as HTMLButtonElement;
const replayBtn = $('replay') as HTMLButtonElement;
const speedSel = $('speed') as HTMLSelectElement;
const scrub = $('scrub') as HTMLInputElement;
const clock = $('clock');
const lookupsBox = $('lookups') as HTMLInputElement;
const layoutSel = $('layout') as HTMLSelectElement;
layoutSel.value = new URLSearchParams(location.search).get('layout') === 'even' ? 'even' : 'id';
const fileInput = $('file') as HTMLInputElement;

let timeline = new Timeline();
let mode: Mode = { kind: 'live' };
/** Live: event time of the newest event, and when it was applied (performance.now()), so the picture keeps moving between events. */
let liveAnchor = { time: 0, perf: 0 };
let selected: number | undefined;
let hovered: number | undefined;
let layout: Layout | undefined;
let source = 'live';
let connected = false;
let lastPanel = 0;
let logShown = '';

/** The event time the picture shows. */
function now(): number {
  switch (mode.kind) {
    case 'live':
      return Math.max(timeline.model.time, liveAnchor.time + (performance.now() - liveAnchor.perf));
    case 'paused':
      return mode.at;
    case 'replay':
      return mode.at + (performance.now() - mode.wall) * Number(speedSel.value);
  }
}

function receive(events: readonly PeerEvent[]): void {
  if (events.length === 0) return;
  timeline.add(events, mode.kind === 'live');
  if (mode.kind === 'live') liveAnchor = { time: timeline.model.time, perf: performance.now() };
}

function setMode(next: Mode): void {
  mode = next;
  lastPanel = 0; // the panels and the status say so at the next frame
  pauseBtn.textContent = mode.kind === 'live' ? 'Pause' : 'Live';
  pauseBtn.classList.toggle('on', mode.kind !== 'live');
  replayBtn.classList.toggle('on', mode.kind === 'replay');
  if (mode.kind === 'live') {
    timeline.seek(Infinity);
    liveAnchor = { time: timeline.model.time, perf: performance.now() };
  }
}

function pause(): void {
  setMode({ kind: 'paused', at: now() });
}

function goLive(): void {
  setMode({ kind: 'live' });
}

pauseBtn.addEventListener('click', () => (mode.kind === 'live' ? pause() : goLive()));
replayBtn.addEventListener('click', () => {
  if (timeline.size === 0) return;
  timeline.seek(timeline.start - 1);
  setMode({ kind: 'replay', at: timeline.start - 1, wall: performance.now() });
});
speedSel.addEventListener('change', () => {
  if (mode.kind === 'replay') setMode({ kind: 'replay', at: now(), wall: performance.now() });
});
scrub.addEventListener('input', () => {
  if (timeline.size === 0) return;
  const t = timeline.start + ((timeline.end - timeline.start) * Number(scrub.value)) / Number(scrub.max);
  timeline.seek(t);
  setMode({ kind: 'paused', at: t });
});

function load(text: string, name: string): void {
  stream?.close();
  connected = false;
  source = name;
  timeline = new Timeline();
  timeline.add(parseEventLines(text), true);
  // A recorded run opens at its start, paused: Replay plays it, the slider scrubs it.
  timeline.seek(timeline.start);
  setMode({ kind: 'paused', at: timeline.start });
  logShown = '';
}

fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  if (file === undefined) return;
  void file.text().then((text) => load(text, file.name));
});

// Selection and hover: the nearest peer within 14 px.
function peerAt(ev: MouseEvent): number | undefined {
  if (layout === undefined) return undefined;
  const rect = canvas.getBoundingClientRect();
  const x = ev.clientX - rect.left;
  const y = ev.clientY - rect.top;
  let best: number | undefined;
  let bestD = 14 * 14;
  for (const p of layout.peers) {
    const d = (p.x - x) ** 2 + (p.y - y) ** 2;
    if (d < bestD) {
      bestD = d;
      best = p.id;
    }
  }
  return best;
}
canvas.addEventListener('mousemove', (ev) => {
  hovered = peerAt(ev);
  canvas.style.cursor = hovered === undefined ? 'default' : 'pointer';
});
canvas.addEventListener('mouseleave', () => (hovered = undefined));
canvas.addEventListener('click', (ev) => {
  const id = peerAt(ev);
  selected = id === selected ? undefined : id;
});

// The server's stream (absent when the page is opened from a file).
let stream: EventSource | undefined;
function connect(): void {
  stream = new EventSource('events');
  stream.addEventListener('hello', (ev: MessageEvent<string>) => {
    // A (re)connection sends every event again: start over.
    const hello = JSON.parse(ev.data) as { idBits: number | null; title: string };
    timeline = new Timeline(hello.idBits ?? undefined);
    connected = true;
    source = hello.title;
    setMode(mode.kind === 'live' ? { kind: 'live' } : mode);
  });
  stream.onmessage = (ev: MessageEvent<string>) => receive(JSON.parse(ev.data) as PeerEvent[]);
  stream.onerror = () => {
    connected = false;
  };
}
if (location.protocol.startsWith('http')) connect();

function resize(): { w: number; h: number } {
  const rect = ring.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.floor(rect.width));
  const h = Math.max(1, Math.floor(rect.height));
  if (canvas.width !== w * dpr || canvas.height !== h * dpr) {
    canvas.width = w * dpr;
    canvas.height = h * dpr;
  }
  return { w, h };
}

const esc = (text: string): string => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (t: number): string => (Number.isFinite(t) ? new Date(t).toISOString().slice(11, 23) : '–');

function refreshLog(model: ViewModel, at: number): void {
  const items: { time: number; html: string }[] = [];
  for (const m of model.marks.slice(-LOG_LINES)) {
    if (m.time > at) continue;
    items.push({ time: m.time, html: `<li class="${m.kind}" data-kind="${m.kind}"><span class="t">${fmt(m.time)}</span>${esc(m.text)}</li>` });
  }
  for (const t of model.trails.slice(-40)) {
    if (t.kind === 'lookup' || t.started > at) continue;
    const state = t.done ? (t.outcome ?? 'done') : 'on its way';
    const text = `${t.kind} ${t.subject} from ${t.origin}: ${t.path.join(' → ')} (${t.hops} hops, ${state})`;
    items.push({ time: t.started, html: `<li data-kind="${t.kind}"><span class="t">${fmt(t.started)}</span>${esc(text)}</li>` });
  }
  const html = items
    .sort((a, b) => b.time - a.time)
    .slice(0, LOG_LINES)
    .map((x) => x.html)
    .join('');
  if (html !== logShown) {
    logEl.innerHTML = html;
    logShown = html;
  }
}

function refreshState(model: ViewModel, at: number): void {
  const live = model.livePeers().map((p) => p.id);
  ring.dataset['peers'] = live.join(' ');
  ring.dataset['dead'] = [...model.peers.values()]
    .filter((p) => p.status === 'dead')
    .map((p) => p.id)
    .join(' ');
  ring.dataset['arcs'] = successorArcs(model).join(' ');
  ring.dataset['mode'] = mode.kind;
  const span = timeline.end - timeline.start;
  if (mode.kind !== 'live' || span > 0)
    scrub.value = String(span > 0 ? Math.round(((at - timeline.start) / span) * Number(scrub.max)) : Number(scrub.max));
  clock.textContent = `${fmt(at)} · ${timeline.cursor}/${timeline.size} events`;
  const where = connected ? `following ${source}` : source === 'live' ? 'disconnected' : source;
  statusEl.textContent = `${where} · ${mode.kind} · ${live.length} peers · ${model.idBits}-bit IDs`;
}

function frame(): void {
  if (mode.kind === 'replay') {
    const t = now();
    timeline.advanceTo(t);
    if (t >= timeline.end) goLive();
  }
  const at = now();
  const { w, h } = resize();
  const ctx = canvas.getContext('2d');
  if (ctx !== null) {
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    layout = drawFrame(ctx, w, h, timeline.model, {
      now: at,
      focus: hovered ?? selected,
      lookups: lookupsBox.checked,
      even: layoutSel.value === 'even',
    });
  }
  const wall = performance.now();
  if (wall - lastPanel >= PANEL_REFRESH_MS) {
    lastPanel = wall;
    renderPanel(peersEl, timeline.model, at, selected, (id) => (selected = id === selected ? undefined : id));
    refreshLog(timeline.model, at);
    refreshState(timeline.model, at);
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

window.p2pView = {
  state: (): ViewState => {
    const m = timeline.model;
    const at = now();
    return {
      mode: mode.kind,
      events: timeline.size,
      applied: timeline.cursor,
      idBits: m.idBits,
      live: m.livePeers().map((p) => p.id),
      peers: [...m.peers.values()].map((p) => ({
        id: p.id,
        status: p.status,
        successors: p.successors,
        keys: p.keys.map((k) => `${k.filename}:${k.role}`),
      })),
      arcs: successorArcs(m),
      trails: m.trails.map((t) => ({
        id: t.id,
        kind: t.kind,
        subject: t.subject,
        origin: t.origin,
        path: t.path,
        hops: t.hops,
        done: t.done,
        outcome: t.outcome ?? null,
        updated: t.updated,
      })),
      visible: m.visibleTrails(at).map((t) => t.id),
      repairs: m.repairs.map((r) => ({ peer: r.peer, lost: r.lost, cause: r.cause, successors: r.successors })),
      marks: m.marks.map((x) => ({ kind: x.kind, peer: x.peer, text: x.text })),
    };
  },
  pause,
  pauseAt: (ms) => {
    timeline.seek(ms);
    setMode({ kind: 'paused', at: ms });
  },
  live: goLive,
  select: (id) => (selected = id),
  load: (text) => load(text, 'loaded'),
};
