// The layers of docs/DESIGN.md, checked on the source itself: imports point down only, there are no import
// cycles, the netlink codec is pure (it reaches no FFI), the product spawns no process, and no source
// file outgrows 400 lines. Read from the files' import statements, so a new file is checked as soon as it exists.
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

/** Top to bottom. A module may import from its own layer or any layer below it; src/util/ from anywhere. */
const LAYERS: readonly (readonly string[])[] = [
  ['src/index.ts'],
  ['src/cli', 'src/cni'],
  ['src/wire'],
  ['src/passthrough'],
  ['src/grammar'],
  ['src/guest', 'src/dhcp', 'src/announce', 'src/ovs'],
  ['src/ops'],
  ['src/netlink'],
  ['src/netns'],
  ['native'],
];
const SHARED = 'src/util';

/** The codec: pure functions over bytes, no I/O, nothing that loads the FFI. */
const CODEC = ['src/netlink/attributes.ts', 'src/netlink/constants.ts', 'src/netlink/errors.ts', 'src/netlink/message.ts', 'src/netlink/writer.ts', 'src/netlink/rtnl'];

function walk(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) return walk(rel);
    return rel.endsWith('.ts') && !rel.endsWith('.d.ts') ? [rel] : [];
  });
}

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

const files = [...walk('src'), ...walk('native')];
const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'(\.{1,2}\/[^']+)'/gm;
const DYNAMIC = /\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g;

const edges: Edge[] = files.flatMap((from) => {
  const text = readFileSync(join(ROOT, from), 'utf8');
  const resolve = (spec: string) => normalize(join(dirname(from), spec)).replace(/\.js$/, '.ts');
  return [
    ...[...text.matchAll(IMPORT)].map((m) => ({ from, to: resolve(m[2]), typeOnly: Boolean(m[1]) })),
    ...[...text.matchAll(DYNAMIC)].map((m) => ({ from, to: resolve(m[1]), typeOnly: false })),
  ];
});

function layerOf(file: string): number {
  const i = LAYERS.findIndex((layer) => layer.some((p) => file === p || file.startsWith(p + '/')));
  if (i < 0) throw new Error(`${file} is in no layer of test/unit/architecture.test.ts: add its folder there`);
  return i;
}
const within = (file: string, prefixes: readonly string[]) => prefixes.some((p) => file === p || file.startsWith(p + '/'));

test('every source file belongs to a layer and every relative import resolves to a file', (t) => {
  for (const f of files) if (!within(f, [SHARED])) t.notThrows(() => layerOf(f), f);
  const known = new Set(files);
  t.deepEqual(edges.filter((e) => !known.has(e.to)).map((e) => `${e.from} -> ${e.to}`), []);
});

test('imports point down only (src/util is shared by all and imports nothing above it)', (t) => {
  const upward = edges
    .filter((e) => {
      if (within(e.to, [SHARED])) return false;
      if (within(e.from, [SHARED])) return true;
      return layerOf(e.to) < layerOf(e.from);
    })
    .map((e) => `${e.from} -> ${e.to}`);
  t.deepEqual(upward, []);
});

test('no import cycles (type-only imports aside)', (t) => {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
      return;
    }
    state.set(f, 'open');
    for (const to of next.get(f) ?? []) visit(to, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  t.deepEqual(cycles, []);
});

test('the netlink codec is pure: nothing it imports, directly or not, loads the FFI', (t) => {
  const reached = new Set<string>();
  const visit = (f: string) => {
    if (reached.has(f)) return;
    reached.add(f);
    for (const e of edges) if (e.from === f && !e.typeOnly) visit(e.to);
  };
  for (const f of files) if (within(f, CODEC)) visit(f);
  t.deepEqual([...reached].filter((f) => within(f, ['native', 'src/netns'])), []);
});

test('the product spawns no process (the CNI plugin running an IPAM plugin aside)', (t) => {
  const spawning = files.filter((f) => {
    if (within(f, ['src/cni'])) return false;
    return /node:child_process|\bchild_process\b/.test(readFileSync(join(ROOT, f), 'utf8'));
  });
  t.deepEqual(spawning, []);
});

test('no source file over 400 lines', (t) => {
  const big = files
    .map((f) => [relative(ROOT, join(ROOT, f)), readFileSync(join(ROOT, f), 'utf8').split('\n').length - 1] as const)
    .filter(([, n]) => n > 400)
    .map(([f, n]) => `${f} (${n})`);
  t.deepEqual(big, []);
});
