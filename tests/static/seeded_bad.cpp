// Seeded defects: the proof that the static analysis can fail. Never built.
//
// scripts/static-analysis.py analyses this file before Ward's own, with the compile command of one
// of Ward's files (so with the host's or the firmware's flags), and the test fails unless each
// tool reports exactly the findings marked below: `expect: <tool> <check>` on the line it is
// about, `expect-next-line:` on the line above it. A .clang-tidy that no longer parses (clang-tidy
// then runs its defaults), a check list that lost a family, cppcheck checking nothing, a
// suppression that hides everything or a suppression without its reason would each show here.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

namespace ward::seeded {

struct Record {
  std::uint32_t id;
  std::uint32_t size;
};

// expect-next-line: clang-tidy bugprone-macro-parentheses
#define SEEDED_TWICE(x) x * 2

int twice(int v) { return SEEDED_TWICE(v + 1); }

// An unchecked std::optional: the class of the bug clang-tidy found in secure/storage.
std::uint32_t size_of(const std::optional<Record>& r) {
  return r->size;  // expect: clang-tidy bugprone-unchecked-optional-access
}

void fill(std::uint32_t* out);

std::uint32_t read_back() {
  std::uint32_t v;  // expect: clang-tidy cppcoreguidelines-init-variables
  fill(&v);
  return v;
}

void clear(Record* r) {
  std::memset(r, 0, sizeof(r));  // expect: clang-tidy bugprone-sizeof-expression, cppcheck pointerSize
}

std::uint32_t last(std::size_t k) {
  std::uint32_t table[4] = {1, 2, 3, 4};
  table[k & 3] = 0;
  return table[4];  // expect: cppcheck arrayIndexOutOfBounds
}

std::uint32_t first_or(const Record* r, bool use) {
  const Record* p = use ? r : nullptr;
  if (p == nullptr) {
    return p->id;  // expect: cppcheck nullPointerRedundantCheck
  }
  return 0;
}

// Suppressions without their reason.
// expect-next-line: clang-tidy ward-suppression-reason
std::uint32_t quiet_one = 0;  // NOLINT
// expect-next-line: clang-tidy ward-suppression-reason
std::uint32_t quiet_two = 0;  // NOLINT(cppcoreguidelines-init-variables)
// expect-next-line: cppcheck ward-suppression-reason
// cppcheck-suppress unusedFunction
std::uint32_t quiet_three() { return 3; }

}  // namespace ward::seeded
