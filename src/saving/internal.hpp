// internal.hpp — pieces of the savers shared with the checkpoint callbacks (private).
#pragma once
#include <map>
#include <optional>
#include <string>

#include "temper/config.hpp"

namespace temper {
class Model;
}

namespace temper::saving_detail {

/// save_weights for a `.weights.h5` path with extra root string attributes (UTF-8), written
/// into the same atomic file.
void save_weights_with_attrs(const Model& model, const std::string& path,
                             const std::map<std::string, std::string>& root_attrs);

/// load_weights for an HDF5 file of any name (Keras 3 or legacy layout, told apart by content).
void load_weights_h5(Model& model, const std::string& path);

/// A root string attribute of an HDF5 file, or nullopt when absent (IOError when unreadable).
std::optional<std::string> read_root_attr(const std::string& path, const std::string& name);

/// Keras 3's layer keys under /layers: the snake_case class name made unique (dense, dense_1).
std::string keras3_layer_key(const std::string& class_name, std::map<std::string, int>& seen);

}  // namespace temper::saving_detail
