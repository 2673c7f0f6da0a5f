// shape_ops.cpp — transpose, axis-block copies (slice/concat), row gathers, embedding lookups
// and one-hot encoding.
#include <algorithm>
#include <string>

#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/simd.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

namespace {

/// Calls f(U{}) with an unsigned integer type of the element size (copies are bit moves).
template <class F>
void dispatch_size(std::size_t elem, F&& f) {
  switch (elem) {
    case 1: f(std::uint8_t{}); return;
    case 2: f(std::uint16_t{}); return;
    case 4: f(std::uint32_t{}); return;
    case 8: f(std::uint64_t{}); return;
    default: throw ValueError("cpu backend: transpose: unsupported element size " + std::to_string(elem));
  }
}

template <class U>
void transpose_typed(ThreadPool& pool, const U* src, U* dst, const std::vector<i64>& in_shape,
                     const std::vector<int>& perm) {
  const int r = static_cast<int>(in_shape.size());
  std::vector<i64> in_stride(static_cast<std::size_t>(r), 1);
  for (int d = r - 2; d >= 0; --d)
    in_stride[static_cast<std::size_t>(d)] = in_stride[static_cast<std::size_t>(d + 1)] * in_shape[static_cast<std::size_t>(d + 1)];
  std::vector<i64> out_shape(static_cast<std::size_t>(r)), ist(static_cast<std::size_t>(r)), ost(static_cast<std::size_t>(r), 1);
  for (int i = 0; i < r; ++i) {
    out_shape[static_cast<std::size_t>(i)] = in_shape[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])];
    ist[static_cast<std::size_t>(i)] = in_stride[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])];
  }
  for (int i = r - 2; i >= 0; --i) ost[static_cast<std::size_t>(i)] = ost[static_cast<std::size_t>(i + 1)] * out_shape[static_cast<std::size_t>(i + 1)];
  const i64 total = shape_numel(out_shape);

  if (perm[static_cast<std::size_t>(r - 1)] == r - 1) {
    // The inner axis stays inner: copy whole rows.
    const i64 L = in_shape[static_cast<std::size_t>(r - 1)];
    const i64 rows = total / L;
    pool.parallel_for(rows, std::max<i64>(1, kGrainCopy / L), [&](i64 b, i64 e) {
      for (i64 row = b; row < e; ++row) {
        i64 rem = row, off = 0;
        for (int ax = r - 2; ax >= 0; --ax) {
          const i64 id = rem % out_shape[static_cast<std::size_t>(ax)];
          rem /= out_shape[static_cast<std::size_t>(ax)];
          off += id * ist[static_cast<std::size_t>(ax)];
        }
        std::memcpy(dst + row * L, src + off, static_cast<std::size_t>(L) * sizeof(U));
      }
    });
    return;
  }
  // Tiled 2-D transpose between the output's inner axis (j, input stride a) and the axis p
  // that is the input's inner axis (i, input stride 1, output stride os_p); the other axes
  // are iterated around it.
  int p = 0;
  for (int i = 0; i < r; ++i)
    if (perm[static_cast<std::size_t>(i)] == r - 1) p = i;
  const i64 Ej = out_shape[static_cast<std::size_t>(r - 1)], Ei = out_shape[static_cast<std::size_t>(p)];
  const i64 a = ist[static_cast<std::size_t>(r - 1)], os_p = ost[static_cast<std::size_t>(p)];
  constexpr i64 kTile = 64 / sizeof(U) < 16 ? 16 : 64 / sizeof(U) * 2;  // 32 floats, 16 doubles
  std::vector<int> others;
  for (int i = 0; i < r - 1; ++i)
    if (i != p) others.push_back(i);
  const i64 outer = total / (Ej * Ei);
  const i64 ti = (Ei + kTile - 1) / kTile;
  pool.parallel_for(outer * ti, std::max<i64>(1, kGrainCopy / (kTile * Ej)), [&](i64 b, i64 e) {
    for (i64 w = b; w < e; ++w) {
      i64 o = w / ti;
      const i64 i0 = (w % ti) * kTile, i1 = std::min(Ei, i0 + kTile);
      i64 base_in = 0, base_out = 0;
      for (auto it = others.rbegin(); it != others.rend(); ++it) {
        const auto ax = static_cast<std::size_t>(*it);
        const i64 id = o % out_shape[ax];
        o /= out_shape[ax];
        base_in += id * ist[ax];
        base_out += id * ost[ax];
      }
      for (i64 j0 = 0; j0 < Ej; j0 += kTile) {
        const i64 j1 = std::min(Ej, j0 + kTile);
        for (i64 i = i0; i < i1; ++i) {
          const U* s = src + base_in + i;
          U* d = dst + base_out + i * os_p;
          for (i64 j = j0; j < j1; ++j) d[j] = s[j * a];
        }
      }
    }
  });
}

}  // namespace

