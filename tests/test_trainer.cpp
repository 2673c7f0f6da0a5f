// The overridable trainer (Keras 3: "customizing what happens in fit()"): fit, evaluate,
// predict, train_on_batch and test_on_batch call the protected virtual steps train_step,
// test_step, predict_step, compute_loss and compute_metrics, and what a subclass returns is
// what History, callbacks and the caller see.
#include <doctest/doctest.h>

#include <cmath>
#include <temper/temper.hpp>

using namespace temper;

namespace {

// y = 2 x0 - x1 + 0.5 on 100 samples.
struct Linear {
  Tensor x, y;
  Linear() {
    Generator rng(7);
    x = ops::random_normal({100, 2}, 0.0, 1.0, rng);
    y = ops::add(ops::subtract(ops::multiply(ops::slice(x, 1, 0, 1), 2.0), ops::slice(x, 1, 1, 2)), 0.5);
  }
};

std::vector<LayerRef> regression_layers() { return {layers::Input({2}), layers::Dense(8, "tanh"), layers::Dense(1)}; }

/// Records the logs every hook receives.
class LogRecorder : public Callback {
 public:
  std::vector<Logs> train_batches, test_batches, epochs;
  void on_train_batch_end(std::int64_t, const Logs& logs) override { train_batches.push_back(logs); }
  void on_test_batch_end(std::int64_t, const Logs& logs) override { test_batches.push_back(logs); }
  void on_epoch_end(int, const Logs& logs) override { epochs.push_back(logs); }
};

/// Counts its train_step calls and reports the count in its logs, next to the usual ones.
class CountingModel : public Sequential {
 public:
  using Sequential::Sequential;
  int train_calls = 0;

 protected:
  Logs train_step(const Batch& batch) override {
    ++train_calls;
    Logs logs = Sequential::train_step(batch);
    logs["calls"] = train_calls;
    logs["rows"] = static_cast<double>(batch.size());
    return logs;
  }
};

/// The compiled loss plus a constant: the gradients, and so the training, do not change.
class ConstantPenalty : public Sequential {
 public:
  using Sequential::Sequential;
  static constexpr double kPenalty = 0.25;

 protected:
  Tensor compute_loss(const Batch& batch, const std::vector<Tensor>& y_pred) override {
    return ops::add(Sequential::compute_loss(batch, y_pred), kPenalty);
  }
};

/// The compiled loss plus an L2 penalty on every weight, written as a loss term.
class WeightPenalty : public Sequential {
 public:
  using Sequential::Sequential;

 protected:
  Tensor compute_loss(const Batch& batch, const std::vector<Tensor>& y_pred) override {
    Tensor loss = Sequential::compute_loss(batch, y_pred);
    for (const auto& w : trainable_weights()) loss = ops::add(loss, ops::multiply(ops::sum(ops::square(w->value)), 1.0));
    return loss;
  }
};

/// A test step that reports its own numbers only.
class CustomEvaluation : public Sequential {
 public:
  using Sequential::Sequential;
  int test_calls = 0;

 protected:
  Logs test_step(const Batch& batch) override {
    ++test_calls;
    NoGradGuard no_grad;
    Tensor err = ops::abs(ops::subtract(call_outputs(batch.x, false)[0], batch.y[0]));
    return {{"max_error", ops::max(err).item()}, {"test_calls", test_calls}};
  }
};

/// Predictions doubled.
class DoublingPredict : public Sequential {
 public:
  using Sequential::Sequential;
  int predict_calls = 0;

 protected:
  std::vector<Tensor> predict_step(const Batch& batch) override {
    ++predict_calls;
    auto outs = Sequential::predict_step(batch);
    for (auto& o : outs) o = ops::multiply(o, 2.0);
    return outs;
  }
};

}  // namespace

TEST_CASE("fit calls an overridden train_step once per step and its logs reach callbacks and History") {
  Linear d;
  CountingModel model(regression_layers(), {.seed = 1});
  model.compile(optimizers::SGD(0.05), "mse", {"mae"});
  auto recorder = std::make_shared<LogRecorder>();
  History h = model.fit(d.x, d.y, {.batch_size = 20, .epochs = 3, .verbose = 0, .callbacks = {recorder}});
  CHECK(model.train_calls == 3 * 5);
  REQUIRE(recorder->train_batches.size() == 15);
  CHECK(recorder->train_batches.front().at("calls") == 1);
  CHECK(recorder->train_batches.back().at("calls") == 15);
  CHECK(recorder->train_batches.back().at("rows") == 20);
  CHECK(recorder->train_batches.back().count("mae") == 1);
  // The step's own keys differ from the metrics', so epoch logs are the last step's logs.
  CHECK(h["calls"] == std::vector<double>{5, 10, 15});
  CHECK(h["loss"].size() == 3);
  CHECK(recorder->epochs.back().at("calls") == 15);

  CHECK(model.train_on_batch(d.x.slice_rows(0, 10), d.y.slice_rows(0, 10)).at("calls") == 16);
}

