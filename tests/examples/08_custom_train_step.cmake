# Lesson 8: a GAN written as a train_step override learns a 1-D Gaussian through fit().
add_test(NAME example_08_custom_train_step COMMAND example_08_custom_train_step)
set_tests_properties(example_08_custom_train_step PROPERTIES
  PASS_REGULAR_EXPRESSION "epoch  1  d_loss [0-9.]+  g_loss [0-9.]+.*The generator matches the real distribution\\."
  LABELS "example" TIMEOUT 120)
