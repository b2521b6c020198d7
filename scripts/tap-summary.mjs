#!/usr/bin/env node
// Tees a TAP stream (ava --tap) from stdin to stdout, then prints one last line:
//   "N passed, N failed"            or   "N passed, N failed, N skipped"
// and exits 1 if anything failed (including a stream that ends before its plan, or a plan that
// promised more tests than were reported), else 0.
//
// Counted: `ok N` lines as passed, `not ok N` lines as failed, either with a `# SKIP` directive
// as skipped, `not ok ... # TODO` as skipped (TAP: a TODO is not a failure). Several TAP streams
// may be concatenated on stdin (e.g. the main suite, then another one); their counts add up.
import { createInterface } from 'node:readline';
import process from 'node:process';

const counts = { passed: 0, failed: 0, skipped: 0 };
const notes = [];
let plannedTotal = 0;
let plansSeen = 0;
let streams = 0;
let bailedOut = false;

const RESULT = /^(not )?ok\b(?:\s+\d+)?(?:\s*-?\s*)(.*)$/;
const DIRECTIVE = /(?:^|\s)#\s*(SKIP|TODO)\b/i;

function onLine(line) {
  if (/^TAP version \d+/.test(line)) {
    streams++;
    return;
  }
  if (/^Bail out!/.test(line)) {
    bailedOut = true;
    notes.push(`TAP: ${line}`);
    return;
  }
  const plan = /^1\.\.(\d+)/.exec(line);
  if (plan) {
    plansSeen++;
    plannedTotal += Number(plan[1]);
    return;
  }
  const m = RESULT.exec(line);
  if (!m) return;
  const directive = DIRECTIVE.exec(m[2])?.[1]?.toUpperCase();
  if (directive === 'SKIP' || (directive === 'TODO' && m[1])) counts.skipped++;
  else if (m[1]) counts.failed++;
  else counts.passed++;
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  process.stdout.write(line + '\n');
  onLine(line);
});
rl.on('close', () => {
  const reported = counts.passed + counts.failed + counts.skipped;
  if (streams === 0 && reported === 0) {
    notes.push('TAP: no test results at all on stdin');
    counts.failed++;
  } else if (plansSeen < Math.max(streams, 1)) {
    // ava writes its plan at the end; a missing plan means the run did not finish (a crash, a timeout).
    notes.push(`TAP: ${Math.max(streams, 1) - plansSeen} stream(s) ended without a plan line: the test run did not complete`);
    counts.failed++;
  } else if (reported < plannedTotal) {
    notes.push(`TAP: the plan announced ${plannedTotal} tests, ${reported} were reported`);
    counts.failed += plannedTotal - reported;
  }
  if (bailedOut && counts.failed === 0) counts.failed++;
  for (const n of notes) process.stdout.write(`# ${n}\n`);
  let summary = `${counts.passed} passed, ${counts.failed} failed`;
  if (counts.skipped > 0) summary += `, ${counts.skipped} skipped`;
  process.stdout.write(summary + '\n');
  process.exitCode = counts.failed > 0 ? 1 : 0;
});
