// The full-kernel runner (scripts/vm/run.sh) keeps one contract whichever VM it uses: the command's exit
// code, its stdout and stderr apart, the environment it is given, a throwaway view of the host's files,
// the VM's own kernel with modules, and a timeout. Each runner is tried here for real; UML only where it
// boots (on CPUs with AMX it cannot: that test is then skipped, with the reason).
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCollecting } from '../helpers/cli.js';

const RUNNER = new URL('../../scripts/vm/run.sh', import.meta.url).pathname;

const vm = (args: string[], env: NodeJS.ProcessEnv = {}) => runCollecting(['bash', RUNNER, ...args], env);

/** Which runner `run.sh` picks by itself here, from what it says on stderr. */
const auto = await vm(['true']);
const autoRunner = /User-Mode Linux/.test(auto.stderr) ? 'uml' : /QEMU/.test(auto.stderr) ? 'qemu' : undefined;
const umlWhy = /QEMU\/TCG \((.*)\)/.exec(auto.stderr)?.[1];

test('run.sh picks a runner by itself and says which', (t) => {
  t.is(auto.code, 0, auto.stderr);
  t.truthy(autoRunner, auto.stderr);
});

for (const runner of ['uml', 'qemu'] as const) {
  const title = `VM=${runner}: exit code, stdout and stderr apart, environment, the VM's own kernel, writes stay inside`;
  const unavailable = runner === 'uml' && autoRunner === 'qemu' ? umlWhy ?? 'UML does not boot here' : undefined;
  if (unavailable) {
    test.skip(`${title} [skipped: ${unavailable}]`, () => {});
    continue;
  }
  test(title, async (t) => {
    // A QEMU/TCG boot is CPU-bound: on a machine busy with the rest of the suite it takes minutes.
    t.timeout(600_000);
    const marker = join(tmpdir(), `pwt-vm-${runner}-${process.pid}`);
    // The runner's run folder goes to TMPDIR: a private one shows whether it was removed.
    const runTmp = mkdtempSync(join(tmpdir(), 'pwt-vmrun-'));
    t.teardown(() => rmSync(runTmp, { recursive: true, force: true }));
    const script = [
      'echo "out:$PIPEWORK_TEST_WORD:${PIPEWORK_UNDER_VM}:${UNLISTED_VAR-unset}:${LISTED_VAR-unset}"',
      'echo "err:$(uname -r)" >&2',
      `touch ${marker}`,
      // module autoloading: an 802.1Q device loads 8021q on demand
      'ip netns add vmt && ip -n vmt link add d0 type veth peer name d1 && ip -n vmt link add link d0 name d0.7 type vlan id 7 && echo vlan-ok',
      'echo "cwd:$PWD"',
      'exit 7',
    ].join('\n');
    const r = await vm(['bash', '-c', script], {
      VM: runner,
      PIPEWORK_TEST_WORD: 'hello world',
      UNLISTED_VAR: 'secret',
      LISTED_VAR: 'given',
      VM_ENV: 'LISTED_VAR',
      TMPDIR: runTmp,
    });
    t.is(r.code, 7, r.stderr);
    t.regex(r.stdout, new RegExp(`^out:hello world:${runner}:unset:given$`, 'm'));
    t.regex(r.stdout, /^vlan-ok$/m);
    t.regex(r.stdout, new RegExp(`^cwd:${process.cwd()}$`, 'm'));
    t.notRegex(r.stdout, /err:/, 'stderr is not mixed into stdout');
    const kernel = /^err:(\S+)$/m.exec(r.stderr)?.[1];
    t.truthy(kernel, r.stderr);
    t.not(kernel, release(), 'the command ran under the VM kernel, not the host one');
    t.false(existsSync(marker), 'what the command writes outside the run folder vanishes with the VM');
    t.log(`${runner}: kernel ${kernel}`);
    t.deepEqual(readdirSync(runTmp), [], 'the run folder is removed');
  });
}

test('a command that outlives VM_TIMEOUT is stopped: exit 124 and a message', async (t) => {
  t.timeout(600_000);
  const started = Date.now();
  const r = await vm(['sleep', '600'], { VM_TIMEOUT: autoRunner === 'qemu' ? '40' : '15' });
  t.is(r.code, 124, r.stderr);
  t.regex(r.stderr, /vm: timed out after \d+ s/);
  t.true(Date.now() - started < 300_000, 'the runner gave up (VM_TIMEOUT and the 10 s kill grace), not the test');
});

test('usage errors: no command, or an unknown VM=', async (t) => {
  const none = await vm([]);
  t.is(none.code, 2);
  t.regex(none.stderr, /usage/);
  const bad = await vm(['true'], { VM: 'kvm' });
  t.is(bad.code, 2);
  t.regex(bad.stderr, /VM=kvm: use VM=uml or VM=qemu/);
});
