#!/usr/bin/env bash
# One command: install what is missing, build with warnings as errors, run the whole test suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" -DTEMPER_WERROR=ON
cd "${TEMPER_BUILD_DIR:-$root/build}"
ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@"