void transpose_raw(ThreadPool& pool, const void* src, void* dst, std::size_t elem, const Shape& shape,
                   const std::vector<int>& perm) {
  const int r = static_cast<int>(shape.size());
  // Drop unit axes, renumbering the permutation.
  std::vector<int> newid(static_cast<std::size_t>(r), -1);
  std::vector<i64> s1;
  for (int d = 0; d < r; ++d)
    if (shape[static_cast<std::size_t>(d)] != 1) {
      newid[static_cast<std::size_t>(d)] = static_cast<int>(s1.size());
      s1.push_back(shape[static_cast<std::size_t>(d)]);
    }
  std::vector<int> p1;
  for (int i = 0; i < r; ++i)
    if (newid[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])] >= 0)
      p1.push_back(newid[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])]);
  // Merge runs of output axes that are consecutive input axes.
  std::vector<std::vector<int>> runs;
  for (int ax : p1) {
    if (!runs.empty() && runs.back().back() + 1 == ax)
      runs.back().push_back(ax);
    else
      runs.push_back({ax});
  }
  // Merged input axes are the runs ordered by their first input axis.
  std::vector<int> order(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) order[i] = static_cast<int>(i);
  std::sort(order.begin(), order.end(), [&](int x, int y) {
    return runs[static_cast<std::size_t>(x)].front() < runs[static_cast<std::size_t>(y)].front();
  });
  std::vector<i64> in_shape(runs.size());
  std::vector<int> perm2(runs.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const auto& run = runs[static_cast<std::size_t>(order[k])];
    i64 ext = 1;
    for (int ax : run) ext *= s1[static_cast<std::size_t>(ax)];
    in_shape[k] = ext;
    perm2[static_cast<std::size_t>(order[k])] = static_cast<int>(k);
  }
  const i64 total = shape_numel(shape);
  if (total == 0) return;
  if (runs.size() <= 1) {
    pool.parallel_for(total * static_cast<i64>(elem), kGrainCopy * 16, [&](i64 b, i64 e) {
      std::memcpy(static_cast<char*>(dst) + b, static_cast<const char*>(src) + b, static_cast<std::size_t>(e - b));
    });
    return;
  }
  dispatch_size(elem, [&](auto tag) {
    using U = decltype(tag);
    transpose_typed<U>(pool, static_cast<const U*>(src), static_cast<U*>(dst), in_shape, perm2);
  });
}

void CpuBackend::transpose(const Tensor& x, std::span<const int> perm, Tensor& out) {
  check_tensor("transpose", x, "x");
  check_tensor("transpose", out, "out");
  const int r = x.rank();
  std::vector<int> p(perm.begin(), perm.end());
  std::vector<char> seen(static_cast<std::size_t>(r), 0);
  bool ok = static_cast<int>(p.size()) == r && out.rank() == r && out.dtype() == x.dtype();
  for (int i = 0; ok && i < r; ++i) {
    const int ax = p[static_cast<std::size_t>(i)];
    ok = ax >= 0 && ax < r && !seen[static_cast<std::size_t>(ax)] &&
         out.shape()[static_cast<std::size_t>(i)] == x.shape()[static_cast<std::size_t>(ax)];
    if (ok) seen[static_cast<std::size_t>(ax)] = 1;
  }
  if (!ok) {
    std::string ps = "(";
    for (std::size_t i = 0; i < p.size(); ++i) ps += (i ? ", " : "") + std::to_string(p[i]);
    fail_shape("transpose", "x is " + describe(x) + ", out is " + describe(out) + " and perm is " + ps +
                                "); expected a permutation of x's axes with out.shape[i] == x.shape[perm[i]]");
  }
  transpose_raw(pool_, x.data<char>(), out.data<char>(), dtype_size(x.dtype()), x.shape(), p);
}

