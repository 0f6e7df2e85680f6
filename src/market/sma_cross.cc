#include "market/sma_cross.h"

namespace sigflow {

Cross DetectCross(double prev_fast, double prev_slow, double fast, double slow) {
  if (prev_fast <= prev_slow && fast > slow) return Cross::kAbove;
  if (prev_fast >= prev_slow && fast < slow) return Cross::kBelow;
  return Cross::kNone;
}

std::string_view CrossName(Cross cross) {
  switch (cross) {
    case Cross::kAbove:
      return "ABOVE";
    case Cross::kBelow:
      return "BELOW";
    case Cross::kNone:
      break;
  }
  return "NONE";
}

Cross SmaCross::Update(double close) {
  // The values before this bar become "previous" only when both were ready.
  if (ready()) {
    prev_short_ = short_.value();
    prev_long_ = long_.value();
  }
  const std::optional<double> s = short_.Update(close);
  const std::optional<double> l = long_.Update(close);
  if (!prev_short_ || !prev_long_ || !s || !l) return Cross::kNone;
  return DetectCross(*prev_short_, *prev_long_, *s, *l);
}

}  // namespace sigflow
