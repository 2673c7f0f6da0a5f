# baseline_code.awk — reads `objdump -d -C --no-show-raw-insn libtemper.so` and fails if code
# outside the AVX2/AVX-512 kernel sets uses an instruction a baseline x86-64 CPU lacks.
#
# The kernel sets are compiled with -march=x86-64-v3/v4 into namespaces of their own; the rest
# of the library must run on any x86-64 CPU. The linker keeps one copy of each inline function
# or template instantiation that several objects emit, so if it kept the copy from an AVX2
# object, a baseline CPU would die with SIGILL in, say, std::vector code called by the engine.
# That is what this catches: VEX/EVEX instructions (all AVX and AVX-512 mnemonics start with
# 'v'), ymm/zmm/mask registers and BMI/MOVBE/LZCNT instructions in a function whose name is
# not in a kernel-set namespace (temper::cpu::avx2::, temper::cpu::avx512::, xsimd::avx...).
# popcnt/crc32/cmpxchg16b (x86-64-v2) count too. `tzcnt` is allowed: GCC emits `rep bsf` for
# generic x86-64 (the sse2 kernels have it), which objdump prints as tzcnt; leaked v3 code
# that used only tzcnt and nothing else above would pass, but no such function exists here.
# The check refuses to pass on input without the sse2 and avx2 kernels, so a wrong path or a
# failed objdump cannot look like a clean library.

/^[0-9a-f]+ <.*>:$/ {
  fn = $0
  sub(/^[0-9a-f]+ </, "", fn)
  sub(/>:$/, "", fn)
  # objdump leaves some long local names mangled: then the namespaces read 4avx2 / 6avx512.
  if (fn ~ /temper::cpu::sse2::/ || fn ~ /^_Z.*4sse2/) seen_sse2 = 1
  if (fn ~ /temper::cpu::avx2::/ || fn ~ /^_Z.*4avx2/) seen_avx2 = 1
  # xsimd's code for the SSE3..AVX-512 architectures comes from headers that a baseline
  # translation unit never includes (xsimd picks them by the -march macros), so only kernel-set
  # objects emit it — a Debug build keeps it out of line.
  allowed = (fn ~ /temper::cpu::(avx2|avx512|native)::/ ||
             fn ~ /xsimd::(sse3|ssse3|sse4_1|sse4_2|avx|fma)/ ||
             fn ~ /xsimd::kernel::detail::(split_avx|merge_sse|split_avx512|merge_avx)\(/ ||
             fn ~ /^_Z.*(4avx2|6avx512|6native)/)
  next
}

/^ +[0-9a-f]+:\t/ {
  if (allowed) next
  n = split($0, parts, "\t")
  insn = parts[n]
  split(insn, words, " ")
  m = words[1]
  bad = (m ~ /^v/ && m != "verr" && m != "verw") || insn ~ /%[yz]mm[0-9]/ || insn ~ /%k[0-7]/ ||
        m ~ /^(andn|bextr|blsi|blsmsk|blsr|bzhi|mulx|pdep|pext|rorx|sarx|shlx|shrx|lzcnt|movbe)$/ ||
        m ~ /^(popcnt|crc32|cmpxchg16b)/ ||
        m ~ /^k(mov|and|or|xor|not|shift|test|unpck|add)/
  if (bad) {
    if (!(fn in reported)) {
      reported[fn] = 1
      count++
      if (count <= 20) printf "baseline code uses '%s' in %s\n", insn, fn
    }
  }
}

END {
  if (!seen_sse2 || !seen_avx2) {
    print "FAILED: the disassembly holds no sse2 and avx2 kernels: not the portable libtemper.so?"
    exit 1
  }
  if (count > 0) {
    printf "FAILED: %d function(s) outside the kernel sets use instructions a baseline x86-64 CPU lacks\n", count
    exit 1
  }
  print "baseline code ok: no AVX/AVX-512/BMI instruction outside the kernel-set namespaces"
}
