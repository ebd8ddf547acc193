// ward::base::Result (ward/result.hpp): one template over every domain's error enum, with fail()
// and WARD_TRY. Also checks, at compile time, that each domain's Result is that template over its
// own error type, so no domain grows its own copy again.
#include "ward/result.hpp"

#include <gtest/gtest.h>

#include <type_traits>

#include "ward/boot/engine.hpp"
#include "ward/flash/flash.hpp"
#include "ward/image/format.hpp"
#include "ward/kernel/error.hpp"

namespace {
using namespace ward;

enum class Fruit : std::uint8_t { apple = 1, pear };
enum class Stone : std::uint8_t { granite = 1 };

static_assert(std::is_same_v<ward::Result<int>, base::Result<int, ward::Error>>);
static_assert(std::is_same_v<ward::Status, base::Result<void, ward::Error>>);
static_assert(std::is_same_v<flash::Result<int>, base::Result<int, flash::Error>>);
static_assert(std::is_same_v<flash::Status, base::Result<void, flash::Error>>);
static_assert(std::is_same_v<image::Result<int>, base::Result<int, image::Error>>);
static_assert(std::is_same_v<image::Status, base::Result<void, image::Error>>);
static_assert(std::is_same_v<boot::Result<int>, base::Result<int, boot::Error>>);
// Errors of different domains do not mix: a flash failure is not an image result.
static_assert(!std::is_convertible_v<std::unexpected<flash::Error>, image::Status>);
static_assert(!std::is_convertible_v<std::unexpected<Stone>, base::Result<int, Fruit>>);
static_assert(std::is_convertible_v<std::unexpected<Fruit>, base::Result<int, Fruit>>);

base::Result<int, Fruit> pick(bool ok) {
  if (!ok) {
    return base::fail(Fruit::pear);
  }
  return 7;
}

TEST(Result, HoldsAValueOrTheError) {
  auto good = pick(true);
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 7);
  auto bad = pick(false);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), Fruit::pear);
}

TEST(Result, FailMakesTheUnexpectedOfItsEnum) {
  constexpr auto f = base::fail(Fruit::apple);
  static_assert(std::is_same_v<decltype(f), const std::unexpected<Fruit>>);
  EXPECT_EQ(f.error(), Fruit::apple);
  // The domains' own spelling reaches the same function.
  const flash::Status s = flash::fail(flash::Error::not_erased);
  EXPECT_EQ(s.error(), flash::Error::not_erased);
  const ward::Status k = fail(ward::Error::timeout);
  EXPECT_EQ(k.error(), ward::Error::timeout);
}

int steps_run = 0;
base::Result<void, Fruit> step(bool ok) {
  ++steps_run;
  return ok ? base::Result<void, Fruit>{} : base::fail(Fruit::apple);
}
base::Result<int, Fruit> three_steps(bool first, bool second, bool third) {
  WARD_TRY(step(first));
  WARD_TRY(step(second));
  WARD_TRY(step(third));
  return 3;
}

TEST(Result, TryStopsAtTheFirstFailureAndPassesItsErrorOn) {
  steps_run = 0;
  auto all = three_steps(true, true, true);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, 3);
  EXPECT_EQ(steps_run, 3);

  steps_run = 0;
  auto second = three_steps(true, false, true);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), Fruit::apple);
  EXPECT_EQ(steps_run, 2);  // the third step never ran
}

TEST(Result, TryEvaluatesItsExpressionOnce) {
  int calls = 0;
  auto once = [&]() -> base::Result<int, Fruit> {
    auto counted = [&]() -> base::Result<void, Fruit> {
      ++calls;
      return {};
    };
    WARD_TRY(counted());
    return calls;
  };
  EXPECT_EQ(once().value(), 1);
}

// A Status is one word (returned in a register): success is 0, every failure is not, and the
// word carries the error back exactly -- also an enumerator whose value is 0, and across
// domains' errors of 16 bits.
enum class Wide : std::int16_t { zero = 0, negative = -2, big = 0x7FFF };
static_assert(sizeof(base::Result<void, Fruit>) == 4);
static_assert(std::is_trivially_copyable_v<ward::Status>);

TEST(Result, VoidIsOneWordThatKeepsEveryError) {
  EXPECT_EQ((base::Result<void, Wide>{}.raw()), 0u);
  for (Wide e : {Wide::zero, Wide::negative, Wide::big}) {
    const base::Result<void, Wide> r = base::fail(e);
    ASSERT_FALSE(r);
    EXPECT_NE(r.raw(), 0u);
    EXPECT_EQ(r.error(), e);
    const auto back = base::Result<void, Wide>::from_raw(r.raw());
    ASSERT_FALSE(back.has_value());
    EXPECT_EQ(back.error(), e);
    const std::expected<void, Wide> as_std = r;
    EXPECT_EQ(as_std.error(), e);
  }
  const ward::Status ok{};
  EXPECT_TRUE(ok);
  EXPECT_TRUE(ward::Status::from_raw(ok.raw()));
  EXPECT_NE(ok, ward::Status{base::fail(ward::Error::timeout)});
}

}  // namespace
