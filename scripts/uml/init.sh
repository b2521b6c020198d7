#!/bin/sh
# PID 1 of the User-Mode Linux guest started by scripts/uml/run.sh. Not meant to be run on the host.
#
# The guest's root is the host's `/` through hostfs, read-only. This script:
#  - stacks an overlay (lower: that read-only root, upper: tmpfs) on /run/root, so the command can write
#    anywhere without touching the host;
#  - mounts proc, sys, devtmpfs, devpts, tmpfs /run and /dev/shm inside it, and the UML kernel's modules on
#    /lib/modules/$(uname -r);
#  - makes module autoloading work (the kernel's modprobe helper runs here, outside the chroot, so it is
#    pointed at a wrapper that runs the real modprobe inside it);
#  - mounts the run folder (hostfs, read-write) on /run/uml and the project folder (hostfs, read-write) on
#    its own path;
#  - runs /run/uml/cmd.sh with stdout on /dev/tty1 and stderr on /dev/tty2 (wired by run.sh to its own
#    stdout and stderr), writes the exit code to the run folder and powers off.
# The kernel passes `run=DIR` from its command line to this script as the environment variable $run.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

poweroff_now() {
  sync
  echo o > /proc/sysrq-trigger
  # The power-off is asynchronous: PID 1 must not exit meanwhile (that would be a kernel panic).
  while :; do sleep 60; done
}

die() {
  echo "uml-init: $*" >&2
  [ -n "$R" ] && [ -d "$R/run/uml" ] && echo 125 > "$R/run/uml/rc" 2>/dev/null
  poweroff_now
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=0755 tmpfs /run

# Output channels: con1 -> caller's stdout, con2 -> caller's stderr. Raw, so that "\n" is not turned into
# "\r\n" and bytes pass unchanged.
stty -F /dev/tty1 raw -echo 2>/dev/null
stty -F /dev/tty2 raw -echo 2>/dev/null
exec 2>/dev/tty2

RUNDIR=$run
[ -n "$RUNDIR" ] && [ -f "$RUNDIR/config" ] || die "no run folder (run=$RUNDIR)"
# shellcheck disable=SC1091
. "$RUNDIR/config"     # PROJECT=... STDOUT_TTY=0|1 STDERR_TTY=0|1

KVER=$(uname -r)
MODDIR=/usr/lib/uml/modules/$KVER
[ -d "$MODDIR" ] || die "no modules for kernel $KVER in $MODDIR"

insmod "$MODDIR/kernel/fs/overlayfs/overlay.ko" || die "cannot load overlay.ko"
mkdir -p /run/ovl/upper /run/ovl/work /run/root
R=/run/root
mount -t overlay overlay -o lowerdir=/,upperdir=/run/ovl/upper,workdir=/run/ovl/work "$R" \
  || die "cannot mount the overlay root"

mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t devtmpfs devtmpfs "$R/dev"
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
mount -t tmpfs -o mode=0755 tmpfs "$R/run"
mkdir -p "$R/run/uml" "$R/run/netns" "$R/lib/modules/$KVER"
mount -t hostfs none "$R/run/uml" -o "$RUNDIR" || die "cannot mount the run folder $RUNDIR"
mount --bind "$MODDIR" "$R/lib/modules/$KVER"
if [ -n "$PROJECT" ] && [ -d "$R$PROJECT" ]; then
  mount -t hostfs none "$R$PROJECT" -o "$PROJECT" || die "cannot mount the project folder $PROJECT"
fi

# Module autoloading: request_module() runs /proc/sys/kernel/modprobe in this (outer) root.
cat > /run/modprobe <<EOF
#!/bin/sh
exec /usr/sbin/chroot $R /sbin/modprobe "\$@"
EOF
chmod 0755 /run/modprobe
echo /run/modprobe > /proc/sys/kernel/modprobe

# What a normal host has loaded before anything runs: IPv6 (so links get link-local addresses) and tun
# (so /dev/net/tun exists).
/run/modprobe -q ipv6
/run/modprobe -q tun
hostname uml 2>/dev/null
chroot "$R" ip link set lo up 2>/dev/null

# When the caller's stdout/stderr is not a terminal, the command must not see one either (no colours,
# spinners or column layouts in logs): relay it through a FIFO, which the command sees as a pipe.
out=/dev/tty1
err=/dev/tty2
relays=
if [ "${STDOUT_TTY:-0}" != 1 ]; then
  mkfifo /run/stdout.fifo
  cat /run/stdout.fifo > /dev/tty1 &
  relays="$relays $!"
  out=/run/stdout.fifo
fi
if [ "${STDERR_TTY:-0}" != 1 ]; then
  mkfifo /run/stderr.fifo
  cat /run/stderr.fifo > /dev/tty2 &
  relays="$relays $!"
  err=/run/stderr.fifo
fi

chroot "$R" /bin/bash /run/uml/cmd.sh </dev/null >"$out" 2>"$err"
rc=$?

# Daemons the command left behind would keep the relays' FIFOs open: stop every user process but us and
# the relays, then let the relays drain (bounded).
for d in /proc/[0-9]*; do
  p=${d#/proc/}
  case " 1 $$ $relays " in *" $p "*) continue ;; esac
  [ -e "$d/exe" ] && kill -KILL "$p" 2>/dev/null   # kernel threads have no exe
done
for p in $relays; do
  n=0
  while kill -0 "$p" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
done
echo "$rc" > "$R/run/uml/rc"
poweroff_now
