import test from 'ava';
import { escapeControl, terminalSafe } from '../../src/util/escape.js';

test('control characters are shown as escapes; printable text, newline and tab are kept', (t) => {
  t.is(escapeControl('eth1'), 'eth1');
  t.is(escapeControl('a\x1b[31mb'), 'a\\x1b[31mb');
  t.is(escapeControl('\x1b]0;title\x07'), '\\x1b]0;title\\x07');
  t.is(escapeControl('x\ry\0'), 'x\\x0dy\\x00');
  t.is(escapeControl('line\n\tnext'), 'line\n\tnext');
  t.is(escapeControl('\x7f\u009b\u202eé'), '\\u007f\\u009b\\u202eé');
  for (let c = 0; c < 0x2070; c++) {
    const out = escapeControl(String.fromCharCode(c));
    // eslint-disable-next-line no-control-regex
    t.false(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(out), `U+${c.toString(16)} left raw`);
  }
});

test('escaped JSON is still JSON with the same values', (t) => {
  const value = { ifname: '\x1b]0;x\x07', host: 'h\u009b2J\u202e', ok: 'é\\"' };
  const text = terminalSafe(JSON.stringify(value));
  // eslint-disable-next-line no-control-regex
  t.false(/[\x00-\x1f\x7f-\x9f\u202e]/.test(text));
  t.deepEqual(JSON.parse(text), value);
});

test("only our own redraw prefix passes, at the start of a write", (t) => {
  t.is(terminalSafe('\r\x1b[Kapplying 3 [#..]'), '\r\x1b[Kapplying 3 [#..]');
  t.is(terminalSafe('\r\x1b[Kname \r\x1b[K'), '\r\x1b[Kname \\x0d\\x1b[K');
  t.is(terminalSafe('x\r\x1b[K'), 'x\\x0d\\x1b[K');
});
