// Running the CLI as users do: a separate node process on bin/pipework.js (the built dist/).
import { spawn } from 'node:child_process';

export const BIN = new URL('../../bin/pipework.js', import.meta.url).pathname;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Date.now() when the process ended */
  endedAt: number;
}

export interface CliOptions {
  /** a command to run node under, e.g. ['ip', 'netns', 'exec', NS] or ['strace', ...] */
  prefix?: string[];
  /** added to the environment */
  env?: NodeJS.ProcessEnv;
}

export function cli(args: readonly string[], opts: CliOptions = {}): Promise<CliRun> {
  return runCollecting([...(opts.prefix ?? []), process.execPath, BIN, ...args], opts.env);
}

/** Runs argv (no shell) with `env` added to ours, collecting its stdout and stderr until it exits. */
export function runCollecting(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, endedAt: Date.now() }));
  });
}
