#!/usr/bin/env bash
# Prepares (once per machine) what scripts/vm/qemu.sh boots: Debian 12's generic kernel, unpacked but not
# installed, and a small initramfs. Prints the folder that holds them.
#
#   bash scripts/vm/qemu-kernel.sh            -> /var/cache/pipework-vm/linux-image-6.1.0-NN-amd64
#
# The folder holds:
#   vmlinux            the uncompressed ELF kernel: QEMU boots it through its PVH entry, ~3 s faster than
#                      going through firmware with the bzImage
#   lib/modules/VER/   the kernel's modules, depmod'ed (the VM binds them onto /usr/lib/modules/VER)
#   initrd.cpio        busybox-static, the modules needed to reach the host's root over virtio-9p, and init
#   ready              written last: a folder without it is rebuilt
#
# Knobs: PIPEWORK_VM_CACHE (default /var/cache/pipework-vm), PIPEWORK_VM_KERNEL_DEB (a linux-image-*.deb to
# use instead of downloading the one linux-image-amd64 depends on).
# Needs: apt-get install -y qemu-system-x86 busybox-static cpio kmod xz-utils binutils
# Why the generic flavour: the `cloud` one has no 9p.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${PIPEWORK_VM_CACHE:-/var/cache/pipework-vm}

fail() { echo "vm: $*" >&2; exit 125; }

for tool in dpkg-deb depmod cpio xz readelf; do
  command -v "$tool" >/dev/null || fail "$tool not found; install: apt-get install -y qemu-system-x86 busybox-static cpio kmod xz-utils binutils"
done
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 \
  || fail "/bin/busybox (static) not found; install: apt-get install -y busybox-static"

# Which kernel: the package linux-image-amd64 depends on (what `apt-get install linux-image-amd64` would install).
deb=${PIPEWORK_VM_KERNEL_DEB:-}
if [ -n "$deb" ]; then
  pkg=$(dpkg-deb -f "$deb" Package)
else
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  if [ -z "$pkg" ]; then
    # No package lists (apt-get update never ran): a kernel prepared earlier will do.
    pkg=$(ls -1 "$cache" 2>/dev/null | grep -E '^linux-image-[0-9].*-amd64$' | sort -V | tail -n 1 || true)
    [ -n "$pkg" ] && [ -f "$cache/$pkg/ready" ] \
      || fail "cannot tell which kernel package to use: run apt-get update (apt-cache knows no linux-image-amd64)"
  fi
fi
# The suffix names the layout of the folder: bump it when this script changes what it builds.
dir=$cache/$pkg.v1
if [ -f "$dir/ready" ]; then echo "$dir"; exit 0; fi

mkdir -p "$cache"
# Built in a scratch folder and renamed into place: two runs at once cannot see a half-made kernel.
work=$(mktemp -d "$cache/.build.XXXXXXXX")
trap 'rm -rf "$work"' EXIT
echo "vm: preparing $pkg in $dir (once per machine)" >&2

if [ -z "$deb" ]; then
  (cd "$work" && apt-get download "$pkg" >/dev/null 2>"$work/download.log") \
    || fail "apt-get download $pkg failed: $(tail -n 3 "$work/download.log")"
  deb=$(ls "$work"/*.deb)
fi
dpkg-deb -x "$deb" "$work/pkg"
kver=$(ls "$work/pkg/lib/modules")
[ -n "$kver" ] && [ -f "$work/pkg/boot/vmlinuz-$kver" ] || fail "$deb holds no kernel"

# vmlinuz is a bzImage whose payload is an xz stream: find its magic (FD 37 7A 58 5A 00) and inflate from there.
# xz stops at the end of its stream and complains about the trailing bytes; the output is complete.
vmlinuz=$work/pkg/boot/vmlinuz-$kver
offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1)
[ -n "$offset" ] || fail "no xz payload in $vmlinuz"
tail -c +"$((offset + 1))" "$vmlinuz" | xz -dc > "$work/vmlinux" 2>/dev/null || true
readelf -n "$work/vmlinux" 2>/dev/null | grep -qE 'PHYS32_ENTRY|0x00000012' \
  || fail "the unpacked kernel has no PVH entry note: QEMU cannot boot it directly"

mkdir -p "$work/lib/modules"
mv "$work/pkg/lib/modules/$kver" "$work/lib/modules/$kver"
depmod -b "$work" "$kver"

# The initramfs: enough to mount the host's root over virtio-9p and hand over to init.sh.
ird=$work/initrd
mkdir -p "$ird/bin" "$ird/dev" "$ird/proc" "$ird/sys" "$ird/modules" "$ird/mnt"
cp /bin/busybox "$ird/bin/busybox"
ln -s busybox "$ird/bin/sh"
moddir=$work/lib/modules/$kver
# Dependencies first, in modules.dep order (each line: "module.ko: dep1.ko dep2.ko ...").
order=()
add_module() {
  local rel deps d
  rel=$(awk -v m="/$1.ko:" 'index($0, m) { sub(":.*", ""); print; exit }' "$moddir/modules.dep")
  [ -n "$rel" ] || fail "module $1 not found in $kver"
  deps=$(awk -v r="$rel:" 'index($0, r) == 1 { sub("^[^:]*: *", ""); print; exit }' "$moddir/modules.dep")
  for d in $deps; do add_module "$(basename "$d" .ko)"; done
  case " ${order[*]-} " in *" $rel "*) ;; *) order+=("$rel") ;; esac
}
for m in virtio_pci virtio_console 9pnet_virtio 9p overlay; do add_module "$m"; done
: > "$ird/modules/order"
for rel in "${order[@]}"; do
  cp "$moddir/$rel" "$ird/modules/"
  basename "$rel" >> "$ird/modules/order"
done
# The initramfs's own init only loads those modules, reaches the run folder (a 9p share) and hands over to the
# init.sh found there: changing the VM's init never needs a new initramfs.
cat > "$ird/init" <<'INIT'
#!/bin/sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do insmod "/modules/$m" || echo "vm-initrd: cannot load $m" >&2; done < /modules/order
mkdir -p /vm
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vmrun /vm && [ -f /vm/init.sh ]; then
  exec /bin/sh /vm/init.sh
fi
echo "vm-initrd: no run folder (9p tag vmrun)" >&2
poweroff -f
INIT
chmod 0755 "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet) > "$work/initrd.cpio"

rm -rf "$work/pkg" "$work/initrd" "$work"/*.deb "$work/download.log"
chmod 0755 "$work"
date -u +%FT%TZ > "$work/ready"
trap - EXIT
if ! mv -T "$work" "$dir" 2>/dev/null; then
  # Another run finished first: use its folder.
  rm -rf "$work"
  [ -f "$dir/ready" ] || fail "cannot move the prepared kernel to $dir"
fi
echo "$dir"
