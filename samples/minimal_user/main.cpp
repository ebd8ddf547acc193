// The smallest Ward application with isolation: one user-mode thread, confined to its stack and
// an empty domain, prints once through a system call, then sleeps. Measures the kernel's
// footprint with user mode (./ward footprint).
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/stack_bound.hpp"
#include "sample_marks.hpp"

namespace {
ward::UserThreadStack<512> app_stack;
ward::Thread app;
ward::PartitionMemory<32> app_memory;  // a domain needs no partition, but a real application has one
constexpr ward::Domain<1> app_domain{ward::Partition::of(app_memory, ward::Access::read_write)};

void app_main(void*) {
  (void)ward::sys::print("Hello from user mode\n");
  for (;;) {
    (void)ward::sys::sleep_for(ward::UserTimeout::after(ward::Duration::s(1)));
  }
}
WARD_STACK_BOUND_USER_THREAD(app_stack, app_main);
}  // namespace

int main() {
  ward::sample::marks_begin();  // minimal_user_marks only (samples/marks.conf), as below
  (void)app.create_user(app_stack.span(), &app_main, nullptr, ward::Priority{4}, "app", app_domain);
  (void)app.start();
  // The supervisor waits a moment, then ends the run (so the sample doubles as a test).
  const bool slept = ward::this_thread::sleep_for(ward::Duration::ms(50)).has_value();
  ward::sample::marks_report();
  return slept ? 0 : 1;
}
