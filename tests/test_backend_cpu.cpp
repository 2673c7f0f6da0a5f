// test_backend_cpu.cpp — every CPU kernel against straightforward reference loops.
//
// Sizes 1, 7, 1023 and 100003 hit scalar-only rows, vector tails and the multi-threaded
// path; both float32 and float64 are checked. The thread pool and the caching allocator are
// also tested directly through their (dependency-free) headers.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <temper/backend.hpp>
#include <temper/error.hpp>
#include <temper/random.hpp>
#include <temper/tensor.hpp>

#include "../backends/cpu/allocator.hpp"
#include "../backends/cpu/thread_pool.hpp"

using temper::Backend;
using temper::BinaryOp;
using temper::DType;
using temper::OptimizerStep;
using temper::ReduceOp;
using temper::Shape;
using temper::Tensor;
using temper::UnaryOp;

namespace {

Backend& be() { return temper::default_backend(); }

/// Restores the backend's thread count when a test changes it.
struct ThreadGuard {
  int saved = be().num_threads();
  ~ThreadGuard() { be().set_num_threads(saved); }
};

template <class T>
std::vector<T> rand_vec(std::size_t n, std::uint32_t seed, double lo = -2.0, double hi = 2.0) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(gen));
  return v;
}

std::vector<std::int32_t> rand_ints(std::size_t n, std::uint32_t seed, int lo, int hi) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<std::int32_t> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}

std::int64_t numel(const Shape& s) {
  std::int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

template <class T>
Tensor make(const std::vector<T>& v, const Shape& s) {
  return Tensor::from_vector(v, s);
}

template <class T>
constexpr DType dt() {
  return temper::dtype_of_v<T>;
}

/// Tolerances per element type: relative, absolute.
template <class T>
struct Tol;
template <>
struct Tol<float> {
  static constexpr double rel = 2e-5, abs = 2e-6;
};
template <>
struct Tol<double> {
  static constexpr double rel = 1e-11, abs = 1e-12;
};

bool close(double got, double want, double rel, double abs) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= abs + rel * std::fabs(want);
}

/// Checks got against want element-wise; reports the first mismatch.
template <class T, class U>
void check_close(const std::vector<T>& got, const std::vector<U>& want, double rel, double abs,
                 const std::string& what) {
  REQUIRE_MESSAGE(got.size() == want.size(), what);
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!close(static_cast<double>(got[i]), static_cast<double>(want[i]), rel, abs)) {
      FAIL_CHECK(what << ": element " << i << " is " << static_cast<double>(got[i]) << ", expected "
                      << static_cast<double>(want[i]));
      return;
    }
  }
}

template <class T, class U>
void check_close_t(const std::vector<T>& got, const std::vector<U>& want, const std::string& what,
                   double scale = 1.0) {
  check_close(got, want, Tol<T>::rel * scale, Tol<T>::abs * scale, what);
}

const std::int64_t kSizes[] = {1, 7, 1023, 100003};

// ---- reference math ------------------------------------------------------------------------

constexpr double kPi = 3.14159265358979323846;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double ref_unary(UnaryOp op, double x, double a) {
  switch (op) {
    case UnaryOp::Identity: return x;
    case UnaryOp::Neg: return -x;
    case UnaryOp::Abs: return std::fabs(x);
    case UnaryOp::Sign: return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
    case UnaryOp::Square: return x * x;
    case UnaryOp::Sqrt: return std::sqrt(x);
    case UnaryOp::Rsqrt: return 1.0 / std::sqrt(x);
    case UnaryOp::Exp: return std::exp(x);
    case UnaryOp::Log: return std::log(x);
    case UnaryOp::Log1p: return std::log1p(x);
    case UnaryOp::Reciprocal: return 1.0 / x;
    case UnaryOp::Pow: return std::pow(x, a);
    case UnaryOp::Relu: return std::max(x, 0.0);
    case UnaryOp::Relu6: return std::min(std::max(x, 0.0), 6.0);
    case UnaryOp::LeakyRelu: return x > 0 ? x : a * x;
    case UnaryOp::Sigmoid: return sigmoid(x);
    case UnaryOp::Tanh: return std::tanh(x);
    case UnaryOp::Gelu: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case UnaryOp::GeluTanh:
      return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / kPi) * (x + 0.044715 * x * x * x)));
    case UnaryOp::Elu: return x > 0 ? x : a * (std::exp(x) - 1.0);
    case UnaryOp::Selu: return kSeluScale * (x > 0 ? x : kSeluAlpha * (std::exp(x) - 1.0));
    case UnaryOp::Softplus: return std::log1p(std::exp(-std::fabs(x))) + std::max(x, 0.0);
    case UnaryOp::Softsign: return x / (1.0 + std::fabs(x));
    case UnaryOp::Swish: return x * sigmoid(x);
    case UnaryOp::HardSigmoid: return std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0;
    case UnaryOp::Exponential: return std::exp(x);
    case UnaryOp::Floor: return std::floor(x);
    case UnaryOp::Round: return std::nearbyint(x);
  }
  return 0;
}

double ref_grad(UnaryOp op, double x, double a) {
  switch (op) {
    case UnaryOp::Identity: return 1;
    case UnaryOp::Neg: return -1;
    case UnaryOp::Abs: return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
    case UnaryOp::Sign:
    case UnaryOp::Floor:
    case UnaryOp::Round: return 0;
    case UnaryOp::Square: return 2 * x;
    case UnaryOp::Sqrt: return 0.5 / std::sqrt(x);
    case UnaryOp::Rsqrt: return -0.5 * std::pow(x, -1.5);
    case UnaryOp::Exp:
    case UnaryOp::Exponential: return std::exp(x);
    case UnaryOp::Log: return 1.0 / x;
    case UnaryOp::Log1p: return 1.0 / (1.0 + x);
    case UnaryOp::Reciprocal: return -1.0 / (x * x);
    case UnaryOp::Pow: return a * std::pow(x, a - 1);
    case UnaryOp::Relu: return x > 0 ? 1 : 0;
    case UnaryOp::Relu6: return x > 0 && x < 6 ? 1 : 0;
    case UnaryOp::LeakyRelu: return x > 0 ? 1 : a;
    case UnaryOp::Sigmoid: return sigmoid(x) * (1 - sigmoid(x));
    case UnaryOp::Tanh: return 1 - std::tanh(x) * std::tanh(x);
    case UnaryOp::Gelu:
      return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) + x * std::exp(-0.5 * x * x) / std::sqrt(2 * kPi);
    case UnaryOp::GeluTanh: {
      const double c = std::sqrt(2.0 / kPi), t = std::tanh(c * (x + 0.044715 * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
    }
    case UnaryOp::Elu: return x > 0 ? 1 : a * std::exp(x);
    case UnaryOp::Selu: return x > 0 ? kSeluScale : kSeluScale * kSeluAlpha * std::exp(x);
    case UnaryOp::Softplus: return sigmoid(x);
    case UnaryOp::Softsign: return 1.0 / ((1 + std::fabs(x)) * (1 + std::fabs(x)));
    case UnaryOp::Swish: return sigmoid(x) * (1 + x * (1 - sigmoid(x)));
    case UnaryOp::HardSigmoid: return x > -3 && x < 3 ? 1.0 / 6.0 : 0.0;
  }
  return 0;
}

struct UnaryCase {
  UnaryOp op;
  const char* name;
  double lo, hi, alpha;
};

const UnaryCase kUnaryCases[] = {
    {UnaryOp::Identity, "Identity", -3, 3, 0},     {UnaryOp::Neg, "Neg", -3, 3, 0},
    {UnaryOp::Abs, "Abs", -3, 3, 0},               {UnaryOp::Sign, "Sign", -3, 3, 0},
    {UnaryOp::Square, "Square", -3, 3, 0},         {UnaryOp::Sqrt, "Sqrt", 0.1, 5, 0},
    {UnaryOp::Rsqrt, "Rsqrt", 0.1, 5, 0},          {UnaryOp::Exp, "Exp", -10, 10, 0},
    {UnaryOp::Log, "Log", 0.01, 10, 0},            {UnaryOp::Log1p, "Log1p", -0.9, 10, 0},
    {UnaryOp::Reciprocal, "Reciprocal", 0.1, 5, 0}, {UnaryOp::Pow, "Pow(3)", -3, 3, 3},
    {UnaryOp::Pow, "Pow(2)", -3, 3, 2},            {UnaryOp::Pow, "Pow(-2)", 0.2, 3, -2},
    {UnaryOp::Pow, "Pow(1.7)", 0.1, 3, 1.7},       {UnaryOp::Pow, "Pow(0.5)", 0.1, 3, 0.5},
    {UnaryOp::Relu, "Relu", -3, 3, 0},             {UnaryOp::Relu6, "Relu6", -3, 9, 0},
    {UnaryOp::LeakyRelu, "LeakyRelu", -3, 3, 0.2}, {UnaryOp::Sigmoid, "Sigmoid", -12, 12, 0},
    {UnaryOp::Tanh, "Tanh", -6, 6, 0},             {UnaryOp::Gelu, "Gelu", -6, 6, 0},
    {UnaryOp::GeluTanh, "GeluTanh", -6, 6, 0},     {UnaryOp::Elu, "Elu", -4, 4, 1.3},
    {UnaryOp::Selu, "Selu", -4, 4, 0},             {UnaryOp::Softplus, "Softplus", -30, 30, 0},
    {UnaryOp::Softsign, "Softsign", -5, 5, 0},     {UnaryOp::Swish, "Swish", -8, 8, 0},
    {UnaryOp::HardSigmoid, "HardSigmoid", -5, 5, 0}, {UnaryOp::Exponential, "Exponential", -5, 5, 0},
    {UnaryOp::Floor, "Floor", -5, 5, 0},           {UnaryOp::Round, "Round", -5, 5, 0},
};

template <class T>
void check_unary_all() {
  std::uint32_t seed = 1;
  for (const auto& c : kUnaryCases) {
    for (auto n : kSizes) {
      const auto x = rand_vec<T>(static_cast<std::size_t>(n), seed++, c.lo, c.hi);
      const auto dyv = rand_vec<T>(static_cast<std::size_t>(n), seed++);
      Tensor tx = make(x, {n});
      Tensor ty = Tensor::empty({n}, dt<T>());
      be().unary(c.op, tx, ty, c.alpha);
      std::vector<double> want(x.size()), gwant(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        want[i] = ref_unary(c.op, x[i], c.alpha);
        gwant[i] = dyv[i] * ref_grad(c.op, x[i], c.alpha);
      }
      const std::string what = std::string(c.name) + " n=" + std::to_string(n) + " " +
                               temper::dtype_name(dt<T>());
      // float32 transcendental polynomials are accurate to a few ulp
      check_close_t(ty.to_vector<T>(), want, what, 4.0);
      Tensor tdy = make(dyv, {n});
      Tensor tdx = Tensor::empty({n}, dt<T>());
      be().unary_backward(c.op, tx, ty, tdy, tdx, c.alpha);
      check_close_t(tdx.to_vector<T>(), gwant, "backward " + what, 8.0);
      // y not kept: the kernel recomputes what it needs from x
      Tensor tdx2 = Tensor::empty({n}, dt<T>());
      be().unary_backward(c.op, tx, Tensor(), tdy, tdx2, c.alpha);
      check_close_t(tdx2.to_vector<T>(), gwant, "backward (no y) " + what, 8.0);
      // in place: dx aliases dy
      be().unary_backward(c.op, tx, ty, tdy, tdy, c.alpha);
      check_close_t(tdy.to_vector<T>(), gwant, "backward in place " + what, 8.0);
    }
  }
}

// Broadcast index helper: offset in `in` (right-aligned) of out's multi-index.
std::int64_t bcast_offset(const Shape& out, const Shape& in, std::int64_t flat) {
  std::int64_t off = 0, stride = 1;
  const int r = static_cast<int>(out.size()), ri = static_cast<int>(in.size());
  for (int d = r - 1; d >= 0; --d) {
    const std::int64_t idx = flat % out[static_cast<std::size_t>(d)];
    flat /= out[static_cast<std::size_t>(d)];
    const int id = d - (r - ri);
    if (id < 0) continue;
    const std::int64_t ext = in[static_cast<std::size_t>(id)];
    if (ext != 1) off += idx * stride;
    stride *= ext;
  }
  return off;
}

double ref_binary(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Pow: return std::pow(a, b);
    case BinaryOp::Maximum: return std::max(a, b);
    case BinaryOp::Minimum: return std::min(a, b);
    case BinaryOp::Equal: return a == b;
    case BinaryOp::NotEqual: return a != b;
    case BinaryOp::Greater: return a > b;
    case BinaryOp::GreaterEqual: return a >= b;
    case BinaryOp::Less: return a < b;
    case BinaryOp::LessEqual: return a <= b;
  }
  return 0;
}

