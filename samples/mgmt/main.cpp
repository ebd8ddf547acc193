// A device managed over its console with mcumgr's Simple Management Protocol (SMP): the non-secure
// application of the two-image chain (docs/boot.md, "One chain of trust") with Ward's SMP server on
// the console UART (docs/device-management.md). A client (mcumgr, ward-mgmt, tests/mgmt/mgmt_e2e.py)
// lists the images, uploads a signed one, tests it, resets the device into the trial boot and
// confirms it. The application never touches the flash: uploads go to the secure side's PSA
// Firmware Update service, which verifies each image before it asks the bootloader for it, and the
// bootloader verifies it again before it runs it.
//
// The main thread prints a line now and then, so SMP frames share the console with other output,
// as they do on a product.
//
// Built twice: `mgmt` (the console only) and `mgmt_udp` (udp.conf, CONFIG_WARD_MGMT_UDP: a
// development build that also serves SMP over UDP port 1337 on the LAN9118, Zephyr's smp_udp
// transport; the console's thread serves both, one request at a time). And each again for
// `./ward bench-mgmt` (`mgmt_bench`, `mgmt_udp_bench`: WARD_MGMT_BENCH, bench.hpp), which
// measures the instructions an upload costs the device.
#include <psa/update.h>

#include <array>

#include "ward/autoconf.h"
#include "ward/boot/board_layout.hpp"
#include "ward/kernel.hpp"
#include "ward/mgmt/console_service.hpp"
#include "ward/mgmt/fwu_binding.hpp"
#include "ward/mgmt/image_group.hpp"
#include "ward/mgmt/os_group.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#if defined(WARD_MGMT_BENCH)
#include "bench.hpp"
#endif
#if defined(CONFIG_WARD_MGMT_UDP)
#include "ward/mgmt/udp_service.hpp"
#include "ward/mgmt/udp_transport.hpp"
#endif
#if defined(CONFIG_WARD_MGMT_UDP) || defined(CONFIG_WARD_MGMT_TLS)
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#endif
#if defined(CONFIG_WARD_MGMT_TLS)
#include <algorithm>
#include <string_view>

#include "kMgmtCaDer.hpp"  // generated: the management CA, the anchor for operators' certificates
#include "provision.hpp"
#include "ward/board.hpp"
#include "ward/command_line.hpp"
#include "ward/config.hpp"
#include "ward/mgmt/tls_service.hpp"
#endif

