// dataset.cpp — the in-memory input pipeline (tf.data from_tensor_slices/shuffle/batch) and
// the small preprocessing helpers that go with it.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "temper/datasets.hpp"
#include "temper/error.hpp"
#include "temper/random.hpp"

namespace temper::datasets {
namespace {

// Distinguishes the shuffle streams from other users of the same seed (train_test_split with
// seed s must not produce the same order as epoch 0 of a Dataset shuffled with seed s).
constexpr std::uint64_t kEpochStream = 0x45504F4348ull;  // "EPOCH"
constexpr std::uint64_t kSplitStream = 0x53504C4954ull;  // "SPLIT"

// Fisher–Yates with draws from the counter-based hash: the order depends only on `key`, never
// on a stateful generator that other code might also have advanced.
std::vector<std::int64_t> permutation(std::int64_t n, std::uint64_t key) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::int64_t>(i);
  std::uint64_t counter = 0;
  for (std::size_t i = p.size(); i > 1; --i) {
    const std::uint64_t bound = i;
    // Rejection keeps the draw unbiased: discard the top sliver that `% bound` would skew.
    const std::uint64_t threshold = (0 - bound) % bound;
    std::uint64_t r = Generator::hash(key, counter++);
    while (r < threshold) r = Generator::hash(key, counter++);
    std::swap(p[i - 1], p[static_cast<std::size_t>(r % bound)]);
  }
  return p;
}

Tensor gather(const Tensor& t, std::span<const std::int64_t> rows) {
  if (!t.defined()) return {};
  Shape shape = t.shape();
  shape[0] = static_cast<std::int64_t>(rows.size());
  Tensor out = Tensor::empty(shape, t.dtype(), &t.backend());
  t.backend().gather_rows(t, rows, out);
  return out;
}

Tensor slice(const Tensor& t, std::int64_t begin, std::int64_t end) {
  return t.defined() ? t.slice_rows(begin, end) : Tensor();
}

void check_rows(const Tensor& x, const Tensor& other, const char* what, const char* where) {
  if (!other.defined()) return;
  if (other.rank() < 1 || other.dim(0) != x.dim(0)) {
    throw ShapeError(std::string(where) + ": " + what + " has shape " +
                     shape_to_string(other.shape()) + " but x has shape " +
                     shape_to_string(x.shape()) + "; both need the same number of rows");
  }
}

// Host copy of any dtype as double, for the column statistics in standardize().
std::vector<double> host_doubles(const Tensor& t) {
  switch (t.dtype()) {
    case DType::Float32: {
      const auto v = t.to_vector<float>();
      return {v.begin(), v.end()};
    }
    case DType::Float64: return t.to_vector<double>();
    case DType::Int32: {
      const auto v = t.to_vector<std::int32_t>();
      return {v.begin(), v.end()};
    }
    case DType::UInt8: {
      const auto v = t.to_vector<std::uint8_t>();
      return {v.begin(), v.end()};
    }
  }
  return {};
}

Tensor from_doubles(const std::vector<double>& v, const Shape& shape, DType dtype,
                    Backend& backend) {
  if (dtype == DType::Float64) return Tensor::from_vector(v, shape, &backend);
  std::vector<float> f(v.begin(), v.end());
  return Tensor::from_vector(f, shape, &backend);
}

}  // namespace

std::vector<std::int64_t> epoch_permutation(std::int64_t n, std::uint64_t seed, int epoch) {
  const std::uint64_t key =
      Generator::hash(Generator::hash(seed, kEpochStream), static_cast<std::uint64_t>(epoch));
  return permutation(n, key);
}

// ---- Dataset ------------------------------------------------------------------------------

Dataset::Dataset(Tensor x, Tensor y, Tensor sample_weight)
    : x_(std::move(x)), y_(std::move(y)), sample_weight_(std::move(sample_weight)) {
  if (!x_.defined()) throw ValueError("Dataset: x is undefined");
  if (x_.rank() < 1) {
    throw ValueError("Dataset: x must have a batch axis, got shape " + shape_to_string(x_.shape()));
  }
  check_rows(x_, y_, "y", "Dataset");
  check_rows(x_, sample_weight_, "sample_weight", "Dataset");
}