const BinaryOp kBinaryOps[] = {BinaryOp::Add,      BinaryOp::Sub,          BinaryOp::Mul,
                               BinaryOp::Div,      BinaryOp::Pow,          BinaryOp::Maximum,
                               BinaryOp::Minimum,  BinaryOp::Equal,        BinaryOp::NotEqual,
                               BinaryOp::Greater,  BinaryOp::GreaterEqual, BinaryOp::Less,
                               BinaryOp::LessEqual};

Shape bshape(const Shape& a, const Shape& b) {
  const std::size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (std::size_t i = 0; i < r; ++i) {
    const std::int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const std::int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

template <class T>
void check_binary_shapes(const Shape& as, const Shape& bs) {
  const Shape os = bshape(as, bs);
  auto a = rand_vec<T>(static_cast<std::size_t>(numel(as)), 11, 0.5, 2.0);
  auto b = rand_vec<T>(static_cast<std::size_t>(numel(bs)), 12, 0.5, 2.0);
  // Make some values equal so that comparisons see ties.
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); i += 3) a[i] = b[i];
  Tensor ta = make(a, as), tb = make(b, bs);
  for (BinaryOp op : kBinaryOps) {
    Tensor out = Tensor::empty(os, dt<T>());
    be().binary(op, ta, tb, out);
    std::vector<double> want(static_cast<std::size_t>(numel(os)));
    for (std::int64_t i = 0; i < numel(os); ++i)
      want[static_cast<std::size_t>(i)] =
          ref_binary(op, a[static_cast<std::size_t>(bcast_offset(os, as, i))],
                     b[static_cast<std::size_t>(bcast_offset(os, bs, i))]);
    check_close_t(out.to_vector<T>(), want,
                  "binary op " + std::to_string(static_cast<int>(op)) + " " + temper::shape_to_string(as) +
                      " with " + temper::shape_to_string(bs),
                  4.0);
  }
}

template <class T>
std::vector<T> naive_matmul(const std::vector<T>& a, const std::vector<T>& b, std::int64_t M,
                            std::int64_t N, std::int64_t K, bool ta, bool tb) {
  std::vector<T> c(static_cast<std::size_t>(M * N));
  for (std::int64_t i = 0; i < M; ++i)
    for (std::int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (std::int64_t k = 0; k < K; ++k) {
        const double av = ta ? a[static_cast<std::size_t>(k * M + i)] : a[static_cast<std::size_t>(i * K + k)];
        const double bv = tb ? b[static_cast<std::size_t>(j * K + k)] : b[static_cast<std::size_t>(k * N + j)];
        s += av * bv;
      }
      c[static_cast<std::size_t>(i * N + j)] = static_cast<T>(s);
    }
  return c;
}

}  // namespace

// ======================================================================================
TEST_CASE("cpu backend: identity and thread count") {
  CHECK(be().name() == "cpu");
  CHECK(be().device_type() == temper::DeviceType::CPU);
  CHECK(be().num_threads() >= 1);
  ThreadGuard g;
  be().set_num_threads(1);
  CHECK(be().num_threads() == 1);
  be().set_num_threads(2);
  CHECK(be().num_threads() == 2);
}

TEST_CASE("cpu allocator: size classes") {
  using temper::cpu::CachingAllocator;
  std::size_t prev = 0;
  for (int i = 0; i < 120; ++i) {
    const std::size_t s = CachingAllocator::class_size(i);
    CHECK(s > prev);
    CHECK(s % 64 == 0);
    CHECK(CachingAllocator::class_index(s) == i);
    CHECK(CachingAllocator::class_index(prev + 1) == i);
    prev = s;
  }
  // Rounding waste is bounded by 25% above 256 bytes.
  for (std::size_t b : {257ul, 1000ul, 4097ul, 100000ul, 123456789ul}) {
    const std::size_t s = CachingAllocator::class_size(CachingAllocator::class_index(b));
    CHECK(s >= b);
    CHECK(static_cast<double>(s) <= 1.25 * static_cast<double>(b));
  }
}

TEST_CASE("cpu allocator: blocks are aligned, cached and reused") {
  temper::cpu::CachingAllocator alloc(std::size_t{1} << 30);
  void* p = alloc.allocate(1000);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);
  alloc.release(p, 1000);
  void* q = alloc.allocate(1010);  // same size class
  CHECK(q == p);
  void* z = alloc.allocate(0);
  CHECK(z != nullptr);
  alloc.release(z, 0);
  alloc.release(q, 1010);
  auto s = alloc.stats();
  CHECK(s.system_allocs == 2);
  CHECK(s.cache_hits == 1);
  CHECK(s.bytes_in_use == 0);
  // Steady state: a repeated pattern of sizes performs no new system allocation.
  for (int step = 0; step < 5; ++step) {
    std::vector<std::pair<void*, std::size_t>> live;
    for (std::size_t b : {100ul, 4096ul, 1ul << 20, 3000ul, 4096ul})
      live.emplace_back(alloc.allocate(b), b);
    for (auto& [ptr, b] : live) alloc.release(ptr, b);
  }
  const auto s2 = alloc.stats();
  CHECK(s2.system_allocs == 2 + 5);  // five new size classes in the first step, none after
  alloc.empty_cache();
  CHECK(alloc.stats().bytes_cached == 0);
}

TEST_CASE("cpu allocator: cache limit frees excess blocks") {
  temper::cpu::CachingAllocator alloc(4096);
  void* a = alloc.allocate(4096);
  void* b = alloc.allocate(4096);
  alloc.release(a, 4096);
  alloc.release(b, 4096);  // over the limit: freed
  const auto s = alloc.stats();
  CHECK(s.bytes_cached == 4096);
  CHECK(s.system_frees == 1);
}

TEST_CASE("cpu backend: buffers return to the cache") {
  auto b1 = be().allocate(12345);
  void* p = b1->data();
  CHECK(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);
  b1.reset();
  auto b2 = be().allocate(12345);
  CHECK(b2->data() == p);
  auto b0 = be().allocate(0);
  CHECK(b0->bytes() == 0);
  Tensor e = Tensor::empty({0, 3});
  CHECK(e.numel() == 0);
  CHECK(e.to_vector<float>().empty());
}

TEST_CASE("cpu thread pool: ranges, exceptions, nesting and concurrent callers") {
  temper::cpu::ThreadPool pool(3);
  CHECK(pool.num_threads() == 3);
  for (std::int64_t n : {1l, 15l, 16l, 100l, 1000l, 100003l}) {
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
    for (int rep = 0; rep < 20; ++rep) {
      pool.parallel_for(n, 1, [&](std::int64_t b, std::int64_t e) {
        CHECK(b < e);
        for (std::int64_t i = b; i < e; ++i) hits[static_cast<std::size_t>(i)]++;
      });
    }
    bool ok = true;
    for (auto& h : hits) ok = ok && h.load() == 20;
    CHECK(ok);
  }
  // Below the grain: one serial call.
  int calls = 0;
  pool.parallel_for(100, 1000, [&](std::int64_t b, std::int64_t e) {
    ++calls;
    CHECK(b == 0);
    CHECK(e == 100);
  });
  CHECK(calls == 1);
  // Exceptions propagate to the caller after every chunk finished.
  CHECK_THROWS_AS(pool.run(8, [](std::int64_t c) {
    if (c == 5) throw temper::ValueError("chunk 5");
  }),
                  temper::ValueError);
  // Nested parallel_for runs serially inside a chunk.
  std::atomic<int> inner{0};
  pool.run(4, [&](std::int64_t) {
    CHECK(temper::cpu::ThreadPool::in_parallel_region());
    pool.parallel_for(1000, 1, [&](std::int64_t b, std::int64_t e) { inner += static_cast<int>(e - b); });
  });
  CHECK(inner == 4000);
  // Two application threads sharing the pool.
  std::atomic<std::int64_t> total{0};
  auto work = [&] {
    for (int rep = 0; rep < 200; ++rep)
      pool.parallel_for(10000, 100, [&](std::int64_t b, std::int64_t e) { total += e - b; });
  };
  std::thread t1(work), t2(work);
  t1.join();
  t2.join();
  CHECK(total == 2 * 200 * 10000);
  // Resizing.
  pool.set_num_threads(1);
  CHECK(pool.num_threads() == 1);
  pool.set_num_threads(2);
  std::atomic<std::int64_t> s{0};
  pool.parallel_for(1 << 20, 1, [&](std::int64_t b, std::int64_t e) { s += e - b; });
  CHECK(s == (1 << 20));
}

