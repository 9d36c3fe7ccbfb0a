#!/usr/bin/env bash
# Installs the Debian 12 packages vrd needs, and only the missing ones.
#   scripts/deps.sh build   compilers and libraries
#   scripts/deps.sh test    + cmocka, clang/libFuzzer, namespace tools
#   scripts/deps.sh demo    + the tools the demo drives
set -euo pipefail

build=(build-essential cmake pkg-config liblmdb-dev libpcap-dev libnet1-dev
	libzmq3-dev libsodium-dev)
runtime=(iproute2 iputils-ping iputils-arping procps jq lmdb-utils)
test=(libcmocka-dev clang libclang-rt-14-dev clang-format-16 tcpdump nftables)
# the configure step needs cmocka even when only vrd and the tools are built
demo=(libcmocka-dev)

want=("${build[@]}")
case "${1:-build}" in
build) ;;
test) want+=("${runtime[@]}" "${test[@]}") ;;
demo) want+=("${runtime[@]}" "${demo[@]}") ;;
*)
	echo "usage: $0 build|test|demo" >&2
	exit 2
	;;
esac

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if ((${#missing[@]} == 0)); then
	exit 0
fi
if ((EUID != 0)); then
	echo "deps: missing ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
