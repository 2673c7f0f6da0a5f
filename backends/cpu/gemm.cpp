// gemm.cpp — matmul and bias_add. The only translation unit that includes <cblas.h>.
//
// OpenBLAS is pinned to one thread (its own pool would fight ours for the same cores);
// parallelism comes from splitting a large GEMM into per-thread row or column panels, each a
// single-threaded sgemm/dgemm call, or, for many small batched products, from running whole
// products on different threads.
#include <cblas.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/simd.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

void configure_blas_threads() { openblas_set_num_threads(1); }

std::string blas_description() {
  // OpenBLAS picks its kernels at load time from the CPU (or OPENBLAS_CORETYPE, which some
  // machines set to work around old builds); the core name says which it chose.
  std::string d = openblas_get_config();
  d += " (core: ";
  d += openblas_get_corename();
  d += ")";
  if (const char* forced = std::getenv("OPENBLAS_CORETYPE"); forced && *forced)
    d += std::string(", OPENBLAS_CORETYPE=") + forced;
  return d;
}

namespace {

// Multiply-adds below which a GEMM runs on one thread (~20 us of single-core sgemm).
constexpr i64 kGemmSerialMacs = i64{1} << 20;
// Multiply-adds a thread should get at least.
constexpr i64 kGemmMacsPerThread = i64{1} << 19;
// A matrix-vector product (batch-1 inference) streams its matrix once and is bound by memory,
// not arithmetic: from 64K multiply-adds per thread (a 256 KB slice of the matrix) splitting
// it splits the traffic over the cores' own caches. Measured on Zen 4: a 784x256 Dense layer's
// gemv alone takes most of a 3-layer MLP's batch-1 latency.
constexpr i64 kGemvMacsPerThread = i64{1} << 16;

template <class T>
void gemm1(bool ta, bool tb, i64 M, i64 N, i64 K, T alpha, const T* A, i64 lda, const T* B, i64 ldb,
           T beta, T* C, i64 ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {  // C = beta * C (BLAS may leave C untouched)
    for (i64 i = 0; i < M; ++i)
      for (i64 j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
    return;
  }
  // A product with a single row or column is a matrix-vector product: gemv reads the matrix
  // once, where gemm would first copy (pack) all of it. This is the batch-1 inference path.
  if (M == 1 || N == 1) {
    auto gemv = [](CBLAS_TRANSPOSE t, i64 rows, i64 cols, T al, const T* mat, i64 ld, const T* x, i64 incx,
                   T be, T* y, i64 incy) {
      if constexpr (std::is_same_v<T, float>)
        cblas_sgemv(CblasRowMajor, t, static_cast<blasint>(rows), static_cast<blasint>(cols), al, mat,
                    static_cast<blasint>(ld), x, static_cast<blasint>(incx), be, y, static_cast<blasint>(incy));
      else
        cblas_dgemv(CblasRowMajor, t, static_cast<blasint>(rows), static_cast<blasint>(cols), al, mat,
                    static_cast<blasint>(ld), x, static_cast<blasint>(incx), be, y, static_cast<blasint>(incy));
    };
    if (M == 1) {
      // c (N) = op(B)^T a, where a is row 0 of op(A).
      const i64 inca = ta ? lda : 1;
      if (!tb) gemv(CblasTrans, K, N, alpha, B, ldb, A, inca, beta, C, 1);
      else gemv(CblasNoTrans, N, K, alpha, B, ldb, A, inca, beta, C, 1);
    } else {
      // c (M, column 0) = op(A) b, where b is column 0 of op(B).
      const i64 incb = tb ? 1 : ldb;
      if (!ta) gemv(CblasNoTrans, M, K, alpha, A, lda, B, incb, beta, C, ldc);
      else gemv(CblasTrans, K, M, alpha, A, lda, B, incb, beta, C, ldc);
    }
    return;
  }
  const auto TA = ta ? CblasTrans : CblasNoTrans;
  const auto TB = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, TA, TB, static_cast<blasint>(M), static_cast<blasint>(N),
                static_cast<blasint>(K), alpha, A, static_cast<blasint>(lda), B,
                static_cast<blasint>(ldb), beta, C, static_cast<blasint>(ldc));
  else
    cblas_dgemm(CblasRowMajor, TA, TB, static_cast<blasint>(M), static_cast<blasint>(N),
                static_cast<blasint>(K), alpha, A, static_cast<blasint>(lda), B,
                static_cast<blasint>(ldb), beta, C, static_cast<blasint>(ldc));
}

/// One GEMM, split over the pool along the larger of M and N when it is large enough.
template <class T>
void gemm_parallel(ThreadPool& pool, bool ta, bool tb, i64 M, i64 N, i64 K, T alpha, const T* A,
                   i64 lda, const T* B, i64 ldb, T beta, T* C, i64 ldc) {
  const i64 macs = M * N * K;
  const bool gemv = M == 1 || N == 1;
  const i64 threads = std::min<i64>(pool.num_threads(), macs / (gemv ? kGemvMacsPerThread : kGemmMacsPerThread));
  if ((!gemv && macs < kGemmSerialMacs) || threads <= 1 || ThreadPool::in_parallel_region()) {
    gemm1<T>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  constexpr i64 kAlign = 16;
  if (M >= N) {
    // Row panels of C: rows of op(A).
    const i64 block = ((M + threads - 1) / threads + kAlign - 1) / kAlign * kAlign;
    const i64 chunks = (M + block - 1) / block;
    pool.run(chunks, [&](i64 c) {
      const i64 m0 = c * block, m = std::min(M, m0 + block) - m0;
      const T* a = ta ? A + m0 : A + m0 * lda;
      gemm1<T>(ta, tb, m, N, K, alpha, a, lda, B, ldb, beta, C + m0 * ldc, ldc);
    });
  } else {
    // Column panels of C: columns of op(B).
    const i64 block = ((N + threads - 1) / threads + kAlign - 1) / kAlign * kAlign;
    const i64 chunks = (N + block - 1) / block;
    pool.run(chunks, [&](i64 c) {
      const i64 n0 = c * block, n = std::min(N, n0 + block) - n0;
      const T* b = tb ? B + n0 * ldb : B + n0;
      gemm1<T>(ta, tb, M, n, K, alpha, A, lda, b, ldb, beta, C + n0, ldc);
    });
  }
}

std::string matmul_shapes(const Tensor& a, const Tensor& b, const Tensor& c, bool ta, bool tb) {
  return "a " + describe(a) + (ta ? " (transposed)" : "") + ", b " + describe(b) +
         (tb ? " (transposed)" : "") + ", c " + describe(c);
}

}  // namespace

void CpuBackend::matmul(const Tensor& a, const Tensor& b, Tensor& c, bool transpose_a,
                        bool transpose_b, double alpha, double beta) {
  const char* kernel = "matmul";
  check_float(kernel, a, "a");
  check_tensor(kernel, b, "b");
  check_tensor(kernel, c, "c");
  if (b.dtype() != a.dtype() || c.dtype() != a.dtype())
    fail_value(kernel, matmul_shapes(a, b, c, transpose_a, transpose_b) + ": expected one float dtype");
  if (a.rank() < 2 || b.rank() < 2 || c.rank() < 2)
    fail_shape(kernel, matmul_shapes(a, b, c, transpose_a, transpose_b) +
                           ": every operand needs at least 2 axes");
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  const Shape& cs = c.shape();
  const int ra = a.rank(), rb = b.rank(), rc = c.rank();
  const i64 ar = as[static_cast<std::size_t>(ra - 2)], ac = as[static_cast<std::size_t>(ra - 1)];
  const i64 br = bs[static_cast<std::size_t>(rb - 2)], bc = bs[static_cast<std::size_t>(rb - 1)];
  const i64 M = transpose_a ? ac : ar, K = transpose_a ? ar : ac;
  const i64 Kb = transpose_b ? bc : br, N = transpose_b ? br : bc;
  // Batch axes: right-aligned NumPy broadcast of a's and b's leading axes gives c's.
  const int nbc = rc - 2;
  bool ok = K == Kb && cs[static_cast<std::size_t>(rc - 2)] == M &&
            cs[static_cast<std::size_t>(rc - 1)] == N && ra - 2 <= nbc && rb - 2 <= nbc;
  std::vector<i64> sa(static_cast<std::size_t>(std::max(nbc, 0)), 0), sb(sa.size(), 0);
  i64 batches = 1;
  if (ok) {
    i64 stride_a = M * K, stride_b = K * N;
    for (int d = nbc - 1; d >= 0; --d) {
      const i64 ext = cs[static_cast<std::size_t>(d)];
      const int da = d - (nbc - (ra - 2)), db = d - (nbc - (rb - 2));
      const i64 ea = da >= 0 ? as[static_cast<std::size_t>(da)] : 1;
      const i64 eb = db >= 0 ? bs[static_cast<std::size_t>(db)] : 1;
      if ((ea != ext && ea != 1) || (eb != ext && eb != 1) || (ea == 1 && eb == 1 && ext != 1)) ok = false;
      sa[static_cast<std::size_t>(d)] = ea == 1 ? 0 : stride_a;
      sb[static_cast<std::size_t>(d)] = eb == 1 ? 0 : stride_b;
      stride_a *= ea;
      stride_b *= eb;
      batches *= ext;
    }
  }
  if (!ok)
    fail_shape(kernel, matmul_shapes(a, b, c, transpose_a, transpose_b) +
                           ": expected a (..., M, K), b (..., K, N) and c (..., M, N) with "
                           "broadcastable batch axes");
  if (M > INT_MAX || N > INT_MAX || K > INT_MAX)
    fail_shape(kernel, matmul_shapes(a, b, c, transpose_a, transpose_b) +
                           ": matrix extents above 2^31 - 1 are not supported by BLAS");
  if (batches == 0 || M == 0 || N == 0) return;
  const i64 lda = transpose_a ? M : K, ldb = transpose_b ? K : N, ldc = N;
  dispatch_float(a.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* A = a.data<T>();
    const T* B = b.data<T>();
    T* C = c.data<T>();
    const T al = static_cast<T>(alpha), be = static_cast<T>(beta);
    if (batches == 1) {
      gemm_parallel<T>(pool_, transpose_a, transpose_b, M, N, K, al, A, lda, B, ldb, be, C, ldc);
      return;
    }
    // b shared by every batch and a contiguous and not transposed: one tall GEMM.
    bool b_shared = true, a_full = true;
    for (int d = 0; d < nbc; ++d) {
      b_shared = b_shared && sb[static_cast<std::size_t>(d)] == 0;
      a_full = a_full && (sa[static_cast<std::size_t>(d)] != 0 || cs[static_cast<std::size_t>(d)] == 1);
    }
    if (b_shared && a_full && !transpose_a && batches * M <= INT_MAX) {
      gemm_parallel<T>(pool_, false, transpose_b, batches * M, N, K, al, A, lda, B, ldb, be, C, ldc);
      return;
    }
    auto offsets = [&](i64 bi, i64& oa, i64& ob) {
      oa = 0;
      ob = 0;
      for (int d = nbc - 1; d >= 0; --d) {
        const i64 ext = cs[static_cast<std::size_t>(d)];
        const i64 id = bi % ext;
        bi /= ext;
        oa += id * sa[static_cast<std::size_t>(d)];
        ob += id * sb[static_cast<std::size_t>(d)];
      }
    };
    const i64 macs = M * N * K;
    if (macs >= kGemmSerialMacs * 4) {
      // Big products: one after another, each split across the pool.
      for (i64 bi = 0; bi < batches; ++bi) {
        i64 oa, ob;
        offsets(bi, oa, ob);
        gemm_parallel<T>(pool_, transpose_a, transpose_b, M, N, K, al, A + oa, lda, B + ob, ldb, be,
                         C + bi * M * N, ldc);
      }
      return;
    }
    // Many small products: whole products per thread.
    pool_.parallel_for(batches, std::max<i64>(1, kGemmMacsPerThread / std::max<i64>(macs, 1)),
                       [&](i64 b0, i64 b1) {
                         for (i64 bi = b0; bi < b1; ++bi) {
                           i64 oa, ob;
                           offsets(bi, oa, ob);
                           gemm1<T>(transpose_a, transpose_b, M, N, K, al, A + oa, lda, B + ob, ldb,
                                    be, C + bi * M * N, ldc);
                         }
                       });
  });
}

void CpuBackend::bias_add(Tensor& y, const Tensor& bias) {
  check_float("bias_add", y, "y");
  check_tensor("bias_add", bias, "bias");
  if (y.rank() < 1 || bias.dtype() != y.dtype() || bias.numel() != y.shape().back())
    fail_shape("bias_add", "y is " + describe(y) + " and bias is " + describe(bias) +
                               "; expected bias to hold one element per entry of y's last axis");
  const i64 C = y.shape().back();
  if (C == 0) return;
  const i64 rows = y.numel() / C;
  dispatch_float(y.dtype(), "bias_add", [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    T* yp = y.data<T>();
    const T* bp = bias.data<T>();
    pool_.parallel_for(rows, std::max<i64>(1, kGrainCheap / C), [&](i64 r0, i64 r1) {
      if (C < kLanes<T>) {  // narrow rows: plain loop, no padded vector per row
        for (i64 r = r0; r < r1; ++r)
          for (i64 c = 0; c < C; ++c) yp[r * C + c] += bp[c];
        return;
      }
      for (i64 r = r0; r < r1; ++r)
        simd_map<T>(C, [](B v, B bv) { return v + bv; }, yp + r * C, yp + r * C, bp);
    });
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
