// TLS server mode (tests/net/tls_server_test.py; docs/networking.md, "TLS server"): the device accepts
// TLS connections from openssl s_client on this host, authenticated with its opaque key and the
// certificate provisioned in this boot, on two listeners: 4433 (no client certificate asked) and
// 4434 (a client certificate from the test CA, kTestCaDer, required).
//
//   refusals      before any peer: listen without an identity, with a client certificate required
//                 but no anchors, with anchors but no certificate required, with a certificate that
//                 is not the key's (identity); accept before the time is set (no_time); accept with
//                 nobody connecting (timeout);
//   provision     key, CSR to the host (--prov=P), certificate for ward-device.test back, stored;
//   then one accept per case, in the order tls_server_test.py runs its clients:
//     tls13, tls12        20,000 bytes from s_client (in its 8 KiB records) checked byte for byte,
//                         20,000 bytes of another pattern back, close_notify;
//     record16k           the same from a client on Python's ssl module (OpenSSL's libssl), which
//                         sends a whole 16 KiB record: the device must see one in a single read;
//     wrongca13           s_client trusts another CA: it aborts the handshake (refused);
//     wronghost13         s_client expects other.test: it aborts the handshake (refused);
//     tls11               s_client -tls1_1: refused (handshake);
//     mutual13, mutual12  a client certificate from the test CA: accepted, a line each way, the
//                         client's common name read (peer_common_name; too small a buffer refused);
//                         without a client certificate asked for (tls13, ...) it is refused;
//     twocn13             a certificate from the test CA whose subject has two CNs: the session
//                         stands, but no common name is read from it (certificate);
//     nocert13, nocert12  no client certificate: refused (certificate, BADCERT_MISSING);
//     untrusted13/12      a client certificate from another CA: refused (certificate, NOT_TRUSTED).
//     slowloris           (red team) a client that sends its ClientHello a byte every 400 ms, each
//                         within the read timeout: the handshake's deadline (3 s here, on a listener
//                         whose ServerOptions::handshake_timeout_ms is made 3 s) cuts it off. Was a
//                         FINDING: only each read was bounded, so one such client held the
//                         listener (one connection at a time) for as long as it liked.
// Every wait is bounded; main exits 0 only if every case held.
#include <cstdint>
#include <cstring>
#include <string_view>

extern "C" {
#include "lwip/api.h"
#include "lwip/ip_addr.h"
}

#include "kTestCaDer.hpp"  // generated: the test CA, the anchor for client certificates
#include "ward/board.hpp"
#include "ward/command_line.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/print.hpp"
#include "ward/tls/client.hpp"
#include "ward/tls/device_identity.hpp"
#include "ward/tls/provisioning.hpp"

namespace {
using namespace ward;

net::Lan9118 ethernet{{0x42000000, 48}};

constexpr const char* kSubject = "CN=ward-device.test,O=Ward test devices";
constexpr std::uint16_t kPort = 4433;        // no client certificate
constexpr std::uint16_t kMutualPort = 4434;  // client certificate required
constexpr std::uint32_t kWaitMs = 30'000;    // for each client the test starts
constexpr std::size_t kBulk = 20'000;

const std::span<const std::uint8_t> kAnchors[] = {std::span<const std::uint8_t>{kTestCaDer}};

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }

// tls_server_test.py's pattern(n, seed).
std::uint8_t pattern(std::size_t i, std::uint32_t seed) {
  return static_cast<std::uint8_t>((i * 131 + (i >> 8) * 7 + seed) & 0xFF);
}

bool report(const char* name, bool ok, const char* detail = "") {
  print("tls_server: ", name, ": ", ok ? "ok" : "FAILED", " ", detail, '\n');
  return ok;
}

template <class R>
bool refused_with(const char* name, const R& r, tls::Error expected) {
  const bool ok = !r && r.error() == expected;
  print("tls_server: ", name, ": ", ok ? "refused" : "NOT REFUSED AS EXPECTED", " (",
        r ? "accepted" : tls::error_name(r.error()), ")\n");
  return ok;
}

