# Lesson 6 must run to the end: crash, resume from the backup, reload the best checkpoint.
add_test(NAME example_06_callbacks_and_checkpoints
  COMMAND example_06_callbacks_and_checkpoints ${CMAKE_CURRENT_BINARY_DIR}/example_06_output)
set_tests_properties(example_06_callbacks_and_checkpoints PROPERTIES
  PASS_REGULAR_EXPRESSION "Resumed at epoch 4;.*Best checkpoint .*test accuracy 0\\.[0-9]+"
  LABELS "example" TIMEOUT 120)
