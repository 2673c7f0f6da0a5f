# Lesson 2 must run to the end.
add_test(NAME example_02_regression_csv COMMAND example_02_regression_csv)
set_tests_properties(example_02_regression_csv PROPERTIES
  PASS_REGULAR_EXPRESSION "Test mean absolute error: [0-9]" LABELS "example" TIMEOUT 120)
