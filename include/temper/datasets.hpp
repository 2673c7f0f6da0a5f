// datasets.hpp — loading data from disk and feeding it to training in batches.
//
// Keras splits this between keras.datasets (downloaders returning NumPy arrays) and tf.data
// (input pipelines). Temper never downloads: data comes from files already on disk (Debian
// packages such as dataset-fashion-mnist, or the user's own IDX/CSV files), and the input
// pipeline is an in-memory Dataset that gathers each batch from the full tensors.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "temper/tensor.hpp"

namespace temper::datasets {

/// One part of a data set: inputs and targets with the same number of rows.
///
/// Keras: the `(x_train, y_train)` tuple returned by `keras.datasets.*.load_data()`.
/// A struct rather than a std::pair so that code reads `train.x`, `train.y`.
struct Split {
  Tensor x;
  Tensor y;
};

/// A training part and a test part, so that `auto [train, test] = fashion_mnist::load();`
/// reads like Keras's `(x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()`.
struct TrainTest {
  Split train;
  Split test;
};

// ---- IDX files ------------------------------------------------------------------------------

/// Reads an IDX file (the format of MNIST and Fashion-MNIST), gzip-compressed or raw.
///
/// Keras has no public equivalent: keras.datasets.fashion_mnist.load_data() parses the same
/// files internally with NumPy. Element types map to the dtypes Temper has: uint8 -> UInt8,
/// int8/int16/int32 -> Int32, float32 -> Float32, float64 -> Float64. Whatever is wrong with
/// the file (missing, truncated, bad magic number, corrupt gzip stream, unsupported type,
/// impossible dimensions) is reported as an IOError naming the path and the problem; sizes
/// are checked before anything large is allocated, so a damaged header cannot exhaust memory.
/// The tensor is created on the default backend.
Tensor read_idx(const std::filesystem::path& path);

/// Writes a tensor as an IDX file (gzip-compressed when `gzip`), the inverse of read_idx.
///
/// Keras has no equivalent; it exists so that users (and tests) can produce data in the format
/// the loaders read. UInt8, Int32, Float32 and Float64 tensors of rank >= 1 are supported;
/// multi-byte values are written big-endian as the format requires. Throws ValueError for a
/// tensor the format cannot hold and IOError when the file cannot be written.
void write_idx(const std::filesystem::path& path, const Tensor& tensor, bool gzip = true);

// ---- Fashion-MNIST --------------------------------------------------------------------------

namespace fashion_mnist {

/// Where load() looks when given no directory and TEMPER_FASHION_MNIST_DIR is unset: the
/// location used by the Debian package dataset-fashion-mnist.
inline constexpr const char* kDefaultDir = "/usr/share/datasets/fashion-mnist";

/// Loads Fashion-MNIST: train.x uint8 (60000, 28, 28), train.y int32 (60000,), and the same
/// for the 10000 test images.
///
/// Keras: keras.datasets.fashion_mnist.load_data(), except that nothing is downloaded. The
/// directory is `dir` if given, else the environment variable TEMPER_FASHION_MNIST_DIR, else
/// kDefaultDir; it must hold train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
/// t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz. Labels are widened to int32
/// because that is what the sparse losses and metrics take. A missing file is an IOError that
/// names its full path and how to install the data; images and labels whose counts differ are
/// an IOError naming both files and both counts.
TrainTest load(std::optional<std::filesystem::path> dir = {});

/// The ten class names in label order ("T-shirt/top", "Trouser", ..., "Ankle boot"), as
/// listed in the Keras documentation of fashion_mnist.load_data().
const std::vector<std::string>& class_names();

}  // namespace fashion_mnist

// ---- CSV files ------------------------------------------------------------------------------

/// How read_csv interprets a file.
///
/// Keras delegates CSV to pandas.read_csv / tf.data.experimental.make_csv_dataset; these are
/// the few of their options that matter for numeric tables. `skip_rows` exists because
/// scikit-learn's bundled iris.csv, wine_data.csv and breast_cancer.csv start with a line of
/// counts and class names rather than column names: read them with skip_rows = 1,
/// header = false and label_column = "-1".
struct CsvOptions {
  char delimiter = ',';
  /// The first line (after skip_rows) holds column names. Without one, columns are named
  /// "0", "1", ... so they can still be selected by position.
  bool header = true;
  /// The target column, by name or by position ("4"; negative counts from the end, "-1").
  /// Unset: no targets, and y is undefined.
  std::optional<std::string> label_column{};
  /// Input columns by name or position; empty means every column except the label.
  std::vector<std::string> feature_columns{};
  /// True: labels are integer class ids, returned int32 (for sparse categorical losses).
  /// False: regression targets, returned float32.
  bool label_is_class = true;
  /// Lines skipped at the top of the file before the header (pandas skiprows).
  std::size_t skip_rows = 0;
};

/// A numeric table read from CSV.
///
/// Keras: the `(features, target)` pair the structured-data examples build from a pandas
/// DataFrame. The column names are kept so that results can be reported per feature.
struct CsvData {
  Tensor x;                                ///< float32 (N, F)
  Tensor y;                                ///< int32 (N,) or float32 (N,); undefined if no label
  std::vector<std::string> feature_names;  ///< the F column names, in x's column order
  std::string label_name;                  ///< empty if no label column
};

/// Reads a CSV file of numbers (plain or gzip-compressed) into features and labels.
///
/// Keras: pandas.read_csv(...) followed by splitting off the target column, the idiom of the
/// Keras structured-data examples. Quoted fields, surrounding spaces, CRLF line ends and blank
/// lines are accepted. Errors name the file, the line number and the column: a cell that is not
/// a number ("wine.csv:17: column 'alcohol': 'abc' is not a number"), a row with the wrong
/// number of fields, a class label that is not an integer (IOError); an unknown label or
/// feature column, listing the available names (ValueError); an empty file (IOError).
CsvData read_csv(const std::filesystem::path& path, const CsvOptions& options = {});

// ---- preprocessing --------------------------------------------------------------------------

/// Shuffles the rows of x (and y) reproducibly and splits off the last `test_fraction` of them.
///
/// Keras has no such function; this is sklearn.model_selection.train_test_split(x, y,
/// test_size=test_fraction, random_state=seed, shuffle=True), which the Keras examples use.
/// The test part has ceil(N * test_fraction) rows, as in scikit-learn. y may be undefined.
/// Throws ValueError if the fraction is not in (0, 1) or leaves either part empty.
TrainTest train_test_split(const Tensor& x, const Tensor& y, double test_fraction,
                           std::uint64_t seed = 0);

/// Standardises the columns of x_train to zero mean and unit variance, and x_test with the
/// train statistics (so no information leaks from the test set).
///
/// Keras: keras.layers.Normalization().adapt(x_train) applied to both; equivalently
/// sklearn StandardScaler. Columns are every axis but the first; the standard deviation is the
/// population one, and a constant column is only centred (its deviation is taken as 1) rather
/// than divided by zero. Integer inputs give float32 results. x_test may be undefined.
std::pair<Tensor, Tensor> standardize(const Tensor& x_train, const Tensor& x_test = {});

// ---- in-memory input pipeline ---------------------------------------------------------------

/// One batch produced by Dataset::get_batch.
///
/// Keras: the `(x, y, sample_weight)` tuple a tf.data batch yields to Model.fit. Named fields
/// instead of a tuple because y and sample_weight are often absent (undefined tensors).
struct Batch {
  Tensor x;
  Tensor y;              ///< undefined if the dataset has no targets
  Tensor sample_weight;  ///< undefined if the dataset has no sample weights
  std::int64_t index = 0;  ///< position of the batch in the epoch
};

/// Rows of in-memory tensors served in (optionally shuffled) batches.
///
/// Keras: tf.data.Dataset.from_tensor_slices((x, y, sample_weight)).shuffle(n).batch(b), and
/// what Model.fit does with NumPy arrays. The data are never copied as a whole: a shuffled
/// batch gathers its rows from the full tensors (Backend::gather_rows with host indices), an
/// unshuffled batch is a zero-copy view, and take/split return views. Epoch e of a shuffled
/// dataset uses a permutation determined by (seed, e) alone, so a run is reproducible and
/// every epoch sees a different order. The configuration methods return a new Dataset (as
/// tf.data does); only start_epoch changes the object.
class Dataset {
 public:
  /// An empty dataset (size() == 0).
  Dataset() = default;
  /// `y` and `sample_weight` may be undefined; when defined they need x's number of rows.
  /// Throws ShapeError on a row-count mismatch and ValueError for an undefined or 0-d x.
  explicit Dataset(Tensor x, Tensor y = {}, Tensor sample_weight = {});

