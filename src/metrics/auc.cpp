// AUC (Keras: keras/src/metrics/confusion_metrics.py AUC): area under the ROC or PR curve from
// confusion counts at fixed thresholds.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "src/metrics/common.hpp"
#include "temper/autograd.hpp"
#include "temper/metrics/confusion_matrix.hpp"

namespace temper::metrics {

using namespace detail;

namespace {

// Keras metrics_utils.is_evenly_distributed_thresholds (np.allclose with atol = epsilon).
bool evenly_distributed(const std::vector<double>& th) {
  const std::size_t n = th.size();
  if (n < 3) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const double even = static_cast<double>(static_cast<float>(i) / static_cast<float>(n - 1));
    if (std::abs(th[i] - even) > kEpsilon + 1e-5 * std::abs(even)) return false;
  }
  return true;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string parse_curve(const std::string& s) {
  if (s == "ROC" || s == "roc") return "ROC";
  if (s == "PR" || s == "pr") return "PR";
  throw ValueError("AUC: invalid curve \"" + s + "\". Expected values are [\"PR\", \"ROC\"]");
}

std::string parse_summation(const std::string& s) {
  const std::string l = lower(s);
  if ((l == "interpolation" || l == "majoring" || l == "minoring") &&
      (s == l || (s.size() > 0 && std::toupper(static_cast<unsigned char>(l[0])) == s[0] &&
                  s.substr(1) == l.substr(1))))
    return l;
  throw ValueError("AUC: invalid summation_method \"" + s +
                   "\". Expected values are [\"interpolation\", \"majoring\", \"minoring\"]");
}

}  // namespace

const Arguments<AUC::Options>& AUC::arguments() {
  using O = Options;
  static const auto args =
      metric_arguments<O>("AUC")
          .add("num_thresholds", &O::num_thresholds,
               Check<int>{"an integer > 1", [](const int& n) { return n > 1; }})
          .add("curve", &O::curve, one_of({"ROC", "PR", "roc", "pr"}))
          .add("summation_method", &O::summation_method,
               one_of({"interpolation", "Interpolation", "majoring", "Majoring", "minoring", "Minoring"}))
          .unsupported("multi_label", false, Effect::computation)
          .unsupported("num_labels", nullptr, Effect::computation)
          .unsupported("label_weights", nullptr, Effect::computation)
          .add("from_logits", &O::from_logits)
          // Written only when the metric was made from thresholds (see get_config).
          .add("thresholds", &O::thresholds);
  return args;
}

AUC::AUC(Options o) : Metric(o.name), options_(std::move(o)) {
  arguments().validate(options_);
  options_.curve = parse_curve(options_.curve);
  options_.summation_method = parse_summation(options_.summation_method);
  std::vector<double> interior;
  if (options_.thresholds) {
    interior = *options_.thresholds;
    std::sort(interior.begin(), interior.end());
    options_.thresholds = interior;
    options_.num_thresholds = static_cast<int>(interior.size()) + 2;
    std::vector<double> with_ends{0.0};
    with_ends.insert(with_ends.end(), interior.begin(), interior.end());
    with_ends.push_back(1.0);
    evenly_distributed_ = evenly_distributed(with_ends);
  } else {
    if (options_.num_thresholds <= 1)
      throw ValueError("AUC: num_thresholds must be an integer > 1, got " +
                       std::to_string(options_.num_thresholds));
    const int n = options_.num_thresholds;
    for (int i = 0; i < n - 2; ++i) interior.push_back((i + 1) * 1.0 / (n - 1));
    evenly_distributed_ = true;
  }
  // Endpoints just outside [0, 1] so that predictions of exactly 0 or 1 are counted.
  thresholds_.push_back(0.0 - kEpsilon);
  thresholds_.insert(thresholds_.end(), interior.begin(), interior.end());
  thresholds_.push_back(1.0 + kEpsilon);
  reset_state();
}

void AUC::reset_state() {
  const auto n = thresholds_.size();
  tp_.assign(n, 0.0);
  fp_.assign(n, 0.0);
  tn_.assign(n, 0.0);
  fn_.assign(n, 0.0);
}

void AUC::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  NoGradGuard no_grad;
  require_defined(y_pred, "AUC", "y_pred");
  Tensor p = options_.from_logits ? ops::sigmoid(to_dtype(y_pred, compute_dtype(y_pred))) : y_pred;
  auto in = confusion_inputs("AUC", y_true, p, sample_weight, std::nullopt, std::nullopt);
  // One transfer of (pred, label, weight) to the host; binning happens there.
  std::vector<Tensor> parts{in.pred, in.label};
  if (in.weight.defined()) parts.push_back(in.weight);
  const std::vector<double> h = read_back(parts);
  const auto m = static_cast<std::size_t>(in.pred.numel());
  const double* pred = h.data();
  const double* label = h.data() + m;
  const double* weight = in.weight.defined() ? h.data() + 2 * m : nullptr;
  const std::size_t nt = thresholds_.size();

