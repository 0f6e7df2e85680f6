// Test helpers shared by the trigger module's tests: numbered names, a well-formed signal, and a
// store whose Wake fails on demand (a database outage). Tests only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "store/forwarding_store.h"

namespace sigflow::testing_util {

// "prefix" + std::to_string(n), spelled so that GCC 12 does not warn (-Wrestrict, a false
// positive on operator+ with a literal).
inline std::string NumberedName(std::string_view prefix, size_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

// One signal naming one ticker, in the seeds' wire format.
inline std::string SignalJson(const std::string& id, const std::string& ticker) {
  return R"({"signal_id":")" + id + R"(","timestamp":1733875200,"signal_type":"mock",)" +
         R"("source":"test","tickers":[{"ticker":")" + ticker +
         R"(","signal":"BULLISH","confidence":80}],"metadata":{}})";
}

// A store whose Wake fails with `unavailable` while `down` is set.
class FlakyStore final : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Result<WakeResult> Wake(const WakeBatch& batch) override {
    if (down) return Status::Unavailable("injected: database unreachable");
    return ForwardingStore::Wake(batch);
  }
  bool down = false;
};

}  // namespace sigflow::testing_util
