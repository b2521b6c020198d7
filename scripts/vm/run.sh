#!/usr/bin/env bash
# Runs a command as root under a full Linux kernel with modules (8021q, ipvlan, dummy, vrf, bonding, netem,
# openvswitch, vxlan, bridge VLAN filtering, ...), which this machine's own kernel lacks:
#
#   npm run vm -- COMMAND [ARGS...]          e.g.  npm run vm -- ip -V
#   VM=uml|qemu npm run vm -- COMMAND        force one runner
#
# Two runners keep one contract (host-lib.sh): User-Mode Linux (uml.sh: boots in ~2.5 s, node ~2x slower)
# where it boots, else QEMU without KVM (qemu.sh: boots in ~3-5 s, node ~15-20x slower), which works on any
# x86-64 CPU. UML panics at boot on CPUs with AMX; whether it boots here is tried once (a `true` under it)
# and remembered per machine (CPU flags, host kernel, UML kernel) in the cache folder.
# Says on stderr which runner it picked. Exit codes: as host-lib.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -gt 0 ] || { echo "usage: [VM=uml|qemu] $0 COMMAND [ARGS...]" >&2; exit 2; }
[ "$1" != "--" ] || shift

cache=${PIPEWORK_VM_CACHE:-/var/cache/pipework-vm}

# Whether UML boots on this machine: a verdict per (CPU flags, host kernel, UML kernel), tried once.
uml_boots() {
  local uml key verdict
  uml=$(command -v linux.uml || true)
  [ -n "$uml" ] || { uml_why="linux.uml is not installed (apt-get install -y user-mode-linux kmod)"; return 1; }
  key=$( { grep -m1 '^flags' /proc/cpuinfo; uname -r; ls /usr/lib/uml/modules; } | md5sum | cut -c1-16)
  verdict=$cache/uml-boots.$key
  if [ ! -f "$verdict" ]; then
    mkdir -p "$cache"
    if VM_TIMEOUT=120 bash "$here/uml.sh" true >/dev/null 2>"$cache/.uml-probe.$$"; then
      echo yes > "$verdict"
    else
      { echo no; tail -n 5 "$cache/.uml-probe.$$"; } > "$verdict"
    fi
    rm -f "$cache/.uml-probe.$$"
  fi
  [ "$(head -n 1 "$verdict")" = yes ] && return 0
  uml_why="User-Mode Linux does not boot on this CPU ($(sed -n 2,3p "$verdict" | tr '\n' ' ' | cut -c1-160))"
  return 1
}

runner=${VM:-auto}
case "$runner" in
  uml|qemu) why="forced by VM=$runner" ;;
  auto)
    if uml_boots; then runner=uml; why="it boots on this CPU"
    else runner=qemu; why=$uml_why
    fi ;;
  *) echo "vm: VM=$runner: use VM=uml or VM=qemu (or leave it unset to pick the one that boots)" >&2; exit 2 ;;
esac
case "$runner" in
  uml) echo "vm: running under User-Mode Linux ($why)" >&2 ;;
  qemu) echo "vm: running under QEMU/TCG ($why)" >&2 ;;
esac
exec bash "$here/$runner.sh" "$@"