TEST_CASE("cpu backend: copy, cast, fill and host transfers for every dtype") {
  std::vector<float> f = {1.5f, -2.7f, 300.f, -1e10f, 0.f, 255.9f, std::nanf("")};
  Tensor tf = make(f, {7});
  Tensor ti = Tensor::empty({7}, DType::Int32);
  be().cast(tf, ti);
  CHECK(ti.to_vector<std::int32_t>() ==
        std::vector<std::int32_t>{1, -2, 300, std::numeric_limits<std::int32_t>::min(), 0, 255, 0});
  Tensor tu = Tensor::empty({7}, DType::UInt8);
  be().cast(tf, tu);
  CHECK(tu.to_vector<std::uint8_t>() == std::vector<std::uint8_t>{1, 0, 255, 0, 0, 255, 0});
  Tensor td = Tensor::empty({7}, DType::Float64);
  be().cast(ti, td);
  CHECK(td.to_vector<double>()[2] == 300.0);
  std::vector<std::uint8_t> bytes = {0, 7, 128, 255};
  Tensor tb = make(bytes, {2, 2});
  Tensor tb2 = Tensor::empty({4}, DType::UInt8);
  be().copy(tb, tb2);
  CHECK(tb2.to_vector<std::uint8_t>() == bytes);
  Tensor tbf = Tensor::empty({4}, DType::Float32);
  be().cast(tb, tbf);
  CHECK(tbf.to_vector<float>() == std::vector<float>{0, 7, 128, 255});
  for (auto n : kSizes) {
    Tensor t = Tensor::empty({n}, DType::Int32);
    be().fill(t, 42);
    auto v = t.to_vector<std::int32_t>();
    CHECK(std::all_of(v.begin(), v.end(), [](std::int32_t x) { return x == 42; }));
    Tensor d = Tensor::empty({n}, DType::Float64);
    be().fill(d, -0.25);
    auto dv = d.to_vector<double>();
    CHECK(std::all_of(dv.begin(), dv.end(), [](double x) { return x == -0.25; }));
    const auto src = rand_vec<float>(static_cast<std::size_t>(n), 3);
    Tensor s = make(src, {n});
    Tensor c = Tensor::empty({1, n});
    be().copy(s, c);
    CHECK(c.to_vector<float>() == src);
  }
  Tensor six = Tensor::empty({6});
  CHECK_THROWS_AS(be().copy(tf, six), temper::ShapeError);
}

TEST_CASE("cpu backend: unary kernels and derivatives, float32") { check_unary_all<float>(); }
TEST_CASE("cpu backend: unary kernels and derivatives, float64") { check_unary_all<double>(); }

TEST_CASE("cpu backend: unary edge values") {
  std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 0.49f, -2.51f};
  Tensor t = make(x, {7}), y = Tensor::empty({7});
  be().unary(UnaryOp::Round, t, y);
  CHECK(y.to_vector<float>() == std::vector<float>{0, 2, 2, -0.f, -2, 0, -3});  // half to even
  std::vector<float> big = {-1000.f, 1000.f, -100.f, 100.f, 0.f};
  Tensor tb = make(big, {5}), yb = Tensor::empty({5});
  be().unary(UnaryOp::Softplus, tb, yb);
  auto sp = yb.to_vector<float>();
  CHECK(sp[0] == 0.f);
  CHECK(sp[1] == 1000.f);
  CHECK(std::isfinite(sp[2]));
  be().unary(UnaryOp::Sigmoid, tb, yb);
  auto sg = yb.to_vector<float>();
  CHECK(sg[0] == 0.f);
  CHECK(sg[1] == 1.f);
  CHECK(sg[4] == 0.5f);
  std::vector<float> neg = {-2.f, -3.f};
  Tensor tn = make(neg, {2}), yn = Tensor::empty({2});
  be().unary(UnaryOp::Pow, tn, yn, 3.0);  // integer exponent of a negative base
  CHECK(yn.to_vector<float>() == std::vector<float>{-8.f, -27.f});
  Tensor three = Tensor::empty({3});
  CHECK_THROWS_AS(be().unary(UnaryOp::Relu, tn, three), temper::ShapeError);
  Tensor i2 = Tensor::empty({2}, DType::Int32);
  CHECK_THROWS_AS(be().unary(UnaryOp::Relu, i2, i2), temper::ValueError);
}

TEST_CASE("cpu backend: binary broadcasting") {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{1023}, {1023}},        {{7}, {}},          {{}, {7}},           {{1}, {100003}},
      {{37, 129}, {129}},      {{129}, {37, 129}}, {{37, 129}, {37, 1}}, {{37, 1}, {37, 129}},
      {{4, 1, 5}, {3, 1}},     {{2, 3, 4, 5}, {3, 1, 5}}, {{300, 1001}, {1001}}, {{300, 1}, {1, 1001}},
      {{5, 1, 1, 3}, {1, 4, 2, 1}}, {{1, 1}, {1}}};
  for (const auto& [as, bs] : cases) {
    check_binary_shapes<float>(as, bs);
    check_binary_shapes<double>(as, bs);
  }
  Tensor a = Tensor::empty({3, 4}), b = Tensor::empty({5}), out = Tensor::empty({3, 4});
  CHECK_THROWS_AS(be().binary(BinaryOp::Add, a, b, out), temper::ShapeError);
}

TEST_CASE("cpu backend: binary with mixed and integer dtypes") {
  std::vector<std::int32_t> labels = {0, 3, 2, 9, 1, 1, 5};
  std::vector<std::int32_t> pred = {0, 2, 2, 9, 0, 1, 4};
  Tensor out = Tensor::empty({7}, DType::Float32);
  be().binary(BinaryOp::Equal, make(labels, {7}), make(pred, {7}), out);
  CHECK(out.to_vector<float>() == std::vector<float>{1, 0, 1, 1, 0, 1, 0});
  be().binary(BinaryOp::NotEqual, make(labels, {7}), make(pred, {7}), out);
  CHECK(out.to_vector<float>() == std::vector<float>{0, 1, 0, 0, 1, 0, 1});
  // int32 vs float32 operands
  std::vector<float> fl = {0.f, 3.f, 2.5f, 9.f, 1.f, 2.f, 5.f};
  be().binary(BinaryOp::Equal, make(labels, {7}), make(fl, {7}), out);
  CHECK(out.to_vector<float>() == std::vector<float>{1, 1, 0, 1, 1, 0, 1});
  // uint8 image bytes / 255 into float32
  std::vector<std::uint8_t> px = {0, 51, 255};
  Tensor img = Tensor::empty({3}, DType::Float32);
  be().binary_scalar(BinaryOp::Div, make(px, {3}), 255.0, img);
  check_close(img.to_vector<float>(), std::vector<double>{0.0, 0.2, 1.0}, 1e-6, 1e-7, "uint8 / 255");
  // int32 arithmetic stays int32
  Tensor isum = Tensor::empty({7}, DType::Int32);
  be().binary(BinaryOp::Add, make(labels, {7}), make(pred, {7}), isum);
  CHECK(isum.to_vector<std::int32_t>() == std::vector<std::int32_t>{0, 5, 4, 18, 1, 2, 9});
  // comparison into float64 output, broadcasting an int32 scalar tensor
  Tensor o64 = Tensor::empty({7}, DType::Float64);
  be().binary(BinaryOp::Greater, make(labels, {7}), make(std::vector<std::int32_t>{2}, {}), o64);
  CHECK(o64.to_vector<double>() == std::vector<double>{0, 1, 0, 1, 0, 0, 1});
}

TEST_CASE("cpu backend: binary_scalar") {
  for (auto n : kSizes) {
    const auto a = rand_vec<float>(static_cast<std::size_t>(n), 5, 0.5, 3.0);
    Tensor ta = make(a, {n});
    for (BinaryOp op : kBinaryOps) {
      for (bool first : {false, true}) {
        Tensor out = Tensor::empty({n});
        be().binary_scalar(op, ta, 1.25, out, first);
        std::vector<double> want(a.size());
        for (std::size_t i = 0; i < a.size(); ++i)
          want[i] = first ? ref_binary(op, 1.25, a[i]) : ref_binary(op, a[i], 1.25);
        check_close_t(out.to_vector<float>(), want, "binary_scalar " + std::to_string(static_cast<int>(op)), 4.0);
      }
    }
    const auto d = rand_vec<double>(static_cast<std::size_t>(n), 6, 0.5, 3.0);
    Tensor td = make(d, {n}), od = Tensor::empty({n}, DType::Float64);
    be().binary_scalar(BinaryOp::Sub, td, 0.1, od, true);
    std::vector<double> want(d.size());
    for (std::size_t i = 0; i < d.size(); ++i) want[i] = 0.1 - d[i];
    check_close_t(od.to_vector<double>(), want, "0.1 - x float64");
  }
}