  /// Same data served `batch_size` rows at a time (Keras default 32). With `drop_remainder`,
  /// a final partial batch is left out (tf.data batch(drop_remainder=True)).
  Dataset batch(std::int64_t batch_size, bool drop_remainder = false) const;
  /// Same data, reshuffled every epoch from `seed` when `on` (Keras fit(shuffle=True)).
  Dataset shuffle(bool on = true, std::uint64_t seed = 0) const;

  /// Rows [begin, end) as a view, keeping the batch and shuffle settings (tf.data
  /// `skip(begin).take(end - begin)`, without copying).
  Dataset take(std::int64_t begin, std::int64_t end) const;
  /// {first part, last `fraction` of the rows}, both views, cut before any shuffling: Keras's
  /// fit(validation_split=fraction). The cut is at floor(N * (1 - fraction)); a fraction
  /// outside (0, 1) or a split leaving either part empty is a ValueError.
  std::pair<Dataset, Dataset> split(double fraction) const;

  /// Number of rows (Keras: `len(x)`; tf.data `cardinality()` before batching).
  std::int64_t size() const noexcept;
  std::int64_t batch_size() const noexcept { return batch_size_; }
  bool drop_remainder() const noexcept { return drop_remainder_; }
  bool shuffled() const noexcept { return shuffle_; }
  std::uint64_t seed() const noexcept { return seed_; }
  /// Batches per epoch, Keras's `steps_per_epoch`: ceil(size / batch_size), or floor with
  /// drop_remainder.
  std::int64_t num_batches() const noexcept;

