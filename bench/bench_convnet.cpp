// Fashion-MNIST convnet benchmark: the Keras "simple MNIST convnet" exactly as the PyTorch
// reference in ../shared/bench/torch_bench.py runs it (Conv 32 3x3 relu, MaxPool 2, Conv 64
// 3x3 relu, MaxPool 2, Flatten, Dropout 0.5, Dense 10 logits; Adam 1e-3, batch 128,
// cross-entropy on logits, reshuffled every epoch, 3 epochs), measured the same way:
//   * training samples/s of epoch 1, leaving out the first 20 batches (warm-up), through the
//     ordinary model.fit path (metric and callbacks included);
//   * batch-1 predict latency, median of 1000 calls after 100 warm-up calls;
//   * batch-1000 predict throughput; test accuracy after every epoch; peak RSS.
// `--profile` adds a per-op breakdown of one training step at batch 128: every backend kernel
// the step runs, timed on its own (median of repeated calls), next to the measured step.
// Usage: bench_convnet [--epochs N] [--out file.json] [--data DIR] [--profile] [--latency-only]
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <temper/temper.hpp>

using namespace temper;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kWarmupBatches = 20;

struct StepTimer : Callback {
  std::vector<Clock::time_point> ends;
  Clock::time_point epoch_start;
  void on_epoch_begin(int, const Logs&) override {
    ends.clear();
    epoch_start = Clock::now();
  }
  void on_train_batch_end(std::int64_t, const Logs&) override { ends.push_back(Clock::now()); }
};

