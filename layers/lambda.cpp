#include "temper/layers/lambda.hpp"

#include <map>
#include <mutex>

#include "temper/autograd.hpp"
#include "temper/error.hpp"

namespace temper::layers {

namespace {
struct LambdaRegistry {
  std::mutex mutex;
  std::map<std::string, Lambda::MultiFn> fns;
};
LambdaRegistry& lambda_registry() {
  static LambdaRegistry r;
  return r;
}

Shape probe_shape(const Shape& s) {
  Shape p = s;
  for (auto& d : p)
    if (d < 0) d = 2;  // unknown extents (the batch axis) get a small stand-in
  return p;
}
}  // namespace

void register_lambda_function(const std::string& name, Lambda::MultiFn fn) {
  auto& r = lambda_registry();
  std::lock_guard lock(r.mutex);
  r.fns[name] = std::move(fn);
}

void register_lambda_function(const std::string& name, Lambda::Fn fn) {
  register_lambda_function(name, Lambda::MultiFn([fn = std::move(fn)](const std::vector<Tensor>& xs) { return fn(xs.at(0)); }));
}

Lambda::Lambda(MultiFn fn, LambdaOptions options) : Layer(options.name), fn_(std::move(fn)), options_(std::move(options)) {
  if (!fn_) throw ValueError("Lambda: the function is empty");
}

Lambda::Lambda(Fn fn, LambdaOptions options)
    : Lambda(fn ? MultiFn([fn](const std::vector<Tensor>& xs) { return fn(xs.at(0)); }) : MultiFn(), std::move(options)) {}

Tensor Lambda::call(const Tensor& x, bool) { return fn_({x}); }
Tensor Lambda::call_multi(const std::vector<Tensor>& xs, bool) { return fn_(xs); }

Shape Lambda::compute_output_shape(const Shape& s) const { return compute_output_shape_multi({s}); }

Shape Lambda::compute_output_shape_multi(const std::vector<Shape>& shapes) const {
  if (options_.output_shape) return *options_.output_shape;
  // Like Keras, infer the shape by running the function (here on a tiny zero batch).
  NoGradGuard no_grad;
  std::vector<Tensor> probes;
  for (const auto& s : shapes) probes.push_back(Tensor::zeros(probe_shape(s)));
  Tensor y;
  try {
    y = fn_(probes);
  } catch (const Error& e) {
    throw ShapeError(describe() + " failed on inputs of shape " + shape_to_string(shapes.at(0)) + ": " + e.what());
  }
  Shape out = y.shape();
  if (!out.empty() && !shapes.empty() && !shapes[0].empty() && shapes[0][0] < 0) out[0] = -1;
  return out;
}

void Lambda::build_multi(const std::vector<Shape>& shapes) { set_built(shapes.at(0)); }

Config Lambda::get_config() const {
  Config c = base_config();
  c["function"] = options_.function_name.empty() ? Config(nullptr) : Config(options_.function_name);
  if (options_.output_shape) {
    Config s = Config::array();
    for (auto d : *options_.output_shape) s.push_back(d < 0 ? Config(nullptr) : Config(d));
    c["output_shape"] = s;
  } else {
    c["output_shape"] = nullptr;
  }
  return c;
}

LayerPtr Lambda::from_config(const Config& c) {
  const std::string layer = c.value("name", std::string("lambda"));
  if (!c.contains("function") || !c["function"].is_string())
    throw ConfigError("Lambda layer '" + layer + "' has no registered function name in its config "
                      "(Keras stores Python code, which cannot run here); create it with "
                      "LambdaOptions::function_name and layers::register_lambda_function");
  const std::string fname = c["function"].get<std::string>();
  MultiFn fn;
  {
    auto& r = lambda_registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.fns.find(fname); it != r.fns.end()) fn = it->second;
  }
  if (!fn)
    throw ConfigError("Lambda layer '" + layer + "' uses the function '" + fname +
                      "', which is not registered; call layers::register_lambda_function(\"" + fname +
                      "\", fn) before loading");
  LambdaOptions o;
  o.function_name = fname;
  o.name = c.value("name", std::string());
  if (c.contains("output_shape") && c["output_shape"].is_array()) {
    Shape s;
    for (const auto& d : c["output_shape"]) s.push_back(d.is_null() ? -1 : d.get<std::int64_t>());
    o.output_shape = s;
  }
  auto l = std::make_shared<Lambda>(std::move(fn), o);
  l->set_trainable(c.value("trainable", true));
  return l;
}

std::shared_ptr<Layer> Lambda::move_into_shared() { return std::make_shared<Lambda>(std::move(*this)); }

}  // namespace temper::layers
