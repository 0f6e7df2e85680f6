#include "core/time_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace sigflow {
namespace {

constexpr int64_t kMaxYear9999Ms = 253402300799999;  // 9999-12-31T23:59:59.999Z

TEST(FormatIso8601Test, Epoch) { EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00Z"); }

TEST(FormatIso8601Test, SeedTimestamp) {
  EXPECT_EQ(FormatIso8601(1733875200000), "2024-12-11T00:00:00Z");
  EXPECT_EQ(FormatIso8601(1764930600000), "2025-12-05T10:30:00Z");
}

TEST(FormatIso8601Test, MillisecondsOnlyWhenPresent) {
  EXPECT_EQ(FormatIso8601(1733875200250), "2024-12-11T00:00:00.250Z");
  EXPECT_EQ(FormatIso8601(1733875200001), "2024-12-11T00:00:00.001Z");
  EXPECT_EQ(FormatIso8601(1733875200999), "2024-12-11T00:00:00.999Z");
}

TEST(FormatIso8601Test, Before1970) {
  EXPECT_EQ(FormatIso8601(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatIso8601(-1000), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatIso8601(-kDayMs), "1969-12-31T00:00:00Z");
  EXPECT_EQ(FormatIso8601(-kDayMs - 1), "1969-12-30T23:59:59.999Z");
  EXPECT_EQ(FormatIso8601(-62135596800000), "0001-01-01T00:00:00Z");
}

TEST(FormatIso8601Test, LeapDays) {
  EXPECT_EQ(FormatIso8601(951782400000), "2000-02-29T00:00:00Z");  // divisible by 400: leap
  EXPECT_EQ(FormatIso8601(951782400000 + kDayMs), "2000-03-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601(1709164800000), "2024-02-29T00:00:00Z");
  EXPECT_EQ(FormatIso8601(-2203891200000), "1900-03-01T00:00:00Z");  // 1900: not leap
  EXPECT_EQ(FormatIso8601(-2203891200000 - kDayMs), "1900-02-28T00:00:00Z");
}

TEST(FormatIso8601Test, Year9999) {
  EXPECT_EQ(FormatIso8601(kMaxYear9999Ms), "9999-12-31T23:59:59.999Z");
}

TEST(ParseIso8601Test, SeedForms) {
  EXPECT_EQ(ParseIso8601("2025-12-05T10:30:00Z"), 1764930600000);
  EXPECT_EQ(ParseIso8601("2025-12-09T15:30:00Z"), 1765294200000);
}

TEST(ParseIso8601Test, DateOnlyIsMidnightUtc) {
  EXPECT_EQ(ParseIso8601("1970-01-01"), 0);
  EXPECT_EQ(ParseIso8601("2024-12-11"), 1733875200000);
}

TEST(ParseIso8601Test, NoOffsetMeansUtc) {
  EXPECT_EQ(ParseIso8601("2024-12-11T00:00:00"), 1733875200000);
  EXPECT_EQ(ParseIso8601("2024-12-11T00:00"), 1733875200000);  // seconds are optional
}

TEST(ParseIso8601Test, SeparatorsAndCase) {
  EXPECT_EQ(ParseIso8601("2024-12-11 00:00:00Z"), 1733875200000);
  EXPECT_EQ(ParseIso8601("2024-12-11t00:00:00z"), 1733875200000);
}

TEST(ParseIso8601Test, Offsets) {
  const int64_t utc = *ParseIso8601("2025-12-05T08:30:00Z");
  EXPECT_EQ(ParseIso8601("2025-12-05T10:30:00+02:00"), utc);
  EXPECT_EQ(ParseIso8601("2025-12-05T03:00:00-05:30"), utc);
  EXPECT_EQ(ParseIso8601("2025-12-05T08:30:00+00:00"), utc);
  EXPECT_EQ(ParseIso8601("2025-12-05T08:30:00-00:00"), utc);
  // An offset may move the instant across a day boundary.
  EXPECT_EQ(ParseIso8601("2025-12-06T01:00:00+23:59"), *ParseIso8601("2025-12-05T01:01:00Z"));
  EXPECT_EQ(ParseIso8601("1970-01-01T00:00:00+01:00"), -3600000);
}

TEST(ParseIso8601Test, FractionalSecondsKeepMilliseconds) {
  const int64_t base = 1733875200000;
  EXPECT_EQ(ParseIso8601("2024-12-11T00:00:00.5Z"), base + 500);
  EXPECT_EQ(ParseIso8601("2024-12-11T00:00:00.25Z"), base + 250);
  EXPECT_EQ(ParseIso8601("2024-12-11T00:00:00.123Z"), base + 123);
  EXPECT_EQ(ParseIso8601("2024-12-11T00:00:00.123999Z"), base + 123);  // truncated, not rounded
  EXPECT_EQ(ParseIso8601("2024-12-11T00:00:00.000000001+00:00"), base);
}

TEST(ParseIso8601Test, LeapYears) {
  EXPECT_TRUE(ParseIso8601("2024-02-29").has_value());
  EXPECT_TRUE(ParseIso8601("2000-02-29").has_value());
  EXPECT_TRUE(ParseIso8601("1600-02-29").has_value());
  EXPECT_FALSE(ParseIso8601("2023-02-29").has_value());
  EXPECT_FALSE(ParseIso8601("1900-02-29").has_value());
  EXPECT_FALSE(ParseIso8601("2100-02-29").has_value());
  EXPECT_FALSE(ParseIso8601("2024-02-30").has_value());
  EXPECT_EQ(*ParseIso8601("2024-03-01") - *ParseIso8601("2024-02-28"), 2 * kDayMs);
  EXPECT_EQ(*ParseIso8601("2023-03-01") - *ParseIso8601("2023-02-28"), kDayMs);
}

TEST(ParseIso8601Test, Before1970) {
  EXPECT_EQ(ParseIso8601("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(ParseIso8601("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(ParseIso8601("0001-01-01T00:00:00Z"), -62135596800000);
}

TEST(ParseIso8601Test, LeapSecondFoldsIntoNextSecond) {
  EXPECT_EQ(ParseIso8601("2016-12-31T23:59:60Z"), ParseIso8601("2017-01-01T00:00:00Z"));
}

TEST(ParseIso8601Test, MonthLengths) {
  EXPECT_TRUE(ParseIso8601("2025-01-31").has_value());
  EXPECT_FALSE(ParseIso8601("2025-04-31").has_value());
  EXPECT_TRUE(ParseIso8601("2025-12-31").has_value());
  EXPECT_FALSE(ParseIso8601("2025-06-31").has_value());
}

TEST(ParseIso8601Test, RejectsInvalidInput) {
  for (const char* text : {
           "",
           "2025",
           "2025-12",
           "2025-1-05",
           "2025/12/05",
           "25-12-05",
           "2025-13-01",
           "2025-00-10",
           "2025-12-00",
           "2025-12-32",
           "2025-12-05x",
           "2025-12-05T",
           "2025-12-05T10",
           "2025-12-05T10:",
           "2025-12-05T10:3",
           "2025-12-05T1:30:00Z",
           "2025-12-05T24:00:00Z",
           "2025-12-05T10:60:00Z",
           "2025-12-05T10:30:61Z",
           "2025-12-05T10:30:",
           "2025-12-05T10:30:00.Z",
           "2025-12-05T10:30:00,5Z",
           "2025-12-05T10:30:00ZZ",
           "2025-12-05T10:30:00 Z",
           "2025-12-05T10:30:00+0200",
           "2025-12-05T10:30:00+02",
           "2025-12-05T10:30:00+24:00",
           "2025-12-05T10:30:00+02:60",
           "2025-12-05T10:30:00+02:00Z",
           "2025-12-05T10:30:00Z ",
           " 2025-12-05T10:30:00Z",
           "+2025-12-05",
           "-2025-12-05",
           "1733875200",
           "NaN",
           "yesterday",
           "2025-12-05T10:30:00Q",
           "2025-12-05T10:-1:00Z",
       }) {
    EXPECT_FALSE(ParseIso8601(text).has_value()) << '"' << text << '"';
  }
}

TEST(ParseIso8601Test, EmbeddedNulIsRejected) {
  EXPECT_FALSE(ParseIso8601(std::string_view("2025-12-05\0T10:30:00Z", 21)).has_value());
}

TEST(Iso8601RoundTripTest, FormatThenParseIsIdentity) {
  // A spread of instants from year 1 to year 9999, with and without milliseconds.
  const int64_t lo = -62135596800000;  // 0001-01-01
  const int64_t step = 7919LL * 360 * 1000 + 12345;
  int checked = 0;
  for (int64_t ms = lo; ms <= kMaxYear9999Ms; ms += step) {
    std::string text = FormatIso8601(ms);
    std::optional<int64_t> back = ParseIso8601(text);
    ASSERT_TRUE(back.has_value()) << text;
    ASSERT_EQ(*back, ms) << text;
    ++checked;
  }
  EXPECT_GT(checked, 100000);
  for (int64_t ms : {int64_t{0}, int64_t{-1}, int64_t{1}, kMaxYear9999Ms, int64_t{951782400000},
                     int64_t{1733875200123}}) {
    EXPECT_EQ(ParseIso8601(FormatIso8601(ms)), ms) << ms;
  }
}

TEST(Iso8601RoundTripTest, ParseThenFormatIsCanonical) {
  EXPECT_EQ(FormatIso8601(*ParseIso8601("2025-12-05T12:30:00+02:00")), "2025-12-05T10:30:00Z");
  EXPECT_EQ(FormatIso8601(*ParseIso8601("2025-12-05 10:30")), "2025-12-05T10:30:00Z");
  EXPECT_EQ(FormatIso8601(*ParseIso8601("2025-12-05T10:30:00.1z")), "2025-12-05T10:30:00.100Z");
}

}  // namespace
}  // namespace sigflow
