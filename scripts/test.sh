#!/usr/bin/env bash
# Checks the format, then builds vrd and runs every test: unit, fuzz and
# netns (network namespaces against the real kernel; needs root), first
# with gcc and warnings as errors, then with clang under AddressSanitizer
# and UBSan, where the fuzz tests are real libFuzzer runs. This is the README's test command, and
# .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test

jobs=$(nproc)
# In CI the namespace tests must run: a skip there is a failure.
if [[ ${CI:-} == true ]]; then
	export VRD_NETNS_REQUIRED=1
fi

echo "== format"
scripts/format.sh --check

echo "== gcc build, all tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVRD_WERROR=ON \
	>/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== clang build with ASan+UBSan, all tests, libFuzzer"
CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug \
	-DVRD_SANITIZE=ON -DVRD_WERROR=ON >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan --output-on-failure -j "$jobs"
