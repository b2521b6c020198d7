// Bundles the compiled library and CLI into a few files (dist/bundle/). Node's ES module loader
// pays per file: ~60 small modules cost ~40 ms to load, one bundle ~14 ms, and every CLI start and
// bulk run pays it. Parts loaded on demand (DHCP, OVSDB, route/rule/tc) stay separate chunks; the wiring
// engine is not one of them: every wire and del runs it, one guest being its N=1 case.
// The CNI plugin is an entry of its own: runtimes start it once per call, so it loads only what a
// CNI command needs. Dependencies stay external: koffi carries a native addon.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

// Chunk names carry content hashes: start from an empty folder so that old ones do not pile up.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { cli: 'dist/src/cli/main.js', index: 'dist/src/index.js', cni: 'dist/src/cni/main.js' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
