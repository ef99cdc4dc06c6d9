/**
 * The consumer's dispatch (handlers/dispatch.ts): one handler per request
 * type; a record that cannot be read, a type without a handler, a handler
 * that fails and a bad command line are each reported with their error's
 * code, and the peer carries on. Commands run to their end, with a line.
 */
import { describe, expect, it } from 'vitest';
import { dispatchRecord, dispatchRequest, HANDLERS, runCommand } from '../../src/handlers/dispatch.js';
import { encodeCommandRecord, encodeRequest } from '../../src/protocol/codec.js';
import { COMMAND_HELP } from '../../src/protocol/commands.js';
import { REQUEST_TYPE_NAMES, type Request } from '../../src/protocol/types.js';
import { config, IDLE_DISPATCH, knowPredecessors, ping, printed, recorded, turns } from '../fixtures/peer-node.js';

const badStore: Request = { type: 'store', source: 5, destination: 10, stamp: '5-s', content: { filename: 'a912' } };

describe('the dispatch table', () => {
  it('has a handler for each of the nine request types, and nothing else', () => {
    expect(Object.keys(HANDLERS).sort()).toEqual([...REQUEST_TYPE_NAMES].sort());
    for (const t of REQUEST_TYPE_NAMES) expect(typeof HANDLERS[t], t).toBe('function');
  });
});

describe('dispatchRequest', () => {
  it("runs the request's handler", async () => {
    const { node, events } = recorded(config(10, [20, 30]));
    dispatchRequest(node, ping(5, 10, 0));
    await turns();
    expect(printed(events)).toEqual(['Ping request message received from Peer 5']);
    expect(node.predecessors[0]?.id).toBe(5);
  });

  it('reports a failing handler on stderr with its code, never throws, and handles the next request', async () => {
    const { node, events } = recorded(config(10, [20, 30]));
    expect(() => dispatchRequest(node, badStore)).not.toThrow();
    dispatchRequest(node, ping(5, 10, 0));
    await turns();
    const failed = events.find((e) => e.kind === 'request-failed');
    expect(failed?.stream).toBe('stderr');
    expect(failed?.fields.code).toBe('ERR_BAD_FILENAME');
    expect(failed?.line).toMatch(/^p2p: peer 10: Handling store from Peer 5: .* \(ERR_BAD_FILENAME\)$/);
    expect(node.predecessors[0]?.id).toBe(5);
  });

  it('reports a type without a handler as ERR_UNKNOWN_TYPE', () => {
    const { node, events } = recorded(config(10, [20, 30]));
    const odd = { ...ping(5, 10, 0), type: 'gossip' } as unknown as Request;
    expect(() => dispatchRequest(node, odd)).not.toThrow();
    expect(events.find((e) => e.kind === 'bad-request')).toMatchObject({ stream: 'stderr', fields: { code: 'ERR_UNKNOWN_TYPE' } });
  });
});

describe('dispatchRecord', () => {
  it('decodes a request record and handles it', async () => {
    const { node, events } = recorded(config(10, [20, 30]));
    dispatchRecord(node, IDLE_DISPATCH, encodeRequest(ping(5, 10, 0)));
    await turns();
    expect(printed(events)).toEqual(['Ping request message received from Peer 5']);
  });

  it('runs a command record', async () => {
    const { node, events } = recorded(config(10, [20, 30]));
    dispatchRecord(node, IDLE_DISPATCH, encodeCommandRecord('help'));
    await turns();
    expect(printed(events)).toEqual([COMMAND_HELP]);
  });

  it('reports a record that cannot be read, with the codec’s code, and never throws', () => {
    const { node, events } = recorded(config(10, [20, 30]));
    expect(() => dispatchRecord(node, IDLE_DISPATCH, new Uint8Array())).not.toThrow();
    expect(() => dispatchRecord(node, IDLE_DISPATCH, Uint8Array.from([0, 0, 0, 3, 9, 9, 9]))).not.toThrow();
    const errors = events.filter((e) => e.kind === 'record-error');
    expect(errors).toHaveLength(2);
    expect(errors[0]?.fields.code).toBe('ERR_FRAME_TRUNCATED');
    expect(errors.every((e) => e.stream === 'stderr' && String(e.fields.code).startsWith('ERR_FRAME_'))).toBe(true);
  });
});

describe('runCommand', () => {
  it('explains a bad command or file name in one line, with its code, and carries on', async () => {
    const { node, events, sent } = recorded(config(10, [20, 30]));
    await runCommand(node, IDLE_DISPATCH, 'foo');
    await runCommand(node, IDLE_DISPATCH, 'Store a912');
    await runCommand(node, IDLE_DISPATCH, 'lookup -3');
    const bad = events.filter((e) => e.kind === 'bad-command');
    expect(bad.map((e) => e.fields.code)).toEqual(['ERR_BAD_COMMAND', 'ERR_BAD_FILENAME', 'ERR_BAD_COMMAND']);
    expect(bad[0]?.line).toMatch(/^Invalid command "foo"/);
    expect(bad[1]?.line).toMatch(/^Invalid file name "a912"/);
    expect(bad.every((e) => !(e.line ?? '').includes('\n'))).toBe(true);
    expect(sent).toEqual([]);
  });

  it('reports a command that fails on stderr, naming what was typed', async () => {
    const { node, events } = recorded(config(10, [20, 30])); // its transfer service cannot listen
    await runCommand(node, IDLE_DISPATCH, 'Request 4103');
    const failed = events.find((e) => e.kind === 'command-failed');
    expect(failed?.stream).toBe('stderr');
    expect(failed?.line).toMatch(/^p2p: peer 10: "Request 4103" failed: .* \(ERR_UNKNOWN\)$/);
    expect(failed?.fields.input).toBe('Request 4103');
  });

  it('answers status, in words and as JSON', async () => {
    const { node, events } = recorded(config(10, [20, 30]));
    knowPredecessors(node, 5, 1);
    await runCommand(node, IDLE_DISPATCH, 'status');
    await runCommand(node, IDLE_DISPATCH, 'STATUS --json');
    const [words, json] = events.filter((e) => e.kind === 'status').map((e) => e.line ?? '');
    expect(words?.split('\n').slice(1, 3)).toEqual(['Successors: 20, 30', 'Predecessors: 5, 1']);
    expect(JSON.parse(json ?? '')).toMatchObject({ peer: 10, successors: [{ id: 20 }, { id: 30 }] });
  });

  it('looks up a key: its own in no hops, its first successor’s in one, from its own list', async () => {
    const { node, events, sent } = recorded(config(10, [20, 30]));
    knowPredecessors(node, 5, 1);
    await runCommand(node, IDLE_DISPATCH, 'lookup 7');
    expect(printed(events)).toEqual(['Key 7 is owned by Peer 10 (0 hops: 10)']);
    expect(sent).toEqual([]);
    await runCommand(node, IDLE_DISPATCH, 'lookup 15');
    expect(printed(events).at(-1)).toBe('Key 15 is owned by Peer 20 (1 hops: 10 -> 20)');
    expect(sent).toEqual([]); // the first successor owns it: answered here, no message
  });
});
