// One run of the library's bulk path, as a process of its own so that the benchmark counts its
// start, module loading and exit, and reads its peak RSS. Run by scripts/bench.ts:
//   node dist/scripts/bench-lib.js --host NS --prefix P --count N --net 60 [--unwire]
// wires guests netns:P0 .. netns:P(N-1) onto br0 in host netns NS (10.NET.x.y/16, gateway
// 10.NET.255.254) and prints one JSON line: timings per stage, counts, peak RSS, CPU time.
import type { WiringSpec } from '../src/index.js';

// The bundled library, as `import 'pipework-netlink'` loads it (what a user's process pays).
const bundle = '../bundle/index.mjs';
const { Pipework } = (await import(bundle)) as typeof import('../src/index.js');

const started = performance.now();

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`bench-lib: --${name} is required`);
  return v;
}

const host = arg('host');
const prefix = arg('prefix');
const count = Number(arg('count'));
const net = Number(arg('net', '60'));
const from = Number(arg('from', '0'));
const unwire = process.argv.includes('--unwire');

const specs: WiringSpec[] = Array.from({ length: count }, (_, k) => {
  const i = from + k;
  return { host: 'br0', guest: `netns:${prefix}${i}`, ifname: 'eth1', addresses: `10.${net}.${Math.floor(i / 250)}.${(i % 250) + 2}/16@10.${net}.255.254` };
});

const loaded = performance.now();
const pw = new Pipework({ hostNetns: host });
const cpu0 = process.cpuUsage();
const result = await pw.wireMany(specs);
const cpu = process.cpuUsage(cpu0);
let unwireMs: number | undefined;
let unwired: number | undefined;
if (unwire) {
  const t = performance.now();
  const gone = await pw.unwireMany(specs.map((s) => ({ guest: s.guest, ifname: s.ifname })));
  unwireMs = performance.now() - t;
  unwired = gone.removed;
}
pw.close();
const firstError = result.items.find((i) => i.error)?.error?.message;
process.stdout.write(
  JSON.stringify({
    count,
    wired: result.wired,
    unchanged: result.unchanged,
    failed: result.failed,
    fallback: result.fallback,
    firstError,
    timings: result.timings,
    /** from process start (as Node measures it) to the first line of this script, and to the call */
    startupMs: started,
    loadMs: loaded,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
    unwireMs,
    unwired,
  }) + '\n',
);
