// Golden route and rule dumps: messages the kernel (6.18) sent for dumps in a scratch namespace, each payload (after the
// nlmsghdr) base64, together with what `ip` (iproute2 6.1.0) printed for the same state at the same moment.
// The decoders and printers are checked against both: the kernel's bytes in, the real tool's text out.
// psched of the capturing kernel: 000003e8 00000040 000f4240 3b9aca00. Captured by dumping on a netlink
// socket opened in the namespace and running the tools with -n NS right after.

export const IP_SHOW = {
 "links": {
  "1": "lo",
  "2": "v1",
  "3": "v0",
  "4": "v3",
  "5": "v2",
  "6": "v5",
  "7": "v4"
 },
 "routes4": [
  "AhgAAGQDAAkAAAAACAAPAGQAAAAIAAEACgQDAA==",
  "AhAAAPxj/QEAAAAACAAPAOgDAAAIAAEACgcAAAgABAADAAAA",
  "AhAAAP0D/QEAAAAACAAPAP0AAAAIAAEACgsAAAgABgAJAAAACAAEAAMAAAA=",
  "AhgAAP4C/QEAAAAACAAPAP4AAAAIAAEACgAAAAgABwAKAAABCAAEAAMAAAA=",
  "AhgAAP4C/QEAAAAACAAPAP4AAAAIAAEACgAAAAgABwAKAAAJCAAEAAIAAAA=",
  "AhAAAP4DAAEAAAAACAAPAP4AAAAIAAEACgEAAAgABgAFAAAACAAFAAoAAAIIAAQAAwAAAA==",
  "AhAAAP4DAAYAAAAACAAPAP4AAAAIAAEACgQAAA==",
  "AhgAAP4DAAcAAAAACAAPAP4AAAAIAAEACgQBAAgABgAHAAAA",
  "AhgAAP4DAAgAAAAACAAPAP4AAAAIAAEACgQCAA==",
  "AhAAAP4DAAEEAAAACAAPAP4AAAAIAAEACgUAAAgABQAKCQkJCAAEAAMAAAA=",
  "AhAAAP4DAAEAAAAACAAPAP4AAAAIAAEACggAAAgABQAKAAAECAAEAAMAAAA=",
  "AiAAAP4Q/gEAAAAACAAPAP4AAAAIAAEACgoAAQgABAADAAAA",
  "AhAAAP4DZAEAAAAACAAPAP4AAAAIAAEACg0AAAgABAADAAAA",
  "AiAAAP8C/gIAAAAACAAPAP8AAAAIAAEACgAAAQgABwAKAAABCAAEAAMAAAA=",
  "AiAAAP8C/gIAAAAACAAPAP8AAAAIAAEACgAACQgABwAKAAAJCAAEAAIAAAA=",
  "AiAAAP8C/QMAAAAACAAPAP8AAAAIAAEACgAA/wgABwAKAAABCAAEAAMAAAA=",
  "AiAAAP8C/QMAAAAACAAPAP8AAAAIAAEACgAA/wgABwAKAAAJCAAEAAIAAAA=",
  "AiAAAP8C/gIAAAAACAAPAP8AAAAIAAEACgYAAQgABAADAAAA",
  "AggAAP8C/gIAAAAACAAPAP8AAAAIAAEAfwAAAAgABwB/AAABCAAEAAEAAAA=",
  "AiAAAP8C/gIAAAAACAAPAP8AAAAIAAEAfwAAAQgABwB/AAABCAAEAAEAAAA=",
  "AiAAAP8C/QMAAAAACAAPAP8AAAAIAAEAf////wgABwB/AAABCAAEAAEAAAA="
 ],
 "routes6": [
  "CkAAAAcEAAEAAAAACAAPAAcAAAAUAAEAIAENuAABAAAAAAAAAAAAAAwACAAIAAIAFAUAAAgABgAFAAAACAAEAAMAAAAkAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFABQAAAAAAA==",
  "CkAAAP4DAAEAAAAACAAPAP4AAAAUAAEAIAENuAAAAAAAAAAAAAAAAAgABgAABAAACAAEAAMAAAAkAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFABQAAAAAAA==",
  "CkAAAP4CAAEAAAAACAAPAP4AAAAUAAEA/oAAAAAAAAAAAAAAAAAAAAgABgAAAQAACAAEAAIAAAAkAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFABQAAAAAAA==",
  "CkAAAP4CAAEAAAAACAAPAP4AAAAUAAEA/oAAAAAAAAAAAAAAAAAAAAgABgAAAQAACAAEAAMAAAAkAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFABQAAAAAAA==",
  "CgAAAP4DAAEAAAAACAAPAP4AAAAIAAYAAAQAABQABQD+gAAAAAAAAAAAAAAAAAABCAAEAAMAAAAkAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFABQAAAAAAA==",
  "CoAAAP8CAAIAAAAACAAPAP8AAAAUAAEAAAAAAAAAAAAAAAAAAAAAAQgABgAAAAAACAAEAAEAAAAkAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFABQAAAAAAA==",
  "CoAAAP8CAAIAAAAACAAPAP8AAAAUAAEA/oAAAAAAAAAol7X//sbm3ggABgAAAAAACAAEAAIAAAAkAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFABQAAAAAAA==",
  "CoAAAP8CAAIAAAAACAAPAP8AAAAUAAEA/oAAAAAAAAD4c1D//iXs7AgABgAAAAAACAAEAAMAAAAkAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFABQAAAAAAA==",
  "CggAAP8CAAUAAAAACAAPAP8AAAAUAAEA/wAAAAAAAAAAAAAAAAAAAAgABgAAAQAACAAEAAIAAAAkAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFABQAAAAAAA==",
  "CggAAP8CAAUAAAAACAAPAP8AAAAUAAEA/wAAAAAAAAAAAAAAAAAAAAgABgAAAQAACAAEAAMAAAAkAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFABQAAAAAAA=="
 ],
 "rules4": [
  "AgAAAP8AAAEAAAAACAAPAP8AAAAIAA4A/////wUAFQACAAAA",
  "AhAgAP8AAAEAAAAACAAPAP8AAAAIAA4A/////wUAFQAEAAAACAAGAAEAAAAIAAEACgkAAAgAAgAKAAAF",
  "AgAYAAcAAAECAAAACAAPAAcAAAAIAA4A/////wUAFQAAAAAACAAGAAIAAAAIAAIACgAAAA==",
  "AgAAAAUAAAEAAAAACAAPAAUAAAAIAA4A/////wUAFQAAAAAABwADAHYwAAAHABEAdjEAAAgABgADAAAACAAKAAEAAAAIABAA/wAAAA==",
  "AgAAAAcAAAEAAAAACAAPAAcAAAAIAA4A/////wUAFQAAAAAACAAGAAQAAAAIAAoAEAAAAAgAEAD/////",
  "AgAIEPwAAAEAAAAACAAPAOgDAAAIAA4A/////wUAFQAAAAAACAAGAAUAAAAIAAIACgAAAA==",
  "AgAAAAkAAAEAAAAACAAPAAkAAAAIAA4AAAAAAAUAFQAAAAAABwADAGxvAAAIAAYABwAAAA==",
  "AgAAAAkAAAEIAAAACAAPAAkAAAAIAA4A/////wUAFQAAAAAADQADAG5vbmV4aXN0AAAAAAgABgAIAAAA",
  "AhAgAP8AAAEAAAAACAAPAP8AAAAIAA4A/////wUAFQAAAAAACAAGAGAAAAAIAAEACgkAAAgAAgAKAAAF",
  "AgAYAPwAAAEAAAAACAAPAOgDAAAIAA4A/////wUAFQAAAAAACAAGAGEAAAAIAAIACgAAAA==",
  "AgAAAAUAAAEAAAAACAAPAAUAAAAIAA4A/////wUAFQAAAAAABwADAHYwAAAHABEAdjEAAAgABgBjAAAACAAKAAEAAAAIABAA/wAAAA==",
  "AgAYAGQAAAEAAAAACAAPAGQAAAAIAA4A/////wUAFQAAAAAACAAGAGQAAAAIAAIACgAAAA==",
  "AgAAAAAAAAIAAAAACAAPAAAAAAAIAA4A/////wUAFQAAAAAACAAGAJYAAAAIAAQAyAAAAA==",
  "AgAAAAAAAAMAAAAACAAPAAAAAAAIAA4A/////wUAFQAAAAAACAAGAKAAAAA=",
  "AhAAAP4AAAEAAAAACAAPAP4AAAAIAA4A/////wUAFQAAAAAACAAGAMgAAAAIAAEACgEAAA==",
  "AgAAAAYAAAEAAAAACAAPAAYAAAAIAA4A/////wUAFQAAAAAACAAGACwBAAAIAAoABwAAAAgAEAD/////",
  "AgAAAAAAAAcAAAAACAAPAAAAAAAIAA4A/////wUAFQAAAAAACAAGAJABAAA=",
  "AgAAAAAAAAYAAAAACAAPAAAAAAAIAA4A/////wUAFQAAAAAACAAGAJEBAAA=",
  "AgAAAAAAAAgAAAAACAAPAAAAAAAIAA4A/////wUAFQAAAAAACAAGAJIBAAA="
 ],
 "rules6": [
  "CgAAAP8AAAEAAAAACAAPAP8AAAAIAA4A/////wUAFQACAAAA",
  "CjAAAPwAAAEAAAAACAAPAOgDAAAIAA4A/////wUAFQAAAAAABwADAHYwAAAIAAYA6AMAABQAAQAgAQ24AAEAAAAAAAAAAAAA",
  "CgAgAGQAAAEAAAAACAAPAGQAAAAIAA4A/////wUAFQAAAAAACAAGAP1/AAAUAAIAIAENuAAAAAAAAAAAAAAAAA==",
  "CgAAAP4AAAEAAAAACAAPAP4AAAAIAA4A/////wUAFQACAAAACAAGAP5/AAA="
 ],
 "ip": {
  "route4All": "throw 10.4.3.0/24 table 100 \n10.7.0.0/16 dev v0 table 1000 proto openr scope link \n10.11.0.0/16 dev v0 table default scope link metric 9 \n10.0.0.0/24 dev v0 proto kernel scope link src 10.0.0.1 \n10.0.0.0/24 dev v1 proto kernel scope link src 10.0.0.9 \n10.1.0.0/16 via 10.0.0.2 dev v0 metric 5 \nblackhole 10.4.0.0/16 \nunreachable 10.4.1.0/24 metric 7 \nprohibit 10.4.2.0/24 \n10.5.0.0/16 via 10.9.9.9 dev v0 onlink \n10.8.0.0/16 via 10.0.0.4 dev v0 \n10.10.0.1 dev v0 proto dhcp scope host \n10.13.0.0/16 dev v0 scope 100 \nlocal 10.0.0.1 dev v0 table local proto kernel scope host src 10.0.0.1 \nlocal 10.0.0.9 dev v1 table local proto kernel scope host src 10.0.0.9 \nbroadcast 10.0.0.255 dev v0 table local proto kernel scope link src 10.0.0.1 \nbroadcast 10.0.0.255 dev v1 table local proto kernel scope link src 10.0.0.9 \nlocal 10.6.0.1 dev v0 table local proto kernel scope host \nlocal 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 \nlocal 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 \nbroadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 \n2001:db8:1::/64 dev v0 table 7 proto static metric 5 mtu 1300 pref medium\n2001:db8::/64 dev v0 metric 1024 pref medium\nfe80::/64 dev v1 proto kernel metric 256 pref medium\nfe80::/64 dev v0 proto kernel metric 256 pref medium\ndefault via fe80::1 dev v0 metric 1024 pref medium\nlocal ::1 dev lo table local proto kernel metric 0 pref medium\nlocal fe80::2897:b5ff:fec6:e6de dev v1 table local proto kernel metric 0 pref medium\nlocal fe80::f873:50ff:fe25:ecec dev v0 table local proto kernel metric 0 pref medium\nmulticast ff00::/8 dev v1 table local proto kernel metric 256 pref medium\nmulticast ff00::/8 dev v0 table local proto kernel metric 256 pref medium\n",
  "route4AllJson": "[{\"type\":\"throw\",\"dst\":\"10.4.3.0/24\",\"table\":\"100\",\"flags\":[]},{\"dst\":\"10.7.0.0/16\",\"dev\":\"v0\",\"table\":\"1000\",\"protocol\":\"openr\",\"scope\":\"link\",\"flags\":[]},{\"dst\":\"10.11.0.0/16\",\"dev\":\"v0\",\"table\":\"default\",\"scope\":\"link\",\"metric\":9,\"flags\":[]},{\"dst\":\"10.0.0.0/24\",\"dev\":\"v0\",\"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"10.0.0.1\",\"flags\":[]},{\"dst\":\"10.0.0.0/24\",\"dev\":\"v1\",\"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"10.0.0.9\",\"flags\":[]},{\"dst\":\"10.1.0.0/16\",\"gateway\":\"10.0.0.2\",\"dev\":\"v0\",\"metric\":5,\"flags\":[]},{\"type\":\"blackhole\",\"dst\":\"10.4.0.0/16\",\"flags\":[]},{\"type\":\"unreachable\",\"dst\":\"10.4.1.0/24\",\"metric\":7,\"flags\":[]},{\"type\":\"prohibit\",\"dst\":\"10.4.2.0/24\",\"flags\":[]},{\"dst\":\"10.5.0.0/16\",\"gateway\":\"10.9.9.9\",\"dev\":\"v0\",\"flags\":[\"onlink\"]},{\"dst\":\"10.8.0.0/16\",\"gateway\":\"10.0.0.4\",\"dev\":\"v0\",\"flags\":[]},{\"dst\":\"10.10.0.1\",\"dev\":\"v0\",\"protocol\":\"dhcp\",\"scope\":\"host\",\"flags\":[]},{\"dst\":\"10.13.0.0/16\",\"dev\":\"v0\",\"scope\":\"100\",\"flags\":[]},{\"type\":\"local\",\"dst\":\"10.0.0.1\",\"dev\":\"v0\",\"table\":\"local\",\"protocol\":\"kernel\",\"scope\":\"host\",\"prefsrc\":\"10.0.0.1\",\"flags\":[]},{\"type\":\"local\",\"dst\":\"10.0.0.9\",\"dev\":\"v1\",\"table\":\"local\",\"protocol\":\"kernel\",\"scope\":\"host\",\"prefsrc\":\"10.0.0.9\",\"flags\":[]},{\"type\":\"broadcast\",\"dst\":\"10.0.0.255\",\"dev\":\"v0\",\"table\":\"local\",\"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"10.0.0.1\",\"flags\":[]},{\"type\":\"broadcast\",\"dst\":\"10.0.0.255\",\"dev\":\"v1\",\"table\":\"local\",\"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"10.0.0.9\",\"flags\":[]},{\"type\":\"local\",\"dst\":\"10.6.0.1\",\"dev\":\"v0\",\"table\":\"local\",\"protocol\":\"kernel\",\"scope\":\"host\",\"flags\":[]},{\"type\":\"local\",\"dst\":\"127.0.0.0/8\",\"dev\":\"lo\",\"table\":\"local\",\"protocol\":\"kernel\",\"scope\":\"host\",\"prefsrc\":\"127.0.0.1\",\"flags\":[]},{\"type\":\"local\",\"dst\":\"127.0.0.1\",\"dev\":\"lo\",\"table\":\"local\",\"protocol\":\"kernel\",\"scope\":\"host\",\"prefsrc\":\"127.0.0.1\",\"flags\":[]},{\"type\":\"broadcast\",\"dst\":\"127.255.255.255\",\"dev\":\"lo\",\"table\":\"local\",\"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"127.0.0.1\",\"flags\":[]}]\n",
  "route6All": "2001:db8:1::/64 dev v0 table 7 proto static metric 5 mtu 1300 pref medium\n2001:db8::/64 dev v0 metric 1024 pref medium\nfe80::/64 dev v1 proto kernel metric 256 pref medium\nfe80::/64 dev v0 proto kernel metric 256 pref medium\ndefault via fe80::1 dev v0 metric 1024 pref medium\nlocal ::1 dev lo table local proto kernel metric 0 pref medium\nlocal fe80::2897:b5ff:fec6:e6de dev v1 table local proto kernel metric 0 pref medium\nlocal fe80::f873:50ff:fe25:ecec dev v0 table local proto kernel metric 0 pref medium\nmulticast ff00::/8 dev v1 table local proto kernel metric 256 pref medium\nmulticast ff00::/8 dev v0 table local proto kernel metric 256 pref medium\n",
  "route6AllJson": "[{\"dst\":\"2001:db8:1::/64\",\"dev\":\"v0\",\"table\":\"7\",\"protocol\":\"static\",\"metric\":5,\"flags\":[],\"metrics\":[{\"mtu\":1300}],\"pref\":\"medium\"},{\"dst\":\"2001:db8::/64\",\"dev\":\"v0\",\"metric\":1024,\"flags\":[],\"pref\":\"medium\"},{\"dst\":\"fe80::/64\",\"dev\":\"v1\",\"protocol\":\"kernel\",\"metric\":256,\"flags\":[],\"pref\":\"medium\"},{\"dst\":\"fe80::/64\",\"dev\":\"v0\",\"protocol\":\"kernel\",\"metric\":256,\"flags\":[],\"pref\":\"medium\"},{\"dst\":\"default\",\"gateway\":\"fe80::1\",\"dev\":\"v0\",\"metric\":1024,\"flags\":[],\"pref\":\"medium\"},{\"type\":\"local\",\"dst\":\"::1\",\"dev\":\"lo\",\"table\":\"local\",\"protocol\":\"kernel\",\"metric\":0,\"flags\":[],\"pref\":\"medium\"},{\"type\":\"local\",\"dst\":\"fe80::2897:b5ff:fec6:e6de\",\"dev\":\"v1\",\"table\":\"local\",\"protocol\":\"kernel\",\"metric\":0,\"flags\":[],\"pref\":\"medium\"},{\"type\":\"local\",\"dst\":\"fe80::f873:50ff:fe25:ecec\",\"dev\":\"v0\",\"table\":\"local\",\"protocol\":\"kernel\",\"metric\":0,\"flags\":[],\"pref\":\"medium\"},{\"type\":\"multicast\",\"dst\":\"ff00::/8\",\"dev\":\"v1\",\"table\":\"local\",\"protocol\":\"kernel\",\"metric\":256,\"flags\":[],\"pref\":\"medium\"},{\"type\":\"multicast\",\"dst\":\"ff00::/8\",\"dev\":\"v0\",\"table\":\"local\",\"protocol\":\"kernel\",\"metric\":256,\"flags\":[],\"pref\":\"medium\"}]\n",
  "rule4": "0:\tfrom all lookup local\n1:\tfrom 10.0.0.5 to 10.9.0.0/16 lookup local proto static\n2:\tnot from 10.0.0.0/24 lookup 7\n3:\tfrom all fwmark 0x1/0xff iif v0 oif v1 lookup 5\n4:\tfrom all fwmark 0x10 lookup 7\n5:\tfrom 10.0.0.0/8 tos 0x10 lookup 1000\n7:\tfrom all iif lo lookup 9 suppress_prefixlength 0\n8:\tfrom all iif nonexist [detached] lookup 9\n96:\tfrom 10.0.0.5 to 10.9.0.0/16 lookup local\n97:\tfrom 10.0.0.0/24 lookup 1000\n99:\tfrom all fwmark 0x1/0xff iif v0 oif v1 lookup 5\n100:\tfrom 10.0.0.0/24 lookup 100\n150:\tfrom all goto 200\n160:\tfrom all nop\n200:\tfrom all to 10.1.0.0/16 lookup main\n300:\tfrom all fwmark 0x7 lookup 6\n400:\tfrom all unreachable\n401:\tfrom all blackhole\n402:\tfrom all prohibit\n",
  "rule4Json": "[{\"priority\":0,\"src\":\"all\",\"table\":\"local\"},{\"priority\":1,\"src\":\"10.0.0.5\",\"dst\":\"10.9.0.0\",\"dstlen\":16,\"table\":\"local\",\"protocol\":\"static\"},{\"priority\":2,\"not\":null,\"src\":\"10.0.0.0\",\"srclen\":24,\"table\":\"7\"},{\"priority\":3,\"src\":\"all\",\"fwmark\":\"0x1\",\"fwmask\":\"0xff\",\"iif\":\"v0\",\"oif\":\"v1\",\"table\":\"5\"},{\"priority\":4,\"src\":\"all\",\"fwmark\":\"0x10\",\"table\":\"7\"},{\"priority\":5,\"src\":\"10.0.0.0\",\"srclen\":8,\"tos\":\"0x10\",\"table\":\"1000\"},{\"priority\":7,\"src\":\"all\",\"iif\":\"lo\",\"table\":\"9\",\"suppress_prefixlen\":0},{\"priority\":8,\"src\":\"all\",\"iif\":\"nonexist\",\"iif_detached\":null,\"table\":\"9\"},{\"priority\":96,\"src\":\"10.0.0.5\",\"dst\":\"10.9.0.0\",\"dstlen\":16,\"table\":\"local\"},{\"priority\":97,\"src\":\"10.0.0.0\",\"srclen\":24,\"table\":\"1000\"},{\"priority\":99,\"src\":\"all\",\"fwmark\":\"0x1\",\"fwmask\":\"0xff\",\"iif\":\"v0\",\"oif\":\"v1\",\"table\":\"5\"},{\"priority\":100,\"src\":\"10.0.0.0\",\"srclen\":24,\"table\":\"100\"},{\"priority\":150,\"src\":\"all\",\"goto\":200},{\"priority\":160,\"src\":\"all\",\"nop\":null},{\"priority\":200,\"src\":\"all\",\"dst\":\"10.1.0.0\",\"dstlen\":16,\"table\":\"main\"},{\"priority\":300,\"src\":\"all\",\"fwmark\":\"0x7\",\"table\":\"6\"},{\"priority\":400,\"src\":\"all\",\"action\":\"unreachable\"},{\"priority\":401,\"src\":\"all\",\"action\":\"blackhole\"},{\"priority\":402,\"src\":\"all\",\"action\":\"prohibit\"}]\n",
  "rule6": "0:\tfrom all lookup local\n1000:\tfrom all to 2001:db8:1::/48 iif v0 lookup 1000\n32765:\tfrom 2001:db8::/32 lookup 100\n32766:\tfrom all lookup main\n",
  "rule6Json": "[{\"priority\":0,\"src\":\"all\",\"table\":\"local\"},{\"priority\":1000,\"src\":\"all\",\"dst\":\"2001:db8:1::\",\"dstlen\":48,\"iif\":\"v0\",\"table\":\"1000\"},{\"priority\":32765,\"src\":\"2001:db8::\",\"srclen\":32,\"table\":\"100\"},{\"priority\":32766,\"src\":\"all\",\"table\":\"main\"}]\n"
 }
};