TEST_CASE("train_step override of a functional model subclass is used too") {
  struct Functional : Model {
    using Model::Model;
    int calls = 0;
    Logs train_step(const Batch& batch) override {
      ++calls;
      return Model::train_step(batch);
    }
  };
  SymbolicTensor in = Input({2});
  Functional model(in, layers::Dense(1)(in), ModelOptions{.seed = 3});
  model.compile("sgd", "mse");
  Linear d;
  (void)model.fit(d.x, d.y, {.batch_size = 32, .epochs = 2, .verbose = 0});
  CHECK(model.calls == 2 * 4);  // ceil(100 / 32) = 4 steps per epoch
}

TEST_CASE("a compute_loss override changes the reported loss by the penalty and nothing else") {
  Linear d;
  Sequential plain(regression_layers(), {.seed = 2});
  ConstantPenalty penalised(regression_layers(), {.seed = 2});
  for (Model* m : {static_cast<Model*>(&plain), static_cast<Model*>(&penalised)})
    m->compile(optimizers::SGD(0.05), "mse", {"mae"});
  History hp = plain.fit(d.x, d.y, {.batch_size = 25, .epochs = 3, .verbose = 0, .validation_split = 0.2});
  History hc = penalised.fit(d.x, d.y, {.batch_size = 25, .epochs = 3, .verbose = 0, .validation_split = 0.2});
  for (std::size_t e = 0; e < 3; ++e) {
    CHECK(hc["loss"][e] - hp["loss"][e] == doctest::Approx(ConstantPenalty::kPenalty).epsilon(1e-5));
    CHECK(hc["val_loss"][e] - hp["val_loss"][e] == doctest::Approx(ConstantPenalty::kPenalty).epsilon(1e-5));
    CHECK(hc["mae"][e] == doctest::Approx(hp["mae"][e]).epsilon(1e-6));  // the same training
  }
  const double ep = plain.evaluate(d.x, d.y, {.verbose = 0}).at("loss");
  CHECK(penalised.evaluate(d.x, d.y, {.verbose = 0}).at("loss") - ep ==
        doctest::Approx(ConstantPenalty::kPenalty).epsilon(1e-5));
  CHECK(penalised.test_on_batch(d.x, d.y).at("loss") - plain.test_on_batch(d.x, d.y).at("loss") ==
        doctest::Approx(ConstantPenalty::kPenalty).epsilon(1e-5));
}

TEST_CASE("a differentiable compute_loss term is minimised by the default train_step") {
  Linear d;
  Sequential plain(regression_layers(), {.seed = 4});
  WeightPenalty penalised(regression_layers(), {.seed = 4});
  plain.compile(optimizers::SGD(0.05), "mse");
  penalised.compile(optimizers::SGD(0.05), "mse");
  auto weight_norm = [](const Model& m) {
    double s = 0;
    for (const auto& w : m.trainable_weights()) s += ops::sum(ops::square(w->value)).item();
    return s;
  };
  (void)plain.fit(d.x, d.y, {.batch_size = 10, .epochs = 10, .verbose = 0});
  (void)penalised.fit(d.x, d.y, {.batch_size = 10, .epochs = 10, .verbose = 0});
  MESSAGE("squared weight norm: plain " << weight_norm(plain) << ", penalised " << weight_norm(penalised));
  CHECK(weight_norm(penalised) < 0.6 * weight_norm(plain));
}

TEST_CASE("evaluate and fit's validation call an overridden test_step") {
  Linear d;
  CustomEvaluation model(regression_layers(), {.seed = 5});
  model.compile("adam", "mse");
  Logs scores = model.evaluate(d.x, d.y, {.batch_size = 25, .verbose = 0});
  CHECK(model.test_calls == 4);
  CHECK(scores.at("test_calls") == 4);
  CHECK(scores.count("loss") == 0);
  CHECK(scores.at("max_error") > 0);

  auto recorder = std::make_shared<LogRecorder>();
  History h = model.fit(d.x.slice_rows(0, 60), d.y.slice_rows(0, 60),
                        {.batch_size = 20, .epochs = 2, .verbose = 0, .callbacks = {recorder},
                         .validation_data = ValidationData{d.x.slice_rows(60, 100), d.y.slice_rows(60, 100)},
                         .validation_batch_size = 20});
  CHECK(model.test_calls == 4 + 2 * 2);
  CHECK(h["val_test_calls"] == std::vector<double>{6, 8});
  CHECK(h["val_max_error"].size() == 2);
  CHECK(recorder->test_batches.size() == 4);
  CHECK(model.test_on_batch(d.x, d.y).at("test_calls") == 9);
}

