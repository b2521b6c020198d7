#!/usr/bin/env bash
# Run a command as root under User-Mode Linux: Debian's `user-mode-linux` kernel (a full kernel with
# modules: 8021q, ipvlan, dummy, vrf, bonding, netem, ...), with the host's `/` as its read-only root plus
# a tmpfs overlay, and this project's folder mounted read-write. The command runs in the caller's current
# folder; its stdout and stderr are streamed to ours; our exit code is its exit code.
#
#   bash scripts/uml/run.sh COMMAND [ARGS...]        e.g.  npm run uml -- ip -V
#
# Needs: apt-get install -y user-mode-linux kmod
# Environment passed in: PATH HOME TERM LANG LC_ALL LANGUAGE TZ USER LOGNAME CI NODE_OPTIONS NODE_ENV
#   FORCE_COLOR NO_COLOR, every PIPEWORK_* and AVA_* variable, the names listed in UML_ENV, and
#   PIPEWORK_UNDER_UML=1.
# Knobs: UML_MEM (default 2G), UML_TIMEOUT seconds (default 3600; exit 124 when it fires),
#   UML_CONSOLE=1 (kernel console to stderr), UML_KEEP=1 (keep the run folder, for debugging).
# Exit codes of the runner itself: 125 the guest could not run the command, 124 timeout, 2 usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/../.." && pwd)

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]   (runs COMMAND as root under User-Mode Linux, in $PWD)" >&2
  exit 2
fi
if [ "$1" = "--" ]; then shift; fi

kernel=${UML_KERNEL:-$(command -v linux.uml || true)}
if [ -z "$kernel" ] || [ ! -x "$kernel" ]; then
  echo "uml: linux.uml not found; install it with: apt-get install -y user-mode-linux kmod" >&2
  exit 125
fi

rundir=$(mktemp -d "${TMPDIR:-/tmp}/pipework-uml.XXXXXXXX")
cleanup() {
  if [ "${UML_KEEP:-}" = 1 ]; then echo "uml: run folder kept: $rundir" >&2; else rm -rf "$rundir"; fi
}
trap cleanup EXIT

# PID 1 of the guest. A copy, so that it is executable whatever the checkout's file modes.
cp "$here/init.sh" "$rundir/init"
chmod 0755 "$rundir/init"
{
  printf 'PROJECT=%q\n' "$project"
  if [ -t 1 ]; then echo STDOUT_TTY=1; else echo STDOUT_TTY=0; fi
  if [ -t 2 ]; then echo STDERR_TTY=1; else echo STDERR_TTY=0; fi
} > "$rundir/config"

{
  echo '#!/bin/bash'
  names="PATH HOME TERM LANG LC_ALL LANGUAGE TZ USER LOGNAME CI NODE_OPTIONS NODE_ENV FORCE_COLOR NO_COLOR"
  names="$names ${UML_ENV:-} $(compgen -v | grep -E '^(PIPEWORK|AVA)_' | tr '\n' ' ' || true)"
  for n in $names; do
    [ "$n" = PIPEWORK_UNDER_UML ] && continue
    if [ -n "${!n+x}" ]; then printf 'export %s=%q\n' "$n" "${!n}"; fi
  done
  echo 'export PIPEWORK_UNDER_UML=1'
  printf 'cd %q || exit 125\n' "$PWD"
  printf 'exec'; printf ' %q' "$@"; printf '\n'
} > "$rundir/cmd.sh"

if [ "${UML_CONSOLE:-}" = 1 ]; then console_fd=2; else console_fd=3; fi
tty_state=
if [ -t 1 ]; then tty_state=$(stty -g <&1 2>/dev/null || true); fi

# con0 (the kernel console) -> console.log (or stderr); con1 -> our stdout; con2 -> our stderr.
# `timeout` puts the kernel and all its host processes in one process group and kills that group.
set +e
timeout --kill-after=10 "${UML_TIMEOUT:-3600}" \
  "$kernel" mem="${UML_MEM:-2G}" uml_dir="$rundir" umid=pipework \
    root=/dev/root rootfstype=hostfs rootflags=/ ro init="$rundir/init" run="$rundir" \
    con=null con0=null,fd:$console_fd con1=null,fd:1 con2=null,fd:2 ssl=null quiet \
    </dev/null 3>"$rundir/console.log" &
uml_pid=$!
interrupted=
on_signal() { interrupted=$1; kill -TERM "$uml_pid" 2>/dev/null; }
trap 'on_signal 130' INT; trap 'on_signal 143' TERM; trap 'on_signal 129' HUP
wait $uml_pid
kernel_rc=$?
# A signal interrupts `wait` before the kernel has gone: wait for it once more.
if kill -0 $uml_pid 2>/dev/null; then wait $uml_pid; kernel_rc=$?; fi
set -e
if [ -n "$tty_state" ]; then stty "$tty_state" <&1 2>/dev/null || true; fi

if [ -n "$interrupted" ]; then
  echo "uml: interrupted; the guest was stopped" >&2
  exit "$interrupted"
fi
if [ "$kernel_rc" = 124 ] || [ "$kernel_rc" = 137 ]; then
  echo "uml: timed out after ${UML_TIMEOUT:-3600} s" >&2
  exit 124
fi
if [ -s "$rundir/rc" ]; then
  exit "$(cat "$rundir/rc")"
fi
echo "uml: the guest stopped without an exit code (kernel exit $kernel_rc); kernel console:" >&2
tail -n 40 "$rundir/console.log" >&2 2>/dev/null || true
exit 125
