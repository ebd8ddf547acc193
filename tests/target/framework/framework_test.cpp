// The test framework, exercised on the target. (That a failing assertion fails a run is shown by
// the runner's own tests in tests/runner.)
#include <cstdint>
#include <string_view>

#include "ward/test.hpp"

namespace {
int setups = 0;
int teardowns = 0;

struct Counting : ward::test::Fixture {
  int value = 0;
  void setup() override {
    ++setups;
    value = 41;
  }
  void teardown() override { ++teardowns; }
};
}  // namespace

WARD_TEST(Framework, ComparisonsHold) {
  WARD_EXPECT_EQ(6 * 7, 42);
  WARD_EXPECT_NE(1, 2);
  WARD_EXPECT_LT(1, 2);
  WARD_EXPECT_LE(2, 2);
  WARD_EXPECT_GT(3, 2);
  WARD_EXPECT_GE(3, 3);
  WARD_EXPECT_TRUE(std::string_view{"ward"}.size() == 4);
  WARD_EXPECT_FALSE(false);
}

WARD_TEST(Framework, OperandsAreEvaluatedOnce) {
  int calls = 0;
  auto next = [&calls] { return ++calls; };
  WARD_EXPECT_EQ(next(), 1);
  WARD_EXPECT_EQ(calls, 1);
}

WARD_TEST_F(Counting, SetupRunsBeforeTheBody) {
  WARD_EXPECT_EQ(value, 41);
  WARD_EXPECT_EQ(setups, teardowns + 1);
}

WARD_TEST_F(Counting, EachCaseGetsAFreshFixture) {
  WARD_EXPECT_EQ(value, 41);
  ++value;
  WARD_EXPECT_EQ(value, 42);
}

WARD_TEST(Framework, FixtureCaseRunsSetupBodyAndTeardown) {
  // Case order is the link order, so run a fixture case directly instead of relying on it.
  const ward::test::Case* fixture_case = nullptr;
  for (const auto& c : ward::test::cases()) {
    if (std::string_view{c.suite} == "Counting" && std::string_view{c.name} == "EachCaseGetsAFreshFixture") {
      fixture_case = &c;
    }
  }
  WARD_ASSERT_TRUE(fixture_case != nullptr);
  const int setups_before = setups, teardowns_before = teardowns;
  fixture_case->run();
  WARD_EXPECT_EQ(setups, setups_before + 1);
  WARD_EXPECT_EQ(teardowns, teardowns_before + 1);
}

WARD_TEST(Framework, RegistryHoldsEveryCaseOfThisImage) {
  WARD_EXPECT_EQ(ward::test::cases().size(), 7u);
}

WARD_TEST(Framework, FpuWorksInThreadMode) {
  // Reset enables CP10/CP11; a hard-float image would fault here otherwise.
  volatile float a = 1.5f;
  volatile float b = 2.25f;
  WARD_EXPECT_EQ(static_cast<int>(a * b * 4.0f), 13);
}
