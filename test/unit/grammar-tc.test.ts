// tc grammar: objects, verbs, placement words, each qdisc kind's parameters, htb classes, and each class of
// bad input with its message.
import test from 'ava';
import {
  type ClassModifyCommand, type ClassShowCommand, parseClassid, parseQdiscHandle, parseTc, type QdiscModifyCommand, type QdiscShowCommand,
} from '../../src/grammar/tc.js';
import { TC_H_INGRESS, TC_H_ROOT } from '../../src/ops/tc/constants.js';
import { InputError } from '../../src/util/errors.js';

const words = (s: string) => s.split(' ').filter(Boolean);
function qdisc(s: string): QdiscModifyCommand {
  const c = parseTc(words(s));
  if (c.object !== 'qdisc' || c.verb === 'show') throw new Error(s);
  return c;
}
function qshow(s: string): QdiscShowCommand {
  const c = parseTc(words(s));
  if (c.object !== 'qdisc' || c.verb !== 'show') throw new Error(s);
  return c;
}
function klass(s: string): ClassModifyCommand {
  const c = parseTc(words(s));
  if (c.object !== 'class' || c.verb === 'show') throw new Error(s);
  return c;
}
function fails(t: import('ava').ExecutionContext, s: string, message: RegExp) {
  const e = t.throws(() => parseTc(words(s)), { instanceOf: InputError }, s);
  t.regex(e!.message, message, s);
}
const opts = (c: QdiscModifyCommand) => (c.qdisc && 'options' in c.qdisc ? c.qdisc.options : undefined) as Record<string, unknown> | undefined;

test('objects, verbs and abbreviations; options in front', (t) => {
  const verbs: [string, string][] = [['add', 'add'], ['a', 'add'], ['change', 'change'], ['replace', 'replace'], ['r', 'replace'], ['link', 'link'], ['delete', 'delete'], ['del', 'delete'], ['d', 'delete']];
  for (const [w, v] of verbs) {
    t.is(qdisc(`qdisc ${w} dev eth0 root pfifo`).verb as string, v, w);
  }
  for (const w of ['show', 'list', 'lst', 's', 'ls']) t.is(parseTc(words(`qdisc ${w}`)).verb, 'show', w);
  t.is(parseTc(['qdisc']).verb, 'show');
  t.is(parseTc(words('q a dev eth0 root pfifo')).object, 'qdisc');
  t.is(klass('class replace dev eth0 parent 1: classid 1:10 htb rate 1mbit').verb, 'replace');
  t.is(parseTc(words('cl show dev eth0')).object, 'class');
  const s = parseTc(words('-s -j -p qdisc show'));
  t.like(s, { stats: true, json: true, pretty: true });
  t.like(parseTc(words('-json -stats -details qdisc show')), { stats: true, json: true });
});

test('placement: root, parent, handle, ingress, clsact, dev', (t) => {
  t.like(qdisc('qdisc add dev eth0 root handle 1: htb'), { dev: 'eth0', parent: TC_H_ROOT, handle: 0x10000 });
  t.like(qdisc('qdisc add dev eth0 parent 1:10 handle 20: pfifo'), { parent: 0x10010, handle: 0x200000 });
  t.like(qdisc('qdisc add dev eth0 handle 8001 root pfifo'), { handle: 0x80010000 });
  t.like(qdisc('qdisc add dev eth0 ingress'), { parent: TC_H_INGRESS, qdisc: { kind: 'ingress' } });
  t.like(qdisc('qdisc add dev eth0 handle ffff: ingress'), { handle: 0xffff0000, qdisc: { kind: 'ingress' } });
  t.like(qdisc('qdisc add clsact dev eth0'), { parent: TC_H_INGRESS, dev: 'eth0', qdisc: { kind: 'clsact' } });
  t.like(qdisc('qdisc del dev eth0 root'), { parent: TC_H_ROOT, qdisc: undefined });
  t.like(qdisc('qdisc del dev eth0 handle 1:'), { handle: 0x10000 });
  t.like(qdisc('qdisc del dev eth0 root netem'), { qdisc: { kind: 'netem' } });
  t.is(opts(qdisc('qdisc del dev eth0 root tbf')), undefined, 'the kind alone is enough to delete');
});