namespace {
using namespace ward;
using namespace ward::mgmt;

constexpr OsInfo kInfo{"Ward", "ward-mgmt-sample", "0.1.0", "1", __DATE__ " " __TIME__, "cortex-m33", "armv8-m.main",
                       "mps2-an505", "Ward"};
// Ward's bootloader swaps the slots with revert (MCUboot's swap modes) and refuses a lower
// security counter: mode 1 (swap using scratch, the closest of MCUboot's numbers), no downgrade.
constexpr BootloaderInfo kBootloader{"MCUboot", 1, true};
// The binding's records in Protected Storage: "WMG" and the image number.
constexpr std::uint64_t kRecordUid = 0x574d4700u;

void reset() {
  print("mgmt: resetting\n");
  (void)psa_fwu_request_reboot();
}

#if defined(CONFIG_WARD_MGMT_TLS)
constexpr std::size_t kThreads = 3;
#else
constexpr std::size_t kThreads = 2;
#endif
std::array<Thread*, kThreads> threads{};
constinit ThreadList thread_list{threads};
// Slot sizes for slot info (image command 6): the chain's flash layout, the bootloader's own.
FwuBinding fwu{kRecordUid, {boot::kBoardLayout.slot_size(), boot::kBoardNsLayout.slot_size()}};
OsGroup os{kInfo, kBootloader, BufferParams{ConsoleService::kPacket, 1}, &thread_list};
#if defined(WARD_MGMT_BENCH)
// The benchmark's sink sits between the group and the binding: its frames (and its print) come on
// top of each SMP thread's path.
constexpr std::size_t kBenchStack = 256;
mgmt_bench::MeasuredSink measured{fwu};
ImageGroup image{fwu, measured};
#else
constexpr std::size_t kBenchStack = 0;
ImageGroup image{fwu, fwu};
#endif
Group* const groups[] = {&os, &image};
constinit Server server{groups};
#if defined(CONFIG_WARD_MGMT_UDP)
// SMP over UDP, polled by the console's thread between polls of the UART: one thread, one stack.
constinit UdpService smp_udp;
constexpr PolledTransport* kOther = &smp_udp;
#else
constexpr PolledTransport* kOther = nullptr;
#endif
#if defined(CONFIG_WARD_MGMT_UDP) || defined(CONFIG_WARD_MGMT_TLS)
// mps2-an505's LAN9118 (non-secure alias; the secure image opens its PPC port).
net::Lan9118 ethernet{{0x42000000, 48}};
#endif
// Constant-initialised, all zero (.bss): wired to the server when its thread starts.
constinit ConsoleService smp;
#if defined(CONFIG_WARD_MGMT_TLS)
// The lock the console's thread shares with the TLS thread (ConsoleService::Turn).
constinit Mutex smp_turn;
constexpr Mutex* kTurn = &smp_turn;
#else
constexpr Mutex* kTurn = nullptr;
#endif
// The SMP thread's stack, sized to its link-time bound (the deepest chain with the 104-byte
// exception frame, checked at every link; stackbound.conf resolves the server's calls) plus the MPU
// guard's 32 bytes, rounded up to the MPU's 32-byte granule: mgmt_tls's 1,984 + 32 B (its console
// thread's path into the server), the deepest of the builds (mgmt_udp: 1,980 B, the UDP path,
// UdpService::poll, then the server; mgmt: 1,836 B). The link fails if the code outgrows it. The
// high-water mark after qemu.mgmt.uart_e2e's whole run (upload, install, accept, task statistics)
// is 1,520 B.
ThreadStack<2016 + kBenchStack> smp_stack;
WARD_STACK_BOUND_THREAD(smp_stack, ConsoleService::run);

#if defined(CONFIG_WARD_MGMT_TLS)
// SMP over mutually authenticated TLS: its own thread (a handshake's stack, and the console keeps
// being served while one runs). Operators' certificates must come from the management CA.
const std::span<const std::uint8_t> kMgmtAnchors[] = {std::span<const std::uint8_t>{kMgmtCaDer}};
// The common names allowed to manage the device (CONFIG_WARD_MGMT_TLS_AUTHORISED, comma-separated;
// empty: any certificate from the management CA), split at compile time.
constexpr std::string_view kAuthorisedList = config::mgmt_tls_authorised;
constexpr std::size_t kAuthorisedCount =
    kAuthorisedList.empty() ? 0 : static_cast<std::size_t>(std::ranges::count(kAuthorisedList, ',')) + 1;
constexpr std::array<std::string_view, kAuthorisedCount> kAuthorised = [] {
  std::array<std::string_view, kAuthorisedCount> names{};
  std::string_view rest = kAuthorisedList;
  for (std::string_view& name : names) {
    const std::size_t comma = rest.find(',');
    name = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return names;
}();
static_assert(std::ranges::none_of(kAuthorised, [](std::string_view n) { return n.empty(); }),
              "CONFIG_WARD_MGMT_TLS_AUTHORISED: an empty name (two commas, or one at an end)");
alignas(4) std::uint8_t device_cert[tls::kMaxDeviceCertificate];
tls::ServerOptions tls_options;
constinit TlsService smp_tls;
tls::Client smp_tls_session;  // the TLS thread's session (built at start-up: Mbed TLS's state)
// The TLS thread's stack: its link-time bound, 4,632 B (the server handshake verifying the client's
// chain: Mbed TLS's X.509 and PK layers; the SMP server's path is shallower), plus the MPU guard's
// 32 B, rounded up to the 32-byte granule (4,672 B usable: also the 4,672 B of the paths that stop the
// system). The link fails if the code outgrows it.
ThreadStack<4704> smp_tls_stack;
WARD_STACK_BOUND_THREAD(smp_tls_stack, TlsService::run);

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }

// The device identity, the calendar time (QEMU: --time=UNIX on the command line), the listener.
void start_tls() {
  if (!tls::init()) {
    print("mgmt: TLS init failed: no SMP over TLS\n");
    return;
  }
  if (const std::uint64_t t = argument("--time="); t != 0) {
    tls::set_time(static_cast<std::int64_t>(t));
  }
  auto cert = mgmt_sample::device_certificate("CN=ward-device.test,O=Ward test devices",
                                              static_cast<std::uint16_t>(argument("--prov=")), device_cert);
  if (!cert) {
    print("mgmt: no device certificate (", tls::error_name(cert.error()), "): no SMP over TLS\n");
    return;
  }
  static const tls::ClientIdentity identity{*cert, tls::kDeviceKeyId};
  tls_options.identity = &identity;
  tls_options.require_client_certificate = true;
  tls_options.client_trust_anchors = kMgmtAnchors;
  auto started = smp_tls.start({smp, smp_tls_session, tls_options, TlsService::kPort, kAuthorised}, smp_tls_stack.span(), Priority{6});
  if (started) {
    threads[2] = &smp_tls.thread();
    print("mgmt: SMP over TLS on port 1338 (client certificate from the management CA required, ", kAuthorisedCount,
          " authorised names)\n");
  } else {
    print("mgmt: SMP over TLS did not start (", tls::error_name(started.error()), ")\n");
  }
}
#endif

const char* state_name(std::uint8_t s) {
  constexpr const char* kNames[] = {"READY", "WRITING", "CANDIDATE", "STAGED", "FAILED", "TRIAL", "REJECTED", "UPDATED"};
  return s < 8 ? kNames[s] : "?";
}

}  // namespace

