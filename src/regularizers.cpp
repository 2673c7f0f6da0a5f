#include "temper/regularizers.hpp"

#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"

namespace temper::regularizers {

Regularizer::Regularizer(const char* name) : Regularizer(std::string(name)) {}

Regularizer::Regularizer(const std::string& name) {
  if (name == "l1" || name == "L1") {
    *this = L1();
  } else if (name == "l2" || name == "L2") {
    *this = L2();
  } else if (name == "l1_l2" || name == "L1L2") {
    *this = Regularizer(0.01, 0.01);  // Keras's string "l1_l2" uses 0.01 for both
  } else if (!name.empty() && name != "None") {
    throw UnknownNameError(unknown_name_message("regularizer", name, {"l1", "l2", "l1_l2"}));
  }
  if (l1_ < 0 || l2_ < 0) throw ValueError("regularizer factors must be >= 0");
}

Tensor Regularizer::operator()(const Tensor& w) const {
  Tensor penalty;
  if (l1_ != 0.0) penalty = ops::multiply(ops::sum(ops::abs(w)), l1_);
  if (l2_ != 0.0) {
    Tensor p2 = ops::multiply(ops::sum(ops::square(w)), l2_);
    penalty = penalty.defined() ? ops::add(penalty, p2) : p2;
  }
  if (!penalty.defined()) penalty = Tensor::zeros({}, w.dtype(), &w.backend());
  return penalty;
}

Config Regularizer::get_config() const {
  if (!active_) return nullptr;
  if (l1_ != 0.0 && l2_ == 0.0) return {{"class_name", "L1"}, {"config", {{"l1", l1_}}}};
  if (l2_ != 0.0 && l1_ == 0.0) return {{"class_name", "L2"}, {"config", {{"l2", l2_}}}};
  return {{"class_name", "L1L2"}, {"config", {{"l1", l1_}, {"l2", l2_}}}};
}

Regularizer get(const Config& c) {
  if (c.is_null()) return {};
  if (c.is_string()) return Regularizer(c.get<std::string>());
  if (!c.is_object() || !c.contains("class_name"))
    throw ConfigError("regularizer must be null, a name or {class_name, config}, got " + c.dump());
  const auto cls = c["class_name"].get<std::string>();
  const Config cfg = c.value("config", Config::object());
  if (cls == "L1") return L1(cfg.value("l1", 0.01));
  if (cls == "L2") return L2(cfg.value("l2", 0.01));
  if (cls == "L1L2") return L1L2(cfg.value("l1", 0.0), cfg.value("l2", 0.0));
  throw UnknownNameError(unknown_name_message("regularizer", cls, {"L1", "L2", "L1L2"}));
}

}  // namespace temper::regularizers