struct EpochResult {
  double samples_per_s_after_warmup = 0, wall_s = 0, median_step_ms = 0, test_acc = 0, train_loss = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

Sequential make_model() {
  return Sequential({layers::Input({28, 28, 1}), layers::Conv2D(32, 3, "relu"), layers::MaxPooling2D(2),
                     layers::Conv2D(64, 3, "relu"), layers::MaxPooling2D(2), layers::Flatten(),
                     layers::Dropout(0.5), layers::Dense(10)},
                    {.name = "convnet", .seed = 0});
}

/// Process CPU time in ms (all threads).
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

/// Median milliseconds of fn over `reps` calls after 3 warm-up calls: wall time, or process
/// CPU time when TEMPER_PROFILE_CPU is set (useful on a loaded machine with 1 thread).
double time_ms(const std::function<void()>& fn, int reps = 30) {
  static const bool cpu = std::getenv("TEMPER_PROFILE_CPU") != nullptr;
  for (int i = 0; i < 3; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    const double c0 = cpu ? cpu_ms() : 0.0;
    fn();
    t.push_back(cpu ? cpu_ms() - c0 : std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return median(t);
}

/// Every kernel of one training step of the convnet at batch 128, timed on its own.
Config profile_step(Sequential& model, const Tensor& x_train, const Tensor& y_train) {
  Backend& be = default_backend();
  const std::int64_t N = 128;
  using W = Backend::Window2D;
  auto T = [&](const Shape& s) { return Tensor::empty(s, DType::Float32); };
  Generator gen(1);
  Tensor x = x_train.slice_rows(0, N).clone();
  Tensor labels = y_train.slice_rows(0, N).astype(DType::Int32);
  Tensor w1 = ops::random_uniform({3, 3, 1, 32}, -0.1, 0.1, gen), b1 = Tensor::zeros({32});
  Tensor w2 = ops::random_uniform({3, 3, 32, 64}, -0.1, 0.1, gen), b2 = Tensor::zeros({64});
  Tensor wd = ops::random_uniform({1600, 10}, -0.1, 0.1, gen), bd = Tensor::zeros({10});
  Tensor y1 = T({N, 26, 26, 32}), p1 = T({N, 13, 13, 32}), y2 = T({N, 11, 11, 64}), p2 = T({N, 5, 5, 64});
  Tensor mask = T({N, 1600}), d = T({N, 1600}), logits = T({N, 10}), loss = T({N}), probs = T({N, 10});
  W c3{.kernel_h = 3, .kernel_w = 3};
  W pool{.kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2};
  Tensor dlogits = T({N, 10}), dd = T({N, 1600}), dwd = T({1600, 10}), dbd = T({10}), dp2 = T({N, 5, 5, 64});
  Tensor dy2 = T({N, 11, 11, 64}), dp1 = T({N, 13, 13, 32}), dw2 = T({3, 3, 32, 64}), db2 = T({64});
  Tensor dy1 = T({N, 26, 26, 32}), dw1 = T({3, 3, 1, 32}), db1 = T({32});
  Tensor ones = Tensor::ones({N});
  std::vector<std::pair<std::string, std::function<void()>>> ops_list = {
      {"conv1 forward (+bias +relu)", [&] { be.conv2d_forward(x, w1, &b1, y1, c3, 1, true); }},
      {"pool1 forward", [&] { be.pool2d_forward(true, y1, p1, pool); }},
      {"conv2 forward (+bias +relu)", [&] { be.conv2d_forward(p1, w2, &b2, y2, c3, 1, true); }},
      {"pool2 forward", [&] { be.pool2d_forward(true, y2, p2, pool); }},
      {"dropout mask + multiply", [&] {
         be.dropout_mask(mask, 0.5, 1, 0);
         Tensor p2f(p2.buffer(), 0, {N, 1600}, DType::Float32);
         be.binary(BinaryOp::Mul, p2f, mask, d);
       }},
      {"dense forward", [&] {
         be.matmul(d, wd, logits, false, false);
         be.bias_add(logits, bd);
       }},
      {"softmax cross-entropy fwd+bwd", [&] {
         be.sparse_softmax_xent(logits, labels, loss, probs);
         be.sparse_softmax_xent_backward(probs, labels, ones, dlogits);
       }},
      {"dense backward (dW, db, dX)", [&] {
         be.matmul(d, dlogits, dwd, true, false);
         be.bias_grad(dlogits, dbd);
         be.matmul(dlogits, wd, dd, false, true);
       }},
      {"dropout backward", [&] { be.binary(BinaryOp::Mul, dd, mask, dd); }},
      {"pool2 backward", [&] { be.pool2d_backward(true, y2, p2, dp2, dy2, pool); }},
      {"conv2 relu backward", [&] { be.unary_backward(UnaryOp::Relu, y2, y2, dy2, dy2, 0.0); }},
      {"conv2 bias grad", [&] { be.bias_grad(dy2, db2); }},
      {"conv2 backward filter", [&] { be.conv2d_backward_filter(p1, dy2, dw2, c3, 1); }},
      {"conv2 backward data", [&] { be.conv2d_backward_data(dy2, w2, dp1, c3, 1); }},
      {"pool1 backward", [&] { be.pool2d_backward(true, y1, p1, dp1, dy1, pool); }},
      {"conv1 relu backward", [&] { be.unary_backward(UnaryOp::Relu, y1, y1, dy1, dy1, 0.0); }},
      {"conv1 bias grad", [&] { be.bias_grad(dy1, db1); }},
      {"conv1 backward filter", [&] { be.conv2d_backward_filter(x, dy1, dw1, c3, 1); }},
  };
  // Adam on every weight (one fused kernel per variable).
  std::vector<Tensor> ws, gs, ms, vs;
  for (const auto& v : model.trainable_weights()) {
    ws.push_back(v->value.clone());
    gs.push_back(Tensor::zeros(v->value.shape()));
    ms.push_back(Tensor::zeros(v->value.shape()));
    vs.push_back(Tensor::zeros(v->value.shape()));
  }
  ops_list.push_back({"adam updates (all weights)", [&] {
                        OptimizerStep s;
                        for (std::size_t i = 0; i < ws.size(); ++i) be.adam_update(ws[i], gs[i], ms[i], vs[i], nullptr, s);
                      }});
  Config rows = Config::array();
  double total = 0;
  std::printf("\nper-op profile, batch %lld, %d threads (median of 30 calls each):\n", static_cast<long long>(N),
              be.num_threads());
  // Which convolution passes oneDNN runs (the rest are Temper's own kernels).
  for (const auto& [key, value] : be.info())
    if (key == "onednn") std::printf("  convolutions: %s\n", value.c_str());
  std::vector<double> times;
  for (auto& [name, fn] : ops_list) times.push_back(time_ms(fn));
  for (double t : times) total += t;
  for (std::size_t i = 0; i < ops_list.size(); ++i) {
    std::printf("  %-45s %7.3f ms  %5.1f%%\n", ops_list[i].first.c_str(), times[i], 100.0 * times[i] / total);
    rows.push_back({{"op", ops_list[i].first}, {"ms", times[i]}, {"pct", 100.0 * times[i] / total}});
  }
  // The whole step through the ordinary API, for the overhead (autograd, allocation, gather).
  Tensor xb = x_train.slice_rows(0, N), yb = y_train.slice_rows(0, N);
  const double step = time_ms([&] { (void)model.train_on_batch(xb, yb); }, 20);
  std::printf("  %-45s %7.3f ms\n  %-45s %7.3f ms\n", "sum of kernels", total, "train_on_batch step (measured)", step);
  return {{"ops", rows}, {"sum_ms", total}, {"train_on_batch_ms", step}, {"batch", N}};
}

}  // namespace

int main(int argc, char** argv) try {
  int epochs = 3;
  bool profile = false, latency_only = false;
  std::string out_path, data_dir;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = std::stoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) out_path = argv[++i];
    else if (!std::strcmp(argv[i], "--data") && i + 1 < argc) data_dir = argv[++i];
    else if (!std::strcmp(argv[i], "--profile")) profile = true;
    else if (!std::strcmp(argv[i], "--latency-only")) latency_only = true;
  }
  auto [train, test] = data_dir.empty() ? datasets::fashion_mnist::load() : datasets::fashion_mnist::load(data_dir);
  Tensor x_train = (train.x / 255.0f).reshape({-1, 28, 28, 1});
  Tensor x_test = (test.x / 255.0f).reshape({-1, 28, 28, 1});

