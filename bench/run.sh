#!/usr/bin/env bash
# Runs Temper's MLP benchmark and the PyTorch reference (../shared/bench) side by side,
# interleaved, on this machine, and prints the ratios. Needs the project built (build/) and,
# for the reference, Debian's python3-torch (installed on demand with --install-torch).
#
#   bash bench/run.sh [--reps N] [--epochs E] [--install-torch]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TEMPER_BUILD_DIR:-$root/build}
shared=${TEMPER_SHARED_DIR:-$root/../shared}
reps=3
epochs=5
install_torch=0
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --install-torch) install_torch=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ "$install_torch" = 1 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch python3-numpy libtorch-dev time
fi
# The libtorch (C++) reference, when libtorch-dev is installed.
anchor=$build/torch-anchor
if [ ! -x "$anchor/torch_bench_cpp" ] && [ -d /usr/lib/x86_64-linux-gnu/cmake/Torch ]; then
  cmake -S "$shared/bench" -B "$anchor" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build "$anchor" >/dev/null || true
fi
# Debian's interpreter sees python3-torch; a pyenv shim first on PATH does not.
PY=$(dpkg -L python3-minimal 2>/dev/null | grep -m1 '/bin/python3$' || true)
out=$build/bench-results
mkdir -p "$out"
[ -x "$build/bench/bench_mlp" ] || { echo "build first: bash scripts/build.sh" >&2; exit 1; }

for r in $(seq 1 "$reps"); do
  echo "== rep $r: temper (2 threads)"
  /usr/bin/time -f "%M" -o "$out/temper_r$r.rss" "$build/bench/bench_mlp" --epochs "$epochs" --out "$out/temper_r$r.json"
  if [ -n "$PY" ] && "$PY" -c "import torch" 2>/dev/null; then
    echo "== rep $r: pytorch, best configuration (2 threads, OMP_WAIT_POLICY=passive)"
    OMP_WAIT_POLICY=passive /usr/bin/time -f "%M" -o "$out/torch_r$r.rss" \
      "$PY" "$shared/bench/torch_bench.py" --models mlp --epochs "$epochs" --out "$out/torch_r$r.json"
    # Which PyTorch setting is best depends on the CPU: on some machines one thread beats two.
    echo "== rep $r: pytorch, 1 thread"
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/time -f "%M" -o "$out/torch1t_r$r.rss" \
      "$PY" "$shared/bench/torch_bench.py" --models mlp --threads 1 --epochs "$epochs" --skip-inference \
      --out "$out/torch1t_r$r.json"
  else
    echo "== python3-torch not available: PyTorch column skipped (use --install-torch)"
  fi
  if [ -x "$anchor/torch_bench_cpp" ]; then
    echo "== rep $r: libtorch C++ (2 threads, OMP_WAIT_POLICY=passive)"
    OMP_WAIT_POLICY=passive /usr/bin/time -f "%M" -o "$out/libtorch_r$r.rss" \
      "$anchor/torch_bench_cpp" --models mlp --epochs "$epochs" --out "$out/libtorch_r$r.json" > /dev/null
  fi
done
python3 "$root/bench/compare.py" "$out" "$reps"
