// The one place that lists sigflow's generators: adding a generator is one line here.
#include "generators/generator_registry.h"
#include "generators/mock_generator.h"
#include "generators/price_level_generator.h"
#include "generators/sma_cross_generator.h"
#include "generators/volatility_breakout_generator.h"

namespace sigflow {

void RegisterBuiltinGenerators(GeneratorRegistry* registry) {
  registry->Register("mock", MockSignalGenerator::Create);
  registry->Register("golden_cross", GoldenCrossGenerator::Create);
  registry->Register("death_cross", DeathCrossGenerator::Create);
  registry->Register("volatility_breakout", VolatilityBreakoutGenerator::Create);
  registry->Register("price_level", PriceLevelGenerator::Create);
}

}  // namespace sigflow
