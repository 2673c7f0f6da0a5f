// Keras callbacks: EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, CSVLogger,
// TerminateOnNaN and LambdaCallback. The algorithms are checked hook by hook against Keras 3
// (keras/src/callbacks/*.py), then each callback is run through fit on tiny data.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <temper/callbacks/csv_logger.hpp>
#include <temper/callbacks/early_stopping.hpp>
#include <temper/callbacks/lambda_callback.hpp>
#include <temper/callbacks/learning_rate_scheduler.hpp>
#include <temper/callbacks/reduce_lr_on_plateau.hpp>
#include <temper/callbacks/terminate_on_nan.hpp>
#include <temper/temper.hpp>

using namespace temper;
using namespace temper::callbacks;

namespace {

// 64 samples of y = x·w + 0.5 with 4 features.
std::pair<Tensor, Tensor> regression_data(std::int64_t n = 64, bool nan_target = false) {
  Generator g(7);
  std::vector<float> x(static_cast<std::size_t>(n * 4)), y(static_cast<std::size_t>(n));
  const float w[4] = {1.0f, -2.0f, 0.5f, 3.0f};
  for (std::int64_t i = 0; i < n; ++i) {
    float t = 0.5f;
    for (int j = 0; j < 4; ++j) {
      const float v = static_cast<float>(g.next_double() - 0.5);
      x[static_cast<std::size_t>(i * 4 + j)] = v;
      t += w[j] * v;
    }
    y[static_cast<std::size_t>(i)] = t;
  }
  if (nan_target) y[0] = std::numeric_limits<float>::quiet_NaN();
  return {Tensor::from_vector(x, {n, 4}), Tensor::from_vector(y, {n, 1})};
}

std::unique_ptr<Sequential> regressor(double lr = 0.05, std::vector<MetricArg> metrics = {}) {
  auto m = std::make_unique<Sequential>(std::vector<LayerRef>{layers::Input({4}), layers::Dense(1)},
                                        Sequential::Options{.name = "reg", .seed = 3});
  m->compile(optimizers::SGD(lr), "mse", std::move(metrics));
  return m;
}

// Feeds `values` as logs[key] epoch by epoch until the model is told to stop; returns the
// number of epochs run.
int drive(Callback& cb, Model& model, const std::vector<double>& values, const std::string& key = "val_loss") {
  cb.set_model(&model);
  model.stop_training = false;
  cb.on_train_begin({});
  int epochs = 0;
  for (std::size_t e = 0; e < values.size(); ++e) {
    cb.on_epoch_begin(static_cast<int>(e), {});
    cb.on_epoch_end(static_cast<int>(e), {{"loss", 0.0}, {key, values[e]}});
    ++epochs;
    if (model.stop_training) break;
  }
  cb.on_train_end({});
  return epochs;
}

// Every weight filled with `value`.
void fill_weights(Model& model, float value) {
  std::vector<Tensor> ws;
  for (const auto& w : model.get_weights()) ws.push_back(Tensor::full(w.shape(), value));
  model.set_weights(ws);
}

std::vector<float> flat_weights(const Model& model) {
  std::vector<float> out;
  for (const auto& w : model.get_weights()) {
    auto v = w.to_vector<float>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    auto end = s.find("\r\n", pos);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

}  // namespace

// ---- EarlyStopping, hook by hook ------------------------------------------------------------

TEST_CASE("EarlyStopping: Keras docstring example, patience=3 on a constant loss runs 4 epochs") {
  auto m = regressor();
  EarlyStopping es({.monitor = "loss", .patience = 3});
  CHECK(drive(es, *m, {1, 1, 1, 1, 1, 1, 1, 1}, "loss") == 4);
  CHECK(es.stopped_epoch() == 3);
  CHECK(es.best_epoch() == 0);
}

TEST_CASE("EarlyStopping: patience counts epochs since the last improvement") {
  auto m = regressor();
  EarlyStopping es({.patience = 2});
  CHECK(drive(es, *m, {1.0, 0.9, 0.95, 0.8, 0.85, 0.86, 0.7}) == 6);
  CHECK(es.stopped_epoch() == 5);
  CHECK(es.best() == doctest::Approx(0.8));
  CHECK(es.best_epoch() == 3);
  // patience=0 stops at the first non-improving epoch, but never at epoch 0.
  EarlyStopping es0({.patience = 0});
  CHECK(drive(es0, *m, {1.0, 2.0, 0.5}) == 2);
  CHECK(es0.stopped_epoch() == 1);
  // A new fit resets the state.
  CHECK(drive(es0, *m, {1.0, 0.5, 0.4, 0.3}) == 4);
  CHECK(es0.stopped_epoch() == 0);
}

TEST_CASE("EarlyStopping: min_delta is an absolute margin whatever its sign") {
  auto m = regressor();
  for (double md : {0.1, -0.1}) {
    EarlyStopping es({.min_delta = md, .patience = 1});
    CHECK(drive(es, *m, {1.0, 0.95, 0.85, 0.7}) == 2);  // 0.95 is not 0.1 better than 1.0
  }
  EarlyStopping es({.min_delta = 0.0, .patience = 1});
  CHECK(drive(es, *m, {1.0, 0.95, 0.85, 0.7}) == 4);
  // Max mode: must rise by more than min_delta.
  EarlyStopping up({.monitor = "val_accuracy", .min_delta = 0.05, .patience = 1, .mode = "max"});
  CHECK(drive(up, *m, {0.5, 0.6, 0.64, 0.9}, "val_accuracy") == 3);
}

TEST_CASE("EarlyStopping: mode min/max/auto") {
  auto m = regressor();
  const std::vector<double> rising{0.1, 0.2, 0.3, 0.4}, falling{0.4, 0.3, 0.2, 0.1};
  EarlyStopping mx({.monitor = "val_loss", .mode = "max"});
  CHECK(drive(mx, *m, rising) == 4);
  EarlyStopping mn({.monitor = "val_loss", .mode = "min"});
  CHECK(drive(mn, *m, rising) == 2);
  // auto: losses are minimized, accuracy-like names maximized.
  EarlyStopping a1({.monitor = "val_loss"});
  CHECK(drive(a1, *m, falling) == 4);
  EarlyStopping a2({.monitor = "val_accuracy"});
  CHECK(drive(a2, *m, rising, "val_accuracy") == 4);
  EarlyStopping a3({.monitor = "val_accuracy"});
  CHECK(drive(a3, *m, falling, "val_accuracy") == 2);
}

TEST_CASE("EarlyStopping: auto mode follows the compiled metric's direction, else ValueError") {
  auto m = regressor(0.05, {"mae"});
  auto [x, y] = regression_data();
  (void)m->fit(x, y, {.batch_size = 32, .epochs = 1, .verbose = 0});  // resolves the metrics
  REQUIRE(m->metrics_names() == std::vector<std::string>{"loss", "mae"});
  EarlyStopping es({.monitor = "val_mae"});
  CHECK(drive(es, *m, {0.4, 0.3, 0.2, 0.1}, "val_mae") == 4);
  EarlyStopping unknown({.monitor = "val_whatever"});
  unknown.set_model(m.get());
  unknown.on_train_begin({});
  CHECK_THROWS_AS(unknown.on_epoch_end(0, {{"val_whatever", 1.0}}), ValueError);
}

TEST_CASE("EarlyStopping: an improvement resets wait only if it also beats the baseline") {
  auto m = regressor();
  EarlyStopping with_baseline({.patience = 2, .baseline = 0.5});
  CHECK(drive(with_baseline, *m, {1.0, 0.9, 0.95, 0.9}) == 3);
  CHECK(with_baseline.stopped_epoch() == 2);
  CHECK(with_baseline.best() == doctest::Approx(0.9));  // the baseline is not the initial best
  EarlyStopping without({.patience = 2});
  CHECK(drive(without, *m, {1.0, 0.9, 0.95, 0.9}) == 4);
  EarlyStopping beaten({.patience = 2, .baseline = 0.5});
  CHECK(drive(beaten, *m, {0.4, 0.3, 0.35, 0.33, 0.2}) == 4);
}

TEST_CASE("EarlyStopping: start_from_epoch ignores the warm-up epochs") {
  auto m = regressor();
  EarlyStopping es({.patience = 0, .start_from_epoch = 2});
  CHECK(drive(es, *m, {1.0, 2.0, 3.0, 3.0, 3.0}) == 4);
  CHECK(es.best_epoch() == 2);
  EarlyStopping plain({.patience = 0});
  CHECK(drive(plain, *m, {1.0, 2.0, 3.0, 3.0, 3.0}) == 2);
}

TEST_CASE("EarlyStopping: restore_best_weights sets the best epoch's weights at the end") {
  auto m = regressor();
  EarlyStopping es({.patience = 1, .restore_best_weights = true});
  es.set_model(m.get());
  m->stop_training = false;
  es.on_train_begin({});
  const std::vector<double> values{1.0, 0.5, 0.7, 0.6};
  int e = 0;
  for (; e < 4 && !m->stop_training; ++e) {
    fill_weights(*m, static_cast<float>(e + 1));  // the weights "after" epoch e
    es.on_epoch_end(e, {{"val_loss", values[static_cast<std::size_t>(e)]}});
  }
  CHECK(e == 3);
  CHECK(es.stopped_epoch() == 2);
  CHECK(flat_weights(*m) == std::vector<float>(5, 3.0f));
  es.on_train_end({});
  CHECK(flat_weights(*m) == std::vector<float>(5, 2.0f));  // epoch 1 was the best

  // Keras 3 restores even without an early stop, and even when nothing beat the baseline.
  EarlyStopping no_stop({.patience = 10, .baseline = 0.01, .restore_best_weights = true});
  no_stop.set_model(m.get());
  no_stop.on_train_begin({});
  for (int k = 0; k < 3; ++k) {
    fill_weights(*m, static_cast<float>(10 + k));
    no_stop.on_epoch_end(k, {{"val_loss", 1.0 - 0.1 * (k == 1)}});
  }
  no_stop.on_train_end({});
  CHECK(no_stop.stopped_epoch() == 0);
  CHECK(flat_weights(*m) == std::vector<float>(5, 11.0f));
}

TEST_CASE("EarlyStopping: a missing monitor key warns and is skipped") {
  auto m = regressor();
  EarlyStopping es({.monitor = "val_loss", .patience = 0});
  es.set_model(m.get());
  m->stop_training = false;
  es.on_train_begin({});
  for (int e = 0; e < 3; ++e) CHECK_NOTHROW(es.on_epoch_end(e, {{"loss", 1.0}}));
  CHECK_FALSE(m->stop_training);
  CHECK_FALSE(es.best().has_value());
}

TEST_CASE("EarlyStopping: bad arguments throw ValueError naming the value") {
  CHECK_THROWS_WITH_AS(EarlyStopping({.patience = -1}), doctest::Contains("patience=-1"), ValueError);
  CHECK_THROWS_WITH_AS(EarlyStopping({.mode = "bogus"}), doctest::Contains("\"auto\", \"min\", \"max\""),
                       ValueError);
  CHECK_THROWS_AS(EarlyStopping({.start_from_epoch = -2}), ValueError);
}

// ---- ReduceLROnPlateau, hook by hook --------------------------------------------------------

TEST_CASE("ReduceLROnPlateau: patience, factor, cooldown and min_lr") {
  auto m = regressor(0.1);
  ReduceLROnPlateau r({.factor = 0.5, .patience = 2, .cooldown = 1, .min_lr = 0.02});
  r.set_model(m.get());
  r.on_train_begin({});
  const std::vector<double> expected{0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02, 0.02};
  for (std::size_t e = 0; e < expected.size(); ++e) {
    r.on_epoch_end(static_cast<int>(e), {{"val_loss", 1.0}});
    CAPTURE(e);
    CHECK(m->optimizer()->learning_rate() == doctest::Approx(expected[e]));
  }
}

TEST_CASE("ReduceLROnPlateau: min_delta and improvements reset the wait") {
  auto m = regressor(0.1);
  ReduceLROnPlateau r({.patience = 2, .min_delta = 0.01});
  r.set_model(m.get());
  r.on_train_begin({});
  r.on_epoch_end(0, {{"val_loss", 1.0}});
  r.on_epoch_end(1, {{"val_loss", 0.995}});  // not better by min_delta
  CHECK(r.wait() == 1);
  r.on_epoch_end(2, {{"val_loss", 0.9}});  // better: wait resets
  CHECK(r.wait() == 0);
  CHECK(r.best() == doctest::Approx(0.9));
  r.on_epoch_end(3, {{"val_loss", 0.9}});
  r.on_epoch_end(4, {{"val_loss", 0.9}});
  CHECK(m->optimizer()->learning_rate() == doctest::Approx(0.01));
  // max mode on an accuracy that keeps rising never reduces.
  auto m2 = regressor(0.1);
  ReduceLROnPlateau up({.monitor = "val_accuracy", .patience = 1, .mode = "max"});
  up.set_model(m2.get());
  up.on_train_begin({});
  for (int e = 0; e < 5; ++e) up.on_epoch_end(e, {{"val_accuracy", 0.1 * e}});
  CHECK(m2->optimizer()->learning_rate() == doctest::Approx(0.1));
  // A missing key warns and changes nothing.
  CHECK_NOTHROW(up.on_epoch_end(5, {{"loss", 1.0}}));
}

TEST_CASE("ReduceLROnPlateau: bad arguments throw ValueError") {
  CHECK_THROWS_WITH_AS(ReduceLROnPlateau({.factor = 1.0}), doctest::Contains("factor"), ValueError);
  CHECK_THROWS_WITH_AS(ReduceLROnPlateau({.factor = 2.5}), doctest::Contains("2.5"), ValueError);
  CHECK_THROWS_AS(ReduceLROnPlateau({.patience = -1}), ValueError);
  CHECK_THROWS_AS(ReduceLROnPlateau({.cooldown = -1}), ValueError);
  CHECK_THROWS_AS(ReduceLROnPlateau({.min_lr = -1.0}), ValueError);
  CHECK_THROWS_WITH_AS(ReduceLROnPlateau({.mode = "up"}), doctest::Contains("up"), ValueError);
}

// ---- through fit ----------------------------------------------------------------------------

TEST_CASE("fit: EarlyStopping ends training early and restores the best weights") {
  auto [x, y] = regression_data();
  auto m = regressor(0.0);  // a zero learning rate keeps the loss constant
  auto es = std::make_shared<EarlyStopping>(
      EarlyStopping::Options{.monitor = "loss", .min_delta = 1e-6, .patience = 2});
  History h = m->fit(x, y, {.batch_size = 16, .epochs = 20, .verbose = 0, .callbacks = {es}});
  CHECK(h.epoch == std::vector<int>{0, 1, 2});
  CHECK(es->stopped_epoch() == 2);

  // mode "max" on a falling loss: epoch 0 stays the best, its weights come back.
  auto m2 = regressor(0.05);
  std::vector<float> after_epoch0;
  auto grab = std::make_shared<LambdaCallback>(LambdaCallback::Options{
      .on_epoch_end = [&](int e, const Logs&) {
        if (e == 0) after_epoch0 = flat_weights(*m2);
      }});
  auto es2 = std::make_shared<EarlyStopping>(
      EarlyStopping::Options{.monitor = "val_loss", .patience = 1, .mode = "max", .restore_best_weights = true});
  History h2 = m2->fit(x, y, {.batch_size = 16, .epochs = 10, .verbose = 0, .callbacks = {grab, es2},
                              .validation_split = 0.25});
  REQUIRE(h2.epoch.size() == 2);
  CHECK(h2["val_loss"][1] < h2["val_loss"][0]);
  CHECK(flat_weights(*m2) == after_epoch0);
}

TEST_CASE("fit: ReduceLROnPlateau lowers the optimizer's learning rate") {
  auto [x, y] = regression_data();
  auto m = regressor(1e-9);  // the loss barely moves: a plateau
  auto r = std::make_shared<ReduceLROnPlateau>(
      ReduceLROnPlateau::Options{.monitor = "loss", .factor = 0.5, .patience = 1, .min_delta = 1e-3});
  History h = m->fit(x, y, {.batch_size = 32, .epochs = 3, .verbose = 0, .callbacks = {r}});
  // epoch 0 sets best, epoch 1 reduces (wait 1 >= 1), epoch 2 reduces again.
  CHECK(m->optimizer()->learning_rate() == doctest::Approx(0.25e-9));
  // Keras 3 logs the rate each epoch trained with (before that epoch's reduction), in float32.
  REQUIRE(h.history.count("learning_rate") == 1);
  const auto& lr = h.history.at("learning_rate");
  REQUIRE(lr.size() == 3);
  CHECK(lr[0] == static_cast<double>(1e-9f));
  CHECK(lr[1] == static_cast<double>(1e-9f));
  CHECK(lr[2] == static_cast<double>(0.5e-9f));
}

TEST_CASE("fit: callbacks add epoch log entries that every on_epoch_end and History see") {
  struct Adds : Callback {
    void update_epoch_logs(int epoch, Logs& logs) override { logs["twice_epoch"] = 2.0 * epoch; }
  };
  auto [x, y] = regression_data();
  auto m = regressor(0.05);
  std::vector<double> seen;
  // The reader comes first in the list and still sees the entry the later callback adds.
  auto reader = std::make_shared<LambdaCallback>(LambdaCallback::Options{
      .on_epoch_end = [&](int, const Logs& logs) { seen.push_back(logs.count("twice_epoch") ? logs.at("twice_epoch") : -1); }});
  History h = m->fit(x, y, {.batch_size = 32, .epochs = 3, .verbose = 0, .callbacks = {reader, std::make_shared<Adds>()}});
  CHECK(seen == std::vector<double>{0.0, 2.0, 4.0});
  CHECK(h.history.at("twice_epoch") == std::vector<double>{0.0, 2.0, 4.0});
}

TEST_CASE("fit: LearningRateScheduler sets the rate at every epoch") {
  auto [x, y] = regression_data();
  auto m = regressor(0.1);
  std::vector<double> seen;
  auto sched = std::make_shared<LearningRateScheduler>(
      LearningRateScheduler::Schedule([](int epoch, double lr) { return epoch == 0 ? lr : lr * 0.5; }));
  auto rec = std::make_shared<LambdaCallback>(LambdaCallback::Options{
      .on_epoch_end = [&](int, const Logs&) { seen.push_back(m->optimizer()->learning_rate()); }});
  History h = m->fit(x, y, {.batch_size = 32, .epochs = 4, .verbose = 0, .callbacks = {sched, rec}});
  REQUIRE(seen.size() == 4);
  CHECK(seen[0] == doctest::Approx(0.1));
  CHECK(seen[1] == doctest::Approx(0.05));
  CHECK(seen[3] == doctest::Approx(0.0125));
  CHECK(h.history.at("learning_rate") ==
        std::vector<double>{static_cast<double>(0.1f), static_cast<double>(0.05f), static_cast<double>(0.025f),
                            static_cast<double>(0.0125f)});

  // The legacy one-argument form, starting at initial_epoch.
  seen.clear();
  auto legacy = std::make_shared<LearningRateScheduler>(
      [](int epoch) { return 0.01 * (epoch + 1); });  // a bare lambda picks the right overload
  (void)m->fit(x, y,
               {.batch_size = 32, .epochs = 3, .verbose = 0, .callbacks = {legacy, rec}, .initial_epoch = 1});
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == doctest::Approx(0.02));
  CHECK(seen[1] == doctest::Approx(0.03));

  auto bad = std::make_shared<LearningRateScheduler>(
      LearningRateScheduler::Schedule([](int, double) { return -1.0; }));
  CHECK_THROWS_AS(m->fit(x, y, {.epochs = 1, .verbose = 0, .callbacks = {bad}}), ValueError);
  CHECK_THROWS_AS(LearningRateScheduler(LearningRateScheduler::Schedule{}), ValueError);
}

TEST_CASE("fit: CSVLogger writes Keras's header and one flushed row per epoch") {
  auto [x, y] = regression_data();
  const auto dir = std::filesystem::temp_directory_path();
  const auto path = dir / "temper_test_callbacks_log.csv";
  std::filesystem::remove(path);
  {
    auto m = regressor(0.05, {"mae"});
    auto csv = std::make_shared<CSVLogger>(path.string());
    History h = m->fit(x, y, {.batch_size = 16, .epochs = 3, .verbose = 0, .callbacks = {csv},
                              .validation_split = 0.25});
    auto lines = split_lines(read_file(path));
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "epoch,loss,mae,val_loss,val_mae");
    CHECK(lines[1].rfind("0,", 0) == 0);
    CHECK(lines[3].rfind("2,", 0) == 0);
    // Values are written with Python's float repr (shortest round trip).
    std::string first_loss = lines[1].substr(2, lines[1].find(',', 2) - 2);
    CHECK(std::stod(first_loss) == h["loss"][0]);
  }
  {
    // Without validation the val_ columns are still there, filled with NA (as in Keras);
    // append=true adds rows without a second header.
    auto m = regressor();
    auto csv = std::make_shared<CSVLogger>(path.string(), CSVLogger::Options{.separator = ';'});
    (void)m->fit(x, y, {.batch_size = 32, .epochs = 1, .verbose = 0, .callbacks = {csv}});
    auto app = std::make_shared<CSVLogger>(path.string(), CSVLogger::Options{.separator = ';', .append = true});
    (void)m->fit(x, y, {.batch_size = 32, .epochs = 2, .verbose = 0, .callbacks = {app}, .initial_epoch = 1});
    auto lines = split_lines(read_file(path));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "epoch;loss;val_loss");
    CHECK(lines[1].rfind("0;", 0) == 0);
    CHECK(lines[1].substr(lines[1].size() - 3) == ";NA");
    CHECK(lines[2].rfind("1;", 0) == 0);
  }
  std::filesystem::remove(path);
  const auto bad = dir / "temper_no_such_dir_for_csv" / "log.csv";
  auto m = regressor();
  auto csv = std::make_shared<CSVLogger>(bad.string());
  CHECK_THROWS_WITH_AS(m->fit(x, y, {.epochs = 1, .verbose = 0, .callbacks = {csv}}),
                       doctest::Contains("temper_no_such_dir_for_csv"), IOError);
}

