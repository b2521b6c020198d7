// The README's library example must run as written (against the built package, imported by its
// own name), in test namespaces substituted for its example names.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createNetns } from '../helpers/netns.js';

const root = new URL('../../', import.meta.url).pathname;

test('the library example in the README runs', (t) => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const block = /## Library\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme);
  t.truthy(block, 'README has a ts example under "## Library"');
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const code = block![1].replaceAll('demo-host', host).replaceAll('demo-guest', guest);
  const file = `${root}.readme-example-${process.pid}.mjs`;
  writeFileSync(file, code);
  t.teardown(() => rmSync(file, { force: true }));
  const out = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
  t.regex(out, /create bridge br1/);
  t.regex(out, new RegExp(`eth1 in netns ${guest} via v`));
});