void CpuBackend::copy_axis_block(const Tensor& src, int axis, std::int64_t src_start, Tensor& dst,
                                 std::int64_t dst_start, std::int64_t length, bool accumulate) {
  const char* kernel = "copy_axis_block";
  check_tensor(kernel, src, "src");
  check_tensor(kernel, dst, "dst");
  const int r = src.rank();
  bool ok = dst.rank() == r && dst.dtype() == src.dtype() && axis >= 0 && axis < r && length >= 0;
  for (int d = 0; ok && d < r; ++d)
    if (d != axis) ok = src.shape()[static_cast<std::size_t>(d)] == dst.shape()[static_cast<std::size_t>(d)];
  if (!ok)
    fail_shape(kernel, "src is " + describe(src) + ", dst is " + describe(dst) + ", axis " + std::to_string(axis) +
                           "; expected equal dtypes and equal extents on every axis but `axis`");
  const i64 Ls = src.shape()[static_cast<std::size_t>(axis)], Ld = dst.shape()[static_cast<std::size_t>(axis)];
  if (src_start < 0 || dst_start < 0 || src_start + length > Ls || dst_start + length > Ld)
    fail_shape(kernel, "block of length " + std::to_string(length) + " at src " + std::to_string(src_start) +
                           " / dst " + std::to_string(dst_start) + " along axis " + std::to_string(axis) +
                           " does not fit src " + describe(src) + " and dst " + describe(dst));
  i64 O = 1, I = 1;
  for (int d = 0; d < axis; ++d) O *= src.shape()[static_cast<std::size_t>(d)];
  for (int d = axis + 1; d < r; ++d) I *= src.shape()[static_cast<std::size_t>(d)];
  const i64 run = length * I;
  if (O * run == 0) return;
  dispatch_all(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* s = src.data<T>();
    T* d = dst.data<T>();
    pool_.parallel_for(O * run, accumulate ? kGrainCheap : kGrainCopy, [&](i64 b, i64 e) {
      i64 pos = b;
      while (pos < e) {
        const i64 o = pos / run, k = pos % run, n = std::min(run - k, e - pos);
        const T* sp = s + (o * Ls + src_start) * I + k;
        T* dp = d + (o * Ld + dst_start) * I + k;
        if (!accumulate) {
          std::memmove(dp, sp, static_cast<std::size_t>(n) * sizeof(T));
        } else if constexpr (std::is_floating_point_v<T>) {
          simd_map<T>(n, [](Batch<T> x, Batch<T> y) { return x + y; }, dp, dp, sp);
        } else {
          for (i64 i = 0; i < n; ++i) dp[i] = static_cast<T>(dp[i] + sp[i]);
        }
        pos += n;
      }
    });
  });
}

void CpuBackend::gather_rows(const Tensor& x, std::span<const std::int64_t> indices, Tensor& out) {
  const char* kernel = "gather_rows";
  check_tensor(kernel, x, "x");
  check_tensor(kernel, out, "out");
  if (x.rank() < 1)
    fail_shape(kernel, "x is " + describe(x) + "; expected at least one axis");
  const i64 rows = x.shape()[0];
  const i64 row = rows == 0 ? 0 : x.numel() / rows;
  const i64 n = static_cast<i64>(indices.size());
  if (out.dtype() != x.dtype() || out.numel() != n * row)
    fail_shape(kernel, "out is " + describe(out) + " but gathering " + std::to_string(n) + " rows of x " +
                           describe(x) + " needs " + std::to_string(n * row) + " elements of " +
                           dtype_name(x.dtype()));
  for (i64 i = 0; i < n; ++i) {
    const i64 ix = indices[static_cast<std::size_t>(i)];
    if (ix < 0 || ix >= rows)
      fail_value(kernel, "index " + std::to_string(ix) + " at position " + std::to_string(i) +
                             " is out of range for x with " + std::to_string(rows) + " rows");
  }
  const std::size_t rb = static_cast<std::size_t>(row) * dtype_size(x.dtype());
  if (rb == 0) return;
  const char* s = x.data<char>();
  char* d = out.data<char>();
  pool_.parallel_for(n, std::max<i64>(1, kGrainCopy * 4 / static_cast<i64>(rb)), [&](i64 b, i64 e) {
    for (i64 i = b; i < e; ++i)
      std::memcpy(d + static_cast<std::size_t>(i) * rb,
                  s + static_cast<std::size_t>(indices[static_cast<std::size_t>(i)]) * rb, rb);
  });
}