// ---- Provisioning (as tests/net/tls_mutual) ----------------------------------------------------

alignas(4) char csr[1024];
alignas(4) std::uint8_t certificate[tls::kMaxDeviceCertificate];

bool provision() {
  auto key = tls::ensure_device_key();
  bool ok = report("key", key && *key, key ? (*key ? "created" : "EXISTED ALREADY") : tls::error_name(key.error()));
  auto pem = tls::device_csr(kSubject, csr);
  if (!pem) {
    return report("csr", false, tls::error_name(pem.error()));
  }
  auto answer = tls::request_certificate({csr, *pem}, {tls::kSlirpHost, static_cast<std::uint16_t>(argument("--prov="))},
                                         certificate);
  if (!answer) {
    return report("provision", false, tls::error_name(answer.error()));
  }
  auto stored = tls::store_device_certificate(*answer);
  ok &= report("provision", static_cast<bool>(stored), stored ? "stored" : tls::error_name(stored.error()));
  return ok;
}

// ---- The cases -----------------------------------------------------------------------------------

tls::Client session;
tls::Listener plain;
tls::Listener mutual;
alignas(4) std::byte buffer[16384];  // one whole 16 KiB record per read
alignas(4) std::byte out[4096];

const char* version_name(tls::Version v) { return v == tls::Version::tls1_3 ? "TLSv1.3" : "TLSv1.2"; }

// 20,000 bytes in (checked; with `whole_record` the largest read must be a whole 16 KiB record),
// 20,000 bytes out.
bool bulk(const char* name, tls::Version version, bool whole_record) {
  const Instant start = now();
  if (auto a = plain.accept(session, kWaitMs); !a) {
    print("tls_server: ", name, ": FAILED to accept: ", tls::error_name(a.error()), " mbedtls ", session.last_error(),
          '\n');
    return false;
  }
  const auto handshake_us = (now() - start).to_us();
  // No client certificate asked for: no peer subject to name.
  char subject[128];
  const bool no_subject = refused_with("no_peer_name", session.peer_common_name(subject), tls::Error::certificate);
  std::size_t got = 0;
  std::size_t largest = 0;
  bool same = true;
  for (int i = 0; same && got < kBulk && i < 1000; ++i) {
    auto r = session.read({buffer, sizeof buffer});
    if (!r) {
      print("tls_server: ", name, ": read failed: ", tls::error_name(r.error()), " mbedtls ", session.last_error(), '\n');
      break;
    }
    for (std::size_t k = 0; k < *r; ++k) {
      same = same && static_cast<std::uint8_t>(buffer[k]) == pattern(got + k, 1);
    }
    got += *r;
    largest = *r > largest ? *r : largest;
  }
  bool sent = same && got == kBulk;
  for (std::size_t done = 0; sent && done < kBulk;) {
    const std::size_t n = kBulk - done < sizeof out ? kBulk - done : sizeof out;
    for (std::size_t k = 0; k < n; ++k) {
      out[k] = static_cast<std::byte>(pattern(done + k, 2));
    }
    auto w = session.write({out, n});
    sent = w && *w == n;
    done += n;
  }
  const bool ok = no_subject && sent && session.version() == version && (!whole_record || largest == sizeof buffer);
  print("tls_server: ", name, ": ", ok ? "ok" : "FAILED", " ", version_name(session.version()), " suite ",
        session.ciphersuite(), " received ", got, same ? " exact" : " WRONG", ", largest record ", largest,
        ", handshake ", handshake_us, " us, heap high-water ", tls::heap_peak(), '\n');
  session.close();
  return ok;
}

