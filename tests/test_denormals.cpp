// Denormal floats are flushed to zero inside fit / evaluate / predict (as TensorFlow runs
// Keras's ops), on every thread of the pool, and the caller's own mode is restored afterwards.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include <temper/temper.hpp>

using namespace temper;

namespace {

// 1e-20 * 1e-20 = 1e-40: a float32 denormal (the smallest normal float32 is about 1.2e-38).
Tensor denormal_products(std::int64_t n) {
  return ops::multiply(Tensor::full({n}, 1e-20, DType::Float32), Tensor::full({n}, 1e-20, DType::Float32));
}

std::int64_t count_zeros(const Tensor& t) {
  std::int64_t zeros = 0;
  for (float v : t.to_vector<float>()) zeros += v == 0.0f;
  return zeros;
}

bool x86() { return detail::flushing_denormal_mode() != 0; }

// Restores the library default and the thread count a test changed.
struct Restore {
  int threads = default_backend().num_threads();
  ~Restore() {
    set_flush_denormal(true);
    default_backend().set_num_threads(threads);
  }
};

}  // namespace

TEST_CASE("denormals: flushing is on by default and can be switched off") {
  Restore restore;
  CHECK(flush_denormal());
  set_flush_denormal(false);
  CHECK_FALSE(flush_denormal());
  {
    FlushDenormalScope scope;  // switched off: the scope changes nothing
    CHECK(detail::denormal_mode() == 0);
  }
  set_flush_denormal(true);
  CHECK(flush_denormal());
}

TEST_CASE("denormals: ops inside a scope flush and the caller's mode is restored after it") {
  if (!x86()) {
    MESSAGE("skipped: denormal flushing is implemented for x86 CPUs only");
    return;
  }
  Restore restore;
  default_backend().set_num_threads(4);  // workers beyond the cores: chunks land on all of them
  constexpr std::int64_t n = 1 << 20;
  REQUIRE(detail::denormal_mode() == 0);
  CHECK(count_zeros(denormal_products(n)) == 0);  // the thread's own mode: denormals kept
  {
    FlushDenormalScope scope;
    CHECK(detail::denormal_mode() == detail::flushing_denormal_mode());
    // All products are 0, whichever thread ran each chunk (test_thread_pool checks that the
    // workers follow the caller's mode: this kernel may finish before they wake).
    CHECK(count_zeros(denormal_products(n)) == n);
  }
  CHECK(detail::denormal_mode() == 0);
  // The workers follow the caller back: no chunk flushes now.
  CHECK(count_zeros(denormal_products(n)) == 0);
}

TEST_CASE("denormals: fit, evaluate and predict flush; the caller's mode is restored after each") {
  if (!x86()) {
    MESSAGE("skipped: denormal flushing is implemented for x86 CPUs only");
    return;
  }
  Restore restore;
  Sequential model({layers::Input({2}), layers::Dense(1)});
  model.compile("sgd", "mse");
  const Tensor x = Tensor::full({8, 2}, 1.0), y = Tensor::full({8, 1}, 0.5);
  std::vector<std::uint32_t> modes;
  auto record = std::make_shared<callbacks::LambdaCallback>(callbacks::LambdaCallbackOptions{
      .on_train_batch_begin = [&](int, const Logs&) { modes.push_back(detail::denormal_mode()); }});
  (void)model.fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = 0, .callbacks = {record}});
  REQUIRE(modes.size() == 2);
  CHECK(modes[0] == detail::flushing_denormal_mode());
  CHECK(detail::denormal_mode() == 0);

  set_flush_denormal(false);
  modes.clear();
  (void)model.fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = 0, .callbacks = {record}});
  REQUIRE(modes.size() == 2);
  CHECK(modes[0] == 0);
  set_flush_denormal(true);

  // A model whose output is a float32 denormal: predict gives 0, a direct call keeps it.
  Sequential tiny({layers::Input({1}), layers::Dense(1, activations::Activation("linear"))});
  tiny.layers().back()->weights().at(0)->value.assign(Tensor::full({1, 1}, 1e-20, DType::Float32));
  const Tensor one = Tensor::full({1, 1}, 1e-20);
  CHECK(model.predict(x, {.verbose = 0}).numel() == 8);
  CHECK(tiny.predict(one, {.verbose = 0}).to_vector<float>()[0] == 0.0f);
  CHECK(tiny.predict_on_batch(one).to_vector<float>()[0] == 0.0f);
  CHECK(detail::denormal_mode() == 0);
  CHECK(tiny(one).to_vector<float>()[0] != 0.0f);
  tiny.compile("sgd", "mse");
  modes.clear();
  auto record_test = std::make_shared<callbacks::LambdaCallback>(callbacks::LambdaCallbackOptions{
      .on_test_batch_begin = [&](int, const Logs&) { modes.push_back(detail::denormal_mode()); }});
  (void)tiny.evaluate(one, one, {.verbose = 0, .callbacks = {record_test}});
  REQUIRE(modes.size() == 1);
  CHECK(modes[0] == detail::flushing_denormal_mode());
  CHECK(detail::denormal_mode() == 0);
}
