// fashion_mnist.cpp — Keras's fashion_mnist.load_data() over files installed on disk.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "datasets/gzio.hpp"
#include "datasets/idx_internal.hpp"
#include "temper/datasets.hpp"
#include "temper/error.hpp"

namespace temper::datasets::fashion_mnist {
namespace {

namespace fs = std::filesystem;

fs::path resolve_dir(const std::optional<fs::path>& dir) {
  if (dir && !dir->empty()) return *dir;
  if (const char* env = std::getenv("TEMPER_FASHION_MNIST_DIR"); env != nullptr && *env != '\0') {
    return fs::path(env);
  }
  return fs::path(kDefaultDir);
}

void require_file(const fs::path& file) {
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) return;
  throw IOError("Fashion-MNIST file '" + file.string() +
                "' not found: install the Debian package dataset-fashion-mnist "
                "(apt-get install dataset-fashion-mnist) or pass the directory that holds the "
                "four *-ubyte.gz files to fashion_mnist::load() (or set "
                "TEMPER_FASHION_MNIST_DIR)");
}

Split load_split(const fs::path& images_file, const fs::path& labels_file) {
  detail::IdxArray images = detail::read_idx_array(images_file);
  if (images.dtype != DType::UInt8 || images.shape.size() != 3) {
    throw IOError(detail::in_quotes(images_file.string()) + ": expected uint8 images of shape (N, 28, 28), found " +
                  dtype_name(images.dtype) + " " + shape_to_string(images.shape));
  }
  detail::IdxArray labels = detail::read_idx_array(labels_file);
  if (labels.dtype != DType::UInt8 || labels.shape.size() != 1) {
    throw IOError(detail::in_quotes(labels_file.string()) + ": expected uint8 labels of shape (N,), found " +
                  dtype_name(labels.dtype) + " " + shape_to_string(labels.shape));
  }
  if (images.shape[0] != labels.shape[0]) {
    throw IOError("Fashion-MNIST image/label count mismatch: '" + images_file.string() + "' has " +
                  std::to_string(images.shape[0]) + " images but '" + labels_file.string() +
                  "' has " + std::to_string(labels.shape[0]) + " labels");
  }
  // Sparse losses and metrics take int32 class ids; widen on the host rather than shipping
  // bytes to the backend only to cast them there.
  std::vector<std::int32_t> y(labels.bytes.begin(), labels.bytes.end());
  return Split{detail::to_tensor(images), Tensor::from_vector(y)};
}

}  // namespace

TrainTest load(std::optional<std::filesystem::path> dir) {
  const fs::path root = resolve_dir(dir);
  const fs::path train_images = root / "train-images-idx3-ubyte.gz";
  const fs::path train_labels = root / "train-labels-idx1-ubyte.gz";
  const fs::path test_images = root / "t10k-images-idx3-ubyte.gz";
  const fs::path test_labels = root / "t10k-labels-idx1-ubyte.gz";
  // Check all four before parsing anything so a missing file fails fast, not after seconds
  // of decompressing the others.
  for (const fs::path* f : {&train_images, &train_labels, &test_images, &test_labels}) {
    require_file(*f);
  }
  TrainTest out;
  out.train = load_split(train_images, train_labels);
  out.test = load_split(test_images, test_labels);
  return out;
}

const std::vector<std::string>& class_names() {
  static const std::vector<std::string> names = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace temper::datasets::fashion_mnist
