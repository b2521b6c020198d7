// The tc encoders against the bytes the real tc sent for the same command lines (tc-golden.fixture.ts):
// every qdisc and class request, rate tables included, must be identical to the byte.
import test from 'ava';
import { parseTc } from '../../src/grammar/tc.js';
import { NLM_F_ACK, NLM_F_REQUEST } from '../../src/netlink/constants.js';
import { classRequest, qdiscRequest } from '../../src/ops/tc/qdisc.js';
import { parsePsched } from '../../src/ops/tc/rate.js';
import { InputError } from '../../src/util/errors.js';
import { CAPTURE_IFINDEX, CAPTURE_PSCHED, type GoldenMessage, TC_GOLDEN } from './tc-golden.fixture.js';

const clock = parsePsched(CAPTURE_PSCHED);

function encode(cmdLine: string) {
  const cmd = parseTc(cmdLine.split(' '));
  if (cmd.verb === 'show') throw new Error('not a request');
  if (cmd.object === 'qdisc') {
    return qdiscRequest(cmd.verb, { ifindex: CAPTURE_IFINDEX, parent: cmd.parent, handle: cmd.handle, qdisc: cmd.qdisc }, cmdLine, clock);
  }
  return classRequest(cmd.verb, { ifindex: CAPTURE_IFINDEX, classid: cmd.classid, parent: cmd.parent, htb: cmd.htb }, cmdLine, clock);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// Where pipework deliberately differs from tc, with the reason.
const DIFFERENT: Record<string, string> = {
  // To delete, the kind alone is enough; tc also sends htb's default parameters, which the kernel ignores.
  'qdisc del dev v0 root handle 1: htb': 'kind only',
  // netem distribution tables are files tc reads from /usr/lib/tc; pipework does not load them.
  'qdisc add dev v0 root netem delay 20ms 5ms 10% distribution normal': 'unsupported',
};

function check(g: GoldenMessage) {
  test(`tc ${g.cmd}`, (t) => {
    const expected = Buffer.from(g.bytes, 'base64');
    if (DIFFERENT[g.cmd] === 'unsupported') {
      const e = t.throws(() => encode(g.cmd), { instanceOf: InputError });
      t.regex(e!.message, /distribution/);
      return;
    }
    const req = encode(g.cmd);
    t.is(req.type, g.type, 'message type');
    t.is((req.flags ?? 0) | NLM_F_REQUEST | NLM_F_ACK, g.flags, 'flags');
    const mine = req.message.subarray(16);
    if (DIFFERENT[g.cmd] === 'kind only') {
      // the tcmsg and TCA_KIND agree; tc's TCA_OPTIONS follows
      t.is(hex(mine), hex(expected.subarray(0, mine.length)));
      t.true(expected.length > mine.length);
      return;
    }
    t.is(hex(mine), hex(expected));
  });
}

for (const g of TC_GOLDEN) check(g);

test('the golden set covers every qdisc kind and verb it claims to', (t) => {
  const cmds = TC_GOLDEN.map((g) => g.cmd).join('\n');
  for (const word of ['tbf', 'htb', 'netem', 'pfifo', 'bfifo', 'ingress', 'clsact', 'qdisc add', 'qdisc del', 'qdisc replace', 'qdisc change', 'class add', 'class del', 'class replace', 'class change', 'peakrate', 'linklayer atm', 'rate 50gbit']) {
    t.true(cmds.includes(word), word);
  }
});
