#include "temper/autograd.hpp"

#include <unordered_map>
#include <unordered_set>

#include "temper/error.hpp"

namespace temper {

namespace {
// Grad mode is per thread, like PyTorch's; it is not shared state between threads.
thread_local bool g_grad_enabled = true;

// Deleter of graph nodes. Destroying a node drops its inputs, whose records own the nodes
// that produced them, and so on: with the default deleter a long graph that is dropped
// without a backward pass (a long unrolled loop, gradients() results, a loss summed over an
// epoch) is destroyed recursively and overflows the stack. Nodes released while another is
// being destroyed are queued and destroyed by the outermost call, one at a time.
void delete_node(Node* node) {
  // A plain pointer (no thread_local destructor), so that nodes released during static
  // destruction at exit still work.
  thread_local std::vector<Node*>* active = nullptr;
  if (active) {
    active->push_back(node);
    return;
  }
  std::vector<Node*> queue{node};
  active = &queue;
  while (!queue.empty()) {
    Node* next = queue.back();
    queue.pop_back();
    delete next;  // may queue the nodes of its inputs
  }
  active = nullptr;
}
}  // namespace

bool grad_enabled() noexcept { return g_grad_enabled; }

NoGradGuard::NoGradGuard() noexcept : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

Tensor record(const std::string& name, Tensor output, std::vector<Tensor> inputs,
              std::function<std::vector<Tensor>(const Tensor&)> backward_fn) {
  if (!g_grad_enabled) return output;
  bool any = false;
  for (const auto& t : inputs) any = any || t.requires_grad();
  if (!any) return output;
  auto node = std::shared_ptr<Node>(new Node, delete_node);
  node->name = name;
  node->inputs = std::move(inputs);
  node->backward = std::move(backward_fn);
  // The output is a fresh tensor: give it its own autograd record (never shared with a view
  // of another tensor's record).
  Tensor out = output.detach();
  auto& meta = out.mutable_autograd_meta();
  meta->requires_grad = true;
  meta->grad_fn = std::move(node);
  return out;
}

namespace {

void accumulate(Tensor& slot, const Tensor& g) {
  if (!slot.defined()) {
    slot = g;
  } else {
    // Never add into a gradient tensor another holder may share: copy first.
    Tensor sum = slot.clone();
    sum.backend().axpy(1.0, g, sum);
    slot = sum;
  }
}

// Nodes in reverse topological order (outputs before the inputs they depend on). Owning
// pointers: releasing a node's inputs during the pass must not destroy nodes still to run.
std::vector<std::shared_ptr<Node>> topo_order(const std::shared_ptr<Node>& root) {
  std::vector<std::shared_ptr<Node>> order;
  std::unordered_set<Node*> seen;
  std::vector<std::pair<std::shared_ptr<Node>, std::size_t>> stack{{root, 0}};
  seen.insert(root.get());
  while (!stack.empty()) {
    Node* node = stack.back().first.get();
    std::size_t& i = stack.back().second;
    if (i < node->inputs.size()) {
      const auto& meta = node->inputs[i++].autograd_meta();
      if (meta && meta->grad_fn && !seen.count(meta->grad_fn.get())) {
        seen.insert(meta->grad_fn.get());
        stack.emplace_back(meta->grad_fn, 0);
      }
    } else {
      order.push_back(std::move(stack.back().first));
      stack.pop_back();
    }
  }
  return {order.rbegin(), order.rend()};
}

Tensor seed_gradient(const Tensor& output, const Tensor& grad_output) {
  if (grad_output.defined()) {
    if (grad_output.shape() != output.shape())
      throw ShapeError("backward: gradient of shape " + shape_to_string(grad_output.shape()) +
                       " does not match output shape " + shape_to_string(output.shape()));
    return grad_output;
  }
  if (output.numel() != 1)
    throw ShapeError("backward() without an explicit gradient needs a scalar output, got shape " +
                     shape_to_string(output.shape()));
  return Tensor::ones(output.shape(), output.dtype(), &output.backend());
}

// Runs the backward pass. Leaf gradients go to `on_leaf(meta, grad)`; the complete gradient
// of each op's output goes to `on_node(node, grad)` just before the op's backward runs.
template <class OnLeaf, class OnNode>
void run_backward(const Tensor& output, const Tensor& grad_output, OnLeaf on_leaf,
                  OnNode on_node, bool release_graph) {
  const auto& meta = output.autograd_meta();
  if (!meta || !meta->requires_grad)
    throw StateError("backward: the tensor does not require a gradient (no variable took part "
                     "in computing it, or it was computed under NoGradGuard)");
  Tensor seed = seed_gradient(output, grad_output);
  if (!meta->grad_fn) {
    on_leaf(meta.get(), seed);
    return;
  }
  std::unordered_map<Node*, Tensor> grads;
  grads[meta->grad_fn.get()] = seed;
  NoGradGuard no_grad;  // backward functions compose ops; they must not record
  for (const auto& owned : topo_order(meta->grad_fn)) {
    Node* node = owned.get();
    auto it = grads.find(node);
    if (it == grads.end()) continue;
    Tensor g = std::move(it->second);
    grads.erase(it);
    on_node(node, g);
    if (!node->backward)
      throw StateError("backward through '" + node->name +
                       "' a second time: its saved tensors were already freed");
    std::vector<Tensor> in_grads = node->backward(g);
    for (std::size_t i = 0; i < node->inputs.size() && i < in_grads.size(); ++i) {
      const Tensor& input = node->inputs[i];
      const auto& im = input.autograd_meta();
      if (!im || !im->requires_grad || !in_grads[i].defined()) continue;
      if (in_grads[i].shape() != input.shape())
        in_grads[i] = in_grads[i].reshape(input.shape());
      if (im->grad_fn)
        accumulate(grads[im->grad_fn.get()], in_grads[i]);
      else
        on_leaf(im.get(), in_grads[i]);
    }
    if (release_graph) {
      node->backward = nullptr;  // frees the activations this op saved
      node->inputs.clear();
    }
  }
}

}  // namespace

void backward(const Tensor& output, const Tensor& grad_output) {
  run_backward(
      output, grad_output,
      [](AutogradMeta* m, const Tensor& g) {
        if (!m->grad) {
          m->grad = std::make_shared<Tensor>(g);
        } else {
          accumulate(*m->grad, g);
        }
      },
      [](Node*, const Tensor&) {}, /*release_graph=*/true);
}

std::vector<Tensor> gradients(const Tensor& output, const std::vector<Tensor>& wrt,
                              const Tensor& grad_output) {
  // Leaves collect what reaches them; for an intermediate tensor (Keras/TF: a watched
  // tensor computed inside the tape) the gradient of its op's output is captured when that
  // op runs, by which time every consumer has contributed.
  std::unordered_map<AutogradMeta*, Tensor> found;
  std::unordered_map<Node*, Tensor> at_node;
  for (const auto& x : wrt)
    if (x.autograd_meta() && x.autograd_meta()->grad_fn)
      at_node.emplace(x.autograd_meta()->grad_fn.get(), Tensor());
  run_backward(
      output, grad_output,
      [&](AutogradMeta* m, const Tensor& g) { accumulate(found[m], g); },
      [&](Node* n, const Tensor& g) {
        if (auto it = at_node.find(n); it != at_node.end()) it->second = g;
      },
      /*release_graph=*/false);
  std::vector<Tensor> out;
  out.reserve(wrt.size());
  for (const auto& x : wrt) {
    const auto& m = x.autograd_meta();
    if (m && m->grad_fn) {
      out.push_back(at_node[m->grad_fn.get()]);
    } else {
      auto it = m ? found.find(m.get()) : found.end();
      out.push_back(it == found.end() ? Tensor() : it->second);
    }
  }
  return out;
}

}  // namespace temper
