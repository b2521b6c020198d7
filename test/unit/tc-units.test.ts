// tc units, the psched clock, rate tables, and each qdisc kind's options: netem against bytes worked out by
// hand from linux/pkt_sched.h (this machine's kernel has no netem, so there is no kernel to ask), and
// encode -> decode round trips for every kind.
import test from 'ava';
import { parseAttrs } from '../../src/netlink/attributes.js';
import { MessageWriter } from '../../src/netlink/writer.js';
import { decodeFifo, fifoText, writeFifo } from '../../src/ops/tc/fifo.js';
import { decodeHtbClass, decodeHtbQdisc, htbClassText, htbQdiscText, writeHtbClass, writeHtbQdisc } from '../../src/ops/tc/htb.js';
import { decodeNetem, netemJson, netemText, probability, TCA_NETEM_LATENCY64, TCA_NETEM_JITTER64, writeNetem } from '../../src/ops/tc/netem.js';
import { qdiscRequest } from '../../src/ops/tc/qdisc.js';
import { cellLogFor, parsePsched, rateTable, TC_LINKLAYER_ATM, xmitSize, xmitTime } from '../../src/ops/tc/rate.js';
import { decodeTbf, tbfText, writeTbf } from '../../src/ops/tc/tbf.js';
import { parsePercent, parseRate, parseSize, parseTime } from '../../src/grammar/units.js';
import { formatPercent, formatRate, formatSize, formatTime } from '../../src/ops/tc/units.js';
import { TC_H_ROOT } from '../../src/ops/tc/constants.js';
import { InputError } from '../../src/util/errors.js';

const clock = parsePsched('000003e8 00000040 000f4240 3b9aca00');

test('rates: bits and bytes per second, SI and IEC prefixes, bare numbers are bit/s', (t) => {
  const cases: [string, number][] = [
    ['1mbit', 125000], ['1Mbit', 125000], ['1kbit', 125], ['1000', 125], ['8bit', 1], ['1gbit', 125e6], ['1tbit', 125e9],
    ['1.5mibit', 196608], ['1kibit', 128], ['100kbps', 100000], ['1gbps', 1e9], ['1kibps', 1024], ['1mibps', 1048576], ['800kbps', 800000],
  ];
  for (const [s, n] of cases) t.is(parseRate(s), n, s);
  t.throws(() => parseRate('1bit'), { instanceOf: InputError, message: /is zero/ });
  t.throws(() => parseRate('1 mbit'), { instanceOf: InputError, message: /is not a rate/ });
  t.throws(() => parseRate('mbit'), { instanceOf: InputError });
  t.throws(() => parseRate('1mbyte'), { instanceOf: InputError });
});

test('sizes: bytes, k/m/g (x1024), kbit/mbit, and SIZE/CELL', (t) => {
  const cases: [string, number][] = [['1500', 1500], ['1500b', 1500], ['1k', 1024], ['1kb', 1024], ['32kbit', 4096], ['1m', 1048576], ['1mb', 1048576], ['1mbit', 131072], ['1g', 2 ** 30]];
  for (const [s, n] of cases) t.is(parseSize(s).bytes, n, s);
  t.deepEqual(parseSize('10kb/8'), { bytes: 10240, cellLog: 3 });
  t.deepEqual(parseSize('2kb/1'), { bytes: 2048, cellLog: 0 });
  t.throws(() => parseSize('10kb/0'), { message: /not a power of two/ });
  t.throws(() => parseSize('5g'), { message: /too large/ });
  t.throws(() => parseSize('ten'), { message: /is not a size/ });
});

test('times: s/ms/us and their long forms; bare numbers are microseconds', (t) => {
  const cases: [string, number][] = [
    ['400ms', 400000], ['1s', 1e6], ['2sec', 2e6], ['2secs', 2e6], ['3msec', 3000], ['3msecs', 3000], ['1.5ms', 1500], ['250us', 250], ['5usec', 5], ['5usecs', 5], ['100', 100], ['0.5s', 500000],
  ];
  for (const [s, n] of cases) t.is(parseTime(s), n, s);
  t.throws(() => parseTime('5m'), { message: /is not a time/ });
  t.throws(() => parseTime('5000s'), { message: /too large/ });
});

test('percentages', (t) => {
  t.is(parsePercent('1%'), 0.01);
  t.is(parsePercent('0.1%'), 0.001);
  t.is(parsePercent('50'), 0.5);
  t.is(parsePercent('100%'), 1);
  t.throws(() => parsePercent('101%'), { message: /not a percentage/ });
  t.throws(() => parsePercent('-1%'), { message: /not a percentage/ });
  t.is(formatPercent(0.001), '0.1%');
  t.is(formatPercent(0.25), '25%');
});

