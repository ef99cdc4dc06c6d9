/**
 * `p2p grade` is fair: our own peers get 90/90 under every routing, a
 * correct Python peer (another implementation, its own wire format) gets
 * 90/90, and each deliberately flawed one loses exactly the marks of the
 * checks its flaw breaks, with the reason in the evidence. The submissions
 * are graded as a teacher would, through the CLI: `--each` over a folder,
 * one CSV, an HTML report each, every process ended.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grade } from '../../src/grade/grade.js';
import { binPath, packageRoot } from '../../src/runtime/worker-path.js';
import { stopNetworks, tempDir } from '../fixtures/network.js';

// This file's ports: 30800..30999 (its gradings run one after another, each run on its own 25 ports) and 13200..13711 (seeded runs, 256 ports each).
const PORT_BASE = 30800;
const SEEDED_PORT_BASE = 13200;

const run = promisify(execFile);

// The grader ends its own processes (checked below); this removes the test's directories.
afterAll(stopNetworks);
const FIXTURE = path.join(packageRoot(), 'test', 'fixtures', 'grade');

/** The flaws of test/fixtures/grade/course_peer.py, and a submission that never prints. */
const SUBMISSIONS = ['correct', 'crash', 'glue', 'late', 'no-second', 'silent'] as const;

/** Runs `p2p grade ... --json` with its temporary directories under `tmp`; resolves with the parsed JSON. */
async function grade(args: readonly string[], tmp: string, timeoutMs: number): Promise<unknown> {
  const { stdout } = await run(process.execPath, [binPath(), 'grade', ...args, '--json'], {
    env: { ...process.env, TMPDIR: tmp },
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as unknown;
}

/** Processes whose working directory lies under `dir`: the grader must leave none. */
async function processesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const pid of (await fs.readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cwd.startsWith(dir)) out.push(`${pid} in ${cwd}`);
  }
  return out;
}

const marks = (g: Grade): Record<string, number> => ({ total: g.total, ...Object.fromEntries(g.items.map((i) => [i.item, i.marks] as const)) });
const evidence = (g: Grade, check: string): string =>
  g.items.flatMap((i) => i.checks.filter((c) => c.check === check).flatMap((c) => c.evidence)).join('\n');
const notes = (g: Grade): string => g.runs.flatMap((r) => r.notes).join('\n');

