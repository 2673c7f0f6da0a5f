# Lesson 7: a custom layer, loss and metric train with autodiff and round-trip through JSON.
add_test(NAME example_07_custom_layers COMMAND example_07_custom_layers)
set_tests_properties(example_07_custom_layers PROPERTIES
  PASS_REGULAR_EXPRESSION "max difference 0\n" LABELS "example" TIMEOUT 120)