TEST_CASE("cpu backend: clip, where, axpy, scale") {
  for (auto n : kSizes) {
    const auto x = rand_vec<float>(static_cast<std::size_t>(n), 7, -3, 3);
    const auto g = rand_vec<float>(static_cast<std::size_t>(n), 8);
    Tensor tx = make(x, {n}), tg = make(g, {n});
    Tensor y = Tensor::empty({n});
    be().clip(tx, -1.0, 0.5, y);
    Tensor dx = Tensor::empty({n});
    be().clip_backward(tx, -1.0, 0.5, tg, dx);
    std::vector<double> w(x.size()), wd(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      w[i] = std::min(std::max(static_cast<double>(x[i]), -1.0), 0.5);
      wd[i] = (x[i] >= -1.0f && x[i] <= 0.5f) ? g[i] : 0.0;
    }
    check_close_t(y.to_vector<float>(), w, "clip");
    check_close_t(dx.to_vector<float>(), wd, "clip_backward");
    // axpy / scale
    Tensor acc = make(g, {n});
    be().axpy(-0.5, tx, acc);
    for (std::size_t i = 0; i < x.size(); ++i) w[i] = g[i] - 0.5 * x[i];
    check_close_t(acc.to_vector<float>(), w, "axpy");
    be().axpy(1.0, tx, acc);
    for (std::size_t i = 0; i < x.size(); ++i) w[i] += x[i];
    check_close_t(acc.to_vector<float>(), w, "axpy alpha=1");
    be().scale(acc, 3.0);
    for (auto& v : w) v *= 3.0;
    check_close_t(acc.to_vector<float>(), w, "scale", 2.0);
  }
  // where with broadcasting and a uint8 condition
  std::vector<std::uint8_t> cond = {1, 0, 1};
  std::vector<double> a(12), b = {-1, -2, -3};
  std::iota(a.begin(), a.end(), 0.0);
  Tensor out = Tensor::empty({4, 3}, DType::Float64);
  be().where(make(cond, {3}), make(a, {4, 3}), make(b, {3}), out);
  std::vector<double> want;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) want.push_back(cond[static_cast<std::size_t>(j)] ? a[static_cast<std::size_t>(i * 3 + j)] : b[static_cast<std::size_t>(j)]);
  CHECK(out.to_vector<double>() == want);
  // float condition, large
  const std::int64_t n = 100003;
  auto c = rand_vec<float>(static_cast<std::size_t>(n), 9, -1, 1);
  for (auto& v : c) v = v > 0 ? 1.f : 0.f;
  auto xa = rand_vec<float>(static_cast<std::size_t>(n), 10), xb = rand_vec<float>(static_cast<std::size_t>(n), 11);
  Tensor o = Tensor::empty({n});
  be().where(make(c, {n}), make(xa, {n}), make(xb, {n}), o);
  auto ov = o.to_vector<float>();
  bool ok = true;
  for (std::size_t i = 0; i < ov.size(); ++i) ok = ok && ov[i] == (c[i] != 0 ? xa[i] : xb[i]);
  CHECK(ok);
}

namespace {

template <class T>
void check_reduce(const Shape& s, const std::vector<int>& axes, double tol_scale = 1.0) {
  const auto x = rand_vec<T>(static_cast<std::size_t>(numel(s)), 21, 0.5, 1.5);
  Tensor tx = make(x, s);
  Shape os;
  std::vector<char> red(s.size(), 0);
  for (int a : axes) red[static_cast<std::size_t>(a)] = 1;
  for (std::size_t d = 0; d < s.size(); ++d)
    if (!red[d]) os.push_back(s[d]);
  const std::int64_t on = numel(os);
  for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max, ReduceOp::Min, ReduceOp::Prod}) {
    std::vector<double> want(static_cast<std::size_t>(on));
    std::vector<std::int64_t> cnt(static_cast<std::size_t>(on), 0);
    for (auto& w : want)
      w = op == ReduceOp::Prod ? 1.0 : (op == ReduceOp::Max ? -INFINITY : (op == ReduceOp::Min ? INFINITY : 0.0));
    for (std::int64_t i = 0; i < numel(s); ++i) {
      std::int64_t rem = i, o = 0, stride = 1;
      for (int d = static_cast<int>(s.size()) - 1; d >= 0; --d) {
        const std::int64_t idx = rem % s[static_cast<std::size_t>(d)];
        rem /= s[static_cast<std::size_t>(d)];
        if (!red[static_cast<std::size_t>(d)]) {
          o += idx * stride;
          stride *= s[static_cast<std::size_t>(d)];
        }
      }
      auto& w = want[static_cast<std::size_t>(o)];
      const double v = x[static_cast<std::size_t>(i)];
      switch (op) {
        case ReduceOp::Sum:
        case ReduceOp::Mean: w += v; break;
        case ReduceOp::Max: w = std::max(w, v); break;
        case ReduceOp::Min: w = std::min(w, v); break;
        case ReduceOp::Prod: w *= v; break;
      }
      cnt[static_cast<std::size_t>(o)]++;
    }
    if (op == ReduceOp::Mean)
      for (std::size_t k = 0; k < want.size(); ++k) want[k] /= static_cast<double>(cnt[k]);
    Tensor out = Tensor::empty(os, dt<T>());
    be().reduce(op, tx, axes, out);
    std::string ax;
    for (int a : axes) ax += std::to_string(a) + ",";
    // products of many values in [0.5, 1.5) accumulate rounding: allow more
    const double sc = tol_scale * (op == ReduceOp::Prod ? 50.0 : 10.0);
    check_close_t(out.to_vector<T>(), want,
                  "reduce op " + std::to_string(static_cast<int>(op)) + " of " + temper::shape_to_string(s) +
                      " over {" + ax + "}",
                  sc);
  }
}

}  // namespace

TEST_CASE("cpu backend: reduce over axis sets") {
  const Shape s = {3, 4, 5, 6};
  const std::vector<std::vector<int>> sets = {{},     {0},    {1},       {3},       {0, 1},    {1, 2},
                                              {0, 2}, {1, 3}, {0, 3},    {0, 1, 2}, {1, 2, 3}, {0, 2, 3},
                                              {0, 1, 2, 3}};
  for (const auto& axes : sets) {
    check_reduce<float>(s, axes);
    check_reduce<double>(s, axes);
  }
  check_reduce<float>({1, 7, 1}, {1});
  check_reduce<float>({7, 1}, {0, 1});
  check_reduce<double>({1}, {0});
}

TEST_CASE("cpu backend: large reductions are accurate and thread-count independent") {
  ThreadGuard guard;
  // Sum of 1e6 float32 values of 0.1: a naive float loop ends near 100958 (1% off); blocked
  // pairwise summation stays within a few float ulps (ulp(1e5) = 0.0078).
  const std::int64_t n = 1000000;
  Tensor t = Tensor::full({n}, 0.1);
  Tensor s = Tensor::empty({});
  const int axes0[] = {0};
  be().reduce(ReduceOp::Sum, t, axes0, s);
  CHECK(std::fabs(s.item() - 100000.0) < 0.2);
  // Shapes that take the blocked (partials) paths; float64 exactness vs reference.
  check_reduce<double>({100003}, {0});
  check_reduce<float>({100003}, {0}, 10.0);
  check_reduce<double>({1000, 101}, {0});
  check_reduce<double>({101, 1000}, {1});
  check_reduce<double>({60000, 10}, {0});
  check_reduce<double>({3, 20000, 7}, {1});
  check_reduce<double>({5, 70000}, {1});
  // Determinism: bitwise equal results with 1 and 2 threads.
  const auto x = rand_vec<float>(700001, 5);
  Tensor tx = make(x, {700001});
  std::vector<float> r1, r2, c1, c2;
  Tensor big = make(std::vector<float>(x.begin(), x.begin() + 700000), {7000, 100});
  const int ax0[] = {0};
  for (int threads : {1, 2}) {
    be().set_num_threads(threads);
    Tensor o = Tensor::empty({});
    be().reduce(ReduceOp::Sum, tx, ax0, o);
    Tensor oc = Tensor::empty({100});
    be().reduce(ReduceOp::Sum, big, ax0, oc);
    (threads == 1 ? r1 : r2) = o.to_vector<float>();
    (threads == 1 ? c1 : c2) = oc.to_vector<float>();
  }
  CHECK(r1 == r2);
  CHECK(c1 == c2);
  // Empty reductions.
  Tensor e = Tensor::empty({0, 3});
  Tensor eo = Tensor::empty({3});
  be().reduce(ReduceOp::Sum, e, ax0, eo);
  CHECK(eo.to_vector<float>() == std::vector<float>{0, 0, 0});
  be().reduce(ReduceOp::Max, e, ax0, eo);
  CHECK(std::isinf(eo.to_vector<float>()[0]));
  const int bad_axes[] = {1, 0};
  Tensor scalar_out = Tensor::empty({});
  CHECK_THROWS_AS(be().reduce(ReduceOp::Sum, Tensor::empty({2, 2}), bad_axes, scalar_out), temper::ValueError);
}

TEST_CASE("cpu backend: arg_reduce, broadcast_to, sum_squares, all_finite") {
  for (const Shape& s : std::vector<Shape>{{7}, {13, 10}, {4, 1023}, {3, 17, 9}, {2, 3, 1500}}) {
    const auto x = rand_vec<float>(static_cast<std::size_t>(numel(s)), 31);
    Tensor tx = make(x, s);
    for (int axis = 0; axis < static_cast<int>(s.size()); ++axis) {
      for (bool is_max : {true, false}) {
        std::int64_t O = 1, I = 1, R = s[static_cast<std::size_t>(axis)];
        for (int d = 0; d < axis; ++d) O *= s[static_cast<std::size_t>(d)];
        for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < s.size(); ++d) I *= s[d];
        std::vector<std::int32_t> want(static_cast<std::size_t>(O * I));
        for (std::int64_t o = 0; o < O; ++o)
          for (std::int64_t i = 0; i < I; ++i) {
            std::int64_t best = 0;
            for (std::int64_t r = 1; r < R; ++r) {
              const float v = x[static_cast<std::size_t>((o * R + r) * I + i)];
              const float b = x[static_cast<std::size_t>((o * R + best) * I + i)];
              if (is_max ? v > b : v < b) best = r;
            }
            want[static_cast<std::size_t>(o * I + i)] = static_cast<std::int32_t>(best);
          }
        Tensor out = Tensor::empty({O * I}, DType::Int32);
        be().arg_reduce(is_max, tx, axis, out);
        CHECK(out.to_vector<std::int32_t>() == want);
      }
    }
  }
  // ties: first index wins
  Tensor tie = make(std::vector<float>{1, 3, 3, 0}, {4});
  Tensor ti = Tensor::empty({}, DType::Int32);
  be().arg_reduce(true, tie, 0, ti);
  CHECK(ti.to_vector<std::int32_t>()[0] == 1);
  // broadcast_to
  for (const auto& [in, out] : std::vector<std::pair<Shape, Shape>>{
           {{3}, {4, 3}}, {{4, 1}, {4, 3}}, {{}, {5, 2}}, {{2, 1, 3}, {2, 4, 3}}, {{1, 1001}, {300, 1001}}}) {
    const auto x = rand_vec<double>(static_cast<std::size_t>(numel(in)), 41);
    Tensor o = Tensor::empty(out, DType::Float64);
    be().broadcast_to(make(x, in), o);
    std::vector<double> want(static_cast<std::size_t>(numel(out)));
    for (std::int64_t i = 0; i < numel(out); ++i)
      want[static_cast<std::size_t>(i)] = x[static_cast<std::size_t>(bcast_offset(out, in, i))];
    CHECK(o.to_vector<double>() == want);
  }
  std::vector<std::int32_t> iv = {1, 2, 3};
  Tensor io = Tensor::empty({2, 3}, DType::Int32);
  be().broadcast_to(make(iv, {3}), io);
  CHECK(io.to_vector<std::int32_t>() == std::vector<std::int32_t>{1, 2, 3, 1, 2, 3});
  // sum_squares / all_finite
  for (auto n : kSizes) {
    const auto x = rand_vec<float>(static_cast<std::size_t>(n), 51);
    double want = 0;
    for (float v : x) want += static_cast<double>(v) * v;
    Tensor tx = make(x, {n});
    CHECK(close(be().sum_squares(tx), want, 1e-6, 0));
    CHECK(be().all_finite(tx));
    for (std::size_t pos : {std::size_t{0}, x.size() / 2, x.size() - 1}) {
      auto y = x;
      y[pos] = pos % 2 ? INFINITY : NAN;
      CHECK_FALSE(be().all_finite(make(y, {n})));
      y[pos] = -INFINITY;
      CHECK_FALSE(be().all_finite(make(y, {n})));
    }
    const auto d = rand_vec<double>(static_cast<std::size_t>(n), 52);
    double wd = 0;
    for (double v : d) wd += v * v;
    CHECK(close(be().sum_squares(make(d, {n})), wd, 1e-12, 0));
  }
  CHECK(be().sum_squares(Tensor::empty({0})) == 0.0);
  CHECK(be().all_finite(Tensor::empty({0})));
}

