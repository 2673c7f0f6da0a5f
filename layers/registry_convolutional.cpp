// Registers the convolutional layers by Keras class name (and Keras's aliases).
#include "layers/registry_detail.hpp"
#include "temper/layers.hpp"

namespace temper::layers::detail {

void add_convolutional_layers(LayerFactories& f) {
  f["Conv1D"] = Conv1D::from_config;
  f["Conv2D"] = Conv2D::from_config;
  f["DepthwiseConv2D"] = DepthwiseConv2D::from_config;
  f["SeparableConv2D"] = SeparableConv2D::from_config;
  f["Conv2DTranspose"] = Conv2DTranspose::from_config;
  f["MaxPooling1D"] = MaxPooling1D::from_config;
  f["MaxPooling2D"] = MaxPooling2D::from_config;
  f["AveragePooling1D"] = AveragePooling1D::from_config;
  f["AveragePooling2D"] = AveragePooling2D::from_config;
  f["GlobalAveragePooling1D"] = GlobalAveragePooling1D::from_config;
  f["GlobalAveragePooling2D"] = GlobalAveragePooling2D::from_config;
  f["GlobalMaxPooling1D"] = GlobalMaxPooling1D::from_config;
  f["GlobalMaxPooling2D"] = GlobalMaxPooling2D::from_config;
  f["ZeroPadding2D"] = ZeroPadding2D::from_config;
  f["Cropping2D"] = Cropping2D::from_config;
  f["UpSampling2D"] = UpSampling2D::from_config;
  // Keras aliases (keras.layers.Convolution2D, MaxPool2D, ...).
  f["Convolution1D"] = Conv1D::from_config;
  f["Convolution2D"] = Conv2D::from_config;
  f["SeparableConvolution2D"] = SeparableConv2D::from_config;
  f["Convolution2DTranspose"] = Conv2DTranspose::from_config;
  f["MaxPool1D"] = MaxPooling1D::from_config;
  f["MaxPool2D"] = MaxPooling2D::from_config;
  f["AvgPool1D"] = AveragePooling1D::from_config;
  f["AvgPool2D"] = AveragePooling2D::from_config;
  f["GlobalAvgPool1D"] = GlobalAveragePooling1D::from_config;
  f["GlobalAvgPool2D"] = GlobalAveragePooling2D::from_config;
  f["GlobalMaxPool1D"] = GlobalMaxPooling1D::from_config;
  f["GlobalMaxPool2D"] = GlobalMaxPooling2D::from_config;
}

}  // namespace temper::layers::detail
