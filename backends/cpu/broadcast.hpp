// broadcast.hpp — NumPy broadcasting as a strided iteration plan.
//
// Every input is given the output's rank with stride 0 along broadcast axes; axes of extent 1
// are dropped and neighbouring axes that are contiguous for every input are merged. What is
// left is iterated as rows of the innermost axis, along which each input's stride is 0
// (broadcast) or 1 (contiguous), so the inner loop is a plain vector loop. Work is split over
// the flattened output index, so one large row and many small rows both parallelise.
#pragma once
#include <array>
#include <string>

#include "backends/cpu/kernel_util.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

inline constexpr int kMaxRank = 16;

/// A fixed-capacity vector (plans are built per kernel call; no heap traffic).
template <class T, int Cap>
struct SmallVec {
  std::array<T, Cap> v{};
  int n = 0;
  int size() const noexcept { return n; }
  bool empty() const noexcept { return n == 0; }
  void push_back(const T& x) noexcept { v[static_cast<std::size_t>(n++)] = x; }
  T& back() noexcept { return v[static_cast<std::size_t>(n - 1)]; }
  const T& back() const noexcept { return v[static_cast<std::size_t>(n - 1)]; }
  T& operator[](std::size_t i) noexcept { return v[i]; }
  const T& operator[](std::size_t i) const noexcept { return v[i]; }
};

template <int N>
struct BroadcastPlan {
  SmallVec<i64, kMaxRank> shape;                     // merged output extents (rank >= 1)
  SmallVec<std::array<i64, N>, kMaxRank> strides;    // per merged axis, per input (elements)
  i64 numel = 0;
};

/// Plans out = f(in_0, ..., in_{N-1}). Throws ShapeError when an input cannot broadcast to out.
template <int N>
BroadcastPlan<N> make_broadcast_plan(const char* kernel, const Shape& out,
                                     const std::array<const Shape*, N>& ins,
                                     const std::array<const char*, N>& names) {
  const int r = static_cast<int>(out.size());
  if (r > kMaxRank)
    fail_shape(kernel, "output shape " + shape_to_string(out) + " has rank " + std::to_string(r) +
                           "; at most " + std::to_string(kMaxRank) + " axes are supported");
  std::array<std::array<i64, N>, kMaxRank> st{};
  for (int k = 0; k < N; ++k) {
    const Shape& s = *ins[static_cast<std::size_t>(k)];
    const int rk = static_cast<int>(s.size());
    auto bad = [&] {
      std::string msg = std::string(names[static_cast<std::size_t>(k)]) + " with shape " +
                        shape_to_string(s) + " cannot be broadcast to the output shape " +
                        shape_to_string(out);
      fail_shape(kernel, msg);
    };
    if (rk > r) bad();
    i64 stride = 1;
    for (int d = r - 1; d >= 0; --d) {
      const int id = d - (r - rk);
      const i64 dim = id >= 0 ? s[static_cast<std::size_t>(id)] : 1;
      if (dim != out[static_cast<std::size_t>(d)] && dim != 1) bad();
      st[static_cast<std::size_t>(d)][static_cast<std::size_t>(k)] = dim == 1 ? 0 : stride;
      stride *= dim;
    }
  }
  BroadcastPlan<N> p;
  p.numel = shape_numel(out);
  for (int d = 0; d < r; ++d) {
    const i64 ext = out[static_cast<std::size_t>(d)];
    if (ext == 1) continue;
    if (!p.shape.empty()) {
      bool merge = true;
      for (int k = 0; k < N; ++k)
        merge = merge && p.strides.back()[static_cast<std::size_t>(k)] ==
                             st[static_cast<std::size_t>(d)][static_cast<std::size_t>(k)] * ext;
      if (merge) {
        p.shape.back() *= ext;
        p.strides.back() = st[static_cast<std::size_t>(d)];
        continue;
      }
    }
    p.shape.push_back(ext);
    p.strides.push_back(st[static_cast<std::size_t>(d)]);
  }
  if (p.shape.empty()) {
    p.shape.push_back(1);
    p.strides.push_back({});
  }
  return p;
}

/// Calls inner(out_offset, in_offsets, len, inner_strides) for every run of the innermost
/// axis, in parallel over the flattened output.
template <int N, class Inner>
void for_each_broadcast(ThreadPool& pool, const BroadcastPlan<N>& p, i64 grain, Inner&& inner) {
  const int R = static_cast<int>(p.shape.size());
  const i64 L = p.shape.back();
  const std::array<i64, N> inner_st = p.strides.back();
  pool.parallel_for(p.numel, grain, [&](i64 begin, i64 end) {
    // Multi-index of the row containing `begin`.
    std::array<i64, kMaxRank> idx{};
    i64 row = begin / L;
    i64 col = begin % L;
    std::array<i64, N> off{};
    for (int d = R - 2; d >= 0; --d) {
      const i64 ext = p.shape[static_cast<std::size_t>(d)];
      idx[static_cast<std::size_t>(d)] = row % ext;
      row /= ext;
      for (int k = 0; k < N; ++k)
        off[static_cast<std::size_t>(k)] +=
            idx[static_cast<std::size_t>(d)] * p.strides[static_cast<std::size_t>(d)][static_cast<std::size_t>(k)];
    }
    i64 pos = begin;
    while (pos < end) {
      const i64 len = std::min(L - col, end - pos);
      std::array<i64, N> o = off;
      for (int k = 0; k < N; ++k) o[static_cast<std::size_t>(k)] += col * inner_st[static_cast<std::size_t>(k)];
      inner(pos, o, len, inner_st);
      pos += len;
      col = 0;
      // Odometer step over the outer axes.
      for (int d = R - 2; d >= 0; --d) {
        auto& i = idx[static_cast<std::size_t>(d)];
        const auto& s = p.strides[static_cast<std::size_t>(d)];
        if (++i < p.shape[static_cast<std::size_t>(d)]) {
          for (int k = 0; k < N; ++k) off[static_cast<std::size_t>(k)] += s[static_cast<std::size_t>(k)];
          break;
        }
        for (int k = 0; k < N; ++k) off[static_cast<std::size_t>(k)] -= (i - 1) * s[static_cast<std::size_t>(k)];
        i = 0;
      }
    }
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