TEST_CASE("predict and predict_on_batch call an overridden predict_step") {
  Linear d;
  Sequential plain(regression_layers(), {.seed = 6});
  DoublingPredict doubling(regression_layers(), {.seed = 6});
  doubling.set_weights(plain.get_weights());
  Tensor expected = ops::multiply(plain.predict(d.x, {.batch_size = 30, .verbose = 0}), 2.0);
  Tensor got = doubling.predict(d.x, {.batch_size = 30, .verbose = 0});
  CHECK(doubling.predict_calls == 4);
  REQUIRE(got.shape() == expected.shape());
  auto e = expected.to_vector<float>(), g = got.to_vector<float>();
  for (std::size_t i = 0; i < e.size(); ++i) CHECK(g[i] == doctest::Approx(e[i]).epsilon(1e-6));
  Tensor one = doubling.predict_on_batch(d.x.slice_rows(0, 3));
  CHECK(doubling.predict_calls == 5);
  CHECK(one.to_vector<float>()[0] == doctest::Approx(e[0]).epsilon(1e-6));
}

TEST_CASE("a custom train_step with two forward passes trains a classifier past 95% accuracy") {
  // Consistency regularisation: the cross-entropy of one noisy view of each sample plus the
  // squared difference between the predictions on two noisy views.
  class Consistency : public Sequential {
   public:
    using Sequential::Sequential;

   protected:
    Logs train_step(const Batch& batch) override {
      const Tensor& x = batch.x[0];
      Tensor view_a = ops::add(x, ops::random_normal(x.shape(), 0.0, 0.1, rng_));
      Tensor view_b = ops::add(x, ops::random_normal(x.shape(), 0.0, 0.1, rng_));
      std::vector<Tensor> pred_a = call_outputs({view_a}, true);
      Tensor pred_b = call_outputs({view_b}, true)[0];
      Tensor agreement = ops::mean(ops::square(ops::subtract(ops::softmax(pred_a[0]), ops::softmax(pred_b))));
      Tensor loss = ops::add(compute_loss(batch, pred_a), ops::multiply(agreement, 1.0));
      apply_gradients(loss);
      NoGradGuard no_grad;
      loss_tracker().update_state(loss.item(), static_cast<double>(batch.size()));
      pred_a[0] = pred_a[0].detach();
      return compute_metrics(batch, pred_a);
    }

   private:
    Generator rng_{11};
  };
  // Two classes: inside or outside the circle of radius 1.
  Generator rng(3);
  Tensor x = ops::random_uniform({1400, 2}, -1.6, 1.6, rng);
  Tensor r2 = ops::sum(ops::square(x), {1});
  Tensor y = ops::cast(ops::less(r2, 1.0), DType::Int32);
  Consistency model({layers::Input({2}), layers::Dense(32, "relu"), layers::Dense(32, "relu"), layers::Dense(2)},
                    {.seed = 9});
  model.compile(optimizers::Adam(0.01), losses::SparseCategoricalCrossentropy({.from_logits = true}),
                {"accuracy"});
  History h = model.fit(x.slice_rows(0, 1000), y.slice_rows(0, 1000), {.batch_size = 32, .epochs = 30, .verbose = 0});
  Logs scores = model.evaluate(x.slice_rows(1000, 1400), y.slice_rows(1000, 1400), {.verbose = 0});
  MESSAGE("train loss " << h["loss"].front() << " -> " << h["loss"].back() << ", test accuracy "
                        << scores.at("accuracy"));
  CHECK(h["loss"].back() < 0.5 * h["loss"].front());
  CHECK(scores.at("accuracy") >= 0.95);
}

