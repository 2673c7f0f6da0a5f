# Lesson 1 must reach Keras-level accuracy (the PyTorch reference reaches 87.4% with the same recipe).
add_test(NAME example_01_fashion_mnist_mlp_accuracy COMMAND example_01_fashion_mnist_mlp)
set_tests_properties(example_01_fashion_mnist_mlp_accuracy PROPERTIES
  PASS_REGULAR_EXPRESSION "Test accuracy: 0\\.(86[5-9]|8[7-9][0-9]|9[0-9][0-9])"
  LABELS "example" TIMEOUT 300)