TEST_CASE("python_float_repr matches Python's repr(float)") {
  using callbacks::detail::python_float_repr;
  CHECK(python_float_repr(0.1) == "0.1");
  CHECK(python_float_repr(2.0) == "2.0");
  CHECK(python_float_repr(-0.5) == "-0.5");
  CHECK(python_float_repr(1e-5) == "1e-05");
  CHECK(python_float_repr(1.5e-5) == "1.5e-05");
  CHECK(python_float_repr(0.0001) == "0.0001");
  CHECK(python_float_repr(123456.0) == "123456.0");
  CHECK(python_float_repr(1e16) == "1e+16");
  CHECK(python_float_repr(1e22) == "1e+22");
  CHECK(python_float_repr(0.0) == "0.0");
  CHECK(python_float_repr(static_cast<double>(0.1f)) == "0.10000000149011612");
  CHECK(python_float_repr(std::nan("")) == "nan");
  CHECK(python_float_repr(-INFINITY) == "-inf");
}

TEST_CASE("fit: TerminateOnNaN stops after the first batch with a NaN loss") {
  auto [x, y] = regression_data(64, /*nan_target=*/true);
  auto m = regressor();
  int batches = 0;
  auto count = std::make_shared<LambdaCallback>(
      LambdaCallback::Options{.on_train_batch_end = [&](std::int64_t, const Logs&) { ++batches; }});
  History h = m->fit(x, y, {.batch_size = 16, .epochs = 5, .verbose = 0,
                            .callbacks = {count, std::make_shared<TerminateOnNaN>()}, .shuffle = false});
  CHECK(batches == 1);
  // Keras 3 still ends the interrupted epoch (on_epoch_end runs), then stops.
  CHECK(h.epoch == std::vector<int>{0});
  CHECK(std::isnan(h["loss"][0]));
  auto raising = std::make_shared<TerminateOnNaN>(TerminateOnNaN::Options{.raise_error = true});
  CHECK_THROWS_AS(m->fit(x, y, {.batch_size = 16, .epochs = 1, .verbose = 0, .callbacks = {raising}}), Error);
}