test('printing rates, sizes and times as tc does', (t) => {
  const rates: [number, string][] = [[125000, '1Mbit'], [196608, '1572Kbit'], [15432, '123456bit'], [6.25e9, '50Gbit'], [37500, '300Kbit'], [124875, '999Kbit'], [12500000, '100Mbit']];
  for (const [n, s] of rates) t.is(formatRate(n), s, s);
  const sizes: [number, string][] = [[4096, '4Kb'], [1048576, '1Mb'], [1048575, '1024Kb'], [1600, '1600b'], [1999375, '1999375b'], [3145725, '3Mb'], [10000, '10000b'], [15360, '15Kb']];
  for (const [n, s] of sizes) t.is(formatSize(n), s, s);
  const times: [number, string][] = [[400000, '400ms'], [1494, '1.49ms'], [2463, '2.46ms'], [100, '100us'], [1e6, '1s'], [69999, '70ms'], [158080, '158ms'], [12340, '12.3ms']];
  for (const [n, s] of times) t.is(formatTime(n), s, s);
});

test('the psched clock as /proc/net/psched describes it', (t) => {
  t.deepEqual(clock, { ticksPerUs: 15.625, hz: 1e9 });
  t.deepEqual(parsePsched('00000001 00000001 000f4240 00000064\n'), { ticksPerUs: 1, hz: 100 });
  t.is(parsePsched('000003e8 00000001 3b9aca00 3b9aca00').ticksPerUs, 1000, 'a 1 GHz clock resolution');
  t.throws(() => parsePsched('garbage'), { message: /unexpected \/proc\/net\/psched/ });
});

test('transmission times truncate to whole microseconds first, as tc computes them', (t) => {
  t.is(xmitTime(125000, 8, clock), 1000, '8 bytes at 1mbit: 64 us = 1000 ticks');
  t.is(xmitTime(125000, 4096, clock), 512000);
  t.is(xmitTime(125000, 1992, clock), 248984, '1992/125000 s is 15935.999.. us in floating point: 15935 us');
  t.is(xmitTime(0, 100, clock), 0);
  t.is(xmitSize(125000, 512000, clock), 4096);
});

test('rate tables: cell size from the MTU, mpu, ATM cells', (t) => {
  const cells: [number, number][] = [[0, 3], [1600, 3], [2047, 3], [9000, 6], [102400, 9], [255, 0], [256, 1]];
  for (const [mtu, cl] of cells) t.is(cellLogFor(mtu), cl, `mtu ${mtu}`);
  const read = (b: Uint8Array, i: number) => new DataView(b.buffer, b.byteOffset).getUint32(i * 4, true);
  const r = rateTable({ rate: 125000 }, 0, clock);
  t.is(r.cellLog, 3);
  t.is(r.table.length, 1024);
  t.deepEqual([read(r.table, 0), read(r.table, 1), read(r.table, 255)], [1000, 2000, 256000]);
  t.is(read(rateTable({ rate: 800000, mpu: 64 }, 0, clock).table, 0), 1250, 'a packet is never smaller than the mpu');
  t.is(read(rateTable({ rate: 125000, linklayer: TC_LINKLAYER_ATM }, 0, clock).table, 0), 6625, '8 bytes are one 53-byte ATM cell');
  t.is(read(rateTable({ rate: 125000, cellLog: 4 }, 0, clock).table, 0), 2000, 'an explicit cell size wins');
  t.is(read(rateTable({ rate: 5e9 }, 102400, clock).table, 255), 468, 'rates beyond 32 bits: the table describes the clamped u32 rate, as tc sends it');
});

test('netem options against bytes worked out from pkt_sched.h', (t) => {
  const req = qdiscRequest(
    'add',
    {
      ifindex: 7,
      parent: TC_H_ROOT,
      qdisc: { kind: 'netem', options: { limit: 2000, delay: 50000, loss: 0.01, duplicate: 0.02, duplicateCorrelation: 0.1, reorder: 0.25, corrupt: 0.005, rate: 125000 } },
    },
    'x',
    clock,
  );
  const expected = [
    // struct tcmsg: family 0, pads, ifindex 7, handle 0, parent TC_H_ROOT, info 0
    '00 00 0000 07000000 00000000 ffffffff 00000000',
    // TCA_KIND "netem\0", length 10, padded to 12
    '0a00 0100 6e6574656d00 0000',
    // TCA_OPTIONS, length 4 + 24 + 16 + 12 + 12 + 20 = 88
    '5800 0200',
    // struct tc_netem_qopt: latency 50 ms = 50000 us * 15.625 = 781250 ticks; limit 2000;
    // loss rint(0.01 * 0xffffffff) = 42949673; gap 1 (reorder without gap); duplicate rint(0.02 * 0xffffffff) = 85899346; jitter 0
    'c2eb0b00 d0070000 295c8f02 01000000 52b81e05 00000000',
    // TCA_NETEM_CORR: struct tc_netem_corr { delay_corr 0, loss_corr 0, dup_corr rint(0.1 * 0xffffffff) = 429496730 }
    '1000 0100 00000000 00000000 9a999919',
    // TCA_NETEM_REORDER: struct tc_netem_reorder { probability rint(0.25 * 0xffffffff) = 0x40000000, correlation 0 }
    '0c00 0300 00000040 00000000',
    // TCA_NETEM_CORRUPT: { probability rint(0.005 * 0xffffffff) = 21474836 = 0x0147ae14, correlation 0 }
    '0c00 0400 14ae4701 00000000',
    // TCA_NETEM_RATE: struct tc_netem_rate { rate 125000 bytes/s, packet_overhead 0, cell_size 0, cell_overhead 0 }
    '1400 0600 48e80100 00000000 00000000 00000000',
  ].join('').replace(/ /g, '');
  t.is(Buffer.from(req.message.subarray(16)).toString('hex'), expected);
});

