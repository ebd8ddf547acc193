// Ward's on-target test framework: test cases, assertions and fixtures that run inside firmware.
//
//   WARD_TEST(Suite, Name) { WARD_EXPECT_EQ(1 + 1, 2); }
//
//   struct Counter : ward::test::Fixture {
//     int n = 0;
//     void setup() override { n = 41; }
//   };
//   WARD_TEST_F(Counter, Increments) { ++n; WARD_ASSERT_EQ(n, 42); }
//
// Test cases register themselves statically (a linker section, no heap). The image's main runs them
// all, reports each over the board's report channel (semihosting on QEMU) in a gtest-like format,
// prints "N passed, M failed" and ends with ExitStatus::success or ExitStatus::test_failure.
// WARD_EXPECT_* records a failure and goes on; WARD_ASSERT_* records it and leaves the test body.
#pragma once
#include <span>
#include <string_view>

#include "ward/fmt.hpp"

namespace ward::test {

struct Case {
  const char* suite;
  const char* name;
  void (*run)();
};

// Base of fixtures: setup() runs before the body, teardown() after it (also after a failed ASSERT).
struct Fixture {
  virtual void setup() {}
  virtual void teardown() {}
  virtual ~Fixture() = default;
};

// Result of running every registered case.
struct Summary {
  int passed = 0;
  int failed = 0;
};

// Every registered case, in link order (not necessarily the order of definition).
std::span<const Case> cases();

// Runs every registered case whose "Suite.Name" contains `filter` (all when empty).
Summary run_all(std::string_view filter = {});

// The pieces of run_all, for images with their own list of cases: a header, one case at a time,
// and the closing summary line (the runner reads it). finish() returns main()'s exit status.
void begin(int total);
void run_case(const Case& c, Summary& summary);
int finish(const Summary& summary);

// Records a failure of the running case with a message built from `parts`.
void fail_begin(const char* file, int line);
void fail_end();
void report(std::string_view text);

template <class T>
void report_value(const T& value) {
  if constexpr (fmt::Formattable<T>) {
    fmt::write(&report, value);
  } else {
    report("<value>");
  }
}

template <class A, class B>
void fail_compare(const char* file, int line, const char* expr, const A& a, const B& b) {
  fail_begin(file, line);
  fmt::write(&report, "expected ", expr, "\n      lhs: ");
  report_value(a);
  report("\n      rhs: ");
  report_value(b);
  fail_end();
}

void fail_condition(const char* file, int line, const char* expr, bool expected);

}  // namespace ward::test

#define WARD_TEST_CASE_NAME_(suite, name) ward_test_##suite##_##name

#define WARD_TEST_REGISTER_(suite, name, fn)                                               \
  [[gnu::used, gnu::section("ward_tests")]] constinit const ::ward::test::Case          \
      WARD_TEST_CASE_NAME_(suite, name##_case){#suite, #name, &(fn)}

#define WARD_TEST(suite, name)                                           \
  static void WARD_TEST_CASE_NAME_(suite, name)();                       \
  WARD_TEST_REGISTER_(suite, name, WARD_TEST_CASE_NAME_(suite, name));   \
  static void WARD_TEST_CASE_NAME_(suite, name)()

#define WARD_TEST_F(fixture, name)                                          \
  namespace {                                                               \
  /* NOLINTNEXTLINE(bugprone-macro-parentheses): a base class cannot be parenthesized */ \
  struct fixture##_##name##_Test final : fixture {                          \
    void body();                                                            \
  };                                                                        \
  }                                                                         \
  static void WARD_TEST_CASE_NAME_(fixture, name)() {                       \
    fixture##_##name##_Test t;                                              \
    t.setup();                                                              \
    t.body();                                                               \
    t.teardown();                                                           \
  }                                                                         \
  WARD_TEST_REGISTER_(fixture, name, WARD_TEST_CASE_NAME_(fixture, name));  \
  void fixture##_##name##_Test::body()

// The comparison is evaluated once; operands are printed on failure when they are formattable.
#define WARD_CHECK_CMP_(a, op, b, on_fail)                                                        \
  do {                                                                                           \
    const auto& ward_a_ = (a);                                                                   \
    const auto& ward_b_ = (b);                                                                   \
    if (!(ward_a_ op ward_b_)) {                                                                 \
      ::ward::test::fail_compare(__FILE__, __LINE__, #a " " #op " " #b, ward_a_, ward_b_);       \
      on_fail;                                                                                   \
    }                                                                                            \
  } while (false)

#define WARD_CHECK_BOOL_(cond, expected, on_fail)                                \
  do {                                                                          \
    if (static_cast<bool>(cond) != (expected)) {                                \
      ::ward::test::fail_condition(__FILE__, __LINE__, #cond, (expected));      \
      on_fail;                                                                  \
    }                                                                           \
  } while (false)

#define WARD_EXPECT_TRUE(c) WARD_CHECK_BOOL_(c, true, (void)0)
#define WARD_EXPECT_FALSE(c) WARD_CHECK_BOOL_(c, false, (void)0)
#define WARD_EXPECT_EQ(a, b) WARD_CHECK_CMP_(a, ==, b, (void)0)
#define WARD_EXPECT_NE(a, b) WARD_CHECK_CMP_(a, !=, b, (void)0)
#define WARD_EXPECT_LT(a, b) WARD_CHECK_CMP_(a, <, b, (void)0)
#define WARD_EXPECT_LE(a, b) WARD_CHECK_CMP_(a, <=, b, (void)0)
#define WARD_EXPECT_GT(a, b) WARD_CHECK_CMP_(a, >, b, (void)0)
#define WARD_EXPECT_GE(a, b) WARD_CHECK_CMP_(a, >=, b, (void)0)

#define WARD_ASSERT_TRUE(c) WARD_CHECK_BOOL_(c, true, return)
#define WARD_ASSERT_FALSE(c) WARD_CHECK_BOOL_(c, false, return)
#define WARD_ASSERT_EQ(a, b) WARD_CHECK_CMP_(a, ==, b, return)
#define WARD_ASSERT_NE(a, b) WARD_CHECK_CMP_(a, !=, b, return)
#define WARD_ASSERT_LT(a, b) WARD_CHECK_CMP_(a, <, b, return)
#define WARD_ASSERT_LE(a, b) WARD_CHECK_CMP_(a, <=, b, return)
#define WARD_ASSERT_GT(a, b) WARD_CHECK_CMP_(a, >, b, return)
#define WARD_ASSERT_GE(a, b) WARD_CHECK_CMP_(a, >=, b, return)
