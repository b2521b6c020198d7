// Golden ip route / ip rule requests: the bytes the real `ip` (iproute2 6.1.0) put in its sendmsg for each command line,
// captured with `strace -f -e trace=sendmsg -s 65536 -xx ip -n NS ...` in a scratch namespace whose
// interface v0 had ifindex 3, on a kernel whose /proc/net/psched read "000003e8 00000040 000f4240 3b9aca00".
// For each command: the netlink message type, its flags as sent (NLM_F_REQUEST|NLM_F_ACK included) and the
// payload after the 16-byte nlmsghdr, base64. The command is what follows `ip` (a leading -4/-6 was given to ip before the object).
// These are data from the real tool, not code: the encoders are written from the kernel headers and checked
// against them.

import type { GoldenMessage } from './golden-capture.fixture.js';

export { CAPTURE_IFINDEX, CAPTURE_PSCHED, type GoldenMessage } from './golden-capture.fixture.js';

export const IP_GOLDEN: GoldenMessage[] = [
  { cmd: "route add 10.2.0.0/16 via 10.0.0.2 dev v0 metric 5", type: 24, flags: 0x605, bytes: 'AhAAAP4DAAEAAAAACAABAAoCAAAIAAUACgAAAggABgAFAAAACAAEAAMAAAA=' },
  { cmd: "route add default via 10.0.0.2", type: 24, flags: 0x605, bytes: 'AgAAAP4DAAEAAAAACAAFAAoAAAI=' },
  { cmd: "route replace 10.3.0.0/16 dev v0 proto static scope link src 10.0.0.1 table 100 mtu 1400", type: 24, flags: 0x505, bytes: 'AhAAAGQE/QEAAAAACAABAAoDAAAIAAcACgAAAQgABAADAAAADAAIAAgAAgB4BQAA' },
  { cmd: "route add blackhole 10.4.0.0/16", type: 24, flags: 0x605, bytes: 'AhAAAP4DAAYAAAAACAABAAoEAAA=' },
  { cmd: "route add unreachable 10.4.1.0/24 metric 7", type: 24, flags: 0x605, bytes: 'AhgAAP4DAAcAAAAACAABAAoEAQAIAAYABwAAAA==' },
  { cmd: "route add prohibit 10.4.2.0/24", type: 24, flags: 0x605, bytes: 'AhgAAP4DAAgAAAAACAABAAoEAgA=' },
  { cmd: "route add throw 10.4.3.0/24 table 100", type: 24, flags: 0x605, bytes: 'AhgAAGQDAAkAAAAACAABAAoEAwA=' },
  { cmd: "route del 10.2.0.0/16", type: 25, flags: 0x5, bytes: 'AhAAAP4A/wAAAAAACAABAAoCAAA=' },
  { cmd: "route delete 10.3.0.0/16 dev v0 table 100", type: 25, flags: 0x5, bytes: 'AhAAAGQA/wAAAAAACAABAAoDAAAIAAQAAwAAAA==' },
  { cmd: "route add 10.7.0.0/16 dev v0 table 1000 proto 99", type: 24, flags: 0x605, bytes: 'AhAAAABj/QEAAAAACAABAAoHAAAIAA8A6AMAAAgABAADAAAA' },
  { cmd: "-6 route add 2001:db8::/64 dev v0 metric 1024", type: 24, flags: 0x605, bytes: 'CkAAAP4DAAEAAAAAFAABACABDbgAAAAAAAAAAAAAAAAIAAYAAAQAAAgABAADAAAA' },
  { cmd: "-6 route add default via fe80::1 dev v0", type: 24, flags: 0x605, bytes: 'CgAAAP4DAAEAAAAAFAABAAAAAAAAAAAAAAAAAAAAAAAUAAUA/oAAAAAAAAAAAAAAAAAAAQgABAADAAAA' },
  { cmd: "route append 10.8.0.0/16 via 10.0.0.3", type: 24, flags: 0xc05, bytes: 'AhAAAP4DAAEAAAAACAABAAoIAAAIAAUACgAAAw==' },
  { cmd: "route change 10.8.0.0/16 via 10.0.0.4", type: 24, flags: 0x105, bytes: 'AhAAAP4DAAEAAAAACAABAAoIAAAIAAUACgAABA==' },
  { cmd: "route add 10.5.0.0/16 via 10.9.9.9 dev v0 onlink", type: 24, flags: 0x605, bytes: 'AhAAAP4DAAEEAAAACAABAAoFAAAIAAUACgkJCQgABAADAAAA' },
  { cmd: "route add local 10.6.0.1 dev v0 table local proto kernel", type: 24, flags: 0x605, bytes: 'AiAAAP8C/gIAAAAACAABAAoGAAEIAAQAAwAAAA==' },
  { cmd: "route add 10.10.0.1 dev v0 scope host proto dhcp", type: 24, flags: 0x605, bytes: 'AiAAAP4Q/gEAAAAACAABAAoKAAEIAAQAAwAAAA==' },
  { cmd: "route add to unicast 10.11.0.0/16 dev v0 preference 9 table default", type: 24, flags: 0x605, bytes: 'AhAAAP0D/QEAAAAACAABAAoLAAAIAAYACQAAAAgABAADAAAA' },
  { cmd: "route add 10.12.0.0/16 via 10.0.0.2 priority 10 protocol boot scope global table main", type: 24, flags: 0x605, bytes: 'AhAAAP4DAAEAAAAACAABAAoMAAAIAAUACgAAAggABgAKAAAA' },
  { cmd: "route add 10.13.0.0/16 dev v0 scope 100", type: 24, flags: 0x605, bytes: 'AhAAAP4DZAEAAAAACAABAAoNAAAIAAQAAwAAAA==' },
  { cmd: "route del default", type: 25, flags: 0x5, bytes: 'AgAAAP4A/wAAAAAA' },
  { cmd: "-4 route del default table 100", type: 25, flags: 0x5, bytes: 'AgAAAGQA/wAAAAAACAABAAAAAAA=' },
  { cmd: "route get 10.0.0.2", type: 26, flags: 0x1, bytes: 'AiAAAAAAAAAAEAAACAABAAoAAAI=' },
  { cmd: "route get 10.0.0.2 from 10.0.0.1 oif v0", type: 26, flags: 0x1, bytes: 'AiAgAAAAAAAAEAAACAABAAoAAAIIAAIACgAAAQgABAADAAAA' },
  { cmd: "-6 route get 2001:db8::1", type: 26, flags: 0x1, bytes: 'CoAAAAAAAAAAAAAAFAABACABDbgAAAAAAAAAAAAAAAE=' },
  { cmd: "rule add from 10.0.0.0/24 table 100 priority 100", type: 32, flags: 0x605, bytes: 'AgAYAGQAAAEAAAAACAACAAoAAAAIAAYAZAAAAA==' },
  { cmd: "rule add to 10.1.0.0/16 lookup main pref 200", type: 32, flags: 0x605, bytes: 'AhAAAP4AAAEAAAAACAABAAoBAAAIAAYAyAAAAA==' },
  { cmd: "rule add iif v0 oif v1 fwmark 0x1/0xff table 5", type: 32, flags: 0x605, bytes: 'AgAAAAUAAAEAAAAABwADAHYwAAAHABEAdjEAAAgACgABAAAACAAQAP8AAAA=' },
  { cmd: "rule add fwmark 7 table 6 order 300", type: 32, flags: 0x605, bytes: 'AgAAAAYAAAEAAAAACAAKAAcAAAAIAAYALAEAAA==' },
  { cmd: "rule add not from 10.0.0.0/24 table 7", type: 32, flags: 0x605, bytes: 'AgAYAAcAAAECAAAACAACAAoAAAA=' },
  { cmd: "rule add unreachable pref 400", type: 32, flags: 0x605, bytes: 'AgAAAAAAAAcAAAAACAAGAJABAAA=' },
  { cmd: "rule add blackhole pref 401", type: 32, flags: 0x605, bytes: 'AgAAAAAAAAYAAAAACAAGAJEBAAA=' },
  { cmd: "rule add prohibit pref 402", type: 32, flags: 0x605, bytes: 'AgAAAAAAAAgAAAAACAAGAJIBAAA=' },
  { cmd: "rule add goto 200 pref 150", type: 32, flags: 0x605, bytes: 'AgAAAAAAAAIAAAAACAAEAMgAAAAIAAYAlgAAAA==' },
  { cmd: "rule add from 10.0.0.0/24 table 1000", type: 32, flags: 0x605, bytes: 'AgAYAAAAAAEAAAAACAACAAoAAAAIAA8A6AMAAA==' },
  { cmd: "rule add from 10.0.0.5 to 10.9.0.0/16 lookup local", type: 32, flags: 0x605, bytes: 'AhAgAP8AAAEAAAAACAACAAoAAAUIAAEACgkAAA==' },
  { cmd: "rule add from 10.0.0.0/8 table default preference 5", type: 32, flags: 0x605, bytes: 'AgAIAP0AAAEAAAAACAACAAoAAAAIAAYABQAAAA==' },
  { cmd: "-6 rule add from 2001:db8::/32 table 100", type: 32, flags: 0x605, bytes: 'CgAgAGQAAAEAAAAAFAACACABDbgAAAAAAAAAAAAAAAA=' },
  { cmd: "-6 rule add to 2001:db8:1::/48 iif v0 table 1000 priority 1000", type: 32, flags: 0x605, bytes: 'CjAAAAAAAAEAAAAAFAABACABDbgAAQAAAAAAAAAAAAAHAAMAdjAAAAgADwDoAwAACAAGAOgDAAA=' },
  { cmd: "rule add fwmark 0x10 lookup 7", type: 32, flags: 0x605, bytes: 'AgAAAAcAAAEAAAAACAAKABAAAAA=' },
  { cmd: "rule del priority 100", type: 33, flags: 0x5, bytes: 'AgAAAAAAAAAAAAAACAAGAGQAAAA=' },
  { cmd: "rule del from 10.0.0.0/24 table 7", type: 33, flags: 0x5, bytes: 'AgAYAAcAAAAAAAAACAACAAoAAAA=' },
  { cmd: "rule delete pref 5 table default", type: 33, flags: 0x5, bytes: 'AgAAAP0AAAAAAAAACAAGAAUAAAA=' },
  { cmd: "-6 rule del from 2001:db8::/32", type: 33, flags: 0x5, bytes: 'CgAgAAAAAAAAAAAAFAACACABDbgAAAAAAAAAAAAAAAA=' },
];
