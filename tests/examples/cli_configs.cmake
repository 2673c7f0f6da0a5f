# The example configs in examples/configs/ run end to end through the `temper` CLI with one
# short epoch (and a subset of Fashion-MNIST), and their run directories are checked
# (tests/cli/run_example.cmake). Iris and diabetes read scikit-learn's bundled CSV files at the
# paths the configs name, as a user's run does: scripts/install-deps.sh installs python3-sklearn,
# and without it these tests fail with temper's own "cannot open" message instead of quietly
# using other files.
if(TARGET temper_app OR TEMPER_BUILD_APPS)
  set(_cfg ${PROJECT_SOURCE_DIR}/examples/configs)
  set(_out ${CMAKE_CURRENT_BINARY_DIR}/cli_runs)
  set(_run ${PROJECT_SOURCE_DIR}/tests/cli/run_example.cmake)
  add_test(NAME cli_example_iris
    COMMAND ${CMAKE_COMMAND} -DTEMPER=$<TARGET_FILE:temper_app> -DCONFIG=${_cfg}/iris.yaml -DOUT=${_out}/iris
            -DEXPECT_METRIC=accuracy -P ${_run})
  add_test(NAME cli_example_diabetes_regression
    COMMAND ${CMAKE_COMMAND} -DTEMPER=$<TARGET_FILE:temper_app> -DCONFIG=${_cfg}/diabetes_regression.yaml
            -DOUT=${_out}/diabetes
            -DEXPECT_METRIC=mae -DEXTRA_FILES=model.weights.h5 -P ${_run})
  add_test(NAME cli_example_fashion_mnist_mlp
    COMMAND ${CMAKE_COMMAND} -DTEMPER=$<TARGET_FILE:temper_app> -DCONFIG=${_cfg}/fashion_mnist_mlp.yaml
            -DOUT=${_out}/fashion_mnist_mlp "-DSETS=data.limit=3000|data.test_limit=1000"
            -DEXPECT_METRIC=accuracy -DEXTRA_FILES=model.h5 -P ${_run})
  add_test(NAME cli_example_fashion_mnist_cnn
    COMMAND ${CMAKE_COMMAND} -DTEMPER=$<TARGET_FILE:temper_app> -DCONFIG=${_cfg}/fashion_mnist_cnn.yaml
            -DOUT=${_out}/fashion_mnist_cnn "-DSETS=data.limit=1000|data.test_limit=500"
            -DEXPECT_METRIC=accuracy -DEXTRA_FILES=checkpoints/epoch_01.weights.h5 -P ${_run})
  set_tests_properties(cli_example_iris cli_example_diabetes_regression cli_example_fashion_mnist_mlp
                       cli_example_fashion_mnist_cnn PROPERTIES LABELS "example;cli" TIMEOUT 300)
endif()