TEST_CASE("cpu backend: matmul against a naive loop") {
  struct Dims {
    std::int64_t M, N, K;
  };
  for (Dims d : {Dims{1, 1, 1}, Dims{7, 5, 13}, Dims{64, 128, 33}, Dims{300, 257, 200}, Dims{17, 600, 300}}) {
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const auto a = rand_vec<float>(static_cast<std::size_t>(d.M * d.K), 61);
      const auto b = rand_vec<float>(static_cast<std::size_t>(d.K * d.N), 62);
      const auto c0 = rand_vec<float>(static_cast<std::size_t>(d.M * d.N), 63);
      Tensor A = make(a, ta ? Shape{d.K, d.M} : Shape{d.M, d.K});
      Tensor B = make(b, tb ? Shape{d.N, d.K} : Shape{d.K, d.N});
      Tensor C = make(c0, {d.M, d.N});
      be().matmul(A, B, C, ta, tb, 1.0, 0.0);
      const auto want = naive_matmul(a, b, d.M, d.N, d.K, ta, tb);
      check_close(C.to_vector<float>(), want, 1e-4, 1e-3, "matmul " + std::to_string(d.M) + "x" + std::to_string(d.N) + "x" +
                                                             std::to_string(d.K) + " t=" + std::to_string(t));
      // alpha / beta
      Tensor C2 = make(c0, {d.M, d.N});
      be().matmul(A, B, C2, ta, tb, 0.5, 2.0);
      std::vector<double> w2(want.size());
      for (std::size_t i = 0; i < want.size(); ++i) w2[i] = 0.5 * want[i] + 2.0 * c0[i];
      check_close(C2.to_vector<float>(), w2, 1e-4, 1e-3, "matmul alpha/beta");
    }
  }
  // float64, beta = 0 ignores NaN garbage in C
  const auto a = rand_vec<double>(40 * 30, 64), b = rand_vec<double>(30 * 20, 65);
  Tensor C = Tensor::full({40, 20}, NAN, DType::Float64);
  be().matmul(make(a, {40, 30}), make(b, {30, 20}), C, false, false, 1.0, 0.0);
  check_close(C.to_vector<double>(), naive_matmul(a, b, 40, 20, 30, false, false), 1e-12, 1e-12, "dgemm");
  // K = 0 gives beta * C
  Tensor Ck = Tensor::full({2, 3}, 4.0);
  be().matmul(Tensor::empty({2, 0}), Tensor::empty({0, 3}), Ck, false, false, 1.0, 0.5);
  CHECK(Ck.to_vector<float>() == std::vector<float>(6, 2.0f));
  CHECK_THROWS_AS(be().matmul(Tensor::empty({2, 3}), Tensor::empty({4, 5}), Ck, false, false, 1.0, 0.0),
                  temper::ShapeError);
}

TEST_CASE("cpu backend: batched matmul with broadcasting") {
  struct Case {
    Shape a, b;
    bool ta, tb;
  };
  const std::int64_t M = 6, K = 5, N = 7;
  const std::vector<Case> cases = {
      {{3, M, K}, {K, N}, false, false},        // folded into one tall GEMM
      {{3, K, M}, {K, N}, true, false},
      {{M, K}, {3, K, N}, false, false},        // a broadcast
      {{2, 3, M, K}, {3, N, K}, false, true},
      {{2, 1, M, K}, {1, 4, K, N}, false, false},
      {{4, 3, K, M}, {4, 3, N, K}, true, true},
      {{64, 40, 50}, {64, 50, 45}, false, false}};  // many mid-size products (parallel over batch)
  for (const auto& c : cases) {
    const std::int64_t m = c.ta ? c.a[c.a.size() - 1] : c.a[c.a.size() - 2];
    const std::int64_t k = c.ta ? c.a[c.a.size() - 2] : c.a[c.a.size() - 1];
    const std::int64_t n = c.tb ? c.b[c.b.size() - 2] : c.b[c.b.size() - 1];
    Shape ab(c.a.begin(), c.a.end() - 2), bb(c.b.begin(), c.b.end() - 2);
    Shape cb = bshape(ab, bb);
    Shape cs = cb;
    cs.push_back(m);
    cs.push_back(n);
    const auto a = rand_vec<double>(static_cast<std::size_t>(numel(c.a)), 71);
    const auto b = rand_vec<double>(static_cast<std::size_t>(numel(c.b)), 72);
    Tensor C = Tensor::empty(cs, DType::Float64);
    be().matmul(make(a, c.a), make(b, c.b), C, c.ta, c.tb, 1.0, 0.0);
    std::vector<double> want;
    for (std::int64_t bi = 0; bi < numel(cb); ++bi) {
      const std::int64_t oa = bcast_offset(cb, ab, bi), ob = bcast_offset(cb, bb, bi);
      std::vector<double> am(a.begin() + oa * m * k, a.begin() + (oa + 1) * m * k);
      std::vector<double> bm(b.begin() + ob * k * n, b.begin() + (ob + 1) * k * n);
      auto cm = naive_matmul(am, bm, m, n, k, c.ta, c.tb);
      want.insert(want.end(), cm.begin(), cm.end());
    }
    check_close(C.to_vector<double>(), want, 1e-12, 1e-12, "batched matmul " + temper::shape_to_string(c.a) + " @ " +
                                                               temper::shape_to_string(c.b));
  }
}

TEST_CASE("cpu backend: bias_add and bias_grad") {
  for (const Shape& s : std::vector<Shape>{{1, 1}, {7, 3}, {5, 1023}, {60000, 10}, {4, 6, 129}, {300, 1000}}) {
    const std::int64_t C = s.back(), R = numel(s) / C;
    const auto y = rand_vec<float>(static_cast<std::size_t>(numel(s)), 81);
    const auto bias = rand_vec<float>(static_cast<std::size_t>(C), 82);
    Tensor ty = make(y, s);
    be().bias_add(ty, make(bias, {C}));
    std::vector<double> want(y.size());
    for (std::int64_t r = 0; r < R; ++r)
      for (std::int64_t c = 0; c < C; ++c)
        want[static_cast<std::size_t>(r * C + c)] = static_cast<double>(y[static_cast<std::size_t>(r * C + c)]) + bias[static_cast<std::size_t>(c)];
    check_close_t(ty.to_vector<float>(), want, "bias_add " + temper::shape_to_string(s));
    Tensor db = Tensor::empty({C});
    be().bias_grad(make(y, s), db);
    std::vector<double> gw(static_cast<std::size_t>(C), 0.0);
    for (std::int64_t r = 0; r < R; ++r)
      for (std::int64_t c = 0; c < C; ++c) gw[static_cast<std::size_t>(c)] += y[static_cast<std::size_t>(r * C + c)];
    check_close(db.to_vector<float>(), gw, 1e-5, 1e-4 * std::sqrt(static_cast<double>(R)), "bias_grad " + temper::shape_to_string(s));
  }
}

TEST_CASE("cpu backend: transpose") {
  const Shape s = {2, 3, 4, 5};
  const auto x = rand_vec<float>(120, 91);
  std::vector<int> perm = {0, 1, 2, 3};
  do {
    Shape os;
    for (int p : perm) os.push_back(s[static_cast<std::size_t>(p)]);
    Tensor out = Tensor::empty(os);
    be().transpose(make(x, s), perm, out);
    std::vector<float> want(120);
    for (std::int64_t i = 0; i < 120; ++i) {
      // multi-index in the output
      std::int64_t rem = i;
      std::int64_t idx_out[4];
      for (int d = 3; d >= 0; --d) {
        idx_out[d] = rem % os[static_cast<std::size_t>(d)];
        rem /= os[static_cast<std::size_t>(d)];
      }
      std::int64_t idx_in[4];
      for (int d = 0; d < 4; ++d) idx_in[perm[static_cast<std::size_t>(d)]] = idx_out[d];
      const std::int64_t off = ((idx_in[0] * 3 + idx_in[1]) * 4 + idx_in[2]) * 5 + idx_in[3];
      want[static_cast<std::size_t>(i)] = x[static_cast<std::size_t>(off)];
    }
    CHECK(out.to_vector<float>() == want);
  } while (std::next_permutation(perm.begin(), perm.end()));
  // Large 2-D (threaded, tiled) in several dtypes, and unit axes.
  const std::int64_t R = 513, C = 1025;
  const auto big = rand_vec<double>(static_cast<std::size_t>(R * C), 92);
  Tensor bt = Tensor::empty({C, R}, DType::Float64);
  const int p10[] = {1, 0};
  be().transpose(make(big, {R, C}), p10, bt);
  auto bv = bt.to_vector<double>();
  bool ok = true;
  for (std::int64_t i = 0; i < R; ++i)
    for (std::int64_t j = 0; j < C; ++j) ok = ok && bv[static_cast<std::size_t>(j * R + i)] == big[static_cast<std::size_t>(i * C + j)];
  CHECK(ok);
  std::vector<std::uint8_t> u(6 * 7);
  std::iota(u.begin(), u.end(), std::uint8_t{0});
  Tensor ut = Tensor::empty({7, 1, 6}, DType::UInt8);
  const int p201[] = {2, 1, 0};
  be().transpose(make(u, {6, 1, 7}), p201, ut);
  auto uv = ut.to_vector<std::uint8_t>();
  ok = true;
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 7; ++j) ok = ok && uv[static_cast<std::size_t>(j * 6 + i)] == u[static_cast<std::size_t>(i * 7 + j)];
  CHECK(ok);
  const int bad[] = {0, 0};
  CHECK_THROWS_AS(be().transpose(make(big, {R, C}), bad, bt), temper::ShapeError);
}

