/**
 * The panel of peers: one card per peer with its status, successors and
 * predecessors, five roles (alive, busy), queue depth, counters, stored
 * keys and transfers in flight. A card is rewritten only when what it shows
 * changed, so 64 cards refreshed a few times a second stay cheap.
 */
import type { PeerView, TransferView, ViewModel } from '../model.js';

/** Short names of the five roles. */
const ROLE_SHORT: Readonly<Record<string, string>> = {
  'socket-producer': 'socket',
  'stdin-reader': 'stdin',
  'ping-listener': 'ping-in',
  'ping-sender': 'ping-out',
  consumer: 'consumer',
};

/** Counters shown, by event kind. */
const COUNTED: readonly (readonly [string, readonly string[]])[] = [
  ['stores', ['store-forwarded', 'store-accepted']],
  ['requests', ['request-sent', 'request-forwarded', 'request-found', 'request-missing']],
  ['lookups', ['lookup-forwarded', 'lookup-done']],
  ['pings in', ['ping-request']],
  ['files sent', ['file-sent', 'store-bytes-sent']],
];

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const list = (ids: readonly number[]): string => (ids.length === 0 ? '–' : ids.map((i) => (i < 0 ? '?' : String(i))).join(', '));

function transferHtml(t: TransferView, self: number, now: number): string {
  const dir = t.from === self ? `→ ${t.to}` : `← ${t.from}`;
  const secs = (((t.ended ?? now) - t.started) / 1000).toFixed(1);
  const value = t.ended === undefined ? '' : ' value="1"';
  const size = t.bytes > 0 ? ` ${t.bytes} B` : '';
  return `<div class="xfer">${esc(t.kind)} ${esc(t.filename)} ${dir}${size} <progress max="1"${value}></progress> ${t.outcome ?? 'running'} ${secs} s</div>`;
}

function cardHtml(p: PeerView, now: number): string {
  const roles =
    p.roles.length === 0
      ? '<span class="small">roles: no snapshot yet (start peers with --snapshot-every)</span>'
      : p.roles
          .map((r) => {
            const cls = !r.alive ? 'down' : r.busy ? 'alive busy' : 'alive';
            const title = `${r.name}: ${r.alive ? 'alive' : 'not running'}, handled ${r.handled}, errors ${r.errors}`;
            return `<span class="role ${cls}" title="${esc(title)}">${esc(ROLE_SHORT[r.name] ?? r.name)}</span>`;
          })
          .join('');
  const q = p.queue;
  const depth =
    q === undefined
      ? ''
      : `<div class="qbar" title="queue ${q.depthBytes} of ${q.capacityBytes} bytes"><div style="width:${q.capacityBytes > 0 ? Math.min(100, (100 * Math.max(q.depthBytes, 1)) / q.capacityBytes) : 0}%"></div></div>`;
  const queue =
    q === undefined
      ? ''
      : `<div class="small">queue ${q.depthBytes} B (peak ${q.highWaterBytes} of ${q.capacityBytes}), ${q.recordsPopped} records</div>`;
  const counters = COUNTED.map(([name, kinds]) => `${name} ${kinds.reduce((n, k) => n + (p.counters.get(k) ?? 0), 0)}`).join(' · ');
  const keys =
    p.keys.length === 0
      ? '<span class="small">no keys</span>'
      : p.keys
          .map(
            (k) => `<span class="key ${k.role}" title="key ${k.key}, ${k.role}">${esc(k.filename)}${k.role === 'replica' ? ' (r)' : ''}</span>`,
          )
          .join('');
  const transfers = [...p.transfers.values()]
    .filter((t) => t.ended === undefined || now - t.ended < 5000)
    .map((t) => transferHtml(t, p.id, now));
  return `<div class="head"><span class="id">Peer ${p.id}</span><span class="st-${p.status}">${p.status}</span></div>
<div class="small">succ ${list(p.successors)} · pred ${list(p.predecessors)}${p.fingers.length > 0 ? ` · fingers ${list([...new Set(p.fingers)])}` : ''}</div>
<div class="roles">${roles}</div>${depth}${queue}
<div class="small">${counters}</div>
<div>${keys}</div>${transfers.join('')}${p.transfersActive > 0 && transfers.length === 0 ? `<div class="xfer">${p.transfersActive} transfer(s) running</div>` : ''}`;
}

/** Rewrites the cards of `root` for `model`; a card per peer, by ID, each marked with data-peer and data-status. */
export function renderPanel(
  root: HTMLElement,
  model: ViewModel,
  now: number,
  selected: number | undefined,
  onSelect: (id: number) => void,
): void {
  const peers = [...model.peers.values()].sort((a, b) => a.id - b.id);
  const cards = new Map<number, HTMLElement>();
  for (const el of Array.from(root.children)) {
    if (el instanceof HTMLElement) cards.set(Number(el.dataset['peer']), el);
  }
  const keep = new Set(peers.map((p) => p.id));
  for (const [id, el] of cards) if (!keep.has(id)) el.remove();
  let prev: HTMLElement | null = null;
  for (const p of peers) {
    let el = cards.get(p.id);
    if (el === undefined) {
      el = document.createElement('div');
      el.className = 'peer';
      el.dataset['peer'] = String(p.id);
      el.addEventListener('click', () => onSelect(p.id));
    }
    const html = cardHtml(p, now);
    if (el.dataset['sig'] !== html) {
      el.innerHTML = html;
      el.dataset['sig'] = html;
    }
    el.dataset['status'] = p.status;
    el.classList.toggle('selected', selected === p.id);
    const want: ChildNode | null = prev === null ? root.firstChild : prev.nextSibling;
    if (want !== el) root.insertBefore(el, want);
    prev = el;
  }
}
