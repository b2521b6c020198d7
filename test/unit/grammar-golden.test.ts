// The ip route / ip rule encoders against the bytes the real ip sent for the same command lines
// (grammar-golden.fixture.ts). iproute2 writes attributes in the order the words were typed, so the
// comparison is: same message type and flags, same fixed header byte for byte, same set of attributes.
import test from 'ava';
import { parseRoute } from '../../src/grammar/route.js';
import { parseRule } from '../../src/grammar/rule.js';
import { NLM_F_ACK, NLM_F_REQUEST } from '../../src/netlink/constants.js';
import { routeGetRequest, routeRequest } from '../../src/ops/route.js';
import { ruleRequest } from '../../src/ops/rule.js';
import { CAPTURE_IFINDEX, IP_GOLDEN, type GoldenMessage } from './grammar-golden.fixture.js';

const HEADER = 12; // struct rtmsg and struct fib_rule_hdr are both 12 bytes
const RTA_DST = 1;

interface Canon {
  header: string;
  attrs: string[];
}

function canon(payload: Uint8Array): Canon {
  const b = Buffer.from(payload);
  const attrs: string[] = [];
  let off = HEADER;
  while (off + 4 <= b.length) {
    const len = b.readUInt16LE(off);
    attrs.push(b.subarray(off, off + len).toString('hex'));
    off += (len + 3) & ~3;
  }
  return { header: b.subarray(0, HEADER).toString('hex'), attrs: attrs.sort() };
}

/**
 * The one known difference: for "default" with the family already known (-4/-6), ip also sends
 * RTA_DST 0.0.0.0 (or ::) with dst_len 0; pipework leaves it out. The kernel treats both as 0/0.
 */
function dropZeroDst(c: Canon): Canon {
  const dstLen = Buffer.from(c.header, 'hex')[1];
  if (dstLen !== 0) return c;
  return { ...c, attrs: c.attrs.filter((a) => !(Buffer.from(a, 'hex').readUInt16LE(2) === RTA_DST && /^0+$/.test(a.slice(8)))) };
}

function encode(line: string) {
  const argv = line.split(' ');
  const front = argv[0] === '-4' || argv[0] === '-6' ? [argv.shift()!] : [];
  const obj = argv.shift();
  if (obj === 'route') {
    const cmd = parseRoute([...front, ...argv]);
    if (cmd.kind === 'modify') return routeRequest(cmd.op, { ...cmd.spec, oif: cmd.dev ? CAPTURE_IFINDEX : undefined }, line);
    if (cmd.kind === 'get') {
      return routeGetRequest({ family: cmd.family, to: cmd.to.bytes, from: cmd.from?.bytes, oif: cmd.dev ? CAPTURE_IFINDEX : undefined }, line);
    }
    throw new Error(`not a request: ${line}`);
  }
  const cmd = parseRule([...front, ...argv]);
  if (cmd.kind !== 'modify') throw new Error(`not a request: ${line}`);
  return ruleRequest(cmd.op, cmd.spec, line);
}

function check(g: GoldenMessage) {
  test(`ip ${g.cmd}`, (t) => {
    const req = encode(g.cmd);
    t.is(req.type, g.type, 'message type');
    // ip asks no ACK for `route get`; the session always does, which changes nothing else
    t.is((req.flags ?? 0) | NLM_F_REQUEST | NLM_F_ACK, g.flags | NLM_F_ACK, 'flags');
    const mine = canon(req.message.subarray(16));
    const theirs = dropZeroDst(canon(Buffer.from(g.bytes, 'base64')));
    t.deepEqual(mine, theirs);
  });
}

for (const g of IP_GOLDEN) check(g);

test('the normalisation drops only an all-zero RTA_DST of a 0/0 route', (t) => {
  const withDst = IP_GOLDEN.find((g) => g.cmd === '-4 route del default table 100')!;
  const c = canon(Buffer.from(withDst.bytes, 'base64'));
  t.is(c.attrs.length, 1);
  t.is(dropZeroDst(c).attrs.length, 0);
  const real = IP_GOLDEN.find((g) => g.cmd === 'route del 10.2.0.0/16')!;
  const r = canon(Buffer.from(real.bytes, 'base64'));
  t.deepEqual(dropZeroDst(r), r);
});
