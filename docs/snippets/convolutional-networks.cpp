// The "Writing arguments" block of docs/convolutional-networks.md exactly as the page prints
// it (docs_convolutional-networks checks the copy and runs this program, which builds each
// layer on an image batch).
#include <stdexcept>

#include <temper/temper.hpp>
using namespace temper;

int main() {
  // [docs:arguments]
  layers::Conv2D(64, 3, "relu");
  layers::Conv2D({.filters = 64, .kernel_size = {3, 1}, .strides = 2, .padding = "same",
                  .activation = "relu", .kernel_initializer = "he_normal",
                  .kernel_regularizer = regularizers::L2(1e-4)});
  layers::MaxPooling2D({.pool_size = 3, .strides = ops::Size2(2), .padding = "same"});
  layers::ZeroPadding2D(layers::Pad2({1, 2}, {0, 3}));          // ((top, bottom), (left, right))
  // [docs-end]

  // The shapes the page's "Output shapes" section states for these layers.
  Sequential model({layers::Input({7, 11, 3}),
                    layers::Conv2D({.filters = 8, .kernel_size = 3, .strides = 2, .padding = "same"}),
                    layers::ZeroPadding2D(layers::Pad2({1, 2}, {0, 3}))});
  if (model.output_shape() != Shape{-1, 7, 9, 8})
    throw std::runtime_error("docs/convolutional-networks.md: Conv2D(8, 3, strides 2, \"same\") on "
                             "(None, 7, 11, 3) then ZeroPadding2D(((1, 2), (0, 3))) should give "
                             "(None, 7, 9, 8), got " + shape_to_string(model.output_shape()));
}
