#include "temper/regularizers.hpp"

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"
#include "temper/registry.hpp"

namespace temper::regularizers {

Registry<Regularizer>& registry() {
  static Registry<Regularizer> r("regularizer");
  return r;
}

namespace {

// Keras: L1(l1=0.01), L2(l2=0.01), L1L2(l1=0.0, l2=0.0); the defaults are the structs'.
struct L1Args {
  double l1 = 0.01;
};
struct L2Args {
  double l2 = 0.01;
};
struct L1L2Args {
  double l1 = 0.0, l2 = 0.0;
};

/// Registers one class: names, argument table, and the regularizer made from what it read.
template <class O> struct Registration {
  Registration(std::vector<std::string> names, Arguments<O> args, Regularizer (*make)(const O&)) {
    auto table = std::make_shared<const Arguments<O>>(std::move(args));
    Registry<Regularizer>::Entry e;
    e.name = names.front();
    e.aliases.assign(names.begin() + 1, names.end());
    e.arguments = table->names();
    e.make = [table, make](ArgReader& r) { return std::make_shared<Regularizer>(make(table->read(r))); };
    registry().add(std::move(e));
  }
};

const Registration<L1Args> l1_registered{{"L1", "l1"},
                                         Arguments<L1Args>("L1").add("l1", &L1Args::l1, non_negative_number()),
                                         [](const L1Args& a) { return L1(a.l1); }};
const Registration<L2Args> l2_registered{{"L2", "l2"},
                                         Arguments<L2Args>("L2").add("l2", &L2Args::l2, non_negative_number()),
                                         [](const L2Args& a) { return L2(a.l2); }};
const Registration<L1L2Args> l1l2_registered{
    {"L1L2"},
    Arguments<L1L2Args>("L1L2")
        .add("l1", &L1L2Args::l1, non_negative_number())
        .add("l2", &L1L2Args::l2, non_negative_number()),
    [](const L1L2Args& a) { return L1L2(a.l1, a.l2); }};

}  // namespace

Regularizer::Regularizer(const char* name) : Regularizer(std::string(name)) {}

Regularizer::Regularizer(const std::string& name) {
  if (name.empty() || name == "None") return;
  // The strings mean Keras's defaults: l1/l2 0.01; "l1_l2" 0.01 for both (tf.keras's l1_l2()).
  if (name == "l1_l2") {
    *this = Regularizer(0.01, 0.01);
    return;
  }
  if (!registry().contains(name)) {
    auto known = registry().names(true);
    known.push_back("l1_l2");
    throw UnknownNameError(unknown_name_message("regularizer", name, known));
  }
  *this = *registry().create(name, Config::object());
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

Regularizer get(const Config& c, ConfigSource source) {
  if (c.is_null()) return {};
  if (c.is_string()) return Regularizer(c.get<std::string>());
  if (!c.is_object() || !c.contains("class_name") || !c.at("class_name").is_string())
    throw ConfigError("regularizer must be null, a name or {class_name, config}, got " + describe_json(c));
  for (auto it = c.begin(); it != c.end(); ++it)
    if (it.key() != "class_name" && it.key() != "config" && it.key() != "module" && it.key() != "registered_name")
      throw ConfigError("serialized regularizer: unknown key '" + it.key() +
                        "' (expected class_name, config, module, registered_name)");
  const std::string cls = c.at("class_name").get<std::string>();
  const Config cfg = c.value("config", Config::object());
  return *registry().create(cls, cfg, source);
}

Regularizer get(const Config& c) { return get(c, ConfigSource::keras_file); }

}  // namespace temper::regularizers