namespace {

/// Checks int32 ids against [0, V); throws ValueError naming the first bad one.
void check_ids(const char* kernel, const std::int32_t* ids, i64 n, i64 V) {
  for (i64 i = 0; i < n; ++i)
    if (ids[i] < 0 || ids[i] >= V)
      fail_value(kernel, "id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                             " is out of range for a table of " + std::to_string(V) + " rows");
}

}  // namespace

void CpuBackend::take(const Tensor& table, const Tensor& ids, Tensor& out) {
  const char* kernel = "take";
  check_tensor(kernel, table, "table");
  check_dtype(kernel, ids, "ids", DType::Int32);
  check_tensor(kernel, out, "out");
  if (table.rank() < 1)
    fail_shape(kernel, "table is " + describe(table) + "; expected at least one axis");
  const i64 V = table.shape()[0];
  const i64 D = V == 0 ? 0 : table.numel() / V;
  const i64 n = ids.numel();
  if (out.dtype() != table.dtype() || out.numel() != n * D)
    fail_shape(kernel, "out is " + describe(out) + " but looking up ids " + describe(ids) + " in table " +
                           describe(table) + " gives " + std::to_string(n * D) + " elements");
  const std::int32_t* ip = ids.data<std::int32_t>();
  check_ids(kernel, ip, n, V);
  const std::size_t rb = static_cast<std::size_t>(D) * dtype_size(table.dtype());
  if (rb == 0) return;
  const char* s = table.data<char>();
  char* d = out.data<char>();
  pool_.parallel_for(n, std::max<i64>(1, kGrainCopy * 4 / static_cast<i64>(rb)), [&](i64 b, i64 e) {
    for (i64 i = b; i < e; ++i)
      std::memcpy(d + static_cast<std::size_t>(i) * rb, s + static_cast<std::size_t>(ip[i]) * rb, rb);
  });
}

void CpuBackend::take_backward(const Tensor& ids, const Tensor& dout, Tensor& dtable) {
  const char* kernel = "take_backward";
  check_dtype(kernel, ids, "ids", DType::Int32);
  check_float(kernel, dout, "dout");
  check_float(kernel, dtable, "dtable");
  if (dtable.rank() < 1)
    fail_shape(kernel, "dtable is " + describe(dtable) + "; expected at least one axis");
  const i64 V = dtable.shape()[0];
  const i64 D = V == 0 ? 0 : dtable.numel() / V;
  const i64 n = ids.numel();
  if (dout.dtype() != dtable.dtype() || dout.numel() != n * D)
    fail_shape(kernel, "dout is " + describe(dout) + " but ids " + describe(ids) + " and dtable " +
                           describe(dtable) + " need " + std::to_string(n * D) + " elements");
  const std::int32_t* ip = ids.data<std::int32_t>();
  check_ids(kernel, ip, n, V);
  if (D == 0 || n == 0) return;
  dispatch_float(dout.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* g = dout.data<T>();
    T* t = dtable.data<T>();
    // Threads own disjoint column ranges, so repeated ids never race.
    const i64 chunks = n * D >= kGrainCheap ? pool_.num_chunks_for(D, 64) : 1;
    pool_.run(chunks, [&](i64 c) {
      const i64 j0 = ThreadPool::split_point(D, chunks, c), j1 = ThreadPool::split_point(D, chunks, c + 1);
      if (j0 >= j1) return;
      for (i64 i = 0; i < n; ++i) {
        T* row = t + static_cast<i64>(ip[i]) * D + j0;
        simd_map<T>(j1 - j0, [](Batch<T> x, Batch<T> y) { return x + y; }, row, row, g + i * D + j0);
      }
    });
  });
}

void CpuBackend::one_hot(const Tensor& labels, Tensor& out) {
  const char* kernel = "one_hot";
  check_dtype(kernel, labels, "labels", DType::Int32);
  check_float(kernel, out, "out");
  if (out.rank() < 1 || out.numel() != labels.numel() * out.shape().back())
    fail_shape(kernel, "out is " + describe(out) + " for labels " + describe(labels) +
                           "; expected out of shape labels.shape + (depth,)");
  const i64 depth = out.shape().back();
  const i64 n = labels.numel();
  const std::int32_t* lp = labels.data<std::int32_t>();
  dispatch_float(out.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    // Labels outside [0, depth) give an all-zero row (tf.one_hot semantics).
    pool_.parallel_for(n, std::max<i64>(1, kGrainCopy / std::max<i64>(depth, 1)), [&](i64 b, i64 e) {
      std::fill(o + b * depth, o + e * depth, T(0));
      for (i64 i = b; i < e; ++i)
        if (lp[i] >= 0 && lp[i] < depth) o[i * depth + lp[i]] = T(1);
    });
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
