// Exit statuses of a Ward image, as the QEMU test runner sees them.
#pragma once

namespace ward {

enum class ExitStatus : int {
  success = 0,
  test_failure = 1,    // a test assertion failed
  panic = 2,           // the kernel stopped itself (failed invariant)
  fault = 3,           // an unrecoverable CPU fault
  stack_smashed = 4,   // a stack canary was overwritten
};

}  // namespace ward
