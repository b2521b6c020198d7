// A hostile DHCP server for the tests (run inside the server's netns): answers every DISCOVER with
// an OFFER and every REQUEST with an ACK carrying the options given as JSON in argv[2], sent to
// the subnet broadcast address. Prints "ready" once bound. Never part of the product.
import * as dgram from 'node:dgram';
import { MessageType, newMessage, type DhcpOptions } from '../../src/dhcp/message.js';
import { decodeMessage, encodeMessage } from '../../src/dhcp/codec.js';

interface Config {
  yiaddr: string;
  broadcastTo: string;
  options: Record<string, unknown>;
}

const cfg = JSON.parse(process.argv[2]) as Config;
const ip = (s: string) => Uint8Array.from(s.split('.').map(Number));
const asBytes = (v: unknown): unknown =>
  typeof v === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(v) ? ip(v) : Array.isArray(v) ? v.map(asBytes) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asBytes(x)])) : v;
const options = asBytes(cfg.options) as DhcpOptions;

const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
sock.on('message', (buf) => {
  let m;
  try {
    m = decodeMessage(new Uint8Array(buf));
  } catch {
    return;
  }
  const type = m.options.messageType === MessageType.DISCOVER ? MessageType.OFFER : m.options.messageType === MessageType.REQUEST ? MessageType.ACK : undefined;
  if (type === undefined) return;
  const reply = newMessage({ op: 2, xid: m.xid, yiaddr: ip(cfg.yiaddr), chaddr: m.chaddr, options: { ...options, messageType: type } });
  sock.send(encodeMessage(reply), 68, cfg.broadcastTo);
});
sock.bind(67, () => {
  sock.setBroadcast(true);
  process.stdout.write('ready\n');
});