TEST_CASE("cpu backend: copy_axis_block (slice, concat, accumulate)") {
  const auto x = rand_vec<float>(2 * 5 * 3, 101);
  Tensor src = make(x, {2, 5, 3});
  Tensor dst = Tensor::zeros({2, 4, 3});
  be().copy_axis_block(src, 1, 1, dst, 2, 2, false);
  auto d = dst.to_vector<float>();
  for (int o = 0; o < 2; ++o)
    for (int i = 0; i < 4; ++i)
      for (int k = 0; k < 3; ++k) {
        const float want = (i >= 2) ? x[static_cast<std::size_t>((o * 5 + (i - 2 + 1)) * 3 + k)] : 0.f;
        CHECK(d[static_cast<std::size_t>((o * 4 + i) * 3 + k)] == want);
      }
  be().copy_axis_block(src, 1, 1, dst, 2, 2, true);
  auto d2 = dst.to_vector<float>();
  for (std::size_t i = 0; i < d.size(); ++i) CHECK(d2[i] == 2 * d[i]);
  // big, axis 0
  const auto big = rand_vec<double>(100003, 102);
  Tensor bs = make(big, {100003, 1});
  Tensor bd = Tensor::zeros({100010, 1}, DType::Float64);
  be().copy_axis_block(bs, 0, 0, bd, 7, 100003, false);
  auto bv = bd.to_vector<double>();
  CHECK(std::equal(big.begin(), big.end(), bv.begin() + 7));
  CHECK_THROWS_AS(be().copy_axis_block(src, 1, 4, dst, 0, 2, false), temper::ShapeError);
}

TEST_CASE("cpu backend: gather_rows, take, take_backward, one_hot") {
  std::vector<std::int32_t> x(10 * 3);
  std::iota(x.begin(), x.end(), 0);
  Tensor tx = make(x, {10, 3});
  std::vector<std::int64_t> idx = {9, 0, 3, 3};
  Tensor out = Tensor::empty({4, 3}, DType::Int32);
  be().gather_rows(tx, idx, out);
  CHECK(out.to_vector<std::int32_t>() == std::vector<std::int32_t>{27, 28, 29, 0, 1, 2, 9, 10, 11, 9, 10, 11});
  std::vector<std::uint8_t> img(1000 * 784);
  for (std::size_t i = 0; i < img.size(); ++i) img[i] = static_cast<std::uint8_t>(i * 7);
  std::vector<std::int64_t> perm(1000);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), std::mt19937(3));
  Tensor gi = Tensor::empty({1000, 28, 28}, DType::UInt8);
  be().gather_rows(make(img, {1000, 28, 28}), perm, gi);
  auto gv = gi.to_vector<std::uint8_t>();
  bool ok = true;
  for (std::size_t r = 0; r < 1000; ++r)
    ok = ok && std::equal(gv.begin() + static_cast<std::ptrdiff_t>(r * 784), gv.begin() + static_cast<std::ptrdiff_t>((r + 1) * 784),
                          img.begin() + static_cast<std::ptrdiff_t>(perm[r] * 784));
  CHECK(ok);
  std::vector<std::int64_t> badidx = {10};
  Tensor one_row = Tensor::empty({1, 3}, DType::Int32);
  CHECK_THROWS_AS(be().gather_rows(tx, badidx, one_row), temper::ValueError);
  // take / take_backward with repeated ids
  const std::int64_t V = 50, D = 200;
  const auto table = rand_vec<float>(static_cast<std::size_t>(V * D), 111);
  const auto ids = rand_ints(300, 112, 0, static_cast<int>(V - 1));
  Tensor tt = make(table, {V, D});
  Tensor tids = make(ids, {10, 30});
  Tensor emb = Tensor::empty({10, 30, D});
  be().take(tt, tids, emb);
  auto ev = emb.to_vector<float>();
  ok = true;
  for (std::size_t i = 0; i < ids.size(); ++i)
    ok = ok && std::equal(ev.begin() + static_cast<std::ptrdiff_t>(i * D), ev.begin() + static_cast<std::ptrdiff_t>((i + 1) * D),
                          table.begin() + static_cast<std::ptrdiff_t>(ids[i] * D));
  CHECK(ok);
  const auto g = rand_vec<float>(static_cast<std::size_t>(300 * D), 113);
  Tensor dt_ = Tensor::zeros({V, D});
  be().take_backward(tids, make(g, {10, 30, D}), dt_);
  std::vector<double> want(static_cast<std::size_t>(V * D), 0.0);
  for (std::size_t i = 0; i < ids.size(); ++i)
    for (std::int64_t j = 0; j < D; ++j) want[static_cast<std::size_t>(ids[i] * D + j)] += g[i * static_cast<std::size_t>(D) + static_cast<std::size_t>(j)];
  check_close(dt_.to_vector<float>(), want, 1e-5, 1e-5, "take_backward");
  std::vector<std::int32_t> bad_ids = {0, 50};
  Tensor two_rows = Tensor::empty({2, D});
  CHECK_THROWS_AS(be().take(tt, make(bad_ids, {2}), two_rows), temper::ValueError);
  // one_hot
  std::vector<std::int32_t> labels = {2, 0, 4, -1, 5};
  Tensor oh = Tensor::empty({5, 5}, DType::Float64);
  be().one_hot(make(labels, {5}), oh);
  auto ov = oh.to_vector<double>();
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 5; ++j) CHECK(ov[static_cast<std::size_t>(i * 5 + j)] == (labels[static_cast<std::size_t>(i)] == j ? 1.0 : 0.0));
}

namespace {

template <class T>
void check_softmax(std::int64_t rows, std::int64_t C, double shift) {
  auto x = rand_vec<T>(static_cast<std::size_t>(rows * C), 121, -5, 5);
  for (auto& v : x) v = static_cast<T>(v + shift);
  const auto dy = rand_vec<T>(x.size(), 122);
  Tensor tx = make(x, {rows, C});
  for (bool log : {false, true}) {
    Tensor y = Tensor::empty({rows, C}, dt<T>());
    be().softmax(tx, y, log);
    std::vector<double> want(x.size()), gwant(x.size());
    for (std::int64_t r = 0; r < rows; ++r) {
      double m = -INFINITY, s = 0, dot = 0, sdy = 0;
      for (std::int64_t c = 0; c < C; ++c) m = std::max(m, static_cast<double>(x[static_cast<std::size_t>(r * C + c)]));
      for (std::int64_t c = 0; c < C; ++c) s += std::exp(x[static_cast<std::size_t>(r * C + c)] - m);
      for (std::int64_t c = 0; c < C; ++c) {
        const std::size_t k = static_cast<std::size_t>(r * C + c);
        const double p = std::exp(x[k] - m) / s;
        want[k] = log ? (x[k] - m - std::log(s)) : p;
        dot += dy[k] * p;
        sdy += dy[k];
      }
      for (std::int64_t c = 0; c < C; ++c) {
        const std::size_t k = static_cast<std::size_t>(r * C + c);
        const double p = std::exp(x[k] - m) / s;
        gwant[k] = log ? dy[k] - p * sdy : p * (dy[k] - dot);
      }
    }
    const std::string what = std::string(log ? "log_softmax " : "softmax ") + std::to_string(rows) + "x" + std::to_string(C);
    check_close(y.to_vector<T>(), want, Tol<T>::rel * 10, Tol<T>::abs * 10 * (1 + std::fabs(shift)), what);
    Tensor dx = Tensor::empty({rows, C}, dt<T>());
    be().softmax_backward(y, make(dy, {rows, C}), dx, log);
    check_close(dx.to_vector<T>(), gwant, Tol<T>::rel * 20, Tol<T>::abs * 20, "backward " + what);
  }
}

}  // namespace

TEST_CASE("cpu backend: softmax and log_softmax") {
  for (auto [rows, C] : std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 1}, {3, 7}, {5, 1023}, {1000, 10}, {64, 1000}}) {
    check_softmax<float>(rows, C, 0.0);
    check_softmax<double>(rows, C, 0.0);
  }
  check_softmax<float>(4, 33, 1000.0);  // would overflow without the max shift
  check_softmax<double>(4, 33, -1000.0);
}