  if (evenly_distributed_) {
    // Keras _update_confusion_matrix_variables_optimized: bucket ceil(p * (T - 1)) - 1 (p
    // clipped to [0, 1]; the -epsilon endpoint pulls bucket -1 into 0), then a reverse
    // cumulative sum gives the counts with p > threshold at every threshold.
    std::vector<double> tp_bucket(nt, 0.0), fp_bucket(nt, 0.0);
    double total_pos = 0.0, total_neg = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
      const double w = weight ? weight[i] : 1.0;
      // A NaN score would make the bucket index undefined; count it as the lowest score.
      const double pi = std::isnan(pred[i]) ? 0.0 : std::clamp(pred[i], 0.0, 1.0);
      const double b = std::max(std::ceil(pi * static_cast<double>(nt - 1)) - 1.0, 0.0);
      const auto bucket = static_cast<std::size_t>(b);
      const double pos = label[i] * w, neg = (1.0 - label[i]) * w;
      tp_bucket[bucket] += pos;
      fp_bucket[bucket] += neg;
      total_pos += pos;
      total_neg += neg;
    }
    double tp = 0.0, fp = 0.0;
    for (std::size_t j = nt; j-- > 0;) {
      tp += tp_bucket[j];
      fp += fp_bucket[j];
      tp_[j] += tp;
      fp_[j] += fp;
      fn_[j] += total_pos - tp;
      tn_[j] += total_neg - fp;
    }
  } else {
    for (std::size_t i = 0; i < m; ++i) {
      const double w = weight ? weight[i] : 1.0;
      const double pos = label[i] * w, neg = (1.0 - label[i]) * w;
      for (std::size_t j = 0; j < nt; ++j) {
        if (pred[i] > thresholds_[j]) {
          tp_[j] += pos;
          fp_[j] += neg;
        } else {
          fn_[j] += pos;
          tn_[j] += neg;
        }
      }
    }
  }
}

double AUC::result() const {
  const std::size_t n = thresholds_.size();
  if (options_.curve == "PR" && options_.summation_method == "interpolation") {
    // Keras AUC.interpolate_pr_auc (Davis & Goadrich 2006, closed form per bucket).
    double auc = 0.0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const double dtp = tp_[i] - tp_[i + 1];
      const double p0 = tp_[i] + fp_[i], p1 = tp_[i + 1] + fp_[i + 1];
      const double dp = p0 - p1;
      const double slope = divide_no_nan(dtp, std::max(dp, 0.0));
      const double intercept = tp_[i + 1] - slope * p1;
      const double ratio = (p0 > 0 && p1 > 0) ? divide_no_nan(p0, std::max(p1, 0.0)) : 1.0;
      auc += divide_no_nan(slope * (dtp + intercept * std::log(ratio)),
                           std::max(tp_[i + 1] + fn_[i + 1], 0.0));
    }
    return auc;
  }
  std::vector<double> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double recall = divide_no_nan(tp_[i], tp_[i] + fn_[i]);
    if (options_.curve == "ROC") {
      x[i] = divide_no_nan(fp_[i], fp_[i] + tn_[i]);
      y[i] = recall;
    } else {
      x[i] = recall;
      y[i] = divide_no_nan(tp_[i], tp_[i] + fp_[i]);
    }
  }
  double auc = 0.0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    double height;
    if (options_.summation_method == "interpolation") height = (y[i] + y[i + 1]) / 2.0;
    else if (options_.summation_method == "minoring") height = std::min(y[i], y[i + 1]);
    else height = std::max(y[i], y[i + 1]);
    auc += (x[i] - x[i + 1]) * height;
  }
  return auc;
}

Config AUC::get_config() const {
  Config c = config_from(arguments(), options_);
  if (!options_.thresholds) c.erase("thresholds");
  return c;
}

namespace {
const MetricRegistration<AUC> auc{{"AUC", "auc"}};
}  // namespace

}  // namespace temper::metrics