  const Tensor& x() const noexcept { return x_; }
  const Tensor& y() const noexcept { return y_; }
  const Tensor& sample_weight() const noexcept { return sample_weight_; }

  /// Prepares epoch `epoch` (0-based): computes its permutation when shuffling. Keras:
  /// PyDataset.on_epoch_end / tf.data's reshuffle_each_iteration. Taking the epoch number
  /// instead of advancing hidden state lets a resumed run (initial_epoch) reproduce the order.
  /// Must be called before get_batch on a shuffled dataset.
  void start_epoch(int epoch);
  /// Batch `i` of the current epoch, 0 <= i < num_batches() (Keras: PyDataset.__getitem__).
  /// Random access rather than an iterator so that a training loop can count, skip or log
  /// steps freely. Throws ValueError for a bad index and StateError for a shuffled dataset
  /// whose epoch has not been started.
  Batch get_batch(std::int64_t i) const;
  /// Row order of the current epoch (empty when not shuffling: rows are in order).
  std::span<const std::int64_t> order() const noexcept { return order_; }
  /// The epoch last passed to start_epoch (-1 before the first call).
  int epoch() const noexcept { return epoch_; }

 private:
  Tensor x_, y_, sample_weight_;
  std::int64_t batch_size_ = 32;
  bool drop_remainder_ = false;
  bool shuffle_ = false;
  std::uint64_t seed_ = 0;
  int epoch_ = -1;
  std::vector<std::int64_t> order_;
};

/// The permutation of 0..n-1 used for epoch `epoch` of a dataset shuffled with `seed`.
///
/// Keras has no public equivalent (it calls np.random.shuffle inside fit); it is exposed so
/// that other input pipelines shuffle exactly like Dataset. Fisher–Yates driven by the
/// counter-based Generator::hash, so the order depends on (seed, epoch) only, never on the
/// backend, the thread count or other users of a random stream.
std::vector<std::int64_t> epoch_permutation(std::int64_t n, std::uint64_t seed, int epoch);

}  // namespace temper::datasets
