// The metric base (Keras: keras/src/metrics/metric.py), the registry of metric classes and the
// lookups built on it (keras.metrics.get / deserialize / serialize).
#include <algorithm>
#include <set>

#include "src/metrics/common.hpp"
#include "temper/metrics.hpp"
#include "temper/names.hpp"

namespace temper::metrics {

namespace detail {
// Reads a few same-dtype tensors back to the host in a single transfer.
std::vector<double> read_back(const std::vector<Tensor>& parts) {
  std::vector<Tensor> flat;
  for (const auto& p : parts) flat.push_back(p.reshape({-1}));
  Tensor all = flat.size() == 1 ? flat.front() : ops::concatenate(flat, 0);
  return to_dtype(all, DType::Float64).to_vector<double>();
}
}  // namespace detail

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_sparse_case(const Shape& t, const Shape& p) {
  return t.size() < p.size() ||
         (!t.empty() && !p.empty() && t.size() == p.size() && t.back() == 1 && p.back() > 1);
}

}  // namespace

// ---- Metric base ------------------------------------------------------------------------------

Metric::Metric(std::string name) : name_(std::move(name)) {}
Metric::~Metric() = default;

Config Metric::get_config() const { return Config{{"name", name_}, {"dtype", "float32"}}; }

// ---- registry and lookups --------------------------------------------------------------------

Registry<Metric>& registry() {
  static Registry<Metric> r("metric");
  return r;
}

std::vector<std::string> names() { return registry().names(true); }

MetricPtr get(const std::string& name) {
  if (!registry().contains(name)) throw UnknownNameError(unknown_name_message("metric", name, names()));
  return registry().create(name, Config::object());
}

MetricPtr resolve(const std::string& name, const Shape& y_true_shape, const Shape& y_pred_shape) {
  const std::string l = lower(name);
  const bool is_binary = !y_pred_shape.empty() && y_pred_shape.back() == 1;
  const bool is_sparse = is_sparse_case(y_true_shape, y_pred_shape);
  MetricPtr m;
  if (l == "accuracy" || l == "acc") {
    if (is_binary) m = std::make_shared<BinaryAccuracy>();
    else if (is_sparse) m = std::make_shared<SparseCategoricalAccuracy>();
    else m = std::make_shared<CategoricalAccuracy>();
  } else if (l == "crossentropy" || l == "ce") {
    if (is_binary) m = std::make_shared<BinaryCrossentropy>();
    else if (is_sparse) m = std::make_shared<SparseCategoricalCrossentropy>();
    else m = std::make_shared<CategoricalCrossentropy>();
  } else {
    if (!registry().contains(name)) {
      std::vector<std::string> known = names();
      known.push_back("crossentropy");
      known.push_back("ce");
      throw UnknownNameError(unknown_name_message("metric", name, known));
    }
    m = registry().create(name, Config::object());
  }
  m->set_name(name);
  return m;
}

MetricPtr from_config(const Config& config, ConfigSource source) {
  if (config.is_string()) return get(config.get<std::string>());
  if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
    throw ConfigError("metric config must be a name or an object with a string 'class_name', got " +
                      config.dump());
  const std::string cls = config["class_name"].get<std::string>();
  const Config inner = config.contains("config") ? config["config"] : Config::object();
  // Keras 3 writes a plain function as {"class_name": "function", "config": "<fn name>"}.
  if (cls == "function" && inner.is_string()) return get(inner.get<std::string>());
  if (cls == "MeanMetricWrapper") {
    // tf.keras wrote compiled string metrics as MeanMetricWrapper(fn=<function name>).
    if (!inner.is_object() || !inner.contains("fn") || !inner["fn"].is_string())
      throw ConfigError("MeanMetricWrapper config needs 'fn' naming a built-in metric function, got " +
                        inner.dump());
    const std::string fn = inner["fn"].get<std::string>();
    if (!registry().contains(fn))
      throw UnknownNameError(unknown_name_message("metric function", fn, names()));
    Config rest = inner;
    rest.erase("fn");
    return registry().create(fn, rest, source);
  }
  const auto entry = registry().find(cls);
  if (!entry || entry->name != cls)
    throw UnknownNameError(unknown_name_message("metric class", cls, registry().names()));
  return registry().create(cls, inner, source);
}

Config serialize(const Metric& metric) {
  return Config{{"module", "keras.metrics"},
                {"class_name", metric.class_name()},
                {"config", metric.get_config()},
                {"registered_name", nullptr}};
}

// ---- unique names ---------------------------------------------------------------------------

std::vector<std::string> unique_names(const std::vector<std::string>& names) {
  std::set<std::string> used;
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& n : names) {
    std::string u = n;
    for (int i = 1; used.count(u); ++i) u = n + "_" + std::to_string(i);
    used.insert(u);
    out.push_back(std::move(u));
  }
  return out;
}

void make_names_unique(const std::vector<MetricPtr>& metrics) {
  std::vector<std::string> names;
  for (const auto& m : metrics) names.push_back(m ? m->name() : std::string());
  const auto unique = unique_names(names);
  for (std::size_t i = 0; i < metrics.size(); ++i)
    if (metrics[i] && metrics[i]->name() != unique[i]) metrics[i]->set_name(unique[i]);
}

}  // namespace temper::metrics
