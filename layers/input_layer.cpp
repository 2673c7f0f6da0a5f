#include "temper/layers/input_layer.hpp"

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"

namespace temper::layers {

InputLayer::InputLayer(Options o) : Layer(o.name), options_(std::move(o)) {
  for (auto d : options_.shape)
    if (d < -1 || d == 0)
      throw ShapeError("Input shape " + shape_to_string(options_.shape) +
                       " is invalid: extents must be positive (or -1 for unknown)");
  set_built(batch_shape());
}

Shape InputLayer::batch_shape() const {
  Shape s{options_.batch_size ? *options_.batch_size : -1};
  s.insert(s.end(), options_.shape.begin(), options_.shape.end());
  return s;
}

Tensor InputLayer::call(const Tensor& inputs, bool) { return inputs; }

void InputLayer::check_input_shape(const Shape& s) const {
  const Shape want = batch_shape();
  bool ok = s.size() == want.size();
  for (std::size_t i = 0; ok && i < s.size(); ++i) ok = want[i] < 0 || s[i] < 0 || want[i] == s[i];
  if (!ok)
    throw ShapeError(describe() + " expects inputs of shape " + shape_to_string(want) + " but received " +
                     shape_to_string(s));
}

Shape InputLayer::compute_output_shape(const Shape&) const { return batch_shape(); }

Config InputLayer::get_config() const {
  Config batch = Config::array();
  for (auto d : batch_shape()) batch.push_back(d < 0 ? Config(nullptr) : Config(d));
  return {{"batch_shape", batch}, {"dtype", dtype_name(options_.dtype)}, {"sparse", false},
          {"name", name()}};
}

LayerPtr InputLayer::from_config(const Config& c) { return registry().create("InputLayer", c); }

namespace {

// A shape list whose entries are integers or null (unknown); null entries read as -1.
Shape read_shape(ArgReader& r, const std::string& key) {
  const Config& v = r.config().at(key);
  if (!v.is_array()) r.fail(key, "expected a list of integers or null, found " + describe_json(v));
  Shape out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i].is_null()) {
      out.push_back(-1);
      continue;
    }
    out.push_back(r.convert<std::int64_t>(key + "[" + std::to_string(i) + "]", v[i]));
  }
  return out;
}

// A Keras input option Temper has no counterpart for: only false (or null) is accepted.
void read_false_only(ArgReader& r, const std::string& key, const char* why) {
  if (r.has(key) && r.convert<bool>(key, r.config().at(key)))
    r.fail(key, std::string("Temper does not implement this argument; only false is accepted, found true (") + why +
                    ")");
}

// Keras 3: InputLayer(shape, batch_size, dtype, sparse, ragged, batch_shape, optional, name),
// plus the older spellings batch_input_shape (tf.keras 2) and input_shape. An InputLayer has
// no trainable flag and its dtype is the inputs' dtype (a plain name), not a layer policy.
LayerPtr make_input_layer(ArgReader& r) {
  InputLayer::Options o;
  const bool batch = r.has("batch_shape"), legacy = r.has("batch_input_shape");
  const bool shape = r.has("shape"), old_shape = r.has("input_shape");
  if (batch && legacy)
    r.fail("batch_input_shape", "give batch_shape or its tf.keras name batch_input_shape, not both");
  if (shape && old_shape) r.fail("input_shape", "give shape or its older name input_shape, not both");
  if ((batch || legacy) && (shape || old_shape))
    r.fail(shape ? "shape" : "input_shape", "cannot be given together with batch_shape (which includes the batch axis)");
  if (batch || legacy) {
    const std::string key = batch ? "batch_shape" : "batch_input_shape";
    Shape full = read_shape(r, key);
    if (full.empty()) r.fail(key, "expected a list starting with the batch axis, found an empty list");
    if (full[0] >= 0) o.batch_size = full[0];
    o.shape.assign(full.begin() + 1, full.end());
    if (r.has("batch_size")) r.fail("batch_size", "cannot be given together with " + key + " (its first entry)");
  } else if (shape || old_shape) {
    o.shape = read_shape(r, shape ? "shape" : "input_shape");
    if (r.has("batch_size")) o.batch_size = r.convert<std::int64_t>("batch_size", r.config().at("batch_size"));
  } else {
    r.fail("batch_shape", "missing required argument (a list starting with the batch axis such as [null, 28, 28], "
                          "or give shape: [28, 28])");
  }
  if (r.has("dtype")) {
    const Config& d = r.config().at("dtype");
    std::string name;
    if (d.is_string()) name = d.get<std::string>();
    else if (d.is_object() && d.contains("config") && d["config"].is_object() && d["config"].contains("name") &&
             d["config"]["name"].is_string())
      name = d["config"]["name"].get<std::string>();  // a DTypePolicy object
    else r.fail("dtype", "expected a dtype name such as \"float32\", found " + describe_json(d));
    try {
      o.dtype = dtype_from_name(name);
    } catch (const Error& e) {
      r.fail("dtype", e.what());
    }
  }
  read_false_only(r, "sparse", "Temper has no sparse inputs");
  read_false_only(r, "ragged", "Temper has no ragged inputs");
  read_false_only(r, "optional", "Temper models need every input");
  o.name = r.get<std::string>("name", "");
  try {
    return std::make_shared<InputLayer>(std::move(o));
  } catch (const ShapeError& e) {
    r.fail(batch ? "batch_shape" : legacy ? "batch_input_shape" : shape ? "shape" : "input_shape", e.what());
  }
}

struct RegisterInputLayer {
  RegisterInputLayer() {
    registry().add({"InputLayer",
                    {},
                    {"batch_shape", "batch_input_shape", "shape", "input_shape", "batch_size", "dtype", "sparse",
                     "ragged", "optional", "name"},
                    make_input_layer});
  }
};
const RegisterInputLayer registered;

}  // namespace

InputLayer Input(Shape shape, std::string name) {
  return InputLayer(InputLayer::Options{std::move(shape), std::nullopt, DType::Float32, std::move(name)});
}

}  // namespace temper::layers
