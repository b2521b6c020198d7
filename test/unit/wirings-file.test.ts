// Wirings files are read within bounds before any parsing: a regular file of at most 4 MiB, and
// YAML whose shape a list of wirings can have (the hostile inputs of issue 13 item 5 ran node out
// of memory). No kernel: `apply -f` stops before opening a session.
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseWiringsText, readWirings, runApply, toWirings, WiringFileError } from '../../src/cli/apply.js';
import { MAX_WIRINGS, MAX_WIRINGS_FILE_BYTES, MAX_YAML_NESTING, readWiringsFile, yamlShapeProblem } from '../../src/cli/wirings-file.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-wirings-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const entry = (i: number) => `- {host: br1, guest: "netns:g${i}", address: 10.1.${(i >> 8) & 255}.${i & 255}/16}\n`;

test('the limit is 4 MiB, documented in the README', (t) => {
  t.is(MAX_WIRINGS_FILE_BYTES, 4 * 1024 * 1024);
});

test('a file over the limit is refused from its size alone, naming the limit and how to split it', (t) => {
  const big = join(dir, 'big.yaml');
  writeFileSync(big, '');
  truncateSync(big, 50 * 1024 * 1024); // sparse: 50 MiB of NULs that are never read
  t.throws(() => readWiringsFile(big), { message: /it is 52428800 bytes; a wirings file may hold at most 4 MiB \(4194304 bytes, .*split it into several files/ });
  t.throws(() => readWirings(big), { instanceOf: WiringFileError, message: /^cannot read .*big\.yaml: it is 52428800 bytes; .* at most 4 MiB/ });
  const over = join(dir, 'over.json');
  writeFileSync(over, '[' + ' '.repeat(MAX_WIRINGS_FILE_BYTES - 1) + ']');
  t.throws(() => readWiringsFile(over), { message: /it is 4194305 bytes; .* at most 4 MiB/ });
});

test('a file of exactly the limit is read whole', (t) => {
  const at = join(dir, 'at.json');
  const body = JSON.stringify([{ host: 'br1', guest: 'netns:g', address: '10.0.0.5/24' }]);
  writeFileSync(at, body + ' '.repeat(MAX_WIRINGS_FILE_BYTES - body.length));
  const text = readWiringsFile(at);
  t.is(text.length, MAX_WIRINGS_FILE_BYTES);
  t.deepEqual(toWirings(parseWiringsText(text, at)), [{ host: 'br1', guest: 'netns:g', addresses: '10.0.0.5/24' }]);
});

test('only a regular file: a directory or a FIFO is refused (a FIFO without waiting for a writer)', (t) => {
  const sub = join(dir, 'sub');
  mkdirSync(sub);
  t.throws(() => readWirings(sub), { instanceOf: WiringFileError, message: /sub: it is a directory; give a regular file/ });
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  t.throws(() => readWirings(fifo), { instanceOf: WiringFileError, message: /fifo: it is not a regular file/ });
  t.throws(() => readWirings(join(dir, 'missing.yaml')), { instanceOf: WiringFileError, message: /missing\.yaml: no such file/ });
});

test('hostile YAML within the size limit is refused by its shape before it is parsed', (t) => {
  t.regex(yamlShapeProblem('['.repeat(MAX_WIRINGS_FILE_BYTES))!, new RegExp(`more than ${MAX_YAML_NESTING} deep`));
  t.regex(yamlShapeProblem('- '.repeat(1000))!, /more than 8 deep/);
  t.regex(yamlShapeProblem('[' + '[],'.repeat(2 * MAX_WIRINGS + 1) + '[]]')!, new RegExp(`at most ${MAX_WIRINGS} entries; split it`));
  // What the parser is then never given: the whole message, through the file's parsing.
  t.throws(() => parseWiringsText('['.repeat(1 << 20), 'w.yaml'), { instanceOf: WiringFileError, message: /^w\.yaml nests lists or mappings more than 8 deep/ });
  // JSON files go to JSON.parse, whose cost stays linear.
  t.throws(() => parseWiringsText('['.repeat(1 << 20), 'w.json'), { instanceOf: WiringFileError, message: /w\.json is not valid JSON/ });
});

test('legitimate YAML passes the shape check: block and flow styles, many entries', (t) => {
  const flow = Array.from({ length: 5000 }, (_, i) => entry(i)).join('');
  t.is(yamlShapeProblem(flow), undefined);
  t.is(toWirings(parseWiringsText(flow, 'w.yaml')).length, 5000);
  const block = '# comment [ not a list\n- host: br1\n  guest: "netns:g[1]"\n  address: 10.0.0.5/24\n- host: br1\n  guest: netns:g2\n  address: 10.0.0.6/24\n';
  t.is(yamlShapeProblem(block), undefined);
  t.deepEqual(toWirings(parseWiringsText(block, 'w.yaml')).map((w) => w.guest), ['netns:g[1]', 'netns:g2']);
  t.is(yamlShapeProblem('[' + '{host: br1, guest: g, address: 10.0.0.5/24},'.repeat(MAX_WIRINGS) + ']'), undefined, 'a flow list of the maximum number of entries');
});

test('apply -f with a file over the limit exits 1 with the message, before any session is opened', async (t) => {
  const big = join(dir, 'apply.yaml');
  writeFileSync(big, '');
  truncateSync(big, MAX_WIRINGS_FILE_BYTES + 1);
  const out: string[] = [];
  const err: string[] = [];
  // A host netns that does not exist: opening a session would fail with another message.
  const code = await runApply(big, { dryRun: false, json: false, verbose: false, hostNetns: 'pwt-no-such-netns' }, { out: (s) => out.push(s), err: (s) => err.push(s) });
  t.is(code, 1);
  t.is(out.join(''), '');
  t.regex(err.join(''), /^pipework: cannot read .*apply\.yaml: it is 4194305 bytes; a wirings file may hold at most 4 MiB .*split it into several files and apply each\n$/);
});

test('a file whose size says nothing (procfs reports 0) is read to its end, not to its size', (t) => {
  const text = readWiringsFile('/proc/self/status');
  t.regex(text, /^Name:\s/);
  t.regex(text, /\nPid:\s+\d+\n/);
});
