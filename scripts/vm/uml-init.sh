#!/bin/sh
# PID 1 of the User-Mode Linux guest started by scripts/vm/uml.sh. Not meant to be run on the host.
#
# The guest's root is the host's `/` through hostfs, read-only. This script stacks an overlay (lower: that
# root, upper: tmpfs) on /run/root, so the command can write anywhere without touching the host; mounts the
# run folder (hostfs, read-write) on /run/vm inside it; and hands over to guest-lib.sh, shared with the QEMU
# runner. Output: /dev/tty1 and /dev/tty2, wired by uml.sh to its own stdout and stderr.
# The kernel passes `run=DIR` from its command line to this script as the environment variable $run.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022
R=/run/root

poweroff_now() {
  sync
  echo o > /proc/sysrq-trigger
  # The power-off is asynchronous: PID 1 must not exit meanwhile (that would be a kernel panic).
  while :; do sleep 60; done
}

die() {
  echo "uml-init: $*" >&2
  [ -d "$R/run/vm" ] && echo 125 > "$R/run/vm/rc" 2>/dev/null
  poweroff_now
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=0755 tmpfs /run

# Output channels: raw, so that "\n" is not turned into "\r\n" and bytes pass unchanged.
stty -F /dev/tty1 raw -echo 2>/dev/null
stty -F /dev/tty2 raw -echo 2>/dev/null
exec 2>/dev/tty2

RUNDIR=$run
[ -n "$RUNDIR" ] && [ -f "$RUNDIR/config" ] || die "no run folder (run=$RUNDIR)"
. "$RUNDIR/config"     # STDOUT_TTY=0|1 STDERR_TTY=0|1
. "$RUNDIR/guest-lib.sh"

KVER=$(uname -r)
MODDIR=/usr/lib/uml/modules/$KVER
[ -d "$MODDIR" ] || die "no modules for kernel $KVER in $MODDIR"

insmod "$MODDIR/kernel/fs/overlayfs/overlay.ko" || die "cannot load overlay.ko"
mkdir -p /run/ovl/upper /run/ovl/work "$R"
mount -t overlay overlay -o lowerdir=/,upperdir=/run/ovl/upper,workdir=/run/ovl/work "$R" \
  || die "cannot mount the overlay root"

VM_HOSTNAME=uml finish_root "$R" "$KVER" "$MODDIR"
mount -t hostfs none "$R/run/vm" -o "$RUNDIR" || die "cannot mount the run folder $RUNDIR"

run_command "$R" /dev/tty1 /dev/tty2
poweroff_now
