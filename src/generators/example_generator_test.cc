// The README's "Adding a generator" example: it compiles, one registration line makes it
// available by name, it fires on the bar where it should, and the README quotes it verbatim.
#include "generators/example_generator.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/time_format.h"
#include "generators/generator_registry.h"

namespace sigflow {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ExampleGeneratorTest, OneRegistrationLineMakesItAvailable) {
  GeneratorRegistry registry;
  RegisterBuiltinGenerators(&registry);
  registry.Register("close_above_ema", CloseAboveEmaGenerator::Create);  // the one line
  auto created = registry.Create("close_above_ema", {{"ema", 3}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto* gen = dynamic_cast<BarDrivenGenerator*>(created->get());
  ASSERT_NE(gen, nullptr);

  // EMA(3) of 10, 10, 10 is 10 at bar 2; bars 3 and 4 fall below it; bar 5 closes back above.
  const std::vector<double> closes = {10, 10, 10, 9, 8, 11, 12};
  std::vector<Signal> out;
  std::vector<int> fired_on;
  for (size_t i = 0; i < closes.size(); ++i) {
    const size_t before = out.size();
    const Bar bar =
        CloseOnlyBar("TEST", 1'577'923'200'000 + static_cast<int64_t>(i) * kDayMs, closes[i]);
    ASSERT_TRUE(gen->OnBar(bar, &out).ok());
    if (out.size() > before) fired_on.push_back(static_cast<int>(i));
  }
  EXPECT_EQ(fired_on, std::vector<int>({5}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].source, "close_above_ema_generator");
  EXPECT_EQ(out[0].tickers[0].bias, Bias::kBullish);
  // EMA after bar 4: 10 -> 9.5 -> 8.75; bar 5: (11 - 8.75) / 2 + 8.75 = 9.875.
  EXPECT_EQ(nlohmann::json::parse(out[0].metadata_json)["ema"], 9.875);

  EXPECT_EQ(registry.Create("close_above_ema", {{"emma", 3}}).status().code(), "invalid_argument");
}

TEST(ExampleGeneratorTest, TheReadmeQuotesTheCompiledExample) {
  const std::string header = ReadFile(std::string(SIGFLOW_SOURCE_DIR) + "/example_generator.h");
  const std::string readme = ReadFile(std::string(SIGFLOW_SOURCE_DIR) + "/README.md");
  const size_t begin = header.find("// [example]\n");
  const size_t end = header.find("// [/example]");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  const std::string code = header.substr(begin + 13, end - begin - 13);
  EXPECT_NE(readme.find(code), std::string::npos)
      << "src/generators/README.md no longer quotes example_generator.h; paste it again";
  EXPECT_NE(readme.find("registry->Register(\"close_above_ema\", CloseAboveEmaGenerator::Create);"),
            std::string::npos);
}

}  // namespace
}  // namespace sigflow
