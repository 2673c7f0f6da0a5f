// onednn_conv.cpp — oneDNN convolution plans (see onednn_conv.hpp for the threading scheme).
#include "backends/cpu/onednn_conv.hpp"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "backends/cpu/thread_pool.hpp"
#include "temper/error.hpp"

// The two OpenMP entry points we need, declared rather than included: <omp.h> belongs to the
// compiler (GCC's or Clang's), while the runtime is the libgomp Debian's oneDNN links.
extern "C" {
int omp_get_max_threads(void);
void omp_set_num_threads(int);
}

namespace temper::cpu::onednn {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;
using i64 = std::int64_t;

constexpr std::size_t kAlign = 64;
std::size_t align_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

/// Makes oneDNN run on this thread alone while it lives: primitives plan their work for
/// omp_get_max_threads() threads at creation and fork that many at execution.
class SerialOmp {
 public:
  SerialOmp() : prev_(omp_get_max_threads()) {
    if (prev_ != 1) omp_set_num_threads(1);
  }
  ~SerialOmp() {
    if (prev_ != 1) omp_set_num_threads(prev_);
  }
  SerialOmp(const SerialOmp&) = delete;
  SerialOmp& operator=(const SerialOmp&) = delete;

 private:
  int prev_;
};

dnnl::engine& cpu_engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

/// TEMPER_ONEDNN parsed once: which passes oneDNN runs.
struct PassSwitches {
  bool fwd = true, bwd_data = true, bwd_weights = true;
  std::string error;  // non-empty: the variable was malformed
};

enum class IsaLevel { Below, Avx2, Avx512 };

IsaLevel isa_level() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx2:
    case dnnl::cpu_isa::avx2_vnni: return IsaLevel::Avx2;
    case dnnl::cpu_isa::avx512_core:
    case dnnl::cpu_isa::avx512_core_vnni:
    case dnnl::cpu_isa::avx512_core_bf16:
    case dnnl::cpu_isa::avx512_core_amx: return IsaLevel::Avx512;
    default: return IsaLevel::Below;
  }
}

/// The decision table of bench/RESULTS.md: each pass where oneDNN beat Temper's own kernels
/// on the Keras convnet's layers. Below AVX2 oneDNN has no JIT convolutions worth taking.
PassSwitches measured_defaults() {
  switch (isa_level()) {
    case IsaLevel::Avx512: return {true, true, true, {}};
    case IsaLevel::Avx2: return {true, true, false, {}};  // own backward-filter 15-30% faster
    case IsaLevel::Below: break;
  }
  return {false, false, false, {}};
}

PassSwitches parse_switches() {
  PassSwitches s;
  const char* env = std::getenv("TEMPER_ONEDNN");
  if (!env || !*env || std::string_view(env) == "auto") return measured_defaults();
  const std::string_view v(env);
  if (v == "1" || v == "on") return s;
  if (v == "0" || v == "off") return {false, false, false, {}};
  s = {false, false, false, {}};
  std::size_t pos = 0;
  while (pos <= v.size()) {
    const std::size_t end = std::min(v.find(',', pos), v.size());
    const std::string_view item = v.substr(pos, end - pos);
    if (item == "fwd")
      s.fwd = true;
    else if (item == "bwd_data")
      s.bwd_data = true;
    else if (item == "bwd_weights")
      s.bwd_weights = true;
    else {
      s.error = "TEMPER_ONEDNN='" + std::string(v) + "': unknown item '" + std::string(item) +
                "'; expected auto, 1, on, 0, off or a comma-separated list of fwd, bwd_data, bwd_weights";
      return s;
    }
    pos = end + 1;
  }
  return s;
}

const PassSwitches& switches() {
  static const PassSwitches s = parse_switches();
  if (!s.error.empty()) throw ConfigError(s.error);
  return s;
}

memory::desc nhwc(i64 n, i64 c, i64 h, i64 w) { return memory::desc({n, c, h, w}, dt::f32, tag::nhwc); }

}  // namespace

/// Primitives for the batch slices of one convolution, plus the weight-layout reorder.
class ConvPlan {
 public:
  ConvPass pass{};
  ConvProblem p;
  int chunks = 1;
  i64 big = 0;        // images in the first `n_big` slices
  int n_big = 0;      // the remaining chunks - n_big slices hold big - 1 images
  dnnl::primitive prim_big, prim_small;
  memory::desc src_big, src_small, dst_big, dst_small;
  memory::desc wei_user, wei_prim, bias_desc;
  dnnl::primitive wei_reorder;  // user -> primitive layout (fwd, bwd-data), back (bwd-weights)
  bool reorder_weights = false;
  std::size_t wei_bytes = 0, pad_bytes = 0, total_bytes = 0;

