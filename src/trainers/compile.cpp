// compile: resolves the optimizer, the loss of every output and the metric names, and keeps
// the compile arguments as Keras's compile_config (written into saved models).
#include <algorithm>

#include "src/trainers/trainer_internal.hpp"
#include "temper/names.hpp"

namespace temper {

namespace {
bool shape_dependent_metric(const std::string& n) {
  return n == "accuracy" || n == "acc" || n == "crossentropy" || n == "ce";
}

Config metric_config(const MetricArg& m) {
  if (!m.ptr()) return m.name();
  return {{"class_name", m.ptr()->class_name()}, {"config", m.ptr()->get_config()}};
}
}  // namespace

void Model::compile(OptimizerArg optimizer, CompileOptions options) {
  const auto outs = output_names();
  for (const auto& n : outs)
    if (!options.losses.count(n))
      throw ValueError("compile: no loss given for output '" + n + "' of model '" + name() +
                       "'; name every output in options.losses or pass one loss for all");
  LossArg first = options.losses.at(outs[0]);
  compile(std::move(optimizer), first, {}, std::move(options));
}

void Model::compile(OptimizerArg optimizer, LossArg loss, std::vector<MetricArg> metrics,
                    CompileOptions options) {
  if (!optimizer.get()) throw ValueError("compile: optimizer is null");
  if (!loss.get()) throw ValueError("compile: loss is null");
  const auto outs = output_names();
  // Validate everything before touching the model, so a typo leaves it as it was.
  for (const auto* list : {&metrics, &options.weighted_metrics})
    for (const auto& m : *list)
      if (!m.ptr() && !shape_dependent_metric(m.name())) (void)metrics::get(m.name());
  auto check_output = [&](const std::string& n, const char* what) {
    if (std::find(outs.begin(), outs.end(), n) == outs.end())
      throw ValueError("compile: " + std::string(what) + " names " + unknown_name_message("output", n, outs));
  };
  for (const auto& [n, l] : options.losses) {
    check_output(n, "losses");
    if (!l.get()) throw ValueError("compile: the loss of output '" + n + "' is null");
  }
  for (const auto& [n, w] : options.loss_weights) check_output(n, "loss_weights");
  for (const auto& [n, ms] : options.output_metrics) {
    check_output(n, "output_metrics");
    for (const auto& m : ms)
      if (!m.ptr() && !shape_dependent_metric(m.name())) (void)metrics::get(m.name());
  }
  if (!options.loss_weights_list.empty() && options.loss_weights_list.size() != outs.size())
    throw ValueError("compile: loss_weights_list has " + std::to_string(options.loss_weights_list.size()) +
                     " entries but model '" + name() + "' has " + std::to_string(outs.size()) + " outputs");

  std::vector<std::shared_ptr<OutputHead>> heads;
  const bool multi = outs.size() > 1;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    auto h = std::make_shared<OutputHead>();
    h->name = outs[k];
    h->prefix = multi ? outs[k] + "_" : "";
    auto it = options.losses.find(outs[k]);
    h->loss = it != options.losses.end() ? it->second.get() : (k == 0 ? loss.get() : loss.get()->clone());
    if (!options.loss_weights_list.empty()) h->weight = options.loss_weights_list[k];
    if (auto w = options.loss_weights.find(outs[k]); w != options.loss_weights.end()) h->weight = w->second;
    // Metric objects are cloned for every output after the first, so each has its own state.
    for (const auto& m : metrics) h->metric_args.push_back(k == 0 || !m.ptr() ? m : MetricArg(m.ptr()->clone()));
    if (auto om = options.output_metrics.find(outs[k]); om != options.output_metrics.end())
      for (const auto& m : om->second) h->metric_args.push_back(m);
    if (multi) {
      h->loss_tracker = std::make_shared<metrics::Mean>();
      h->loss_tracker->set_name(h->prefix + "loss");
    }
    heads.push_back(h);
  }

  Config cc = {{"optimizer", {{"module", "keras.optimizers"}, {"class_name", optimizer.get()->class_name()},
                              {"config", optimizer.get()->get_config()}, {"registered_name", nullptr}}}};
  if (!multi) {
    cc["loss"] = losses::serialize(*heads[0]->loss);
    cc["loss_weights"] = heads[0]->weight == 1.0 ? Config(nullptr) : Config(heads[0]->weight);
    Config ms = Config::array();
    for (const auto& m : heads[0]->metric_args) ms.push_back(metric_config(m));
    cc["metrics"] = ms.empty() ? Config(nullptr) : ms;
  } else {
    Config ls = Config::object(), ws = Config::object(), ms = Config::object();
    for (const auto& h : heads) {
      ls[h->name] = losses::serialize(*h->loss);
      ws[h->name] = h->weight;
      Config m = Config::array();
      for (const auto& a : h->metric_args) m.push_back(metric_config(a));
      ms[h->name] = m;
    }
    cc["loss"] = ls;
    cc["loss_weights"] = ws;
    cc["metrics"] = ms;
  }
  Config wm = Config::array();
  for (const auto& m : options.weighted_metrics) wm.push_back(metric_config(m));
  cc["weighted_metrics"] = wm.empty() ? Config(nullptr) : wm;
  cc["run_eagerly"] = false;
  cc["steps_per_execution"] = 1;
  cc["jit_compile"] = false;

  optimizer_ = optimizer.get();
  heads_ = std::move(heads);
  weighted_metric_args_ = std::move(options.weighted_metrics);
  metrics_resolved_ = false;
  loss_tracker_ = std::make_shared<metrics::Mean>();
  loss_tracker_->set_name("loss");
  compile_config_ = std::move(cc);
  compiled_ = true;
  if (built()) trainable_at_compile_ = trainable_weights();
}

Config Model::compile_config() const { return compiled_ ? compile_config_ : Config::object(); }

losses::LossPtr Model::loss() const { return heads_.empty() ? nullptr : heads_[0]->loss; }

std::vector<losses::LossPtr> Model::output_losses() const {
  std::vector<losses::LossPtr> out;
  for (const auto& h : heads_) out.push_back(h->loss);
  return out;
}

std::vector<double> Model::loss_weights() const {
  std::vector<double> out;
  for (const auto& h : heads_) out.push_back(h->weight);
  return out;
}

void Model::require_compiled(const char* what) const {
  if (!compiled())
    throw StateError(std::string(what) + ": model '" + name() + "' must be compiled first (call compile())");
}

}  // namespace temper
