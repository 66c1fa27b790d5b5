#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Vigil needs to build the firmware, run the
# emulated node and drive the browser tests. Idempotent: packages already present
# are left alone, and nothing is done when everything is installed. mosquitto: the MQTT broker
# the plant gateway's integration test starts on loopback (test/integration/gateway.test.ts);
# openssl makes that test's CA and server certificate.
set -euo pipefail

PACKAGES=(
  gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
  qemu-system-arm socat libcmocka-dev chromium udev poppler-utils
  build-essential pkg-config python3 python3-venv
  clang
  mosquitto openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# libFuzzer (the firmware's fuzz harness) ships with clang's compiler-rt, whose package is named
# after clang's major version (Debian 12: libclang-rt-14-dev). Add it when clang is already here;
# on a machine without clang, it is added in a second pass below.
# (Ubuntu 22.04 has no such package: its libFuzzer comes with libclang-common, a dependency of clang.)
rt_package() {
  local v
  v=$(clang -dumpversion 2>/dev/null | cut -d. -f1) || return 0
  [ -n "$v" ] || return 0
  apt-cache show "libclang-rt-$v-dev" >/dev/null 2>&1 && echo "libclang-rt-$v-dev"
  return 0
}
rt=$(rt_package || true)
if [ -n "$rt" ] && ! dpkg-query -W -f='${Status}' "$rt" 2>/dev/null | grep -q "install ok installed"; then
  missing+=("$rt")
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: all system packages present"
  exit 0
fi

echo "setup-system: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
rt=$(rt_package || true)
if [ -n "$rt" ] && ! dpkg-query -W -f='${Status}' "$rt" 2>/dev/null | grep -q "install ok installed"; then
  $SUDO apt-get install -y -qq --no-install-recommends "$rt"
fi
echo "setup-system: done"
