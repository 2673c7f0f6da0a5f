// Lesson 8: customizing what happens in fit() — a small GAN.
//
// fit() runs a loop: shuffle, batch, call the callbacks, show the progress bar, keep the
// History — and, for every batch, call the model's train_step. The default train_step is
// "forward, compute_loss, backward, optimizer step, compute_metrics". A model that trains
// differently overrides only that one function and keeps the rest of fit, exactly as in Keras
// ("Customizing what happens in fit()"):
//
//     class GAN(keras.Model):
//         def train_step(self, real):
//             z = keras.random.normal((batch_size, latent_dim))
//             with tf.GradientTape() as tape:          # 1. the discriminator: real vs fake
//                 d_loss = (loss_fn(ones, self.discriminator(real))
//                           + loss_fn(zeros, self.discriminator(self.generator(z))))
//             self.d_optimizer.apply(tape.gradient(d_loss, d_weights), d_weights)
//             with tf.GradientTape() as tape:          # 2. the generator: fool it
//                 g_loss = loss_fn(ones, self.discriminator(self.generator(z)))
//             self.g_optimizer.apply(tape.gradient(g_loss, g_weights), g_weights)
//             return {"d_loss": ..., "g_loss": ...}
//
// A generative adversarial network needs two optimizers, two losses and three forward passes
// per batch, so it cannot be written as one compiled loss. Here the generator learns to turn
// Gaussian noise into samples of a 1-D distribution it never sees directly — N(4, 1.25) — only
// through the discriminator's verdicts. docs/custom-training.md explains the API.
//
// Build: part of the project; run: ./build/examples/08_custom_train_step
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <temper/temper.hpp>

using namespace temper;

constexpr std::int64_t kLatent = 4;
constexpr double kRealMean = 4.0, kRealStd = 1.25;

// 1. The model: a Model subclass that owns two sub-models. It is not a graph, so it says which
//    layers it has (for weights(), summary() and fit's optimizer) and which metrics it tracks.
class GAN : public Model {
 public:
  GAN(std::shared_ptr<Sequential> generator, std::shared_ptr<Sequential> discriminator)
      : Model("gan", /*seed=*/7), generator_(std::move(generator)), discriminator_(std::move(discriminator)) {}

  std::string class_name() const override { return "GAN"; }
  std::vector<LayerPtr> layers() const override { return {generator_, discriminator_}; }

  /// Keras: override compile to take one optimizer per network. compile() keeps the
  /// discriminator's optimizer (optimizer()); the generator's is our own.
  void compile(OptimizerArg d_optimizer, OptimizerArg g_optimizer) {
    Model::compile(std::move(d_optimizer));
    g_optimizer_ = g_optimizer.get();
  }

  /// Listed here, the two trackers are reset at the start of every epoch and reported in the
  /// logs (progress bar, callbacks, History) by get_metrics_result().
  std::vector<metrics::MetricPtr> metrics() const override { return {d_loss_, g_loss_}; }

  Sequential& generator() { return *generator_; }

 protected:
  // 2. One step on a batch of real samples (`batch.x[0]`; fit was given no targets).
  Logs train_step(const Batch& batch) override {
    const Tensor& real = batch.x[0];
    const std::int64_t n = batch.size();
    const Tensor ones = ops::ones({n, 1}), zeros = ops::zeros({n, 1});

    // The discriminator learns to tell real (1) from generated (0) samples. The generated
    // batch is detached: this step must not reach the generator's weights.
    Tensor fake = (*generator_)(ops::random_normal({n, kLatent}, 0.0, 1.0, rng_), true).detach();
    Tensor d_loss = ops::add(loss_(ones, (*discriminator_)(real, true)), loss_(zeros, (*discriminator_)(fake, true)));
    apply_gradients(d_loss, discriminator_->trainable_weights(), *optimizer());

    // The generator learns to make the discriminator say "real". The gradient flows through
    // the discriminator, but only the generator's weights are stepped.
    Tensor generated = (*generator_)(ops::random_normal({n, kLatent}, 0.0, 1.0, rng_), true);
    Tensor g_loss = loss_(ones, (*discriminator_)(generated, true));
    apply_gradients(g_loss, generator_->trainable_weights(), *g_optimizer_);

    d_loss_->update_state(d_loss.item(), static_cast<double>(n));
    g_loss_->update_state(g_loss.item(), static_cast<double>(n));
    return get_metrics_result();
  }

