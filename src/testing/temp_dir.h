// For tests: TempDir, a directory that belongs to one test and lives exactly as long as the
// TempDir object. The constructor creates a new, empty directory (mkdtemp, so its name is unique
// even across parallel ctest processes) under std::filesystem::temp_directory_path(), that is
// $TMPDIR or /tmp; it throws (std::filesystem::filesystem_error, std::system_error) if it
// cannot. The destructor removes the directory and everything in it; it never throws, and a
// directory it cannot remove is left behind. Declare the TempDir before anything that keeps
// files open in it (stores, bus producers and consumers), so that those close first. Not
// copyable; const once constructed, so any thread may read it. Header only, standard library
// only: any test may include it, no production code should.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace sigflow::testing {

class TempDir {
 public:
  // `prefix` starts the directory's name, so that a directory left behind (the test process was
  // killed) names the test that made it.
  explicit TempDir(std::string_view prefix = "sigflow-test-") {
    std::string pattern = (std::filesystem::temp_directory_path() / prefix).string() + "XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      // Every test that asks for a directory goes on to write in it: it cannot run without one.
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() {
    // The error_code overload: destructors are noexcept, so a throw here would terminate the
    // whole test binary, and a leftover directory is not worth that.
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  // Two owners would remove the directory twice, the second time under the other's feet.
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The path of `name` inside the directory (which need not exist yet).
  std::string File(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace sigflow::testing
