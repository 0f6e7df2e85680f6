// libFuzzer target: every input is a payload for SignalPathChecker (core/signal_path_checker.h),
// and any broken promise between the decoder's two paths aborts with the payload and the diff.
// Built only with -DSIGFLOW_FUZZ=ON and clang (see src/core/CMakeLists.txt), e.g.
//   cmake -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
//         -DSIGFLOW_FUZZ=ON -DSIGFLOW_TESTS=OFF
//   cmake --build build/fuzz --target signal_decode_fuzz
//   build/fuzz/src/core/signal_decode_fuzz -max_len=4096 -dict=src/core/signal_decode_fuzz.dict
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/signal_path_checker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sigflow::internal::SignalPathChecker checker;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const sigflow::internal::PathVerdict v = checker.Check(raw);
  if (!v.violation.empty()) {
    std::fprintf(stderr, "payload: %s\n%s", sigflow::internal::Printable(raw, 4096).c_str(),
                 v.violation.c_str());
    std::abort();
  }
  return 0;
}