// A client certificate from the test CA: a line each way.
bool mutual_case(const char* name, tls::Version version) {
  constexpr std::string_view kFromClient = "hello device from the management client\n";
  constexpr std::string_view kToClient = "hello client from ward-device.test\n";
  if (auto a = mutual.accept(session, kWaitMs); !a) {
    print("tls_server: ", name, ": FAILED to accept: ", tls::error_name(a.error()), " mbedtls ", session.last_error(),
          " flags ", session.verify_flags(), '\n');
    return false;
  }
  char subject[128];
  auto named = session.peer_common_name(subject);
  char tiny[17];  // "management-client" needs 18 with its NUL
  const bool too_small = refused_with("peer_name_small", session.peer_common_name(tiny), tls::Error::invalid_argument);
  std::size_t got = 0;
  for (int i = 0; got < kFromClient.size() && i < 64; ++i) {
    auto r = session.read({buffer + got, kFromClient.size() - got});
    if (!r) {
      break;
    }
    got += *r;
  }
  const bool in = got == kFromClient.size() && std::memcmp(buffer, kFromClient.data(), got) == 0;
  auto w = session.write({reinterpret_cast<const std::byte*>(kToClient.data()), kToClient.size()});
  const bool ok = in && w && session.version() == version && named && too_small;
  print("tls_server: ", name, ": ", ok ? "ok" : "FAILED", " ", version_name(session.version()), " suite ",
        session.ciphersuite(), in ? " line exact" : " LINE WRONG", ", peer CN [", named ? subject : "NONE",
        "], heap high-water ", tls::heap_peak(), '\n');
  session.close();
  return ok;
}

// A valid client certificate whose subject names two CNs: which one would an authoriser read?
bool two_names(const char* name) {
  if (auto a = mutual.accept(session, kWaitMs); !a) {
    print("tls_server: ", name, ": FAILED to accept: ", tls::error_name(a.error()), '\n');
    return false;
  }
  char cn[64];
  const bool ok = refused_with(name, session.peer_common_name(cn), tls::Error::certificate);
  session.close();
  return ok;
}

// A client the device must not end up in a session with.
bool refused(const char* name, tls::Listener& listener, tls::Error expected, std::uint32_t flag) {
  auto a = listener.accept(session, kWaitMs);
  const bool ok = !a && a.error() == expected && (flag == 0 || (session.verify_flags() & flag) != 0);
  print("tls_server: ", name, ": ", ok ? "refused" : "NOT REFUSED AS EXPECTED", " (",
        a ? "accepted" : tls::error_name(a.error()), ", mbedtls ", session.last_error(), ", flags ",
        session.verify_flags(), ")\n");
  session.close();
  return ok;
}

bool refusals(const tls::ClientIdentity& wrong_pair) {
  tls::Listener l;
  tls::ServerOptions none;  // no identity
  bool ok = refused_with("no_identity", l.listen(kPort, none), tls::Error::invalid_argument);
  tls::ServerOptions no_anchors;
  no_anchors.identity = &wrong_pair;
  no_anchors.require_client_certificate = true;
  ok &= refused_with("required_without_anchors", l.listen(kPort, no_anchors), tls::Error::invalid_argument);
  tls::ServerOptions anchors_only;
  anchors_only.identity = &wrong_pair;
  anchors_only.client_trust_anchors = kAnchors;
  ok &= refused_with("anchors_not_required", l.listen(kPort, anchors_only), tls::Error::invalid_argument);
  tls::ServerOptions mismatch;
  mismatch.identity = &wrong_pair;
  ok &= refused_with("pair_mismatch", l.listen(kPort, mismatch), tls::Error::identity);
  ok &= report("nothing_listening", !l.is_listening());
  return ok;
}

tls::ServerOptions plain_options;
tls::ServerOptions mutual_options;

// A client that trickles its handshake (tls_server_test.py's slowloris) is cut off by the deadline.
// The listener reads its options at each accept (they must outlive it): shorter ones from here on.
bool slowloris() {
  plain_options.timeout_ms = 2'000;
  plain_options.handshake_timeout_ms = 3'000;
  print("tls_server: listening for slowloris\n");
  auto a = plain.accept(session, kWaitMs);
  // The time from the first byte is the client's; the handshake's share is bounded by the deadline.
  const bool ok = !a && a.error() == tls::Error::timeout;
  print("tls_server: slowloris: ", ok ? "refused" : "NOT REFUSED AS EXPECTED", " (",
        a ? "accepted" : tls::error_name(a.error()), ", mbedtls ", session.last_error(), ")\n");
  session.close();
  return ok;
}