 private:
  std::shared_ptr<Sequential> generator_, discriminator_;
  optimizers::OptimizerPtr g_optimizer_;
  losses::BinaryCrossentropy loss_{{.from_logits = true}};
  std::shared_ptr<metrics::Mean> d_loss_ = std::make_shared<metrics::Mean>(metrics::MeanOptions{"d_loss"});
  std::shared_ptr<metrics::Mean> g_loss_ = std::make_shared<metrics::Mean>(metrics::MeanOptions{"g_loss"});
  Generator rng_{11};
};

// Mean and standard deviation of a column of samples.
std::pair<double, double> moments(const Tensor& samples) {
  const auto v = samples.to_vector<float>();
  double mean = 0, var = 0;
  for (float s : v) mean += s;
  mean /= static_cast<double>(v.size());
  for (float s : v) var += (s - mean) * (s - mean);
  return {mean, std::sqrt(var / static_cast<double>(v.size()))};
}

// Text histograms of the real and the generated samples, side by side, over [-0.5, 8.5).
void histograms(const Tensor& real, const Tensor& generated) {
  constexpr int kBins = 18;
  constexpr double lo = -0.5, hi = 8.5;
  auto counts = [&](const Tensor& t) {
    std::vector<int> c(kBins, 0);
    for (float s : t.to_vector<float>()) {
      const int b = static_cast<int>(std::floor((s - lo) / (hi - lo) * kBins));
      if (b >= 0 && b < kBins) ++c[static_cast<std::size_t>(b)];
    }
    return c;
  };
  const auto r = counts(real), g = counts(generated);
  const int top = std::max(*std::max_element(r.begin(), r.end()), *std::max_element(g.begin(), g.end()));
  auto bar = [&](int c, char ch) { return std::string(static_cast<std::size_t>(30.0 * c / top + 0.5), ch); };
  std::printf("  bin  %-30s  %s\n", "real", "generated");
  for (std::size_t b = 0; b < kBins; ++b)
    std::printf("%5.1f  %-30s  %s\n", lo + (hi - lo) * static_cast<double>(b) / kBins, bar(r[b], '#').c_str(),
                bar(g[b], '*').c_str());
}

int main() try {
  // 3. The two networks. The generator maps noise to one number; the discriminator maps one
  //    number to a logit ("how real does it look").
  auto generator = std::make_shared<Sequential>(
      std::vector<LayerRef>{layers::Input({kLatent}), layers::Dense(16, "relu"), layers::Dense(16, "relu"), layers::Dense(1)},
      Sequential::Options{.name = "generator", .seed = 1});
  auto discriminator = std::make_shared<Sequential>(
      std::vector<LayerRef>{layers::Input({1}), layers::Dense(32, "leaky_relu"), layers::Dense(32, "leaky_relu"),
                            layers::Dense(1)},
      Sequential::Options{.name = "discriminator", .seed = 2});
  GAN gan(generator, discriminator);
  gan.compile(optimizers::Adam({.learning_rate = 1e-3, .beta_1 = 0.5}),
              optimizers::Adam({.learning_rate = 1e-3, .beta_1 = 0.5}));

  // 4. The data: real samples only — no targets.
  Generator data_rng(3);
  Tensor real = ops::random_normal({8192, 1}, kRealMean, kRealStd, data_rng);
  Generator noise_rng(4);
  Tensor noise = ops::random_normal({4096, kLatent}, 0.0, 1.0, noise_rng);
  auto [m0, s0] = moments(gan.generator().predict(noise, {.verbose = 0}));
  std::printf("Real samples:               mean %.2f, std %.2f\n", kRealMean, kRealStd);
  std::printf("Generated before training:  mean %.2f, std %.2f\n", m0, s0);

  // 5. fit as usual: batching, shuffling, callbacks and History all work with train_step.
  History h = gan.fit(real, {}, {.batch_size = 64, .epochs = 30, .verbose = 0});
  for (std::size_t e = 0; e < h.epoch.size(); e += 5)
    std::printf("epoch %2d  d_loss %.3f  g_loss %.3f\n", h.epoch[e] + 1, h["d_loss"][e], h["g_loss"][e]);
  std::printf("(d_loss near log(4) = 1.386: the discriminator can no longer tell real from generated)\n");

  Tensor samples = gan.generator().predict(noise, {.verbose = 0});
  auto [m1, s1] = moments(samples);
  std::printf("Generated after training:   mean %.2f, std %.2f\n\n", m1, s1);
  histograms(real.slice_rows(0, 4096), samples);
  const bool close = std::abs(m1 - kRealMean) < 0.3 && std::abs(s1 - kRealStd) < 0.3;
  std::printf("\nThe generator %s the real distribution.\n", close ? "matches" : "does NOT match");
  return close ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