test('handles and class ids', (t) => {
  t.is(parseQdiscHandle('1:'), 0x10000);
  t.is(parseQdiscHandle('1'), 0x10000);
  t.is(parseQdiscHandle('1:0'), 0x10000);
  t.is(parseQdiscHandle('ffff:'), 0xffff0000);
  t.is(parseQdiscHandle('none'), 0);
  t.is(parseClassid('1:10', 'x'), 0x10010, 'minor numbers are hex');
  t.is(parseClassid('1:', 'x'), 0x10000);
  t.is(parseClassid(':ff', 'x'), 0xff);
  t.is(parseClassid('root', 'x'), TC_H_ROOT);
  t.is(parseClassid('none', 'x'), 0);
  t.is(parseClassid('ffff:fff1', 'x'), TC_H_INGRESS);
  t.throws(() => parseQdiscHandle('1:10'), { message: /has a minor number; a qdisc handle is MAJOR: \(e.g. 1:\)/ });
  t.throws(() => parseQdiscHandle('x:'), { message: /"x:" is not a qdisc handle/ });
  t.throws(() => parseClassid('1:2:3', 'parent'), { message: /parent "1:2:3" is not a class id/ });
});

test('tbf: every parameter with tc units', (t) => {
  const o = opts(qdisc('qdisc add dev eth0 root tbf rate 1mbit burst 32kbit latency 400ms peakrate 2mbit mtu 1600/8 mpu 64 overhead 14 linklayer atm'));
  t.deepEqual(o, { rate: 125000, burst: 4096, cellLog: undefined, latency: 400000, peakrate: 250000, mtu: 1600, mtuCellLog: 3, mpu: 64, overhead: 14, linklayer: 2 });
  t.like(opts(qdisc('qdisc add dev eth0 root tbf rate 10gbit buffer 100k/16 limit 100000')), { rate: 1250000000, burst: 102400, cellLog: 4, limit: 100000 });
  t.like(opts(qdisc('qdisc add dev eth0 root tbf rate 800kbps maxburst 4000 latency 20ms minburst 1600 peakrate 1mbps')), { rate: 800000, burst: 4000, mtu: 1600, peakrate: 1000000 });
  t.like(opts(qdisc('qdisc add dev eth0 root tbf rate 1.5mibit burst 1m latency 1s linklayer ethernet')), { rate: 196608, burst: 1048576, latency: 1e6, linklayer: 1 });
});

test('htb qdisc and class parameters', (t) => {
  t.deepEqual(opts(qdisc('qdisc add dev eth0 root handle 1: htb default 1a r2q 5 direct_qlen 50')), { defaultClass: 0x1a, r2q: 5, directQlen: 50 });
  t.deepEqual(opts(qdisc('qdisc add dev eth0 root handle 1: htb')), {});
  const c = klass('class add dev eth0 parent 1:1 classid 1:10 htb rate 1mbit ceil 2mbit burst 15k/8 cburst 3k prio 1 quantum 1500 mtu 9000 mpu 64 overhead 4 linklayer adsl');
  t.like(c, { dev: 'eth0', parent: 0x10001, classid: 0x10010 });
  t.deepEqual(c.htb, {
    rate: 125000, ceil: 250000, burst: 15360, burstCellLog: 3, cburst: 3072, cburstCellLog: undefined, prio: 1, quantum: 1500, mtu: 9000, mpu: 64, overhead: 4, linklayer: 2,
  });
  t.like(klass('class add dev eth0 parent 1: classid 1:20 htb rate 50gbit buffer 1m cbuffer 2m maxburst 3k cmaxburst 4k').htb, { rate: 6.25e9, burst: 3072, cburst: 4096 });
  t.like(klass('class del dev eth0 classid 1:20'), { classid: 0x10020, htb: undefined });
  t.like(klass('class change dev eth0 classid 1:20 htb rate 2mbit'), { classid: 0x10020, parent: 0 }, 'change finds the class by its id');
  const show = parseTc(words('class show dev eth0 parent 1:1')) as ClassShowCommand;
  t.like(show, { verb: 'show', dev: 'eth0', parent: 0x10001 });
  t.like(parseTc(words('class show dev eth0 root')), { root: true });
});

