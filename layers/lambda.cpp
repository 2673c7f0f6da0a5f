#include "temper/layers/lambda.hpp"

#include <map>
#include <mutex>

#include "temper/autograd.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"

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

LayerPtr Lambda::from_config(const Config& c) { return registry().create("Lambda", c); }

namespace {

// Keras writes a Lambda's function as Python code, which cannot run here; Temper writes the
// name under which the function was registered with register_lambda_function. A Keras 3
// named function ({"class_name": "function", "config": "<name>"}) resolves by that name too.
LayerPtr make_lambda(ArgReader& r) {
  const LayerBaseArguments base = read_base_arguments(r);
  const std::string layer = base.name.empty() ? std::string("lambda") : base.name;
  const std::string how = "create it with LambdaOptions::function_name and layers::register_lambda_function";
  std::string fname;
  if (!r.has("function"))
    r.fail("function", "missing required argument (the name of a function registered with "
                       "layers::register_lambda_function); " + how);
  const Config& f = r.config().at("function");
  if (f.is_string()) fname = f.get<std::string>();
  else if (f.is_object() && f.value("class_name", std::string()) == "function" && f.contains("config") &&
           f["config"].is_string())
    fname = f["config"].get<std::string>();
  else
    r.fail("function", "Lambda layer '" + layer + "' stores Python code (" + describe_json(f) +
                           "), which cannot run here; " + how);
  Lambda::MultiFn fn;
  {
    auto& reg = lambda_registry();
    std::lock_guard lock(reg.mutex);
    if (auto it = reg.fns.find(fname); it != reg.fns.end()) fn = it->second;
  }
  if (!fn)
    r.fail("function", "Lambda layer '" + layer + "' uses the function '" + fname +
                           "', which is not registered; call layers::register_lambda_function(\"" + fname +
                           "\", fn) before loading");
  LambdaOptions o;
  o.function_name = fname;
  o.name = base.name;
  if (r.has("output_shape")) {
    const Config& v = r.config().at("output_shape");
    if (!v.is_array())
      r.fail("output_shape", "expected a list of integers or null (a shape with its batch axis), found " +
                                 describe_json(v) + " (a Python function cannot run here)");
    Shape s;
    for (std::size_t i = 0; i < v.size(); ++i)
      s.push_back(v[i].is_null() ? -1 : r.convert<std::int64_t>("output_shape[" + std::to_string(i) + "]", v[i]));
    o.output_shape = s;
  }
  // Keyword arguments for the function and a mask function change what it computes.
  if (r.has("arguments")) {
    const Config& a = r.config().at("arguments");
    if (!a.is_object() || !a.empty())
      r.fail("arguments", "Temper does not implement this argument; only {} is accepted, found " + describe_json(a) +
                              " (it changes what the model computes)");
  }
  if (r.has("mask"))
    r.fail("mask", "Temper does not implement this argument; only null is accepted, found " +
                       describe_json(r.config().at("mask")) + " (Temper layers do not propagate masks)");
  // tf.keras's descriptions of how the Python code was stored.
  for (const char* k : {"function_type", "module", "output_shape_type", "output_shape_module", "mask_type",
                        "mask_module"})
    r.accept(k);
  auto l = std::make_shared<Lambda>(std::move(fn), o);
  l->set_trainable(base.trainable);
  return l;
}

struct RegisterLambda {
  RegisterLambda() {
    std::vector<std::string> known = {"function",          "output_shape", "arguments", "mask",
                                      "function_type",     "module",       "output_shape_type",
                                      "output_shape_module", "mask_type",  "mask_module"};
    for (auto& k : base_layer_arguments()) known.push_back(std::move(k));
    registry().add({"Lambda", {}, std::move(known), make_lambda});
  }
};
const RegisterLambda registered;

}  // namespace

std::shared_ptr<Layer> Lambda::move_into_shared() { return std::make_shared<Lambda>(std::move(*this)); }

}  // namespace temper::layers
