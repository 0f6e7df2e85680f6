// Random (version 4) UUIDs in canonical text form. Thread-safe (a generator per thread).
#pragma once

#include <string>

namespace sigflow {

std::string NewUuid();

}  // namespace sigflow
