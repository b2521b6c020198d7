# Sourced by the VMs' PID 1 (uml-init.sh, qemu-init.sh); not meant to be run on the host.
# What both VMs do once their root is prepared: the same environment for the command, whatever the VM.
#
#   finish_root R KVER MODDIR   mounts proc, sys, dev, devpts, shm, /run inside the overlay root R, binds the
#                               kernel's modules on R/usr/lib/modules/KVER, makes module autoloading work,
#                               loads what a normal host has loaded (ipv6, tun) and brings lo up
#   run_command R OUT ERR       runs R/run/vm/cmd.sh chrooted in R with stdout/stderr on OUT/ERR (relayed through
#                               FIFOs when the caller's are not terminals), stops what it left running, and
#                               writes its exit code to R/run/vm/rc
# Both need $STDOUT_TTY and $STDERR_TTY (from the run folder's config).

finish_root() {
  R=$1 KVER=$2 MODDIR=$3
  mount -t proc proc "$R/proc"
  mount -t sysfs sysfs "$R/sys"
  mount -t devtmpfs devtmpfs "$R/dev"
  mkdir -p "$R/dev/pts" "$R/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts"
  mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
  mount -t tmpfs -o mode=0755 tmpfs "$R/run"
  mkdir -p "$R/run/vm" "$R/run/netns" "$R/usr/lib/modules/$KVER"
  mount --bind "$MODDIR" "$R/usr/lib/modules/$KVER"

  # Module autoloading: request_module() runs /proc/sys/kernel/modprobe in this (outer) root, where there is
  # no modprobe and no modules: point it at a wrapper that runs the real one inside R.
  mkdir -p /run
  cat > /run/modprobe <<EOF
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
exec chroot $R /sbin/modprobe "\$@"
EOF
  chmod 0755 /run/modprobe
  echo /run/modprobe > /proc/sys/kernel/modprobe

  # What a normal host has loaded before anything runs: IPv6 (links get link-local addresses) and tun
  # (/dev/net/tun exists). Built in on some kernels: then modprobe has nothing to do.
  /run/modprobe -q ipv6
  /run/modprobe -q tun
  hostname "${VM_HOSTNAME:-vm}" 2>/dev/null
  chroot "$R" ip link set lo up 2>/dev/null
}

run_command() {
  R=$1 out=$2 err=$3
  # When the caller's stdout/stderr is not a terminal, the command must not see one either (no colours,
  # spinners or column layouts in logs): relay it through a FIFO, which the command sees as a pipe.
  relays=
  if [ "${STDOUT_TTY:-0}" != 1 ]; then
    mkfifo /run/stdout.fifo
    cat /run/stdout.fifo > "$out" &
    relays="$relays $!"
    out=/run/stdout.fifo
  fi
  if [ "${STDERR_TTY:-0}" != 1 ]; then
    mkfifo /run/stderr.fifo
    cat /run/stderr.fifo > "$err" &
    relays="$relays $!"
    err=/run/stderr.fifo
  fi

  chroot "$R" /bin/bash /run/vm/cmd.sh </dev/null >"$out" 2>"$err"
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
  echo "$rc" > "$R/run/vm/rc"
  sync
}
