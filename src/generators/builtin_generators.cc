// The one place that lists sigflow's generators: adding a generator is one line here.
#include "generators/generator_registry.h"
#include "generators/mock_generator.h"

namespace sigflow {

void RegisterBuiltinGenerators(GeneratorRegistry* registry) {
  registry->Register("mock", MockSignalGenerator::Create);
}

}  // namespace sigflow