bool serve(const tls::ClientIdentity& identity) {
  plain_options.identity = &identity;
  mutual_options.identity = &identity;
  mutual_options.require_client_certificate = true;
  mutual_options.client_trust_anchors = kAnchors;
  if (!plain.listen(kPort, plain_options) || !mutual.listen(kMutualPort, mutual_options)) {
    return report("listen", false);
  }
  bool ok = refused_with("accept_timeout", plain.accept(session, 300), tls::Error::timeout);
  print("tls_server: listening\n");
  ok &= bulk("tls13", tls::Version::tls1_3, false);
  ok &= bulk("tls12", tls::Version::tls1_2, false);
  ok &= bulk("record16k", tls::Version::tls1_3, true);
  ok &= refused("wrongca13", plain, tls::Error::handshake, 0);
  ok &= refused("wronghost13", plain, tls::Error::handshake, 0);
  ok &= refused("tls11", plain, tls::Error::handshake, 0);
  ok &= mutual_case("mutual13", tls::Version::tls1_3);
  ok &= mutual_case("mutual12", tls::Version::tls1_2);
  constexpr std::uint32_t kMissing = 0x40;     // MBEDTLS_X509_BADCERT_MISSING
  constexpr std::uint32_t kNotTrusted = 0x08;  // MBEDTLS_X509_BADCERT_NOT_TRUSTED
  ok &= two_names("twocn13");
  ok &= refused("nocert13", mutual, tls::Error::certificate, kMissing);
  ok &= refused("nocert12", mutual, tls::Error::certificate, kMissing);
  ok &= refused("untrusted13", mutual, tls::Error::certificate, kNotTrusted);
  ok &= refused("untrusted12", mutual, tls::Error::certificate, kNotTrusted);
  ok &= slowloris();
  plain.close();
  mutual.close();
  return ok;
}

}  // namespace

int main() {
  const std::uint64_t time = argument("--time=");
  if (time == 0 || argument("--prov=") == 0) {
    print("tls_server: usage: --time=UNIX --prov=P\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("tls_server: no network\n");
    return 1;
  }
  if (!tls::init()) {
    print("tls_server: init failed\n");
    return 1;
  }
  bool ok = provision();
  auto cert = tls::load_device_certificate(certificate);
  ok &= report("load", static_cast<bool>(cert), cert ? "matches the key" : tls::error_name(cert.error()));
  if (!cert) {
    print("tls_server: done, SOME CASE FAILED\n");
    return 1;
  }
  const tls::ClientIdentity identity{*cert, tls::kDeviceKeyId};
  const tls::ClientIdentity wrong_pair{kTestCaDer, tls::kDeviceKeyId};
  ok &= refusals(wrong_pair);
  {
    // Before the time is set: certificates' validity cannot be checked, so no session.
    tls::Listener early;
    plain_options.identity = &identity;
    ok &= report("early_listen", static_cast<bool>(early.listen(kPort, plain_options)));
    ok &= refused_with("no_time", early.accept(session, 100), tls::Error::no_time);
  }
  tls::set_time(static_cast<std::int64_t>(time));
  ok &= serve(identity);
  print("tls_server: heap ", tls::heap_peak(), " of ", tls::heap_size(), " bytes at most\n");
  if constexpr (config::stack_usage) {
    const Thread& self = this_thread::current();
    print("stack high-water: main_stack ", self.stack().size() - self.stack_unused(), " B\n");
  }
  print(ok ? "tls_server: done, every case held\n" : "tls_server: done, SOME CASE FAILED\n");
  return ok ? 0 : 1;
}
