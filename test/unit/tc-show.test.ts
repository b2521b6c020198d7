// Decoding and printing of qdiscs and classes: the kernel's own dump messages (tc-show.fixture.ts) must
// print as the real tc printed them for the same state, as text and as JSON.
import test from 'ava';
import type { NetlinkMessage } from '../../src/netlink/message.js';
import { classJson, classText, decodeTc, qdiscJson, qdiscText } from '../../src/ops/tc/qdisc.js';
import { parsePsched } from '../../src/ops/tc/rate.js';
import { TC_SHOW } from './tc-show.fixture.js';

const clock = parsePsched('000003e8 00000040 000f4240 3b9aca00');
const msg = (b64: string): NetlinkMessage => ({ type: 0, flags: 0, seq: 0, port: 0, payload: new Uint8Array(Buffer.from(b64, 'base64')) });
const devNames = new Map(Object.entries(TC_SHOW.links).map(([i, n]) => [Number(i), n]));
const lines = (s: string) => s.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
const qdiscs = TC_SHOW.qdiscs.map((b) => decodeTc(msg(b)));
const classes = TC_SHOW.classesV2.map((b) => decodeTc(msg(b)));

test('qdisc show: text as tc prints it', (t) => {
  t.deepEqual(qdiscs.map((q) => qdiscText(q, { devNames, clock })), lines(TC_SHOW.tc.qdiscText));
});

test('qdisc show -s: text with statistics as tc prints it', (t) => {
  t.deepEqual(lines(qdiscs.map((q) => qdiscText(q, { devNames, clock, stats: true })).join('\n')), lines(TC_SHOW.tc.qdiscStatsText));
});

// pipework also reports tbf's peakrate in JSON (tc 6.1 prints it in text only)
function withoutPeakrate(o: Record<string, unknown>): Record<string, unknown> {
  const options = { ...(o.options as Record<string, unknown>) };
  delete options.peakrate;
  return { ...o, options };
}

test('qdisc show -j: JSON as tc prints it (plus tbf peakrate)', (t) => {
  const mine = qdiscs.map((q) => qdiscJson(q, { devNames, clock }));
  t.deepEqual(mine.map(withoutPeakrate), JSON.parse(TC_SHOW.tc.qdiscJson));
  const tbf = mine.find((q) => q.kind === 'tbf')!;
  t.is((tbf.options as Record<string, unknown>).peakrate, 250000);
});

test('qdisc show -s -j: JSON with statistics as tc prints it', (t) => {
  t.deepEqual(qdiscs.map((q) => withoutPeakrate(qdiscJson(q, { devNames, clock, stats: true }))), JSON.parse(TC_SHOW.tc.qdiscStatsJson));
});

test('class show dev: text as tc prints it (htb, including 64-bit rates and atm; tbf\'s inner class)', (t) => {
  t.deepEqual(classes.map((c) => classText(c, { clock })), lines(TC_SHOW.tc.classText));
});

test('class show -j: one object per class with the htb parameters', (t) => {
  const j = classes.map((c) => classJson(c, { clock }));
  t.deepEqual(j[0], { class: 'htb', handle: '1:1', root: true, rate: 1250000, ceil: 1250000, burst: 1600, cburst: 1600 });
  t.deepEqual(j[1], { class: 'htb', handle: '1:10', parent: '1:1', leaf: '20:', prio: 1, rate: 125000, ceil: 250000, burst: 15360, cburst: 1600 });
  t.like(j[2], { handle: '1:20', rate: 6250000000, ceil: 7500000000 });
  t.like(j[3], { handle: '1:30', overhead: 10, linklayer: 'atm' });
});