  Sequential model = make_model();
  model.compile(optimizers::Adam(1e-3), losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});

  Config prof;
  if (profile) {
    Sequential pm = make_model();
    pm.compile(optimizers::Adam(1e-3), losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});
    prof = profile_step(pm, x_train, train.y);
  }

  std::vector<EpochResult> results;
  auto timer = std::make_shared<StepTimer>();
  for (int e = 0; e < epochs; ++e) {
    History h = model.fit(x_train, train.y,
                          {.batch_size = 128, .epochs = e + 1, .verbose = 0, .callbacks = {timer}, .initial_epoch = e});
    EpochResult r;
    const auto& ends = timer->ends;
    const auto n = static_cast<int>(ends.size());
    r.wall_s = std::chrono::duration<double>(ends.back() - timer->epoch_start).count();
    const double steady = std::chrono::duration<double>(ends.back() - ends[kWarmupBatches - 1]).count();
    const double samples = static_cast<double>(train.x.dim(0)) - 128.0 * kWarmupBatches;
    r.samples_per_s_after_warmup = samples / steady;
    std::vector<double> steps;
    for (int i = 1; i < n; ++i) steps.push_back(std::chrono::duration<double, std::milli>(ends[i] - ends[i - 1]).count());
    r.median_step_ms = median(steps);
    r.train_loss = h["loss"].back();
    r.test_acc = model.evaluate(x_test, test.y, {.batch_size = 1000, .verbose = 0}).at("accuracy");
    results.push_back(r);
    std::printf("epoch %d: %.0f samples/s (after %d warm-up batches), median step %.3f ms, loss %.4f, test acc %.4f\n",
                e + 1, r.samples_per_s_after_warmup, kWarmupBatches, r.median_step_ms, r.train_loss, r.test_acc);
  }

  std::vector<double> lat;
  for (int i = 0; i < (latency_only ? 20000 : 1100); ++i) {
    Tensor one = x_test.slice_rows(i % 10000, i % 10000 + 1);
    const auto t0 = Clock::now();
    Tensor y = model.predict_on_batch(one);
    const auto t1 = Clock::now();
    if (i >= 100) lat.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  const double latency_us = median(lat);
  if (latency_only) {
    std::printf("batch-1 predict latency: %.1f us (median of %zu)\n", latency_us, lat.size());
    return 0;
  }

  std::vector<double> passes;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = Clock::now();
    (void)model.predict(x_test, {.batch_size = 1000, .verbose = 0});
    passes.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  const double b1000 = 10000.0 / median(passes);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double rss_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;
  std::printf("batch-1 predict latency: %.1f us (median of 1000)\n", latency_us);
  std::printf("batch-1000 predict: %.0f samples/s\n", b1000);
  std::printf("peak RSS: %.1f MB   threads: %d\n", rss_mb, default_backend().num_threads());

  if (!out_path.empty()) {
    Config j;
    j["framework"] = "temper";
    j["model"] = "cnn";
    j["threads"] = default_backend().num_threads();
    j["peak_rss_mb"] = rss_mb;
    j["batch1_latency_us"] = latency_us;
    j["batch1000_samples_per_s"] = b1000;
    j["epochs"] = Config::array();
    for (const auto& r : results)
      j["epochs"].push_back({{"samples_per_s_after_warmup", r.samples_per_s_after_warmup},
                             {"wall_s", r.wall_s},
                             {"median_step_ms", r.median_step_ms},
                             {"train_loss", r.train_loss},
                             {"test_acc", r.test_acc}});
    if (profile) j["profile"] = prof;
    std::ofstream(out_path) << j.dump(2) << "\n";
  }
  return 0;
} catch (const temper::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
