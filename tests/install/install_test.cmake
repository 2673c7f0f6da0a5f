# Installs the build tree into a scratch prefix, then configures, builds and runs a separate
# consumer project that finds Temper with find_package(temper).
# Invoked as: cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P install_test.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()

# The installed command line runs from the prefix alone (relative RPATH), with nothing on
# LD_LIBRARY_PATH. This runs before the consumer, whose line is what the test matches.
if(EXPECT_APP AND NOT EXISTS "${WORK_DIR}/prefix/bin/temper")
  message(FATAL_ERROR "cmake --install did not install bin/temper")
endif()
if(EXPECT_APP)
  foreach(args "--help" "info")
    separate_arguments(argv UNIX_COMMAND "${args}")
    execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH
                            "${WORK_DIR}/prefix/bin/temper" ${argv}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(rc)
      message(FATAL_ERROR "installed temper ${args} failed (${rc}):\n${out}\n${err}")
    endif()
  endforeach()
  if(NOT out MATCHES "cpu kernel sets: ")
    message(FATAL_ERROR "installed `temper info` did not list the CPU kernel sets:\n${out}")
  endif()
  message("installed temper runs: ${WORK_DIR}/prefix/bin/temper")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/install/consumer" -B "${WORK_DIR}/build"
                        -G Ninja -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "configuring the consumer failed:\n${out}\n${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${WORK_DIR}/build" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "building the consumer failed:\n${out}\n${err}")
endif()
execute_process(COMMAND "${WORK_DIR}/build/consumer" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(rc)
  message(FATAL_ERROR "the consumer failed (${rc})")
endif()
