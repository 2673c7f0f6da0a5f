// layer_class.hpp — LayerClass<Derived, Options>, the CRTP base that gives a layer class
// everything that follows from its constructor arguments alone.
//
// In Keras every layer class gets get_config and from_config from its constructor
// arguments: get_config returns the base keys (name, trainable, dtype) plus the arguments,
// and from_config calls the constructor with them. Here a layer class declares its Options
// (the constructor arguments, Keras names and defaults) and its argument table once
// (`static const Arguments<Options>& arguments()`, arguments.hpp); LayerClass derives from
// them the constructor from Options (the table's checks run), options(), class_name,
// get_config and from_config:
//
//     class Dense final : public LayerClass<Dense, DenseOptions> {
//      public:
//       static constexpr const char* keras_class = "Dense";
//       using LayerClass::LayerClass;                        // Dense(Options)
//       static const Arguments<Options>& arguments();        // in dense.cpp
//       ...                                                  // build, call, weights
//     };
//
// A layer that writes more than its arguments overrides get_config as usual; one whose
// constructor does more than check them declares its own, handing LayerClass the options
// (`ZeroPadding2D(Options o) : LayerClass(layout_checked(std::move(o), keras_class)) {}`).
#pragma once
#include <string>
#include <type_traits>
#include <utility>

#include "temper/layer.hpp"
#include "temper/registry.hpp"

namespace temper::layers {

/// The registry of layer classes (layers.hpp).
Registry<Layer>& registry();

/// The state a layer holds from its constructor arguments: `options_`, checked against the
/// class's argument table on construction. LayerClass derives from it; so does a shared
/// implementation base whose code reads the options (ConvND, GlobalPooling), with its own
/// LayerClass on top for each concrete class.
template <class OptionsT, class Base = Layer> class LayerWithOptions : public Base {
 public:
  using Options = OptionsT;
  /// The constructor arguments, as given (and as normalized by the constructor).
  const Options& options() const noexcept { return options_; }

 protected:
  /// Names the layer `options.name` (Base's constructor takes the name) and runs the checks
  /// of `arguments`; a failure is a ValueError naming the class and the argument.
  LayerWithOptions(Options options, const Arguments<Options>& arguments)
      : Base(options.name), options_(std::move(options)) {
    arguments.validate(options_);
  }

  Options options_;
};

namespace detail {
/// `Base` itself when it already holds OptionsT (a LayerWithOptions), else a
/// LayerWithOptions over it.
template <class OptionsT, class Base>
using layer_options_base_t = std::conditional_t<std::is_base_of_v<LayerWithOptions<OptionsT, Layer>, Base>, Base,
                                                LayerWithOptions<OptionsT, Base>>;
}  // namespace detail

/// What every layer class has from its Options and its argument table alone (Keras: a
/// layer's get_config / from_config, derived from its constructor arguments): the
/// constructor from Options, options(), class_name, get_config (the base keys, then every
/// argument of the table) and from_config (through the registry). `Derived` names itself
/// (`static constexpr const char* keras_class = "Dense"`), inherits the constructor (`using
/// LayerClass::LayerClass`) and declares its table (`static const Arguments<Options>&
/// arguments()`). `Base` is Layer or a shared implementation base: one constructible from
/// the layer name, or a LayerWithOptions<OptionsT> constructible from (options, table, extra
/// arguments...).
template <class Derived, class OptionsT, class Base = Layer>
class LayerClass : public detail::layer_options_base_t<OptionsT, Base> {
  using Holder = detail::layer_options_base_t<OptionsT, Base>;

 public:
  using Options = OptionsT;
  explicit LayerClass(Options options) : Holder(std::move(options), Derived::arguments()) {}

  std::string class_name() const override { return Derived::keras_class; }
  /// Keras get_config: name, trainable, dtype, then the constructor arguments.
  Config get_config() const override {
    Config c = this->base_config();
    Derived::arguments().write(this->options_, c);
    return c;
  }
  /// Keras from_config: the layer this config describes (unknown or bad keys are
  /// ArgumentErrors naming them).
  static LayerPtr from_config(const Config& config) { return registry().create(Derived::keras_class, config); }

 protected:
  /// For a shared implementation base that takes more than the options and the table.
  template <class First, class... Rest>
  LayerClass(Options options, First&& first, Rest&&... rest)
      : Holder(std::move(options), Derived::arguments(), std::forward<First>(first), std::forward<Rest>(rest)...) {}
};

}  // namespace temper::layers