describe('p2p grade on Python peers, one correct and each flawed (--each, marking order)', () => {
  let grades: Grade[] = [];
  let tmp = '';
  let out = '';
  beforeAll(async () => {
    tmp = await tempDir('p2p-grade-test-');
    out = path.join(tmp, 'out');
    for (const name of SUBMISSIONS) {
      const dir = path.join(tmp, 'submissions', name);
      await fs.mkdir(dir, { recursive: true });
      const body =
        name === 'silent'
          ? 'import time\ntime.sleep(3600)\n'
          : `import sys\nsys.path.insert(0, ${JSON.stringify(FIXTURE)})\nimport course_peer\ncourse_peer.main(${name === 'correct' ? 'None' : JSON.stringify(name)})\n`;
      await fs.writeFile(path.join(dir, 'p2p.py'), body);
    }
    const args = [
      '--peer',
      'python3 p2p.py {mode} {args}',
      '--each',
      path.join(tmp, 'submissions', '*/'),
      '--order',
      'marking',
      '--ping',
      '0.5',
      '--step-allowance',
      '5',
      '--port-base',
      String(PORT_BASE),
      '--port-stride',
      '25',
      '--csv',
      path.join(out, 'marks.csv'),
      '--html',
      out,
      '--timeout',
      '90',
    ];
    grades = (await grade(args, tmp, 400_000)) as Grade[];
  }, 420_000);
  afterAll(async () => {
    expect(await processesUnder(tmp)).toEqual([]);
  });

  const byName = (name: string): Grade => {
    const g = grades.find((x) => path.basename(x.submission) === name);
    if (g === undefined) throw new Error(`no grade for ${name}: ${grades.map((x) => x.submission).join(', ')}`);
    return g;
  };

  it('gives the correct peer 90/90', () => {
    expect(marks(byName('correct'))).toEqual({ total: 90, ping: 24, graceful: 17, insertion: 11, join: 14, abrupt: 12, retrieval: 12 });
  });

  it('takes from the peer that never prints a second successor every check with such a line, and names it', () => {
    const g = byName('no-second');
    expect(marks(g)).toEqual({ total: 56, ping: 24, graceful: 5, insertion: 11, join: 4, abrupt: 0, retrieval: 12 });
    expect(evidence(g, 'quit-first')).toMatch(/missing "My new second successor is Peer 19"/);
    expect(evidence(g, 'join-newcomer')).toMatch(/peer 15, .*missing "My second successor is Peer 2"/);
  });

  it('takes from the peer that crashes on a kill the abrupt departure, what depends on the crashed peers, and shows the crash', () => {
    const g = byName('crash');
    expect(marks(g)).toEqual({ total: 60, ping: 18, graceful: 17, insertion: 11, join: 14, abrupt: 0, retrieval: 0 });
    expect(evidence(g, 'kill-first')).toMatch(/peer 8 had crashed \(exit code 1\)/);
    expect(notes(g)).toMatch(/Peer 8 crashed \(exit code 1\).*"Peer 14 is killed".*RuntimeError: connection to peer 14 lost/);
  });

  it('takes from the peer that glues the transfer header to the file the byte-for-byte check only', () => {
    const g = byName('glue');
    expect(marks(g)).toEqual({ total: 87, ping: 24, graceful: 17, insertion: 11, join: 14, abrupt: 12, retrieval: 9 });
    expect(evidence(g, 'request-file')).toMatch(/received_4103\.pdf \(\d+ bytes\) differs from 4103\.pdf \(\d+ bytes\)/);
  });

  it('takes from the peer that answers pings late the ping responses, saying how late and what was allowed', () => {
    const g = byName('late');
    expect(marks(g)).toEqual({ total: 84, ping: 18, graceful: 17, insertion: 11, join: 14, abrupt: 12, retrieval: 12 });
    expect(evidence(g, 'ping-response')).toMatch(
      /"Ping response received from Peer 4" came \d+\.\d s after the peer's first ping request; 2\.5 s allowed/,
    );
  });

  it('gives a submission that never prints 0, stops its run early and says why', () => {
    const g = byName('silent');
    expect(g.total).toBe(0);
    expect(notes(g)).toMatch(/no peer printed a line on stdout/);
    expect(notes(g)).toMatch(/Peer 2 was not listening on TCP and UDP port/);
  });

  it('writes one CSV row per submission and an HTML report each, transcripts beside the expected lines', async () => {
    const csv = (await fs.readFile(path.join(out, 'marks.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('submission,total,ping (24),graceful (17),insertion (11),join (14),abrupt (12),retrieval (12),notes');
    const totals = Object.fromEntries(csv.slice(1).map((l) => [path.basename(l.split(',')[0] ?? ''), Number(l.split(',')[1])]));
    expect(totals).toEqual({ correct: 90, crash: 60, glue: 87, late: 84, 'no-second': 56, silent: 0 });
    const html = await fs.readFile(path.join(out, 'no-second.html'), 'utf8');
    expect(html).toContain('<h1>');
    expect(html).toMatch(/<tr class="missing"><td class="num"><\/td><td class="line">My new second successor is Peer 19<\/td>/);
    for (const name of SUBMISSIONS) await fs.access(path.join(out, `${name}.html`));
  });
});

describe('p2p grade on our own peers', () => {
  const routings = [
    ['ring', 'both', PORT_BASE],
    ['ring-list', 'marking', PORT_BASE + 50],
    ['chord', 'walkthrough', PORT_BASE + 100],
  ] as const;
  for (const [routing, order, portBase] of routings) {
    it(`gives them 90/90 under ${routing} routing (${order === 'both' ? 'both orders' : `${order} order`})`, async () => {
      const tmp = await tempDir('p2p-grade-ours-');
      const sub = path.join(tmp, 'ours');
      await fs.mkdir(sub);
      const peer = `${JSON.stringify(process.execPath)} ${JSON.stringify(binPath())} {mode} {args} --port-base {port_base} --routing ${routing}`;
      const args = [
        '--peer',
        peer,
        '--dir',
        sub,
        '--routing',
        routing,
        '--order',
        order,
        '--ping',
        '0.5',
        '--port-base',
        String(portBase),
        '--port-stride',
        '25',
      ];
      const g = (await grade(args, tmp, 170_000)) as Grade;
      const lost = g.items.flatMap((i) => i.checks.flatMap((c) => c.evidence)).join('\n');
      expect(g.total, lost).toBe(90);
      expect(await processesUnder(tmp)).toEqual([]);
    }, 180_000);
  }
});

describe('p2p grade on seeded random sequences', () => {
  it('gives our peers 90/90 on seeds 1 and 2 under Chord, started by the command file in their directory', async () => {
    const tmp = await tempDir('p2p-grade-seeded-');
    const sub = path.join(tmp, 'ours');
    await fs.mkdir(sub);
    // The submission names its own command: --peer is not given.
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(binPath())} {mode} {args} --port-base {port_base} --routing chord`;
    await fs.writeFile(path.join(sub, 'run.txt'), `# started by p2p grade\n${command}\n`);
    const args = ['--command-file', 'run.txt', '--dir', sub, '--routing', 'chord', '--order', 'none', '--seeds', '1-2'];
    const g = (await grade([...args, '--ping', '0.5', '--port-base', String(SEEDED_PORT_BASE), '--port-stride', '256'], tmp, 170_000)) as Grade;
    expect(g.command).toBe(command);
    expect(g.runs.map((r) => r.name)).toEqual(['seed 1 (5 random peers)', 'seed 2 (6 random peers)']);
    const lost = g.items.flatMap((i) => i.checks.flatMap((c) => c.evidence)).join('\n');
    // Seed 1 stores, requests and kills; seed 2 joins and quits: together they test every check.
    expect(g.items.flatMap((i) => i.checks.filter((c) => c.runs.every((r) => !r.tested)).map((c) => c.check))).toEqual([]);
    expect(g.total, lost).toBe(90);
    expect(await processesUnder(tmp)).toEqual([]);
  }, 180_000);
});