test('netem: delay/jitter/correlation, loss, duplicate, corrupt, reorder, gap, rate with overheads, limit, ecn', (t) => {
  const o = opts(
    qdisc('qdisc add dev eth0 root netem limit 500 delay 100ms 10ms 25% loss random 1% 30% duplicate 2% 5% corrupt 0.1% reorder 25% 50% gap 5 rate 1mbit 20 100 -4 ecn'),
  );
  t.deepEqual(o, {
    limit: 500, delay: 100000, jitter: 10000, delayCorrelation: 0.25, loss: 0.01, lossCorrelation: 0.3, duplicate: 0.02, duplicateCorrelation: 0.05, corrupt: 0.001,
    reorder: 0.25, reorderCorrelation: 0.5, gap: 5, rate: 125000, packetOverhead: 20, cellSize: 100, cellOverhead: -4, ecn: true,
  });
  t.deepEqual(opts(qdisc('qdisc add dev eth0 root netem delay 50ms')), { delay: 50000 });
  t.deepEqual(opts(qdisc('qdisc add dev eth0 root netem latency 1.5ms 250us')), { delay: 1500, jitter: 250 });
  t.deepEqual(opts(qdisc('qdisc add dev eth0 root netem drop 3')), { loss: 0.03 }, 'a bare number is a percentage, as tc reads it');
  t.deepEqual(opts(qdisc('qdisc add dev eth0 root netem rate 50gbit delay 1s')), { rate: 6.25e9, delay: 1e6 });
  t.deepEqual(opts(qdisc('qdisc replace dev eth0 root netem')), {});
});

test('pfifo/bfifo limits; show selectors', (t) => {
  t.deepEqual(opts(qdisc('qdisc add dev eth0 root pfifo limit 100')), { limit: 100 });
  t.deepEqual(opts(qdisc('qdisc add dev eth0 root bfifo limit 10kb')), { limit: 10240 });
  t.deepEqual(opts(qdisc('qdisc add dev eth0 root pfifo')), {});
  t.like(qshow('qdisc show dev eth0 root'), { dev: 'eth0', root: true });
  t.like(qshow('qdisc show dev eth0 ingress'), { ingress: true });
  t.like(qshow('qdisc show handle 1: parent 1:10'), { handle: 0x10000, parent: 0x10010 });
});

