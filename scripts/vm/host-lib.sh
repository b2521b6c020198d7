# Sourced by the host side of each VM runner (uml.sh, qemu.sh): what both promise the caller.
#
# The contract (the same for every runner):
#   - COMMAND runs as root in the caller's current folder, under a full kernel with modules autoloading;
#   - it sees the host's files read-only under a throwaway layer: what it writes vanishes with the VM,
#     except under /run/vm (the run folder, kept with VM_KEEP=1);
#   - its stdout and stderr are streamed to ours, and are terminals only if ours are;
#   - the environment passed in: PATH HOME TERM LANG LC_ALL LANGUAGE TZ USER LOGNAME CI NODE_OPTIONS
#     NODE_ENV FORCE_COLOR NO_COLOR, every PIPEWORK_* and AVA_* variable, the names listed in VM_ENV, and
#     PIPEWORK_UNDER_VM=uml|qemu;
#   - our exit code is its exit code; the runner's own: 125 the VM could not run the command, 124 timeout
#     (VM_TIMEOUT seconds, default 3600), 2 usage, 128+N when we got signal N.

VM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

vm_fail() { echo "vm: $*" >&2; exit 125; }

# vm_rundir KIND: a fresh run folder, removed on exit unless VM_KEEP=1. Sets $rundir.
vm_rundir() {
  rundir=$(mktemp -d "${TMPDIR:-/tmp}/pipework-$1.XXXXXXXX")
  # shellcheck disable=SC2064
  trap "vm_cleanup" EXIT
}
vm_cleanup() {
  if [ "${VM_KEEP:-}" = 1 ]; then echo "vm: run folder kept: $rundir" >&2; else rm -rf "$rundir"; fi
}

# vm_write_command KIND COMMAND...: the run folder's config (read by the guest's init) and cmd.sh (the
# command with its environment and folder).
vm_write_command() {
  local kind=$1 n names
  shift
  {
    if [ -t 1 ]; then echo STDOUT_TTY=1; else echo STDOUT_TTY=0; fi
    if [ -t 2 ]; then echo STDERR_TTY=1; else echo STDERR_TTY=0; fi
  } > "$rundir/config"
  cp "$VM_HERE/guest-lib.sh" "$rundir/guest-lib.sh"
  {
    echo '#!/bin/bash'
    names="PATH HOME TERM LANG LC_ALL LANGUAGE TZ USER LOGNAME CI NODE_OPTIONS NODE_ENV FORCE_COLOR NO_COLOR"
    names="$names ${VM_ENV:-} ${UML_ENV:-} $(compgen -v | grep -E '^(PIPEWORK|AVA)_' | tr '\n' ' ' || true)"
    for n in $names; do
      [ "$n" = PIPEWORK_UNDER_VM ] && continue
      if [ -n "${!n+x}" ]; then printf 'export %s=%q\n' "$n" "${!n}"; fi
    done
    echo "export PIPEWORK_UNDER_VM=$kind"
    printf 'cd %q || exit 125\n' "$PWD"
    printf 'exec'; printf ' %q' "$@"; printf '\n'
  } > "$rundir/cmd.sh"
}

# vm_run_bounded CMD...: runs the VM under `timeout` (which puts it and all its host processes in one
# process group and kills that group), forwarding INT/TERM/HUP to it. Sets $vm_rc and $vm_interrupted.
vm_run_bounded() {
  local pid
  vm_interrupted=
  set +e
  timeout --kill-after=10 "${VM_TIMEOUT:-${UML_TIMEOUT:-3600}}" "$@" </dev/null &
  pid=$!
  # shellcheck disable=SC2064
  trap "vm_interrupted=130; kill -TERM $pid 2>/dev/null" INT
  # shellcheck disable=SC2064
  trap "vm_interrupted=143; kill -TERM $pid 2>/dev/null" TERM
  # shellcheck disable=SC2064
  trap "vm_interrupted=129; kill -TERM $pid 2>/dev/null" HUP
  wait "$pid"
  vm_rc=$?
  # A signal interrupts `wait` before the VM has gone: wait for it once more.
  if kill -0 "$pid" 2>/dev/null; then wait "$pid"; vm_rc=$?; fi
  trap - INT TERM HUP
  set -e
}

# vm_exit CONSOLE_LOG: the caller's exit code, from the run folder's rc, or the runner's own.
vm_exit() {
  if [ -n "$vm_interrupted" ]; then
    echo "vm: interrupted; the VM was stopped" >&2
    exit "$vm_interrupted"
  fi
  if [ "$vm_rc" = 124 ] || [ "$vm_rc" = 137 ]; then
    echo "vm: timed out after ${VM_TIMEOUT:-${UML_TIMEOUT:-3600}} s" >&2
    exit 124
  fi
  if [ -s "$rundir/rc" ]; then
    exit "$(cat "$rundir/rc")"
  fi
  echo "vm: the VM stopped without an exit code (exit $vm_rc); its console:" >&2
  tail -n 40 "$1" >&2 2>/dev/null || true
  exit 125
}