  i64 slice_begin(int c) const { return c < n_big ? c * big : n_big * big + (c - n_big) * (big - 1); }
  i64 slice_size(int c) const { return c < n_big ? big : big - 1; }
  /// Scratch layout: [weights or `chunks` partial gradients][`chunks` scratchpads].
  std::size_t weights_count() const { return pass == ConvPass::BackwardWeights ? std::size_t(chunks) : 1; }
  char* weights_at(void* scratch, int c) const { return static_cast<char*>(scratch) + std::size_t(c) * wei_bytes; }
  char* pad_at(void* scratch, int c) const {
    return static_cast<char*>(scratch) + weights_count() * wei_bytes + std::size_t(c) * pad_bytes;
  }
};

namespace {

// No relu post-op: oneDNN's JIT relu maps NaN to 0, and a NaN must never train on as a
// success. The relu runs on each slice right after its convolution, while it is in cache.
dnnl::primitive_attr make_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

/// max(0, v) that keeps NaN (NaN < 0 is false).
void relu_keep_nan(float* y, i64 n) {
  for (i64 i = 0; i < n; ++i) y[i] = y[i] < 0.f ? 0.f : y[i];
}

/// Builds the primitive for slices of n images; `wei` is `any` for the first slice size and
/// the first one's weight layout for the second, so that one weight buffer serves both.
struct Built {
  dnnl::primitive prim;
  memory::desc wei;
  std::size_t pad = 0;
};

Built build(ConvPass pass, const ConvProblem& p, i64 n, const memory::desc& wei, const memory::dims& pad_r) {
  auto& eng = cpu_engine();
  const memory::desc src = nhwc(n, p.C, p.H, p.W), dst = nhwc(n, p.O, p.OH, p.OW);
  const memory::desc bias = p.bias ? memory::desc({p.O}, dt::f32, tag::x) : memory::desc();
  const memory::dims strides{p.sh, p.sw}, dil{p.dh - 1, p.dw - 1}, pad_l{p.pt, p.pl};
  const auto algo = dnnl::algorithm::convolution_direct;
  const dnnl::primitive_attr attr = make_attr();
  // Backward passes need a forward hint with the same layouts.
  const auto fwd_desc = dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, src, wei, bias,
                                                        dst, strides, dil, pad_l, pad_r);
  if (pass == ConvPass::Forward) {
    const dnnl::convolution_forward::primitive_desc pd(fwd_desc, attr, eng);
    return {dnnl::convolution_forward(pd), pd.weights_desc(), pd.scratchpad_desc().get_size()};
  }
  const dnnl::convolution_forward::primitive_desc hint(fwd_desc, eng);
  if (pass == ConvPass::BackwardData) {
    const auto d = dnnl::convolution_backward_data::desc(algo, src, wei, dst, strides, dil, pad_l, pad_r);
    const dnnl::convolution_backward_data::primitive_desc pd(d, attr, eng, hint);
    return {dnnl::convolution_backward_data(pd), pd.weights_desc(), pd.scratchpad_desc().get_size()};
  }
  const auto d = dnnl::convolution_backward_weights::desc(algo, src, wei, dst, strides, dil, pad_l, pad_r);
  const dnnl::convolution_backward_weights::primitive_desc pd(d, attr, eng, hint);
  return {dnnl::convolution_backward_weights(pd), pd.diff_weights_desc(), pd.scratchpad_desc().get_size()};
}

/// The right padding oneDNN wants: Temper implies it by the output extent, which may also cut
/// input rows off (negative padding), which oneDNN expresses as the smallest padding >= 0 that
/// gives the same output extent.
bool right_padding(i64 in, i64 out, i64 k, i64 s, i64 d, i64 pl, i64& pr) {
  const i64 ext = (k - 1) * d + 1;
  pr = std::max<i64>(0, (out - 1) * s + ext - in - pl);
  return in + pl + pr - ext >= 0 && (in + pl + pr - ext) / s + 1 == out;
}