TEST_CASE("cpu backend: sparse softmax cross-entropy") {
  for (auto [N, C] : std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 1}, {7, 10}, {128, 1000}, {5000, 10}}) {
    const auto x = rand_vec<float>(static_cast<std::size_t>(N * C), 131, -8, 8);
    const auto labels = rand_ints(static_cast<std::size_t>(N), 132, 0, static_cast<int>(C - 1));
    const auto dl = rand_vec<float>(static_cast<std::size_t>(N), 133);
    Tensor loss = Tensor::empty({N}), probs = Tensor::empty({N, C});
    be().sparse_softmax_xent(make(x, {N, C}), make(labels, {N}), loss, probs);
    std::vector<double> lw(static_cast<std::size_t>(N)), pw(x.size()), gw(x.size());
    for (std::int64_t r = 0; r < N; ++r) {
      double m = -INFINITY, s = 0;
      for (std::int64_t c = 0; c < C; ++c) m = std::max(m, static_cast<double>(x[static_cast<std::size_t>(r * C + c)]));
      for (std::int64_t c = 0; c < C; ++c) s += std::exp(x[static_cast<std::size_t>(r * C + c)] - m);
      const std::int32_t l = labels[static_cast<std::size_t>(r)];
      lw[static_cast<std::size_t>(r)] = std::log(s) + m - x[static_cast<std::size_t>(r * C + l)];
      for (std::int64_t c = 0; c < C; ++c) {
        const std::size_t k = static_cast<std::size_t>(r * C + c);
        pw[k] = std::exp(x[k] - m) / s;
        gw[k] = (pw[k] - (c == l ? 1.0 : 0.0)) * dl[static_cast<std::size_t>(r)];
      }
    }
    check_close(loss.to_vector<float>(), lw, 1e-5, 1e-5, "xent loss");
    check_close(probs.to_vector<float>(), pw, 1e-5, 1e-7, "xent probs");
    Tensor dlogits = Tensor::empty({N, C});
    be().sparse_softmax_xent_backward(probs, make(labels, {N}), make(dl, {N}), dlogits);
    check_close(dlogits.to_vector<float>(), gw, 1e-5, 1e-6, "xent backward");
  }
  // Out-of-range labels name the label and the class count.
  std::vector<std::int32_t> bad = {0, 10};
  Tensor loss = Tensor::empty({2}), probs = Tensor::empty({2, 10});
  try {
    be().sparse_softmax_xent(Tensor::zeros({2, 10}), make(bad, {2}), loss, probs);
    FAIL("expected ValueError");
  } catch (const temper::ValueError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("label 10") != std::string::npos);
    CHECK(msg.find("10 classes") != std::string::npos);
  }
  std::vector<std::int32_t> neg = {-1, 0};
  CHECK_THROWS_AS(be().sparse_softmax_xent(Tensor::zeros({2, 10}), make(neg, {2}), loss, probs), temper::ValueError);
}

// ---- optimizers ------------------------------------------------------------------------------

namespace {

struct OptState {
  std::vector<double> w, m, v, vhat, u, acc, mg, mom;
};

/// Runs `steps` steps of kernel and reference; compares w and every slot.
template <class T, class Kernel, class Ref>
void check_optimizer(const char* name, Kernel kernel, Ref ref, bool float64_exact = false) {
  const std::int64_t n = 100003;  // threaded, with a vector tail
  auto w0 = rand_vec<T>(static_cast<std::size_t>(n), 141);
  OptState st;
  st.w.assign(w0.begin(), w0.end());
  st.m.assign(w0.size(), 0.0);
  st.v = st.m;
  st.vhat = st.m;
  st.u = st.m;
  st.acc.assign(w0.size(), 0.1);
  st.mg = st.m;
  st.mom = st.m;
  Tensor w = make(w0, {n});
  Tensor m = Tensor::zeros({n}, dt<T>()), v = Tensor::zeros({n}, dt<T>()), vhat = Tensor::zeros({n}, dt<T>());
  Tensor u = Tensor::zeros({n}, dt<T>()), acc = Tensor::full({n}, 0.1, dt<T>()), mg = Tensor::zeros({n}, dt<T>()),
         mom = Tensor::zeros({n}, dt<T>());
  for (int step = 1; step <= 3; ++step) {
    const auto g = rand_vec<T>(static_cast<std::size_t>(n), 150 + static_cast<std::uint32_t>(step));
    kernel(w, make(g, {n}), m, v, vhat, u, acc, mg, mom, step);
    std::vector<double> gd(g.begin(), g.end());
    ref(st, gd, step);
  }
  const double rel = float64_exact ? 1e-10 : 2e-4, abs = float64_exact ? 1e-12 : 1e-5;
  check_close(w.to_vector<T>(), st.w, rel, abs, std::string(name) + " w");
  (void)m;
}

}  // namespace

TEST_CASE("cpu backend: optimizer kernels follow the Keras formulas over 3 steps") {
  const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-7;
  auto run_all = [&](auto tag) {
    using T = decltype(tag);
    const bool exact = std::is_same_v<T, double>;
    for (double momentum : {0.0, 0.9}) {
      for (bool nesterov : {false, true}) {
        if (momentum == 0.0 && nesterov) continue;
        check_optimizer<T>(
            "sgd",
            [&](Tensor& w, const Tensor& g, Tensor& m, Tensor&, Tensor&, Tensor&, Tensor&, Tensor&, Tensor&, int step) {
              OptimizerStep s;
              s.lr = lr;
              s.momentum = momentum;
              s.nesterov = nesterov;
              s.t = step;
              be().sgd_update(w, g, momentum != 0 ? &m : nullptr, s);
            },
            [&](OptState& st, const std::vector<double>& g, int) {
              for (std::size_t i = 0; i < g.size(); ++i) {
                if (momentum == 0) {
                  st.w[i] -= lr * g[i];
                } else {
                  st.m[i] = momentum * st.m[i] - lr * g[i];
                  st.w[i] += nesterov ? momentum * st.m[i] - lr * g[i] : st.m[i];
                }
              }
            },
            exact);
      }
    }
    for (bool ams : {false, true}) {
      check_optimizer<T>(
          ams ? "adam amsgrad" : "adam",
          [&](Tensor& w, const Tensor& g, Tensor& m, Tensor& v, Tensor& vhat, Tensor&, Tensor&, Tensor&, Tensor&, int step) {
            OptimizerStep s;
            s.lr = lr;
            s.beta1 = b1;
            s.beta2 = b2;
            s.epsilon = eps;
            s.t = step;
            s.amsgrad = ams;
            be().adam_update(w, g, m, v, ams ? &vhat : nullptr, s);
          },
          [&](OptState& st, const std::vector<double>& g, int t) {
            const double alpha = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
            for (std::size_t i = 0; i < g.size(); ++i) {
              st.m[i] += (g[i] - st.m[i]) * (1 - b1);
              st.v[i] += (g[i] * g[i] - st.v[i]) * (1 - b2);
              double vv = st.v[i];
              if (ams) vv = st.vhat[i] = std::max(st.vhat[i], st.v[i]);
              st.w[i] -= alpha * st.m[i] / (std::sqrt(vv) + eps);
            }
          },
          exact);
    }
    for (bool centered : {false, true}) {
      for (double momentum : {0.0, 0.5}) {
        check_optimizer<T>(
            "rmsprop",
            [&](Tensor& w, const Tensor& g, Tensor&, Tensor& v, Tensor&, Tensor&, Tensor&, Tensor& mg, Tensor& mom, int step) {
              OptimizerStep s;
              s.lr = lr;
              s.beta1 = 0.9;
              s.epsilon = eps;
              s.t = step;
              s.centered = centered;
              s.momentum = momentum;
              be().rmsprop_update(w, g, v, centered ? &mg : nullptr, momentum > 0 ? &mom : nullptr, s);
            },
            [&](OptState& st, const std::vector<double>& g, int) {
              for (std::size_t i = 0; i < g.size(); ++i) {
                st.v[i] = 0.9 * st.v[i] + 0.1 * g[i] * g[i];
                double denom = st.v[i];
                if (centered) {
                  st.mg[i] = 0.9 * st.mg[i] + 0.1 * g[i];
                  denom = st.v[i] - st.mg[i] * st.mg[i];
                }
                const double inc = lr * g[i] / std::sqrt(denom + eps);
                if (momentum > 0) {
                  st.mom[i] = momentum * st.mom[i] + inc;
                  st.w[i] -= st.mom[i];
                } else {
                  st.w[i] -= inc;
                }
              }
            },
            exact);
      }
    }
    check_optimizer<T>(
        "adagrad",
        [&](Tensor& w, const Tensor& g, Tensor&, Tensor&, Tensor&, Tensor&, Tensor& acc, Tensor&, Tensor&, int step) {
          OptimizerStep s;
          s.lr = lr;
          s.epsilon = eps;
          s.t = step;
          be().adagrad_update(w, g, acc, s);
        },
        [&](OptState& st, const std::vector<double>& g, int) {
          for (std::size_t i = 0; i < g.size(); ++i) {
            st.acc[i] += g[i] * g[i];
            st.w[i] -= lr * g[i] / std::sqrt(st.acc[i] + eps);
          }
        },
        exact);
    check_optimizer<T>(
        "adamax",
        [&](Tensor& w, const Tensor& g, Tensor& m, Tensor&, Tensor&, Tensor& u, Tensor&, Tensor&, Tensor&, int step) {
          OptimizerStep s;
          s.lr = lr;
          s.beta1 = b1;
          s.beta2 = b2;
          s.epsilon = eps;
          s.t = step;
          be().adamax_update(w, g, m, u, s);
        },
        [&](OptState& st, const std::vector<double>& g, int t) {
          for (std::size_t i = 0; i < g.size(); ++i) {
            st.m[i] += (g[i] - st.m[i]) * (1 - b1);
            st.u[i] = std::max(b2 * st.u[i], std::fabs(g[i]));
            st.w[i] -= lr / (1 - std::pow(b1, t)) * st.m[i] / (st.u[i] + eps);
          }
        },
        exact);
    // Nadam: the caller supplies the momentum-schedule products (Keras 3).
    double u_product = 1.0;
    double ref_u_product = 1.0;
    check_optimizer<T>(
        "nadam",
        [&](Tensor& w, const Tensor& g, Tensor& m, Tensor& v, Tensor&, Tensor&, Tensor&, Tensor&, Tensor&, int step) {
          const double u_t = b1 * (1 - 0.5 * std::pow(0.96, step));
          const double u_t1 = b1 * (1 - 0.5 * std::pow(0.96, step + 1));
          u_product *= u_t;
          OptimizerStep s;
          s.lr = lr;
          s.beta1 = b1;
          s.beta2 = b2;
          s.epsilon = eps;
          s.t = step;
          s.nadam_u_t = u_t;
          s.nadam_u_t1 = u_t1;
          s.nadam_u_product = u_product;
          s.nadam_u_product_t1 = u_product * u_t1;
          be().nadam_update(w, g, m, v, s);
        },
        [&](OptState& st, const std::vector<double>& g, int t) {
          const double u_t = b1 * (1 - 0.5 * std::pow(0.96, t));
          const double u_t1 = b1 * (1 - 0.5 * std::pow(0.96, t + 1));
          ref_u_product *= u_t;
          const double up1 = ref_u_product * u_t1;
          for (std::size_t i = 0; i < g.size(); ++i) {
            st.m[i] += (g[i] - st.m[i]) * (1 - b1);
            st.v[i] += (g[i] * g[i] - st.v[i]) * (1 - b2);
            const double m_hat = u_t1 * st.m[i] / (1 - up1) + (1 - u_t) * g[i] / (1 - ref_u_product);
            const double v_hat = st.v[i] / (1 - std::pow(b2, t));
            st.w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
          }
        },
        exact);
  };
  run_all(float{});
  run_all(double{});
  // A missing slot is an error, not a crash.
  OptimizerStep s;
  s.momentum = 0.9;
  Tensor w = Tensor::zeros({4}), g = Tensor::zeros({4});
  CHECK_THROWS_AS(be().sgd_update(w, g, nullptr, s), temper::ValueError);
  Tensor m = Tensor::zeros({5});
  CHECK_THROWS_AS(be().adagrad_update(w, g, m, s), temper::ShapeError);
}

