#!/usr/bin/env bash
# Runs Temper's benchmarks and the PyTorch reference (../shared/bench) side by side,
# interleaved, on this machine, and prints the ratios. Needs the project built (build/) and,
# for the reference, Debian's python3-torch (installed on demand with --install-torch).
#
#   bash bench/run.sh [--reps N] [--epochs E] [--cnn-epochs E] [--models mlp,cnn] [--install-torch]
#   bash bench/run.sh --whole-process [--reps N] [--epochs E]
#
# --models picks the MLP (bench_mlp), the convnet (bench_convnet) or both (default).
# --whole-process times what a user waits for instead: `temper train` on the Fashion-MNIST MLP
# config (data loading, training, validation, test evaluation, saving) against
# bench/torch_whole_process.py doing the same, each as a whole process, interleaved.
# Every run starts with the machine: CPU model, ISA level, Temper's kernel set, BLAS, oneDNN
# and PyTorch versions, so that a figure is never separated from the CPU it was measured on.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TEMPER_BUILD_DIR:-$root/build}
shared=${TEMPER_SHARED_DIR:-$root/../shared}
reps=3
epochs=5
cnn_epochs=1
models=mlp,cnn
install_torch=0
whole_process=0
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --cnn-epochs) cnn_epochs=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --install-torch) install_torch=1; shift ;;
    --whole-process) whole_process=1; shift ;;
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
case ",$models," in *,mlp,*) [ -x "$build/bench/bench_mlp" ] || { echo "build first: bash scripts/build.sh" >&2; exit 1; } ;; esac

has_torch=0
if [ -n "$PY" ] && "$PY" -c "import torch" 2>/dev/null; then has_torch=1; fi