int main() {
  for (psa_fwu_component_t c : {WARD_FWU_COMPONENT_SECURE, WARD_FWU_COMPONENT_NONSECURE}) {
    psa_fwu_component_info_t info{};
    if (psa_fwu_query(c, &info) == PSA_SUCCESS) {
      print("mgmt: image ", unsigned{c}, ' ', info.version.major, '.', info.version.minor, '.', info.version.patch,
            ", state ", state_name(info.state), '\n');
    }
  }
  threads[0] = &this_thread::current();
  threads[1] = &smp.thread();
  if (!smp.start({server, os, &reset, kOther, kTurn}, smp_stack.span(), Priority{5})) {
    print("mgmt: the SMP thread did not start\n");
    return 1;
  }
#if defined(CONFIG_WARD_MGMT_UDP) || defined(CONFIG_WARD_MGMT_TLS)
  // The console is served first: a device without a network stays manageable.
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("mgmt: no network: SMP on the console only\n");
  } else {
#if defined(CONFIG_WARD_MGMT_UDP)
    print(smp_udp.open(udp::kPort) ? "mgmt: SMP over UDP on port 1337 (development build, unauthenticated)\n"
                                   : "mgmt: cannot bind UDP port 1337\n");
#endif
#if defined(CONFIG_WARD_MGMT_TLS)
    start_tls();
#endif
  }
#endif
#if defined(WARD_MGMT_BENCH)
  if (!mgmt_bench::start()) {
    return 1;
  }
#endif
  print("mgmt: SMP server ready on the console\n");
  for (unsigned n = 1;; ++n) {
    (void)this_thread::sleep_for(Duration::ms(500));
    print("mgmt: tick ", n, '\n');
  }
}
