#!/usr/bin/env bash
# Checks the systemd units in systemd/:
#   - `systemd-analyze verify` on mmprep.service, the template mmprep@.service and the instance
#     mmprep@qwen2.5-vl.service must print nothing and exit 0;
#   - `systemd-analyze security --offline=true` on mmprep.service and mmprep@qwen2.5-vl.service
#     must report an overall exposure of at most 2.0;
#   - systemd/mmprep.sysusers must create the user and group mmprep.
# Exits non-zero on any failure. Needs systemd-analyze and systemd-sysusers (Debian: systemd);
# systemd does not need to be running (works in a container) and nothing outside a temporary
# folder is touched.
#
# verify checks that every Exec*= command exists and is executable, and it resolves the units the
# service depends on (sysinit.target, ...). So the checks run against a temporary root
# (--root=): the unit files in etc/systemd/system, the host's unit directory for the targets,
# a placeholder executable for each Exec*= command (the check is of the units, not of an
# install), and the users from mmprep.sysusers.
set -euo pipefail
ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UNITS_DIR="$ROOT_DIR/systemd"
MAX_EXPOSURE=2.0
# --threshold takes an integer in tenths of the exposure shown (0..100 in systemd 252;
# `--threshold=2.0` is rejected with "Failed to parse threshold"): 20 means 2.0.
THRESHOLD=20
EXAMPLE_INSTANCE=qwen2.5-vl

for tool in systemd-analyze systemd-sysusers; do
  command -v "$tool" >/dev/null || { echo "check-systemd: $tool not found (apt-get install systemd)" >&2; exit 1; }
done
SYSTEM_UNITS=""
for dir in /usr/lib/systemd/system /lib/systemd/system; do
  if [ -f "$dir/sysinit.target" ]; then SYSTEM_UNITS="$dir"; break; fi
done
[ -n "$SYSTEM_UNITS" ] || { echo "check-systemd: no system unit directory with sysinit.target" >&2; exit 1; }

export SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat LC_ALL=C.UTF-8
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
SYSROOT="$TMP/root"
mkdir -p "$SYSROOT/etc/systemd/system" "$SYSROOT/usr/lib/systemd" "$SYSROOT/usr/lib/sysusers.d" \
         "$SYSROOT/usr/bin" "$SYSROOT/usr/sbin"
ln -s usr/bin "$SYSROOT/bin"
ln -s usr/sbin "$SYSROOT/sbin"
ln -s usr/lib "$SYSROOT/lib"
cp -a "$SYSTEM_UNITS" "$SYSROOT/usr/lib/systemd/system"
cp "$UNITS_DIR/mmprep.service" "$UNITS_DIR/mmprep@.service" "$SYSROOT/etc/systemd/system/"

# A placeholder for each command the units run (ExecStart=, ExecReload=, ...; prefixes such as
# "-" or "+" stripped).
grep -h '^Exec[A-Za-z]*=' "$UNITS_DIR/mmprep.service" "$UNITS_DIR/mmprep@.service" \
  | sed -e 's/^[^=]*=//' -e 's/^[-@:+!|]*//' | awk '{print $1}' | sort -u \
  | while read -r cmd; do
      case "$cmd" in /*) ;; *) echo "check-systemd: Exec command is not an absolute path: $cmd" >&2; exit 1;; esac
      mkdir -p "$SYSROOT$(dirname "$cmd")"
      printf '#!/bin/sh\nexit 0\n' > "$SYSROOT$cmd"
      chmod 755 "$SYSROOT$cmd"
    done

failed=0
fail() { echo "FAIL: $*"; failed=1; }

echo "== systemd-sysusers: systemd/mmprep.sysusers"
cp "$UNITS_DIR/mmprep.sysusers" "$SYSROOT/usr/lib/sysusers.d/mmprep.conf"
if out="$(systemd-sysusers --root="$SYSROOT" 2>&1)"; then
  [ -z "$out" ] || printf '%s\n' "$out"
  # It reports a bad line and still exits 0: anything but "Creating ..." is a failure.
  if printf '%s\n' "$out" | grep -v -e '^Creating ' -e '^$' >/dev/null; then
    fail "systemd-sysusers complained about mmprep.sysusers"
  fi
  grep -q '^mmprep:' "$SYSROOT/etc/passwd" || fail "mmprep.sysusers did not create the user mmprep"
  grep -q '^mmprep:' "$SYSROOT/etc/group" || fail "mmprep.sysusers did not create the group mmprep"
else
  printf '%s\n' "$out"
  fail "systemd-sysusers rejected mmprep.sysusers"
fi

for unit in mmprep.service mmprep@.service "mmprep@$EXAMPLE_INSTANCE.service"; do
  echo "== systemd-analyze verify $unit"
  rc=0
  out="$(systemd-analyze verify --man=no --root="$SYSROOT" "$unit" 2>&1)" || rc=$?
  if [ -n "$out" ]; then
    printf '%s\n' "$out"
    fail "verify printed output for $unit (exit $rc)"
  elif [ "$rc" -ne 0 ]; then
    fail "verify exited $rc for $unit"
  else
    echo "ok"
  fi
done

for unit in mmprep.service "mmprep@$EXAMPLE_INSTANCE.service"; do
  echo "== systemd-analyze security --offline=true --threshold=$THRESHOLD $unit"
  rc=0
  out="$(systemd-analyze security --no-pager --offline=true --threshold="$THRESHOLD" \
           --root="$SYSROOT" "$unit" 2>&1)" || rc=$?
  # The settings that still cost something, then the total.
  printf '%s\n' "$out" | grep -E '^✗' || true
  exposure="$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' | tail -n 1)"
  if [ -z "$exposure" ]; then
    printf '%s\n' "$out"
    fail "no overall exposure level in the security output for $unit (exit $rc)"
    continue
  fi
  echo "exposure $unit: $exposure (limit $MAX_EXPOSURE)"
  if awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e > m) }'; then
    fail "exposure $exposure of $unit is above $MAX_EXPOSURE"
  fi
  [ "$rc" -eq 0 ] || fail "security exited $rc for $unit (threshold $THRESHOLD)"
done

if [ "$failed" -ne 0 ]; then
  echo "check-systemd: FAILED"
  exit 1
fi
echo "check-systemd: all checks passed"