std::shared_ptr<ConvPlan> make_plan(ConvPass pass, const ConvProblem& p, int threads) {
  i64 pb = 0, pr = 0;
  if (!right_padding(p.H, p.OH, p.KH, p.sh, p.dh, p.pt, pb) || !right_padding(p.W, p.OW, p.KW, p.sw, p.dw, p.pl, pr))
    return nullptr;
  auto plan = std::make_shared<ConvPlan>();
  plan->pass = pass;
  plan->p = p;
  plan->chunks = static_cast<int>(std::min<i64>(threads, p.N));
  plan->big = (p.N + plan->chunks - 1) / plan->chunks;
  // n_big slices of `big` images and the rest of big - 1 add up to N.
  plan->n_big = static_cast<int>(p.N - (plan->big - 1) * plan->chunks);
  const SerialOmp serial;
  const memory::dims pad_r{pb, pr};
  const memory::desc any({p.O, p.C, p.KH, p.KW}, dt::f32, tag::any);
  Built b = build(pass, p, plan->big, any, pad_r);
  plan->prim_big = b.prim;
  plan->wei_prim = b.wei;
  plan->pad_bytes = align_up(b.pad);
  if (plan->n_big < plan->chunks) {
    Built s = build(pass, p, plan->big - 1, b.wei, pad_r);
    plan->prim_small = s.prim;
    plan->pad_bytes = std::max(plan->pad_bytes, align_up(s.pad));
  }
  plan->src_big = nhwc(plan->big, p.C, p.H, p.W);
  plan->dst_big = nhwc(plan->big, p.O, p.OH, p.OW);
  plan->src_small = nhwc(std::max<i64>(plan->big - 1, 1), p.C, p.H, p.W);
  plan->dst_small = nhwc(std::max<i64>(plan->big - 1, 1), p.O, p.OH, p.OW);
  // Keras stores kernels (KH, KW, C, O): oneDNN's "hwio".
  plan->wei_user = memory::desc({p.O, p.C, p.KH, p.KW}, dt::f32, tag::hwio);
  if (p.bias) plan->bias_desc = memory::desc({p.O}, dt::f32, tag::x);
  plan->reorder_weights = pass == ConvPass::BackwardWeights || plan->wei_prim != plan->wei_user;
  if (plan->reorder_weights) {
    auto& eng = cpu_engine();
    if (pass == ConvPass::BackwardWeights)
      plan->wei_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(eng, plan->wei_prim, eng, plan->wei_user));
    else
      plan->wei_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(eng, plan->wei_user, eng, plan->wei_prim));
  }
  plan->wei_bytes = plan->reorder_weights ? align_up(plan->wei_prim.get_size()) : 0;
  plan->total_bytes = plan->weights_count() * plan->wei_bytes + std::size_t(plan->chunks) * plan->pad_bytes;
  return plan;
}

using Key = std::array<i64, 19>;

Key make_key(ConvPass pass, const ConvProblem& p, int threads) {
  return {static_cast<i64>(pass), p.N, p.H, p.W, p.C, p.O, p.OH, p.OW, p.KH, p.KW, p.sh, p.sw, p.dh, p.dw,
          p.pt, p.pl, p.bias, p.relu, threads};
}

struct PlanCache {
  std::mutex mu;
  std::map<Key, std::shared_ptr<const ConvPlan>> plans;  // null: oneDNN declined the shape
};

PlanCache& plan_cache() {
  static PlanCache cache;
  return cache;
}

// A program that keeps changing shapes must not grow the cache without bound.
constexpr std::size_t kMaxPlans = 256;

[[noreturn]] void fail(const char* what, const dnnl::error& e) {
  throw ResourceError(std::string("cpu backend: oneDNN ") + what + " failed: " + e.what() +
                      " (set TEMPER_ONEDNN=0 to use Temper's own convolution kernels)");
}

void execute(const dnnl::primitive& prim, std::unordered_map<int, memory>&& args) {
  dnnl::stream s(cpu_engine());
  prim.execute(s, args);
  s.wait();
}

