// ward/command_line.hpp: numbers from an image's command line.
#include <gtest/gtest.h>

#include "ward/command_line.hpp"

namespace {

using ward::number_argument;

TEST(NumberArgument, ReadsTheNumberAfterTheName) {
  EXPECT_EQ(number_argument("image.elf --prov=4433 --time=1764892800", "--prov="), 4433u);
  EXPECT_EQ(number_argument("image.elf --prov=4433 --time=1764892800", "--time="), 1764892800u);
  EXPECT_EQ(number_argument("--phase=2", "--phase="), 2u);  // at the line's start
}

TEST(NumberArgument, ZeroWhenAbsentOrNotANumber) {
  EXPECT_EQ(number_argument("image.elf --prov=4433", "--time="), 0u);
  EXPECT_EQ(number_argument("image.elf --prov=abc", "--prov="), 0u);
  EXPECT_EQ(number_argument("image.elf --prov=", "--prov="), 0u);
  EXPECT_EQ(number_argument("", "--prov="), 0u);
  EXPECT_EQ(number_argument("image.elf --prov=1", ""), 0u);
}

TEST(NumberArgument, ANameOnlyCountsWhereAnArgumentStarts) {
  // "--port=" inside "--sport=" is not --port.
  EXPECT_EQ(number_argument("image.elf --sport=1 --port=2", "--port="), 2u);
  EXPECT_EQ(number_argument("image.elf x--port=7", "--port="), 0u);
}

TEST(NumberArgument, StopsAtTwelveDigitsAndAtTheFirstNonDigit) {
  EXPECT_EQ(number_argument("--n=12345678901234567890", "--n="), 123456789012u);
  EXPECT_EQ(number_argument("--n=12x3", "--n="), 12u);
}

}  // namespace