TEST_CASE("cpu backend: random kernels are counter based and thread-count independent") {
  ThreadGuard guard;
  const std::int64_t n = 200001;
  const std::uint64_t key = 0x1234567ull, ctr = 1000;
  std::vector<float> u1, u2, n1, n2, t1, t2, d1, d2;
  for (int threads : {1, 2}) {
    be().set_num_threads(threads);
    Tensor u = Tensor::empty({n}), nn = Tensor::empty({n}), tn = Tensor::empty({n}), dm = Tensor::empty({n});
    be().random_uniform(u, -1.0, 3.0, key, ctr);
    be().random_normal(nn, 0.5, 2.0, false, key, ctr);
    be().random_normal(tn, 0.0, 1.0, true, key, ctr);
    be().dropout_mask(dm, 0.3, key, ctr);
    (threads == 1 ? u1 : u2) = u.to_vector<float>();
    (threads == 1 ? n1 : n2) = nn.to_vector<float>();
    (threads == 1 ? t1 : t2) = tn.to_vector<float>();
    (threads == 1 ? d1 : d2) = dm.to_vector<float>();
  }
  CHECK(u1 == u2);
  CHECK(n1 == n2);
  CHECK(t1 == t2);
  CHECK(d1 == d2);
  // Element i depends only on (key, counter + i).
  for (std::int64_t i : {0l, 1l, 77l, n - 1}) {
    const double want = -1.0 + 4.0 * temper::Generator::uniform01(key, ctr + static_cast<std::uint64_t>(i));
    CHECK(std::fabs(u1[static_cast<std::size_t>(i)] - want) < 1e-6);
  }
  Tensor shifted = Tensor::empty({n - 5});
  be().random_normal(shifted, 0.5, 2.0, false, key, ctr + 5);
  auto sv = shifted.to_vector<float>();
  CHECK(std::equal(sv.begin(), sv.end(), n1.begin() + 5));
  Tensor tshift = Tensor::empty({n - 3});
  be().random_normal(tshift, 0.0, 1.0, true, key, ctr + 3);
  auto tv = tshift.to_vector<float>();
  CHECK(std::equal(tv.begin(), tv.end(), t1.begin() + 3));
  // Statistics.
  auto mean_std = [](const std::vector<float>& v) {
    double s = 0, s2 = 0;
    for (float x : v) {
      s += x;
      s2 += static_cast<double>(x) * x;
    }
    const double m = s / static_cast<double>(v.size());
    return std::pair<double, double>(m, std::sqrt(s2 / static_cast<double>(v.size()) - m * m));
  };
  auto [um, us] = mean_std(u1);
  CHECK(std::fabs(um - 1.0) < 0.02);
  CHECK(std::fabs(us - 4.0 / std::sqrt(12.0)) < 0.02);
  CHECK(*std::min_element(u1.begin(), u1.end()) >= -1.0f);
  CHECK(*std::max_element(u1.begin(), u1.end()) < 3.0f);
  auto [nm, ns] = mean_std(n1);
  CHECK(std::fabs(nm - 0.5) < 0.03);
  CHECK(std::fabs(ns - 2.0) < 0.03);
  auto [tm, ts] = mean_std(t1);
  CHECK(std::fabs(tm) < 0.02);
  CHECK(std::fabs(ts - 0.8796) < 0.02);  // std of a standard normal truncated at +-2
  CHECK(std::all_of(t1.begin(), t1.end(), [](float x) { return std::fabs(x) <= 2.0f; }));
  const double kept = static_cast<double>(std::count_if(d1.begin(), d1.end(), [](float x) { return x != 0.f; }));
  CHECK(std::fabs(kept / static_cast<double>(n) - 0.7) < 0.01);
  CHECK(std::all_of(d1.begin(), d1.end(), [](float x) { return x == 0.f || std::fabs(x - 1.0f / 0.7f) < 1e-6f; }));
  // float64 too.
  Tensor nd = Tensor::empty({1001}, DType::Float64);
  be().random_normal(nd, 0.0, 1.0, true, 9, 0);
  auto ndv = nd.to_vector<double>();
  CHECK(std::all_of(ndv.begin(), ndv.end(), [](double x) { return std::fabs(x) <= 2.0; }));
  Tensor dz = Tensor::empty({10});
  be().dropout_mask(dz, 1.0, 1, 0);
  auto dzv = dz.to_vector<float>();
  CHECK(std::all_of(dzv.begin(), dzv.end(), [](float x) { return x == 0.f; }));
}

TEST_CASE("cpu backend: kernels run from two application threads at once") {
  // The data-loader pattern: one thread gathers batches while another trains.
  const auto x = rand_vec<float>(1000 * 100, 161);
  Tensor tx = make(x, {1000, 100});
  std::atomic<bool> ok{true};
  std::thread loader([&] {
    std::vector<std::int64_t> idx(256);
    for (int rep = 0; rep < 50; ++rep) {
      for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<std::int64_t>((i * 7 + static_cast<std::size_t>(rep)) % 1000);
      Tensor out = Tensor::empty({256, 100});
      be().gather_rows(tx, idx, out);
      auto v = out.to_vector<float>();
      if (v[100] != x[static_cast<std::size_t>(idx[1] * 100)]) ok = false;
    }
  });
  for (int rep = 0; rep < 20; ++rep) {
    Tensor c = Tensor::empty({1000, 1000});
    be().matmul(tx, tx, c, false, true, 1.0, 0.0);
    const auto v = c.to_vector<float>();
    double want = 0;
    for (int k = 0; k < 100; ++k) want += static_cast<double>(x[static_cast<std::size_t>(k)]) * x[static_cast<std::size_t>(100 + k)];
    if (std::fabs(v[1] - want) > 1e-3) ok = false;
  }
  loader.join();
  CHECK(ok);
}

namespace {

/// max / min over axis `axis` of a (O, R, I) tensor holding one NaN at (o, r, i) = (0, nan_r, 0):
/// exactly the outputs whose slice holds the NaN are NaN.
template <class T>
void check_reduce_nan(const Shape& s, int axis, std::int64_t nan_r) {
  const std::string dtype = temper::dtype_name(dt<T>());
  CAPTURE(dtype);
  CAPTURE(axis);
  auto x = rand_vec<T>(static_cast<std::size_t>(numel(s)), 41);
  std::int64_t I = 1;
  for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < s.size(); ++d) I *= s[d];
  x[static_cast<std::size_t>(nan_r * I)] = std::numeric_limits<T>::quiet_NaN();
  Tensor tx = make(x, s);
  Shape os = s;
  os.erase(os.begin() + axis);
  const std::vector<int> axes = {axis};
  for (ReduceOp op : {ReduceOp::Max, ReduceOp::Min}) {
    Tensor out = Tensor::empty(os, dt<T>());
    be().reduce(op, tx, axes, out);
    const auto v = out.to_vector<T>();
    for (std::size_t k = 0; k < v.size(); ++k) {
      CAPTURE(k);
      CHECK(std::isnan(v[k]) == (k == 0));
    }
  }
  for (bool is_max : {true, false}) {  // the first NaN wins, as in NumPy
    Tensor idx = Tensor::empty(os, DType::Int32);
    be().arg_reduce(is_max, tx, axis, idx);
    CHECK(idx.to_vector<std::int32_t>()[0] == nan_r);
  }
}

}  // namespace

TEST_CASE("cpu backend: NaN propagates through max/min reductions, arg-reductions, softmax and clip") {
  // Row reductions (short, pairwise-blocked, ragged tail), column reductions (wide, narrow).
  check_reduce_nan<float>({1, 37}, 1, 35);
  check_reduce_nan<double>({1, 37}, 1, 3);
  check_reduce_nan<float>({1, 40000}, 1, 20000);
  check_reduce_nan<float>({300, 64}, 0, 7);
  check_reduce_nan<double>({300, 3}, 0, 299);
  check_reduce_nan<float>({2000, 40}, 0, 1500);  // several row blocks, combined pairwise

  // softmax: a NaN logit makes its row NaN and leaves the others alone.
  for (std::int64_t C : {5, 37}) {
    auto x = rand_vec<float>(static_cast<std::size_t>(2 * C), 3);
    x[static_cast<std::size_t>(C - 1)] = std::numeric_limits<float>::quiet_NaN();
    Tensor tx = make(x, {2, C});
    for (bool log : {false, true}) {
      Tensor y = Tensor::empty({2, C});
      be().softmax(tx, y, log);
      const auto v = y.to_vector<float>();
      for (std::int64_t k = 0; k < 2 * C; ++k) CHECK(std::isnan(v[static_cast<std::size_t>(k)]) == (k < C));
    }
  }

  // clip keeps NaN (min/max would clamp it to a bound), and so does its derivative.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x(19, 0.5f);
  x[2] = nan;
  x[18] = nan;
  x[5] = -7.f;
  Tensor tx = make(x, {19}), y = Tensor::empty({19}), g = make(std::vector<float>(19, 1.f), {19});
  be().clip(tx, -1.0, 1.0, y);
  const auto yv = y.to_vector<float>();
  CHECK(std::isnan(yv[2]));
  CHECK(std::isnan(yv[18]));
  CHECK(yv[5] == -1.f);
  CHECK(yv[0] == 0.5f);
  Tensor dx = Tensor::empty({19});
  be().clip_backward(tx, -1.0, 1.0, g, dx);
  const auto dv = dx.to_vector<float>();
  CHECK(std::isnan(dv[2]));
  CHECK(dv[5] == 0.f);
  CHECK(dv[0] == 1.f);
}