/// Runs one primitive per batch slice on the pool; `args(c, n, begin)` gives slice c's arguments.
/// `after(n0, n)` then runs on the same thread over the slice's images [n0, n0 + n).
template <class ArgsFn, class AfterFn>
void run_slices(const ConvPlan& plan, ThreadPool& pool, void* scratch, const char* what, ArgsFn&& args,
                AfterFn&& after) {
  pool.run(plan.chunks, [&](std::int64_t c64) {
    const int c = static_cast<int>(c64);
    const SerialOmp serial;
    const bool is_big = c < plan.n_big;
    auto a = args(c, is_big ? plan.src_big : plan.src_small, is_big ? plan.dst_big : plan.dst_small,
                  plan.slice_begin(c));
    if (plan.pad_bytes) a.emplace(DNNL_ARG_SCRATCHPAD, memory({{static_cast<i64>(plan.pad_bytes)}, dt::u8, tag::x},
                                                          cpu_engine(), plan.pad_at(scratch, c)));
    try {
      execute(is_big ? plan.prim_big : plan.prim_small, std::move(a));
    } catch (const dnnl::error& e) {
      fail(what, e);
    }
    after(plan.slice_begin(c), plan.slice_size(c));
  });
}

/// The kernel in the primitive's layout: reordered into the scratch when it differs from
/// Keras's (KH, KW, C, O), else the caller's own buffer.
void* weights_in_layout(const ConvPlan& plan, void* scratch, const float* w) {
  if (!plan.reorder_weights) return const_cast<float*>(w);
  void* wei = plan.weights_at(scratch, 0);
  const SerialOmp serial;
  try {
    execute(plan.wei_reorder, {{DNNL_ARG_FROM, memory(plan.wei_user, cpu_engine(), const_cast<float*>(w))},
                               {DNNL_ARG_TO, memory(plan.wei_prim, cpu_engine(), wei)}});
  } catch (const dnnl::error& e) {
    fail("weight reorder", e);
  }
  return wei;
}

}  // namespace

bool enabled(ConvPass pass) {
  const PassSwitches& s = switches();
  switch (pass) {
    case ConvPass::Forward: return s.fwd;
    case ConvPass::BackwardData: return s.bwd_data;
    case ConvPass::BackwardWeights: return s.bwd_weights;
  }
  return false;
}

std::shared_ptr<const ConvPlan> conv_plan(ConvPass pass, const ConvProblem& p, int threads) {
  // A batch smaller than the pool would leave threads idle: Temper's kernels split such a
  // convolution over output rows instead (batch-1 latency, measured in bench/RESULTS.md).
  if (!enabled(pass) || threads < 1 || p.N < threads) return nullptr;
  const Key key = make_key(pass, p, threads);
  PlanCache& cache = plan_cache();
  {
    const std::lock_guard lock(cache.mu);
    if (auto it = cache.plans.find(key); it != cache.plans.end()) return it->second;
  }
  std::shared_ptr<const ConvPlan> plan;
  try {
    plan = make_plan(pass, p, threads);
  } catch (const dnnl::error&) {
    plan = nullptr;  // unimplemented for this shape: Temper's kernels run it
  }
  const std::lock_guard lock(cache.mu);
  if (cache.plans.size() >= kMaxPlans) cache.plans.clear();
  cache.plans.emplace(key, plan);
  return plan;
}

std::size_t scratch_bytes(const ConvPlan& plan) { return plan.total_bytes; }

std::size_t cached_plans() {
  PlanCache& cache = plan_cache();
  const std::lock_guard lock(cache.mu);
  std::size_t n = 0;
  for (const auto& [key, plan] : cache.plans) n += plan != nullptr;
  return n;
}

void run_forward(const ConvPlan& plan, ThreadPool& pool, void* scratch, const float* x, const float* w,
                 const float* bias, float* y) {
  const ConvProblem& p = plan.p;
  void* wei = weights_in_layout(plan, scratch, w);
  run_slices(plan, pool, scratch, "convolution forward",
             [&](int, const memory::desc& src, const memory::desc& dst, i64 n0) {
               std::unordered_map<int, memory> a{
                   {DNNL_ARG_SRC, memory(src, cpu_engine(), const_cast<float*>(x) + n0 * p.H * p.W * p.C)},
                   {DNNL_ARG_WEIGHTS, memory(plan.wei_prim, cpu_engine(), wei)},
                   {DNNL_ARG_DST, memory(dst, cpu_engine(), y + n0 * p.OH * p.OW * p.O)}};
               if (p.bias) a.emplace(DNNL_ARG_BIAS, memory(plan.bias_desc, cpu_engine(), const_cast<float*>(bias)));
               return a;
             },
             [&](i64 n0, i64 n) {
               const i64 img = p.OH * p.OW * p.O;
               if (p.relu) relu_keep_nan(y + n0 * img, n * img);
             });
}

