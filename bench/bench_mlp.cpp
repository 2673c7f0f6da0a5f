// Fashion-MNIST MLP benchmark: the same model, data and recipe as the PyTorch reference in
// ../shared/bench/torch_bench.py (784-256-128-10 relu, Adam 1e-3, batch 128, cross-entropy on
// logits, reshuffled every epoch), measured the same way:
//   * training samples/s of epoch 1, leaving out the first 20 batches (warm-up);
//   * batch-1 predict latency, median of 1000 calls after 100 warm-up calls;
//   * test accuracy after every epoch; peak RSS of the process.
// Usage: bench_mlp [--epochs N] [--out file.json] [--data DIR] [--latency-only]
// (--latency-only: 20,000 batch-1 predictions and nothing else, for a profiler)
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <temper/temper.hpp>

using namespace temper;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kWarmupBatches = 20;

// Times every training batch of the current epoch.
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

}  // namespace

int main(int argc, char** argv) try {
  int epochs = 5;
  std::string out_path, data_dir;
  bool latency_only = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = std::stoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) out_path = argv[++i];
    else if (!std::strcmp(argv[i], "--data") && i + 1 < argc) data_dir = argv[++i];
    else if (!std::strcmp(argv[i], "--latency-only")) latency_only = true;
  }
  const auto t_load = Clock::now();
  auto [train, test] = data_dir.empty() ? datasets::fashion_mnist::load() : datasets::fashion_mnist::load(data_dir);
  Tensor x_train = train.x / 255.0f, x_test = test.x / 255.0f;
  const double load_s = std::chrono::duration<double>(Clock::now() - t_load).count();

  Sequential model({layers::Input({28, 28}), layers::Flatten(), layers::Dense(256, "relu"),
                    layers::Dense(128, "relu"), layers::Dense(10)},
                   {.name = "mlp", .seed = 0});
  model.compile(optimizers::Adam(1e-3), losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});

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
    // The last batch is partial (60000 = 468 * 128 + 96).
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

  // Batch-1 latency: one image at a time, inference mode.
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

  // Batch-1000 throughput over the test set.
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
  std::printf("peak RSS: %.1f MB   threads: %d   data load: %.2f s\n", rss_mb, default_backend().num_threads(), load_s);

  if (!out_path.empty()) {
    Config j;
    j["framework"] = "temper";
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
    std::ofstream(out_path) << j.dump(2) << "\n";
  }
  return 0;
} catch (const temper::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
