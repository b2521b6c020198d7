// Which entries of a wiring file a Docker start event concerns, and reading the event stream.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { parseWiringsText, toWirings } from '../../src/cli/apply.js';
import { parseArgs, USAGE, UsageError } from '../../src/cli/parse.js';
import { containerRef, containerStartOf, entriesForContainer, JsonLines, matchContainer } from '../../src/wire/watch.js';

const ID = '3f4e5d6c7b8a9f0e1d2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a493827160';
const web = { id: ID, name: 'web' };

test('containerRef: which guest words name a container (as resolveGuest reads them)', (t) => {
  const noNetns = () => false;
  t.is(containerRef('web', noNetns), 'web');
  t.is(containerRef('docker:web', noNetns), 'web');
  t.is(containerRef('3f4e5d6c', noNetns), '3f4e5d6c');
  // a bare word that is also a named netns is the netns; docker: says container regardless
  t.is(containerRef('web', (n) => n === 'web'), undefined);
  t.is(containerRef('docker:web', () => true), 'web');
  for (const other of ['netns:web', 'pid:42', '42', '/proc/42/ns/net', '/var/run/netns/web', '']) t.is(containerRef(other, noNetns), undefined, other);
});

test('matchContainer: by name, by full ID, by ID prefix (hex only)', (t) => {
  t.is(matchContainer('web', web), 'name');
  t.is(matchContainer('web', { id: ID, name: '/web' }), 'name');
  t.is(matchContainer(ID, web), 'id');
  t.is(matchContainer('3f4e5d', web), 'prefix');
  t.is(matchContainer('db', web), undefined);
  t.is(matchContainer('we', web), undefined, 'a name prefix is not a match');
  t.is(matchContainer('4e5d', web), undefined, 'an ID infix is not a match');
  t.is(matchContainer('3F4E5D', web), undefined, 'Docker IDs are lower-case hex');
});

test('entriesForContainer: every entry of the container, none of others or of non-containers', (t) => {
  const refs = ['web', 'db', undefined, ID.slice(0, 12), 'web', 'webserver'];
  t.deepEqual(entriesForContainer(refs, web), [
    { index: 0, match: 'name' },
    { index: 3, match: 'prefix' },
    { index: 4, match: 'name' },
  ]);
  t.deepEqual(entriesForContainer(refs, { id: 'ab'.repeat(32), name: 'db' }), [{ index: 1, match: 'name' }]);
  t.deepEqual(entriesForContainer(refs, { id: 'cd'.repeat(32), name: 'other' }), []);
});

test('containerStartOf: start events in the current and the pre-1.44 formats; everything else ignored', (t) => {
  const current = { Type: 'container', Action: 'start', Actor: { ID, Attributes: { image: 'busybox', name: 'web' } }, scope: 'local', time: 1, timeNano: 1 };
  t.deepEqual(containerStartOf(current), web);
  const old = { status: 'start', id: ID, from: 'busybox', Type: 'container', Action: 'start', Actor: { ID, Attributes: { name: 'web' } } };
  t.deepEqual(containerStartOf(old), web);
  t.deepEqual(containerStartOf({ status: 'start', id: ID }), { id: ID, name: '' });
  t.is(containerStartOf({ ...current, Action: 'die' }), undefined);
  t.is(containerStartOf({ ...current, Action: 'exec_start: sh' }), undefined);
  t.is(containerStartOf({ Type: 'network', Action: 'start', Actor: { ID } }), undefined);
  t.is(containerStartOf({ Type: 'container', Action: 'start', Actor: {} }), undefined);
  for (const junk of [null, undefined, 'start', 42, []]) t.is(containerStartOf(junk), undefined);
});

test('JsonLines: values split across chunks, several per chunk, blank and bad lines', (t) => {
  const lines = new JsonLines();
  const bad: string[] = [];
  t.deepEqual(lines.push('{"a":1}\n{"b"', (l) => bad.push(l)), [{ a: 1 }]);
  t.deepEqual(lines.push(':2}\n\n{"c":3}\nnot json\n{"d":', (l) => bad.push(l)), [{ b: 2 }, { c: 3 }]);
  t.deepEqual(bad, ['not json']);
  t.deepEqual(lines.push('4}'), [], 'a value is complete only with its newline');
  t.deepEqual(lines.push('\n'), [{ d: 4 }]);
});

test('parseArgs: pipework watch -f FILE', (t) => {
  t.deepEqual(parseArgs(['watch', '-f', 'wirings.yaml']).command, { verb: 'watch', file: 'wirings.yaml' });
  const p = parseArgs(['--host-netns', 'h', 'watch', '--json', '--file=w.json']);
  t.deepEqual(p.command, { verb: 'watch', file: 'w.json' });
  t.true(p.global.json);
  t.is(p.global.hostNetns, 'h');
  t.throws(() => parseArgs(['watch']), { instanceOf: UsageError, message: 'watch takes its wirings from a file: pipework watch -f FILE' });
  t.throws(() => parseArgs(['watch', 'web', '-f', 'x']), { instanceOf: UsageError, message: /watch takes its wirings from a file/ });
  t.regex(USAGE, /pipework watch -f <file>/);
});

test("the README's watch example is a valid wirings file: two containers, one netns", (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /### Persistence across restarts: `pipework watch`\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme);
  t.truthy(block, 'a yaml block in the section');
  const specs = toWirings(parseWiringsText(block![1], 'wirings.yaml'), 'wirings.yaml');
  t.deepEqual(specs.map((s) => containerRef(s.guest, () => false)), ['web', 'db', undefined]);
});