TEST_CASE("apply_gradients with explicit variables steps only those variables") {
  SymbolicTensor in = Input({2});
  auto first = make_layer<layers::Dense>(4, "tanh");
  auto second = make_layer<layers::Dense>(1);
  struct Exposed : Model {
    using Model::Model;
    using Model::apply_gradients;
  };
  Exposed model(in, (*second)((*first)(in)), ModelOptions{.seed = 8});
  model.compile("sgd", "mse");
  Linear d;
  const auto before_first = first->trainable_weights()[0]->value.clone().to_vector<float>();
  const auto before_second = second->trainable_weights()[0]->value.clone().to_vector<float>();
  Tensor loss = ops::mean(ops::square(ops::subtract(model(d.x, true), d.y)));
  optimizers::SGD sgd(0.1);
  model.apply_gradients(loss, first->trainable_weights(), sgd);
  CHECK(first->trainable_weights()[0]->value.to_vector<float>() != before_first);
  CHECK(second->trainable_weights()[0]->value.to_vector<float>() == before_second);
  CHECK_FALSE(second->trainable_weights()[0]->value.grad().defined());
  CHECK(sgd.iterations() == 1);
  CHECK(model.optimizer()->iterations() == 0);
}

TEST_CASE("metrics added by overriding metrics() are reset every epoch and logged") {
  class StepCounter : public Sequential {
   public:
    using Sequential::Sequential;
    std::vector<metrics::MetricPtr> metrics() const override {
      auto out = Sequential::metrics();
      out.push_back(steps_);
      return out;
    }

   protected:
    Logs train_step(const Batch& batch) override {
      steps_->update_state(1.0);
      return Sequential::train_step(batch);
    }

   private:
    std::shared_ptr<metrics::Sum> steps_ = std::make_shared<metrics::Sum>(metrics::SumOptions{"steps"});
  };
  Linear d;
  StepCounter model(regression_layers(), {.seed = 10});
  model.compile("sgd", "mse");
  History h = model.fit(d.x, d.y, {.batch_size = 50, .epochs = 3, .verbose = 0});
  CHECK(h["steps"] == std::vector<double>{2, 2, 2});
  CHECK(model.metrics_names() == std::vector<std::string>{"loss", "steps"});
}

TEST_CASE("fit and evaluate without targets work with steps that need none") {
  // An autoencoder-like step: reconstruct x from x, with no y given to fit.
  class Reconstruct : public Sequential {
   public:
    using Sequential::Sequential;

   protected:
    Logs train_step(const Batch& batch) override {
      CHECK(batch.y.empty());
      Tensor loss = ops::mean(ops::square(ops::subtract(call_outputs(batch.x, true)[0], batch.x[0])));
      apply_gradients(loss);
      loss_tracker().update_state(loss.item(), static_cast<double>(batch.size()));
      return get_metrics_result();
    }
    Logs test_step(const Batch& batch) override {
      NoGradGuard no_grad;
      Tensor loss = ops::mean(ops::square(ops::subtract(call_outputs(batch.x, false)[0], batch.x[0])));
      loss_tracker().update_state(loss.item(), static_cast<double>(batch.size()));
      return get_metrics_result();
    }
  };
  Linear d;
  Reconstruct model({layers::Input({2}), layers::Dense(2)}, {.seed = 12});
  model.compile(optimizers::Adam(0.05));
  History h = model.fit(d.x, {}, {.batch_size = 20, .epochs = 20, .verbose = 0, .validation_split = 0.2});
  CHECK(h["loss"].back() < 0.1 * h["loss"].front());
  CHECK(h["val_loss"].size() == 20);
  CHECK(model.evaluate(d.x, {}, {.verbose = 0}).at("loss") < 0.05);

  // The default steps still need targets, and say so.
  Sequential plain(regression_layers(), {.seed = 12});
  plain.compile("sgd", "mse");
  CHECK_THROWS_WITH_AS(plain.fit(d.x, {}, {.verbose = 0}), doctest::Contains("overrides train_step"), ValueError);
}

TEST_CASE("trainer: two metrics of one class log under unique names, as in Keras") {
  Generator g(3);
  Tensor x = ops::random_normal({32, 4}, 0, 1, g);
  Tensor y = ops::cast(ops::greater(ops::sum(x, {-1}, true), 0.0), DType::Float32);
  Sequential m({layers::Input({4}), layers::Dense(1, "sigmoid")}, {.seed = 1});
  m.compile("adam", "binary_crossentropy",
            {MetricArg(metrics::Precision()), MetricArg(metrics::Precision()), MetricArg("accuracy")});
  History h = m.fit(x, y, {.epochs = 1, .verbose = 0});
  CHECK(h.history.count("precision") == 1);
  CHECK(h.history.count("precision_1") == 1);
  CHECK(h.history.at("precision") == h.history.at("precision_1"));
}