std::int64_t Dataset::size() const noexcept { return x_.defined() ? x_.shape()[0] : 0; }

std::int64_t Dataset::num_batches() const noexcept {
  const std::int64_t n = size();
  return drop_remainder_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

Dataset Dataset::batch(std::int64_t batch_size, bool drop_remainder) const {
  if (batch_size < 1) {
    throw ValueError("Dataset::batch: batch_size must be >= 1, got " + std::to_string(batch_size));
  }
  Dataset d = *this;
  d.batch_size_ = batch_size;
  d.drop_remainder_ = drop_remainder;
  return d;
}

Dataset Dataset::shuffle(bool on, std::uint64_t seed) const {
  Dataset d = *this;
  d.shuffle_ = on;
  d.seed_ = seed;
  d.epoch_ = -1;  // a stale permutation from other settings must not be reused
  d.order_.clear();
  return d;
}

Dataset Dataset::take(std::int64_t begin, std::int64_t end) const {
  const std::int64_t n = size();
  if (begin < 0 || end < begin || end > n) {
    throw ValueError("Dataset::take: range [" + std::to_string(begin) + ", " +
                     std::to_string(end) + ") is not within the " + std::to_string(n) + " rows");
  }
  Dataset d;
  if (x_.defined()) {
    d.x_ = x_.slice_rows(begin, end);
    d.y_ = slice(y_, begin, end);
    d.sample_weight_ = slice(sample_weight_, begin, end);
  }
  d.batch_size_ = batch_size_;
  d.drop_remainder_ = drop_remainder_;
  d.shuffle_ = shuffle_;
  d.seed_ = seed_;
  return d;
}

std::pair<Dataset, Dataset> Dataset::split(double fraction) const {
  if (!(fraction > 0.0 && fraction < 1.0)) {
    throw ValueError("Dataset::split: validation_split must be in (0, 1), got " +
                     std::to_string(fraction));
  }
  const std::int64_t n = size();
  const auto at = static_cast<std::int64_t>(std::floor(static_cast<double>(n) * (1.0 - fraction)));
  if (at <= 0 || at >= n) {
    // Keras's wording: the user needs to know both numbers to fix it.
    throw ValueError("Dataset::split: " + std::to_string(n) +
                     " samples are not sufficient to split into a training and a validation "
                     "set with validation_split=" + std::to_string(fraction) +
                     "; provide more data or a different validation_split");
  }
  return {take(0, at), take(at, n)};
}

void Dataset::start_epoch(int epoch) {
  if (epoch < 0) throw ValueError("Dataset::start_epoch: epoch must be >= 0, got " + std::to_string(epoch));
  epoch_ = epoch;
  if (shuffle_) {
    order_ = epoch_permutation(size(), seed_, epoch);
  } else {
    order_.clear();
  }
}

Batch Dataset::get_batch(std::int64_t i) const {
  const std::int64_t nb = num_batches();
  if (i < 0 || i >= nb) {
    throw ValueError("Dataset::get_batch: batch index " + std::to_string(i) + " out of range [0, " +
                     std::to_string(nb) + ")");
  }
  const std::int64_t begin = i * batch_size_;
  const std::int64_t end = std::min(size(), begin + batch_size_);
  Batch b;
  b.index = i;
  if (!shuffle_) {
    // In order, a batch is a contiguous block of rows: a view, no copy at all.
    b.x = x_.slice_rows(begin, end);
    b.y = slice(y_, begin, end);
    b.sample_weight = slice(sample_weight_, begin, end);
    return b;
  }
  if (static_cast<std::int64_t>(order_.size()) != size()) {
    throw StateError("Dataset::get_batch: call start_epoch() before reading batches of a "
                     "shuffled dataset");
  }
  const std::span<const std::int64_t> rows(order_.data() + begin,
                                           static_cast<std::size_t>(end - begin));
  b.x = gather(x_, rows);
  b.y = gather(y_, rows);
  b.sample_weight = gather(sample_weight_, rows);
  return b;
}

// ---- preprocessing ------------------------------------------------------------------------

TrainTest train_test_split(const Tensor& x, const Tensor& y, double test_fraction,
                           std::uint64_t seed) {
  if (!x.defined() || x.rank() < 1) throw ValueError("train_test_split: x must have a batch axis");
  check_rows(x, y, "y", "train_test_split");
  if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
    throw ValueError("train_test_split: test_fraction must be in (0, 1), got " +
                     std::to_string(test_fraction));
  }
  const std::int64_t n = x.dim(0);
  const auto n_test = static_cast<std::int64_t>(std::ceil(static_cast<double>(n) * test_fraction));
  const std::int64_t n_train = n - n_test;
  if (n_test <= 0 || n_train <= 0) {
    throw ValueError("train_test_split: with " + std::to_string(n) + " samples and test_fraction=" +
                     std::to_string(test_fraction) + " the " +
                     (n_train <= 0 ? "training" : "test") + " set would be empty");
  }
  const std::vector<std::int64_t> p = permutation(n, Generator::hash(seed, kSplitStream));
  const std::span<const std::int64_t> all(p);
  TrainTest out;
  out.train = {gather(x, all.first(static_cast<std::size_t>(n_train))),
               gather(y, all.first(static_cast<std::size_t>(n_train)))};
  out.test = {gather(x, all.subspan(static_cast<std::size_t>(n_train))),
              gather(y, all.subspan(static_cast<std::size_t>(n_train)))};
  return out;
}

