#!/usr/bin/env bash
# The house style of every C file, applied by clang-format 16 (Debian's
# clang-format-16, for InsertBraces) with the tree's .clang-format.
#   scripts/format.sh          rewrites the files in place
#   scripts/format.sh --check  lists the files that differ and exits 1
# The README's test command runs the check.
set -euo pipefail
cd "$(dirname "$0")/.."

cf=${CLANG_FORMAT:-clang-format-16}
if ! command -v "$cf" >/dev/null; then
	echo "format: $cf not found (scripts/deps.sh test installs it)" >&2
	exit 1
fi
mapfile -t files < <(git ls-files '*.c' '*.h')

if [[ ${1:-} != --check ]]; then
	"$cf" -i "${files[@]}"
	exit 0
fi
bad=0
for f in "${files[@]}"; do
	if ! "$cf" "$f" | cmp -s - "$f"; then
		echo "format: $f differs from .clang-format (scripts/format.sh)" >&2
		bad=1
	fi
done
if ((bad == 0)); then
	echo "format: ${#files[@]} files clean"
fi
exit $bad
