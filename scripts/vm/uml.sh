#!/usr/bin/env bash
# Runs a command under User-Mode Linux: Debian's `user-mode-linux` kernel (6.1, modules in
# /usr/lib/uml/modules), with the host's `/` as its read-only root (hostfs) plus a tmpfs overlay.
# Fast (boot ~2.5 s, node ~2x slower than on the host), but it does not boot on every CPU: on CPUs with AMX
# it panics ("ptrace set fp regs failed"). scripts/vm/run.sh picks it only where it boots.
#
#   bash scripts/vm/uml.sh COMMAND [ARGS...]
#
# The contract (environment, output, exit codes) is in host-lib.sh. Knobs: VM_MEM (default 2G), VM_TIMEOUT,
# VM_CONSOLE=1 (kernel console to stderr), VM_KEEP=1 (keep the run folder).
# Needs: apt-get install -y user-mode-linux kmod
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/host-lib.sh"

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
[ "$1" != "--" ] || shift

kernel=${UML_KERNEL:-$(command -v linux.uml || true)}
[ -n "$kernel" ] && [ -x "$kernel" ] || vm_fail "linux.uml not found; install it with: apt-get install -y user-mode-linux kmod"

vm_rundir uml
vm_write_command uml "$@"
# PID 1 of the guest. A copy, so that it is executable whatever the checkout's file modes.
cp "$VM_HERE/uml-init.sh" "$rundir/init"
chmod 0755 "$rundir/init"

if [ "${VM_CONSOLE:-${UML_CONSOLE:-}}" = 1 ]; then console_fd=2; else console_fd=3; fi
tty_state=
if [ -t 1 ]; then tty_state=$(stty -g <&1 2>/dev/null || true); fi

# con0 (the kernel console) -> console.log (or stderr); con1 -> our stdout; con2 -> our stderr.
vm_run_bounded "$kernel" mem="${VM_MEM:-${UML_MEM:-2G}}" uml_dir="$rundir" umid="pipework-$$" \
  root=/dev/root rootfstype=hostfs rootflags=/ ro init="$rundir/init" run="$rundir" \
  con=null con0=null,fd:$console_fd con1=null,fd:1 con2=null,fd:2 ssl=null quiet \
  3>"$rundir/console.log"
if [ -n "$tty_state" ]; then stty "$tty_state" <&1 2>/dev/null || true; fi
vm_exit "$rundir/console.log"
