// Text as PostgreSQL accepts it. Private to store/postgres/. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sigflow::store_postgres {

// PostgreSQL text must be valid UTF-8 without NUL bytes, and JSONB cannot hold a "\u0000" escape.
// Returns `s` when it is acceptable, else a copy in *scratch with each invalid byte or NUL
// replaced by U+FFFD and (when `json`) each "\u0000" escape by "\ufffd".
std::string_view SafeText(std::string_view s, bool json, std::string* scratch);

}  // namespace sigflow::store_postgres