test('netem: delays beyond the u32 tick field go as nanoseconds in LATENCY64/JITTER64', (t) => {
  const w = new MessageWriter();
  writeNetem(w, { delay: 300e6, jitter: 290e6 }, clock);
  const b = w.finish();
  const v = new DataView(b.buffer, b.byteOffset);
  t.is(v.getUint32(0, true), 0xffffffff);
  t.is(v.getUint32(20, true), 0xffffffff);
  const a = parseAttrs(b, 24);
  t.is(a.u64(TCA_NETEM_LATENCY64), 300_000_000_000n);
  t.is(a.u64(TCA_NETEM_JITTER64), 290_000_000_000n);
  t.is(decodeNetem(b, clock).delay, 300e6);
  const small = new MessageWriter();
  writeNetem(small, { delay: 50000 }, clock);
  t.is(small.finish().length, 24, 'a plain delay is the struct alone');
});

test('netem probabilities round to nearest, ties to even, as rint', (t) => {
  t.is(probability(0), 0);
  t.is(probability(1), 0xffffffff);
  t.is(probability(0.5), 2147483648, '2147483647.5 -> even');
  t.is(probability(0.3), 1288490188);
  t.is(probability(0.01), 42949673);
});

test('round trips: what is written decodes to what was asked', (t) => {
  const tbf = new MessageWriter();
  writeTbf(tbf, { rate: 125000, burst: 4096, latency: 400000 }, clock);
  const ti = decodeTbf(tbf.finish(), clock);
  t.like(ti, { rate: 125000, burst: 4096, limit: 54096, latency: 400000 });
  t.is(tbfText(ti), 'rate 1Mbit burst 4Kb lat 400ms');

  const tbf64 = new MessageWriter();
  writeTbf(tbf64, { rate: 6.25e9, burst: 200000, latency: 1000, peakrate: 7.5e9, mtu: 1600 }, clock);
  t.like(decodeTbf(tbf64.finish(), clock), { rate: 6.25e9, peakrate: 7.5e9 }, '64-bit rates come back from TCA_TBF_RATE64/PRATE64');

  const hq = new MessageWriter();
  writeHtbQdisc(hq, { defaultClass: 0x10, r2q: 5, directQlen: 50 });
  t.is(htbQdiscText(decodeHtbQdisc(hq.finish())), 'r2q 5 default 0x10 direct_packets_stat 0 direct_qlen 50');

  const hc = new MessageWriter();
  writeHtbClass(hc, { rate: 125000, ceil: 250000, burst: 15360, prio: 1 }, clock);
  const hi = decodeHtbClass(hc.finish(), clock);
  t.like(hi, { rate: 125000, ceil: 250000, burst: 15360, cburst: 1600, prio: 1 });
  t.is(htbClassText(hi), 'prio 1 rate 1Mbit ceil 2Mbit burst 15Kb cburst 1600b');

  const ne = new MessageWriter();
  writeNetem(ne, { delay: 100000, jitter: 10000, delayCorrelation: 0.25, loss: 0.01, reorder: 0.25, reorderCorrelation: 0.5, rate: 125000 }, clock);
  const ni = decodeNetem(ne.finish(), clock);
  t.is(netemText(ni), 'limit 1000 delay 100ms  10ms 25% loss 1% reorder 25% 50% rate 1Mbit gap 1');
  t.like(netemJson(ni), { limit: 1000, delay: { delay: 0.1, jitter: 0.01, correlation: 0.25 }, gap: 1 });

  const fi = new MessageWriter();
  writeFifo(fi, { limit: 100 });
  t.is(fifoText('pfifo', decodeFifo(fi.finish())), 'limit 100p');
});
