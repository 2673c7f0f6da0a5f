# Lesson 5 trains a two-input, two-output model with a shared layer; both heads must learn.
add_test(NAME example_05_functional_multi_io COMMAND example_05_functional_multi_io "" 2)
set_tests_properties(example_05_functional_multi_io PROPERTIES
  PASS_REGULAR_EXPRESSION "Test accuracy \\(clothing\\): 0\\.(8[3-9]|9)[0-9]*\nTest accuracy \\(footwear\\): 0\\.9[89]"
  LABELS "example" TIMEOUT 300)
