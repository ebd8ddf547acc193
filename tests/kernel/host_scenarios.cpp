// The kernel scenarios on the host port, one GoogleTest case each, every one in a fresh kernel.
#include <gtest/gtest.h>

#include <string>

#include "scenario.hpp"
#include "ward/host/kernel.hpp"

namespace ward::scenario {
const bool real_stacks = false;

void report_failure(const char* file, int line, const char* expr) {
  ++failures();
  ADD_FAILURE_AT(file, line) << "check failed: " << expr;
}
void raise_interrupt(void (*handler)(void*), void* arg) { host::interrupt(handler, arg); }
void busy_for(Duration d) { host::advance_time(d); }
}  // namespace ward::scenario

namespace {
int selected = 0;

class KernelScenario : public testing::TestWithParam<int> {};

TEST_P(KernelScenario, Passes) {
  selected = GetParam();
  const int result = ward::host::run_kernel([] { return ward::scenario::run_one(ward::scenario::all[selected]); });
  EXPECT_NE(result, ward::host::kDeadlock) << "the scenario deadlocked";
  EXPECT_EQ(result, 0);
}

INSTANTIATE_TEST_SUITE_P(Kernel, KernelScenario, testing::Range(0, ward::scenario::count),
                         [](const testing::TestParamInfo<int>& param) {
                           return std::string{ward::scenario::all[param.param].name};
                         });

TEST(HostPort, DeadlockIsReported) {
  const int result = ward::host::run_kernel([] {
    static ward::BinarySemaphore never;
    return never.take().has_value() ? 0 : 1;
  });
  EXPECT_EQ(result, ward::host::kDeadlock);
}

}  // namespace
