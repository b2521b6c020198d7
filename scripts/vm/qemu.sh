#!/usr/bin/env bash
# Runs a command under QEMU without KVM (TCG), booting Debian 12's generic kernel: works on any x86-64 CPU
# (where UML does not boot, e.g. CPUs with AMX), at a price: node runs ~15-20x slower than on the host.
# `/dev/kvm` on these machines is a PVM variant that stock kernels cannot use, hence TCG.
#
#   bash scripts/vm/qemu.sh COMMAND [ARGS...]
#
# The kernel and initramfs are prepared once per machine by qemu-kernel.sh (cached, see there). The guest's
# root is the host's `/` over virtio-9p, read-only, under a tmpfs overlay; the run folder is a second,
# writable 9p share; stdout and stderr travel over two virtio serial ports; the exit code comes back in a file.
# The contract (environment, output, exit codes) is in host-lib.sh. Knobs: VM_MEM (default 2G), VM_CPUS
# (default: the host's, at most 4), VM_TIMEOUT, VM_KEEP=1 (keep the run folder, with the console log).
# Needs: apt-get install -y qemu-system-x86 busybox-static cpio kmod xz-utils binutils
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/host-lib.sh"

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
[ "$1" != "--" ] || shift

qemu=$(command -v qemu-system-x86_64 || true)
[ -n "$qemu" ] || vm_fail "qemu-system-x86_64 not found; install it with: apt-get install -y qemu-system-x86"
kdir=$(bash "$VM_HERE/qemu-kernel.sh") || exit 125
kver=$(ls "$kdir/lib/modules")

vm_rundir qemu
vm_write_command qemu "$@"
printf 'KVER=%q\nMODDIR=%q\n' "$kver" "$kdir/lib/modules/$kver" >> "$rundir/config"
cp "$VM_HERE/qemu-init.sh" "$rundir/init.sh"

# Output: QEMU's pipe chardev writes what the guest sends to PATH.out (and reads PATH.in). It opens both
# read-write, so it never blocks on them; `cat` relays stream them to our stdout and stderr.
relays=()
for ch in stdout stderr; do
  mkfifo "$rundir/$ch.in" "$rundir/$ch.out"
done
cat "$rundir/stdout.out" &
relays+=($!)
cat "$rundir/stderr.out" >&2 &
relays+=($!)

cpus=${VM_CPUS:-$(nproc)}
[ "$cpus" -le 4 ] || cpus=4
# -cpu qemu64 was 15-20% faster than -cpu max under TCG; acpi stays on (without it the guest sees one CPU).
vm_run_bounded "$qemu" -nodefaults -no-user-config -nographic -monitor none -no-reboot \
  -machine q35 -accel tcg,thread=multi -cpu qemu64 -smp "$cpus" -m "${VM_MEM:-2G}" \
  -kernel "$kdir/vmlinux" -initrd "$kdir/initrd.cpio" \
  -append "console=ttyS0 quiet panic=-1 tsc=reliable mitigations=off" \
  -serial "file:$rundir/console.log" \
  -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
  -fsdev "local,id=vmrun,path=$rundir,security_model=none,multidevs=remap" \
  -device virtio-9p-pci,fsdev=vmrun,mount_tag=vmrun \
  -device virtio-rng-pci \
  -device virtio-serial-pci \
  -chardev "pipe,id=stdout,path=$rundir/stdout" -device virtserialport,chardev=stdout,name=stdout \
  -chardev "pipe,id=stderr,path=$rundir/stderr" -device virtserialport,chardev=stderr,name=stderr

# The relays end when QEMU closes the FIFOs; one whose FIFO QEMU never opened would wait forever.
for p in "${relays[@]}"; do
  n=0
  while kill -0 "$p" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
  kill "$p" 2>/dev/null || true
done
vm_exit "$rundir/console.log"
