# Warning flags for Temper's own targets. Third-party headers come from imported targets and
# are therefore SYSTEM includes, so -Wpedantic does not trip on them.
function(temper_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(TEMPER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