void run_backward_data(const ConvPlan& plan, ThreadPool& pool, void* scratch, const float* dy, const float* w,
                       float* dx) {
  const ConvProblem& p = plan.p;
  void* wei = weights_in_layout(plan, scratch, w);
  run_slices(plan, pool, scratch, "convolution backward-data",
             [&](int, const memory::desc& src, const memory::desc& dst, i64 n0) {
               return std::unordered_map<int, memory>{
                   {DNNL_ARG_DIFF_DST, memory(dst, cpu_engine(), const_cast<float*>(dy) + n0 * p.OH * p.OW * p.O)},
                   {DNNL_ARG_WEIGHTS, memory(plan.wei_prim, cpu_engine(), wei)},
                   {DNNL_ARG_DIFF_SRC, memory(src, cpu_engine(), dx + n0 * p.H * p.W * p.C)}};
             },
             [](i64, i64) {});
}

void run_backward_weights(const ConvPlan& plan, ThreadPool& pool, void* scratch, const float* x, const float* dy,
                          float* dw) {
  const ConvProblem& p = plan.p;
  run_slices(plan, pool, scratch, "convolution backward-weights",
             [&](int c, const memory::desc& src, const memory::desc& dst, i64 n0) {
               return std::unordered_map<int, memory>{
                   {DNNL_ARG_SRC, memory(src, cpu_engine(), const_cast<float*>(x) + n0 * p.H * p.W * p.C)},
                   {DNNL_ARG_DIFF_DST, memory(dst, cpu_engine(), const_cast<float*>(dy) + n0 * p.OH * p.OW * p.O)},
                   {DNNL_ARG_DIFF_WEIGHTS, memory(plan.wei_prim, cpu_engine(), plan.weights_at(scratch, c))}};
             },
             [](i64, i64) {});
  // Sum the slices' partial gradients (in oneDNN's layout, padding included) into the first.
  auto* acc = reinterpret_cast<float*>(plan.weights_at(scratch, 0));
  const i64 n = static_cast<i64>(plan.wei_prim.get_size() / sizeof(float));
  if (plan.chunks > 1)
    pool.parallel_for(n, i64{1} << 14, [&](i64 b, i64 e) {
      for (int c = 1; c < plan.chunks; ++c) {
        const auto* part = reinterpret_cast<const float*>(plan.weights_at(scratch, c));
        for (i64 i = b; i < e; ++i) acc[i] += part[i];
      }
    });
  const SerialOmp serial;
  try {
    execute(plan.wei_reorder,
            {{DNNL_ARG_FROM, memory(plan.wei_prim, cpu_engine(), acc)}, {DNNL_ARG_TO, memory(plan.wei_user, cpu_engine(), dw)}});
  } catch (const dnnl::error& e) {
    fail("weight reorder", e);
  }
}

std::string description() {
  const dnnl_version_t* v = dnnl_version();
  std::string s = "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  s += " (OpenMP runtime, run one slice per Temper thread; ISA ";
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: s += "sse41"; break;
    case dnnl::cpu_isa::avx: s += "avx"; break;
    case dnnl::cpu_isa::avx2: s += "avx2"; break;
    case dnnl::cpu_isa::avx512_core: s += "avx512_core"; break;
    case dnnl::cpu_isa::avx512_core_vnni: s += "avx512_core_vnni"; break;
    case dnnl::cpu_isa::avx512_core_bf16: s += "avx512_core_bf16"; break;
    case dnnl::cpu_isa::avx512_core_amx: s += "avx512_core_amx"; break;
    default: s += "other"; break;
  }
  s += "), conv passes:";
  try {
    const PassSwitches& sw = switches();
    if (sw.fwd) s += " fwd";
    if (sw.bwd_data) s += " bwd_data";
    if (sw.bwd_weights) s += " bwd_weights";
    if (!sw.fwd && !sw.bwd_data && !sw.bwd_weights) s += " none";
  } catch (const Error& e) {
    s += std::string(" invalid: ") + e.what();
  }
  const char* env = std::getenv("TEMPER_ONEDNN");
  s += env && *env ? " (set by TEMPER_ONEDNN), " : " (measured defaults for this ISA; TEMPER_ONEDNN), ";
  s += std::to_string(cached_plans()) + " convolution plans cached";
  return s;
}

}  // namespace temper::cpu::onednn
