// The differential test (test/helpers/differential.ts) for the forms that need a full kernel: wire(),
// wireMany() and `pipework apply -f` leave the same state, and unwire(), unwireMany() and `del -f`
// the same state again, for ipvlan and its modes, a VLAN sub-interface on a NIC, a VLAN access port
// on a Linux bridge and a dummy interface. Run by `npm run test:kernel`; skipped with the reason here.
import { bridge, differential, type Form, nic } from '../helpers/differential.js';
import { kernelTest, type Feature } from './features.js';

const forms: (Form & { needs: Feature[] })[] = [
  { name: 'ipvlan on a NIC, mode l2', needs: ['ipvlan'], entry: { host: 'nic0', address: '10.77.0.5/24@10.77.0.1', kind: 'ipvlan' }, setup: (_t, h) => nic(h) },
  { name: 'ipvlan on a NIC, mode l3', needs: ['ipvlan'], entry: { host: 'nic0', address: '10.77.1.5/24', kind: 'ipvlan', mode: 'l3' }, setup: (_t, h) => nic(h) },
  { name: 'VLAN 7 on a NIC (802.1Q sub-interface, macvlan on it)', needs: ['vlan', 'macvlan'], entry: { host: 'nic0', address: '10.77.2.5/24', vlan: 7, mac: 'U:kvlan' }, setup: (_t, h) => nic(h) },
  { name: 'VLAN 7 on a Linux bridge (access port)', needs: ['bridge_vlan_filtering'], entry: { host: 'br0', address: '10.77.3.5/24', vlan: 7, mac: 'U:kbrvlan', local: 'vkbr' }, setup: (_t, h) => bridge(h, 'br0') },
  { name: "pipework's dummy* host interface (a dummy in the guest)", needs: ['dummy'], entry: { host: 'dummy0', address: '10.77.4.5/24', mac: 'U:kdummy' } },
];

for (const form of forms) {
  kernelTest(`same state through wire(), wireMany() and apply -f; same after unwire(), unwireMany() and del -f: ${form.name}`, ['root', 'netns', ...form.needs], (t) => differential(t, form));
}