# ---- the machine -----------------------------------------------------------------------------
echo "== machine"
cpuinfo_field() { grep -m1 "^$1[[:space:]]*:" /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'; }
isa=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx512f|avx2' | sort -r | head -1)
echo "cpu: $(cpuinfo_field 'model name'), $(cpuinfo_field vendor_id) family $(cpuinfo_field 'cpu family') model $(cpuinfo_field model), $(nproc) cpus online, widest vector ISA: ${isa:-below avx2}"
if [ -x "$build/apps/temper" ]; then
  "$build/apps/temper" info | grep -E '^ *(kernels|simd|blas|onednn|threads):' | sed 's/^ */temper /'
fi
if [ "$has_torch" = 1 ]; then
  "$PY" - <<'PYEOF'
import re
import torch
cfg = torch.__config__.show().splitlines()
pick = [l.strip(" -") for l in cfg if "MKL-DNN" in l or "oneDNN" in l or "CPU capability" in l]
blas = [m.group(0) for l in cfg for m in [re.search(r"BLAS_INFO=\w+", l)] if m]
print("pytorch", torch.__version__, "|", " | ".join(pick + blas))
PYEOF
fi

# ---- whole process: temper train vs the PyTorch script ----------------------------------------
if [ "$whole_process" = 1 ]; then
  [ -x "$build/apps/temper" ] || { echo "build first: bash scripts/build.sh" >&2; exit 1; }
  [ "$has_torch" = 1 ] || { echo "--whole-process needs python3-torch (use --install-torch)" >&2; exit 1; }
  wp_epochs=$([ "$epochs" = 5 ] && echo 3 || echo "$epochs")
  rm -rf "$out/whole"
  mkdir -p "$out/whole"
  for r in $(seq 1 "$reps"); do
    echo "== rep $r: temper train fashion_mnist_mlp.yaml, $wp_epochs epochs (whole process)"
    /usr/bin/time -f "%e %M" -o "$out/whole/temper_r$r.time" "$build/apps/temper" train \
      "$root/examples/configs/fashion_mnist_mlp.yaml" --set "fit.epochs=$wp_epochs" -o "$out/whole/temper_run_r$r" \
      | grep -E 'final metrics' || true
    echo "== rep $r: bench/torch_whole_process.py, $wp_epochs epochs (whole process, OMP_WAIT_POLICY=passive)"
    OMP_WAIT_POLICY=passive /usr/bin/time -f "%e %M" -o "$out/whole/torch_r$r.time" "$PY" \
      "$root/bench/torch_whole_process.py" --epochs "$wp_epochs" --out "$out/whole/torch_run_r$r" | tail -1
  done
  python3 - "$out/whole" "$reps" <<'PYEOF'
import json, statistics, sys
d, reps = sys.argv[1], int(sys.argv[2])
def runs(who):
    return [tuple(float(v) for v in open(f"{d}/{who}_r{r}.time").read().split()[-2:]) for r in range(1, reps + 1)]
t, p = runs("temper"), runs("torch")
tw, pw = statistics.median(x[0] for x in t), statistics.median(x[0] for x in p)
tr, pr = statistics.median(x[1] for x in t) / 1024, statistics.median(x[1] for x in p) / 1024
ta = json.load(open(f"{d}/temper_run_r1/metrics.json"))["test"]["accuracy"]
pa = json.load(open(f"{d}/torch_run_r1/metrics.json"))["test"]["accuracy"]
print(f"\n| whole process (median of {reps}) | Temper | PyTorch | PyTorch / Temper |")
print("|---|---:|---:|---:|")
print(f"| wall seconds | {tw:.2f} | {pw:.2f} | {pw / tw:.2f}x |")
print(f"| peak RSS, MB | {tr:.0f} | {pr:.0f} | |")
print(f"| test accuracy (rep 1) | {ta:.4f} | {pa:.4f} | |")
print("each rep, wall s: temper " + " / ".join(f"{x[0]:.2f}" for x in t) + "; pytorch " + " / ".join(f"{x[0]:.2f}" for x in p))
PYEOF
  exit 0
fi
for r in $(seq 1 "$reps"); do
  case ",$models," in *,mlp,*)
  echo "== rep $r: temper MLP (2 threads)"
  /usr/bin/time -f "%M" -o "$out/temper_r$r.rss" "$build/bench/bench_mlp" --epochs "$epochs" --out "$out/temper_r$r.json"
  if [ "$has_torch" = 1 ]; then
    echo "== rep $r: pytorch MLP, best configuration (2 threads, OMP_WAIT_POLICY=passive)"
    OMP_WAIT_POLICY=passive /usr/bin/time -f "%M" -o "$out/torch_r$r.rss" \
      "$PY" "$shared/bench/torch_bench.py" --models mlp --epochs "$epochs" --out "$out/torch_r$r.json"
    # Which PyTorch setting is best depends on the CPU: on some machines one thread beats two.
    echo "== rep $r: pytorch MLP, 1 thread"
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/time -f "%M" -o "$out/torch1t_r$r.rss" \
      "$PY" "$shared/bench/torch_bench.py" --models mlp --threads 1 --epochs "$epochs" --skip-inference \
      --out "$out/torch1t_r$r.json"
  else
    echo "== python3-torch not available: PyTorch column skipped (use --install-torch)"
  fi
  if [ -x "$anchor/torch_bench_cpp" ]; then
    echo "== rep $r: libtorch C++ MLP (2 threads, OMP_WAIT_POLICY=passive)"
    OMP_WAIT_POLICY=passive /usr/bin/time -f "%M" -o "$out/libtorch_r$r.rss" \
      "$anchor/torch_bench_cpp" --models mlp --epochs "$epochs" --out "$out/libtorch_r$r.json" > /dev/null
  fi
  ;; esac
  case ",$models," in *,cnn,*)
  [ -x "$build/bench/bench_convnet" ] || { echo "build first: bash scripts/build.sh" >&2; exit 1; }
  echo "== rep $r: temper convnet (2 threads)"
  /usr/bin/time -f "%M" -o "$out/temper_cnn_r$r.rss" "$build/bench/bench_convnet" --epochs "$cnn_epochs" \
    --out "$out/temper_cnn_r$r.json" $([ "$r" = 1 ] && echo --profile)
  if [ "$has_torch" = 1 ]; then
    # PyTorch's best convnet configuration (../shared/bench/RESULTS.md): GEMMs single-threaded
    # inside its 2 OpenMP threads and glibc's malloc thresholds pinned.
    echo "== rep $r: pytorch convnet, best configuration (OPENBLAS_NUM_THREADS=1, malloc pinned)"
    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 OPENBLAS_NUM_THREADS=1 \
      /usr/bin/time -f "%M" -o "$out/torch_cnn_r$r.rss" \
      "$PY" "$shared/bench/torch_bench.py" --models cnn --epochs "$cnn_epochs" --out "$out/torch_cnn_r$r.json"
    echo "== rep $r: pytorch convnet, default 2-thread configuration"
    /usr/bin/time -f "%M" -o "$out/torch2t_cnn_r$r.rss" \
      "$PY" "$shared/bench/torch_bench.py" --models cnn --epochs "$cnn_epochs" --skip-inference \
      --out "$out/torch2t_cnn_r$r.json"
  fi
  if [ -x "$anchor/torch_bench_cpp" ]; then
    echo "== rep $r: libtorch C++ convnet (2 threads, OPENBLAS_NUM_THREADS=1, malloc pinned)"
    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 OPENBLAS_NUM_THREADS=1 \
      /usr/bin/time -f "%M" -o "$out/libtorch_cnn_r$r.rss" \
      "$anchor/torch_bench_cpp" --models cnn --epochs "$cnn_epochs" --out "$out/libtorch_cnn_r$r.json" > /dev/null
  fi
  ;; esac
done
python3 "$root/bench/compare.py" "$out" "$reps" "$models"