std::pair<Tensor, Tensor> standardize(const Tensor& x_train, const Tensor& x_test) {
  if (!x_train.defined() || x_train.rank() < 1 || x_train.dim(0) < 1) {
    throw ValueError("standardize: x_train needs at least one row, got " +
                     (x_train.defined() ? shape_to_string(x_train.shape()) : "undefined"));
  }
  const Shape row(x_train.shape().begin() + 1, x_train.shape().end());
  if (x_test.defined()) {
    const Shape test_row(x_test.shape().begin() + std::min<std::ptrdiff_t>(1, x_test.rank()),
                         x_test.shape().end());
    if (x_test.rank() < 1 || test_row != row) {
      throw ShapeError("standardize: x_test has shape " + shape_to_string(x_test.shape()) +
                       " but x_train has shape " + shape_to_string(x_train.shape()) +
                       "; all axes but the first must match");
    }
  }
  const auto n = static_cast<std::size_t>(x_train.dim(0));
  const auto cols = static_cast<std::size_t>(shape_numel(row));
  const DType out_dtype = x_train.dtype() == DType::Float64 ? DType::Float64 : DType::Float32;

  std::vector<double> a = host_doubles(x_train);
  std::vector<double> mean(cols, 0.0), sd(cols, 0.0);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < cols; ++c) mean[c] += a[r * cols + c];
  for (double& m : mean) m /= static_cast<double>(n);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < cols; ++c) {
      const double d = a[r * cols + c] - mean[c];
      sd[c] += d * d;
    }
  for (double& s : sd) {
    s = std::sqrt(s / static_cast<double>(n));
    // As sklearn's StandardScaler: a (near-)constant column is centred, not blown up.
    if (s < 10.0 * std::numeric_limits<double>::epsilon()) s = 1.0;
  }
  auto apply = [&](std::vector<double>& v) {
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = (v[i] - mean[i % cols]) / sd[i % cols];
  };
  apply(a);
  std::pair<Tensor, Tensor> out;
  out.first = from_doubles(a, x_train.shape(), out_dtype, x_train.backend());
  if (x_test.defined()) {
    std::vector<double> b = host_doubles(x_test);
    apply(b);
    out.second = from_doubles(b, x_test.shape(), out_dtype, x_test.backend());
  }
  return out;
}

}  // namespace temper::datasets
