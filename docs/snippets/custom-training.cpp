// The C++ blocks of docs/custom-training.md, each between // [docs:NAME] and // [docs-end]
// exactly as the page prints it (docs_custom-training checks the copies and runs this
// program). Each model is trained briefly on a toy problem and checked for what the page
// says about it.
#include <cmath>
#include <stdexcept>
#include <string>

#include <temper/temper.hpp>
using namespace temper;

namespace {

void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("docs/custom-training.md: " + what);
}

// [docs:train-step]
class MyModel : public Sequential {
 public:
  using Sequential::Sequential;

 protected:
  Logs train_step(const Batch& batch) override {
    std::vector<Tensor> y_pred = call_outputs(batch.x, /*training=*/true);  // forward
    Tensor loss = compute_loss(batch, y_pred);           // the compiled loss (+ regularizers)
    apply_gradients(loss);                               // backward + one optimizer step
    loss_tracker().update_state(loss.item(), static_cast<double>(batch.size()));
    NoGradGuard no_grad;
    for (auto& p : y_pred) p = p.detach();
    return compute_metrics(batch, y_pred);               // updates "accuracy", ...; returns logs
  }
};
// [docs-end]

// [docs:compute-loss]
class Smooth : public Sequential {
 public:
  using Sequential::Sequential;

 protected:
  Tensor compute_loss(const Batch& batch, const std::vector<Tensor>& y_pred) override {
    Tensor loss = Sequential::compute_loss(batch, y_pred);
    // Penalise large outputs: 0.01 * mean(y_pred^2), minimised and reported with the loss.
    return ops::add(loss, ops::multiply(ops::mean(ops::square(y_pred[0])), 0.01));
  }
};
// [docs-end]

// [docs:two-passes]
class Consistent : public Sequential {
 public:
  using Sequential::Sequential;

 protected:
  Logs train_step(const Batch& batch) override {
    const Tensor& x = batch.x[0];
    auto noisy = [&] { return ops::add(x, ops::random_normal(x.shape(), 0.0, 0.1, rng_)); };
    std::vector<Tensor> a = call_outputs({noisy()}, true);   // two views of the same batch
    Tensor b = call_outputs({noisy()}, true)[0];
    Tensor agree = ops::mean(ops::square(ops::subtract(ops::softmax(a[0]), ops::softmax(b))));
    Tensor loss = ops::add(compute_loss(batch, a), agree);
    apply_gradients(loss);
    loss_tracker().update_state(loss.item(), static_cast<double>(batch.size()));
    NoGradGuard no_grad;
    a[0] = a[0].detach();
    Logs logs = compute_metrics(batch, a);
    logs["agreement"] = agree.item();                      // an extra key for this batch
    return logs;
  }

 private:
  Generator rng_{1};
};
// [docs-end]

// [docs:test-predict]
class Augmented : public Sequential {
 public:
  using Sequential::Sequential;

 protected:
  // evaluate() and fit's validation score the mean prediction on x and on a jittered x.
  Logs test_step(const Batch& batch) override {
    const Tensor& x = batch.x[0];
    Tensor jittered = ops::add(x, ops::random_normal(x.shape(), 0.0, 0.05, rng_));
    Tensor mean = ops::multiply(ops::add(call_outputs({x}, false)[0], call_outputs({jittered}, false)[0]), 0.5);
    Tensor loss = compute_loss(batch, {mean});
    loss_tracker().update_state(loss.item(), static_cast<double>(batch.size()));
    return compute_metrics(batch, {mean});
  }
  // predict() returns probabilities, though the model outputs logits.
  std::vector<Tensor> predict_step(const Batch& batch) override {
    return {ops::sigmoid(call_outputs(batch.x, false)[0])};
  }

 private:
  Generator rng_{2};
};
// [docs-end]

// [docs:metrics]
class CountsSteps : public Sequential {
 public:
  using Sequential::Sequential;
  std::vector<metrics::MetricPtr> metrics() const override {
    auto all = Sequential::metrics();  // "loss" and the compiled metrics
    all.push_back(steps_);             // reset every epoch, logged as "steps"
    return all;
  }

 protected:
  Logs train_step(const Batch& batch) override {
    steps_->update_state(1.0);
    return Sequential::train_step(batch);
  }

 private:
  std::shared_ptr<metrics::Sum> steps_ = std::make_shared<metrics::Sum>(metrics::SumOptions{"steps"});
};
// [docs-end]

std::vector<LayerRef> classifier() {
  return {layers::Input({2}), layers::Dense(16, "relu"), layers::Dense(2)};
}

}  // namespace

int main() {
  Generator rng(0);
  Tensor x = ops::random_uniform({512, 2}, -1.0, 1.0, rng);
  Tensor y = ops::cast(ops::greater(ops::slice(x, 1, 0, 1), 0.0), DType::Int32);  // x0 > 0
  auto sparse_ce = losses::SparseCategoricalCrossentropy({.from_logits = true});
  {
    // [docs:use]
    MyModel model({layers::Input({2}), layers::Dense(16, "relu"), layers::Dense(2)}, {.seed = 0});
    model.compile(optimizers::Adam(1e-2), losses::SparseCategoricalCrossentropy({.from_logits = true}),
                  {"accuracy"});
    History history = model.fit(x, y, {.epochs = 5, .verbose = 0});   // calls train_step
    // [docs-end]
    check(history["accuracy"].back() > 0.9, "MyModel learns x0 > 0");
    Sequential reference(classifier(), {.seed = 0});
    reference.compile(optimizers::Adam(1e-2), sparse_ce, {"accuracy"});
    History h = reference.fit(x, y, {.epochs = 5, .verbose = 0});
    check(std::abs(h["loss"].back() - history["loss"].back()) < 1e-6, "MyModel's step is the default one");
  }
  {
    Smooth model(classifier(), {.seed = 0});
    model.compile(optimizers::Adam(1e-2), sparse_ce);
    History h = model.fit(x, y, {.epochs = 5, .verbose = 0});
    check(h["loss"].back() < h["loss"].front(), "Smooth trains");
  }
  {
    Consistent model(classifier(), {.seed = 0});
    model.compile(optimizers::Adam(1e-2), sparse_ce, {"accuracy"});
    History h = model.fit(x, y, {.epochs = 5, .verbose = 0});
    check(h["accuracy"].back() > 0.9, "Consistent learns x0 > 0");
    check(h.history.count("agreement") == 1, "the extra key reaches History");
  }
  {
    Tensor yf = ops::cast(y, DType::Float32);
    Augmented model({layers::Input({2}), layers::Dense(1)}, {.seed = 0});
    model.compile(optimizers::Adam(1e-2), losses::BinaryCrossentropy({.from_logits = true}));
    History h = model.fit(x, yf, {.epochs = 20, .verbose = 0, .validation_split = 0.25});
    check(h["val_loss"].back() < 0.5 * h["val_loss"].front(), "validation (Augmented's test_step) improves");
    check(model.evaluate(x, yf, {.verbose = 0}).count("loss") == 1, "evaluate reports the loss");
    Tensor p = model.predict(x, {.verbose = 0});
    check(ops::min(p).item() >= 0.0 && ops::max(p).item() <= 1.0, "predict returns probabilities");
  }
  {
    CountsSteps model(classifier(), {.seed = 0});
    model.compile("adam", sparse_ce);
    History h = model.fit(x, y, {.batch_size = 128, .epochs = 2, .verbose = 0});
    check(h["steps"] == std::vector<double>{4, 4}, "the step counter is reset every epoch");
  }
}