test('errors: objects, kinds and keywords that are not supported are named', (t) => {
  fails(t, 'filter add dev eth0 parent 1: u32 match ip dst 10.0.0.1 flowid 1:10', /"tc filter" is not supported by pipework's native tc; only qdiscs .* and htb classes are; filters are not/);
  fails(t, 'actions list action gact', /"tc actions" is not supported/);
  fails(t, 'monitor', /"tc monitor" is not supported/);
  fails(t, 'bogus show', /unknown object "bogus"/);
  for (const k of ['sfq', 'fq_codel', 'prio', 'cake', 'noqueue', 'pfifo_fast', 'mqprio']) {
    fails(t, `qdisc add dev eth0 root ${k}`, new RegExp(`qdisc kind "${k}" is not supported by pipework's native tc; supported kinds: tbf, htb, netem, pfifo, bfifo, ingress, clsact`));
  }
  fails(t, 'qdisc add dev eth0 root wibble', /unknown qdisc kind or keyword "wibble"/);
  fails(t, 'class add dev eth0 parent 1: classid 1:10 hfsc rate 1mbit', /class kind "hfsc" is not supported by pipework's native tc; only htb classes are/);
  fails(t, 'qdisc add dev eth0 root estimator 1s 8s tbf', /"estimator" is not supported/);
  fails(t, 'qdisc add dev eth0 root stab overhead 4 tbf', /"stab" is not supported/);
  fails(t, 'qdisc add dev eth0 root netem delay 20ms 5ms distribution normal', /netem "distribution" is not supported/);
  fails(t, 'qdisc add dev eth0 root netem loss state 1 2', /netem "loss state" is not supported/);
  fails(t, 'qdisc add dev eth0 root netem slot 1ms', /netem "slot" is not supported/);
  fails(t, 'qdisc add dev eth0 root htb offload', /htb "offload" is not supported/);
  fails(t, 'qdisc show invisible', /"invisible" is not supported/);
  fails(t, '-b qdisc show', /option "-b" is not supported by pipework's native tc/);
});

test('errors: missing and bad parameters', (t) => {
  fails(t, 'qdisc add dev eth0 root tbf rate 1mbit', /tbf needs burst, latency or limit; tbf rate RATE burst/);
  fails(t, 'qdisc add dev eth0 root tbf burst 10k latency 1ms', /tbf needs rate/);
  fails(t, 'qdisc add dev eth0 root tbf rate 1mbit burst 10k latency 1ms limit 3000', /both limit and latency given/);
  fails(t, 'qdisc add dev eth0 root tbf rate 1mbit burst 10k latency 1ms peakrate 2mbit', /peakrate needs mtu \(minburst\)/);
  fails(t, 'qdisc add dev eth0 root tbf rate 1mbit burst 10k buffer 5k latency 1ms', /more than one of burst, buffer, maxburst/);
  fails(t, 'qdisc add dev eth0 root tbf rate fast burst 10k latency 1ms', /tbf rate "fast" is not a rate; write a number with a unit: bit, kbit/);
  fails(t, 'qdisc add dev eth0 root tbf rate 10% burst 10k latency 1ms', /a rate in percent of the link speed is not supported/);
  fails(t, 'qdisc add dev eth0 root tbf rate 1mbit burst 10q latency 1ms', /tbf burst "10q" is not a size/);
  fails(t, 'qdisc add dev eth0 root tbf rate 1mbit burst 10k/3 latency 1ms', /cell size "3" is not a power of two/);
  fails(t, 'qdisc add dev eth0 root tbf rate 1mbit burst 10k latency soon', /tbf latency "soon" is not a time; write a number with a unit: s, ms or us/);
  fails(t, 'qdisc add dev eth0 root tbf rate 1mbit burst 10k latency 1ms colour blue', /tbf: unknown parameter "colour"/);
  fails(t, 'qdisc add dev eth0 root tbf rate 1mbit burst 10k latency 1ms linklayer token-ring', /linklayer "token-ring" is not known/);
  fails(t, 'qdisc add dev eth0 root netem loss 150%', /netem loss "150%" is not a percentage/);
  fails(t, 'qdisc add dev eth0 root netem reorder 25%', /reordering needs a delay/);
  fails(t, 'qdisc add dev eth0 root netem delay', /"delay" needs a value/);
  fails(t, 'qdisc add dev eth0 root pfifo limit many', /pfifo limit "many" is not a number/);
  fails(t, 'qdisc add dev eth0 root pfifo size 3', /pfifo: unknown parameter "size"/);
  fails(t, 'qdisc add dev eth0 root htb default zz', /htb default class "zz" is not a hex number/);
  fails(t, 'qdisc add dev eth0 ingress pfifo', /ingress takes no parameters \("pfifo"\)/);
  fails(t, 'qdisc add root pfifo', /no device; write tc qdisc add dev NAME/);
  fails(t, 'qdisc add dev eth0 pfifo', /where\? no root, parent, ingress or clsact given/);
  fails(t, 'qdisc add dev eth0 root', /no qdisc kind given; name one of tbf, htb/);
  fails(t, 'qdisc add dev eth0 root parent 1:1 pfifo', /"parent" given with another parent/);
  fails(t, 'qdisc add dev eth0 root handle 1:5 htb', /has a minor number/);
  fails(t, 'qdisc bounce dev eth0', /unknown command "bounce"/);
  fails(t, 'class add dev eth0 parent 1: classid 1:10 htb ceil 2mbit', /htb class needs a rate/);
  fails(t, 'class add dev eth0 parent 1: classid 1:10 htb rate 1mbit prio 8', /htb prio "8" is out of range/);
  fails(t, 'class add dev eth0 parent 1: classid 1:10 htb rate 1mbit weight 3', /htb class: unknown parameter "weight"/);
  fails(t, 'class add dev eth0 parent 1: htb rate 1mbit', /no classid; write classid MAJOR:MINOR/);
  fails(t, 'class add dev eth0 parent 1: classid 1: htb rate 1mbit', /classid 1: has no minor number/);
  fails(t, 'class add dev eth0 classid 1:10 htb rate 1mbit', /no parent; write parent MAJOR:\[MINOR\]/);
  fails(t, 'class replace dev eth0 classid 1:10 htb rate 1mbit', /no parent/);
  fails(t, 'class add dev eth0 parent 1: classid 1:10', /no class kind given/);
  fails(t, 'class show', /no device/);
});