TEST_CASE("fit: LambdaCallback hooks are called the right number of times") {
  auto [x, y] = regression_data();
  auto m = regressor();
  std::map<std::string, int> n;
  auto epoch = [&](const char* k) { return [&n, k](int, const Logs&) { ++n[k]; }; };
  auto batch = [&](const char* k) { return [&n, k](std::int64_t, const Logs&) { ++n[k]; }; };
  auto logs = [&](const char* k) { return [&n, k](const Logs&) { ++n[k]; }; };
  Logs last_epoch_logs;
  auto cb = std::make_shared<LambdaCallback>(LambdaCallback::Options{
      .on_epoch_begin = epoch("epoch_begin"),
      .on_epoch_end = [&](int, const Logs& l) { ++n["epoch_end"]; last_epoch_logs = l; },
      .on_train_begin = logs("train_begin"),
      .on_train_end = logs("train_end"),
      .on_train_batch_begin = batch("train_batch_begin"),
      .on_train_batch_end = batch("train_batch_end"),
      .on_test_begin = logs("test_begin"),
      .on_test_end = logs("test_end"),
      .on_test_batch_begin = batch("test_batch_begin"),
      .on_test_batch_end = batch("test_batch_end"),
      .on_predict_begin = logs("predict_begin"),
      .on_predict_end = logs("predict_end"),
      .on_predict_batch_begin = batch("predict_batch_begin"),
      .on_predict_batch_end = batch("predict_batch_end"),
  });
  // 48 training samples in 3 batches of 16, 16 validation samples in one batch.
  (void)m->fit(x, y, {.batch_size = 16, .epochs = 3, .verbose = 0, .callbacks = {cb}, .validation_split = 0.25});
  CHECK(n["train_begin"] == 1);
  CHECK(n["train_end"] == 1);
  CHECK(n["epoch_begin"] == 3);
  CHECK(n["epoch_end"] == 3);
  CHECK(n["train_batch_begin"] == 9);
  CHECK(n["train_batch_end"] == 9);
  CHECK(n["test_begin"] == 3);
  CHECK(n["test_end"] == 3);
  CHECK(n["test_batch_begin"] == 3);
  CHECK(n["test_batch_end"] == 3);
  CHECK(last_epoch_logs.count("val_loss") == 1);
  (void)m->predict(x, {.batch_size = 16, .verbose = 0, .callbacks = {cb}});
  CHECK(n["predict_begin"] == 1);
  CHECK(n["predict_end"] == 1);
  CHECK(n["predict_batch_begin"] == 4);
  CHECK(n["predict_batch_end"] == 4);
  // Empty functions are fine.
  auto empty = std::make_shared<LambdaCallback>();
  CHECK_NOTHROW(m->fit(x, y, {.batch_size = 32, .epochs = 1, .verbose = 0, .callbacks = {empty}}));
}

TEST_CASE("verbose callbacks print Keras's messages") {
  auto [x, y] = regression_data();
  auto m = regressor(1e-9);
  auto es = std::make_shared<EarlyStopping>(
      EarlyStopping::Options{.monitor = "loss", .min_delta = 1e-6, .patience = 1, .verbose = 1,
                             .restore_best_weights = true});
  auto r = std::make_shared<ReduceLROnPlateau>(
      ReduceLROnPlateau::Options{.monitor = "loss", .patience = 0, .verbose = 1, .min_delta = 1e-3});
  auto s = std::make_shared<LearningRateScheduler>([](int, double lr) { return lr; }, 1);
  History h = m->fit(x, y, {.batch_size = 32, .epochs = 5, .verbose = 0, .callbacks = {s, r, es}});
  CHECK(h.epoch.size() == 2);
}
