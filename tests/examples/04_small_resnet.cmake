# Lesson 4 (residual network with BatchNormalization) on a 12,800-image subset for 2 epochs:
# both training and inference-mode (moving statistics) accuracy must be reached.
add_test(NAME example_04_small_resnet COMMAND example_04_small_resnet "" 2 12800)
set_tests_properties(example_04_small_resnet PROPERTIES
  PASS_REGULAR_EXPRESSION "Test accuracy: 0\\.(7[89]|[89][0-9])" LABELS "example" TIMEOUT 400)
