// The VM runner's own tests (test/vm/): each boots User-Mode Linux or QEMU, which takes both CPUs for a
// while. They run alone, after the host suite (scripts/test.mjs), not among its privileged tests, whose
// daemons (ovs-vswitchd above all) have timing of their own. The rest as package.json's "ava" section.
export default {
  files: ['test/vm/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  concurrency: 1,
  timeout: '10m',
};
