#!/bin/sh
# Second stage of the QEMU guest's PID 1, started by the initramfs's /init once it has loaded the virtio and 9p
# modules and mounted the run folder (9p tag vmrun) on /vm. Not meant to be run on the host.
#
# The guest's root is the host's `/` over virtio-9p (tag hostroot), read-only, under a tmpfs overlay on
# /newroot; the kernel's modules (unpacked on the host by qemu-kernel.sh) are reached through it. Then the same
# steps as under UML (guest-lib.sh). Output: the virtio serial ports named stdout and stderr, which qemu.sh
# relays to its own stdout and stderr.

PATH=/bin
export PATH
umask 022
R=/newroot

poweroff_now() {
  sync
  # QEMU runs with -no-reboot: a reboot ends it.
  reboot -f
  while :; do sleep 60; done
}

die() {
  echo "vm-init: $*" >&2
  echo 125 > /vm/rc 2>/dev/null
  poweroff_now
}

. /vm/config       # STDOUT_TTY STDERR_TTY KVER MODDIR (host path)
. /vm/guest-lib.sh

# Messages of this script go to the kernel console (console.log on the host, shown when the VM fails).
exec 2>/dev/console

mkdir -p /lower /ovl "$R"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro,cache=loose hostroot /lower \
  || die "cannot mount the host's root (9p tag hostroot)"
mount -t tmpfs -o mode=0755 tmpfs /ovl
mkdir -p /ovl/upper /ovl/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/ovl/upper,workdir=/ovl/work "$R" \
  || die "cannot mount the overlay root"
[ -d "/lower$MODDIR" ] || die "no modules in $MODDIR"

port() {
  for p in /sys/class/virtio-ports/*; do
    [ "$(cat "$p/name" 2>/dev/null)" = "$1" ] && { echo "/dev/${p##*/}"; return; }
  done
}
out=$(port stdout)
err=$(port stderr)
[ -n "$out" ] && [ -n "$err" ] || die "no virtio serial ports named stdout and stderr"
# A virtio serial port takes one opener at a time: only run_command opens them.

VM_HOSTNAME=qemu finish_root "$R" "$KVER" "/lower$MODDIR"
mount --bind /vm "$R/run/vm" || die "cannot bind the run folder"

run_command "$R" "$out" "$err"
poweroff_now
