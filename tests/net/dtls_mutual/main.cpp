// DTLS 1.2 with mutual authentication by the device's opaque key (tests/net/dtls_mutual_test.py;
// docs/networking.md, "DTLS 1.2 client"). One boot on a fresh secure flash file; the test names the
// ports and the time:
//   --time=UNIX --prov=P --mutual=P --nocert=P --otherca=P --mismatch=P --foreign=P
//
// Cases, each printed as one "dtls_mutual: <case>: ..." line the test checks:
//   key          the device key is created in the secure world (ECDSA P-256, never exported);
//   provision    a CSR signed by the key goes to the host (TCP, --prov=P), which signs it with a
//                device CA made at test time (tools/ward-provision); the certificate is stored in
//                PSA PS (checked against the key) and loaded again (checked again);
//   mutual       s_server -dtls1_2 -listen -Verify 1 -CAfile <device CA>: the device presents its
//                certificate and signs CertificateVerify with the opaque key; 4 datagrams of 1,000
//                bytes sent, 2,000 bytes received, byte for byte, close_notify;
//   nocert       the same server, the device configured without an identity: the server refuses
//                in the handshake (its alert: handshake, never certificate, no verify flags);
//   otherca      a server that requires a certificate from another CA: the server refuses the
//                device's certificate (its alert: handshake; the device accepted the server's chain);
//   mismatch     an identity whose certificate is not the key's (the build's test CA certificate)
//                towards a port that never answers: refused with identity before any datagram
//                (the test counts what that port received: nothing);
//   foreign      the host answers a second CSR (--foreign=P) with a certificate the device CA
//                issued for the device's subject but another key (a valid chain the servers would
//                take): storing it is refused (identity), the device's own stays; connecting with it
//                is refused (identity) before any datagram, as mismatch.
// Every wait is bounded; main exits 0 only if every case held.
#include <cstdint>
#include <cstring>
#include <string_view>

extern "C" {
#include "lwip/ip_addr.h"
}

#include "kTestCaDer.hpp"  // generated: the servers' CA, this image's trust anchor (tests/net/CMakeLists.txt)
#include "ward/board.hpp"
#include "ward/command_line.hpp"
#include "ward/config.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/print.hpp"
#include "ward/tls/device_identity.hpp"
#include "ward/tls/dtls.hpp"
#include "ward/tls/provisioning.hpp"

namespace {
using namespace ward;

static_assert(config::tls_dtls, "this image is built with CONFIG_WARD_TLS_DTLS");

net::Lan9118 ethernet{{0x42000000, 48}};

constexpr std::string_view kHostname = "ward-tls.test";
constexpr const char* kSubject = "CN=ward-device-0001,O=Ward test devices";
constexpr std::uint32_t kDatagram = 1'000;
constexpr std::uint32_t kClientDatagrams = 4;
constexpr std::uint32_t kServerBytes = 2'000;  // dtls_mutual_test.py writes the same, 1,000 at a time
// Mbed TLS's code for a fatal alert from the peer (mbedtls/ssl.h), restated: this file does not see
// Mbed TLS.
constexpr int kFatalAlertReceived = -0x7780;

const std::span<const std::uint8_t> kAnchors[] = {std::span<const std::uint8_t>{kTestCaDer}};

// The byte at `index` of the stream with `seed`: tls_test.py's pattern() computes the same.
std::uint8_t pattern(std::uint32_t index, std::uint32_t seed) {
  return static_cast<std::uint8_t>(index * 131u + (index >> 8) * 7u + seed);
}

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }
std::uint16_t port(std::string_view name) { return static_cast<std::uint16_t>(argument(name)); }

ip_addr_t host_address() {
  ip_addr_t a;
  IP_ADDR4(&a, 10, 0, 2, 2);  // slirp's gateway: this host's 127.0.0.1
  return a;
}

bool report(const char* name, bool ok, const char* detail = "") {
  print("dtls_mutual: ", name, ": ", ok ? "ok" : "FAILED", " ", detail, '\n');
  return ok;
}

// ---- Provisioning ------------------------------------------------------------------------------------

alignas(4) char csr[1024];
alignas(4) std::uint8_t received_certificate[tls::kMaxDeviceCertificate];
alignas(4) std::uint8_t certificate[tls::kMaxDeviceCertificate];
alignas(4) std::uint8_t foreign_certificate[tls::kMaxDeviceCertificate];
alignas(4) std::uint8_t reloaded[tls::kMaxDeviceCertificate];  // foreign_kept: not `certificate`, which is compared
std::size_t csr_size = 0;

// The device's certificate as a connection uses it: loaded from PSA PS (checked against the key).
tls::Result<std::span<const std::uint8_t>> provision() {
  auto key = tls::ensure_device_key();
  if (!report("key", key && *key, key ? (*key ? "created" : "EXISTED ALREADY") : tls::error_name(key.error()))) {
    return fail(tls::Error::identity);
  }
  auto pem = tls::device_csr(kSubject, csr);
  if (!pem) {
    report("csr", false, tls::error_name(pem.error()));
    return fail(pem.error());
  }
  csr_size = *pem;
  auto answer = tls::request_certificate({csr, *pem}, {tls::kSlirpHost, port("--prov=")}, received_certificate);
  if (!answer) {
    report("provision", false, tls::error_name(answer.error()));
    return fail(answer.error());
  }
  print("dtls_mutual: certificate ", answer->size(), " bytes DER from the host\n");
  if (auto stored = tls::store_device_certificate(*answer); !stored) {
    report("provision", false, tls::error_name(stored.error()));
    return fail(stored.error());
  }
  auto loaded = tls::load_device_certificate(certificate);
  report("provision", static_cast<bool>(loaded), loaded ? "stored and loaded" : tls::error_name(loaded.error()));
  return loaded;
}

// ---- Connections ---------------------------------------------------------------------------------------

alignas(4) std::byte buffer[2 * 1024];
tls::DtlsClient client;

tls::DtlsOptions options(const tls::ClientIdentity* identity) {
  tls::DtlsOptions o;
  o.trust_anchors = kAnchors;
  o.identity = identity;
  o.handshake_min_ms = 500;
  o.handshake_max_ms = 2'000;
  o.timeout_ms = 10'000;
  return o;
}

bool send_pattern(const char* name) {
  for (std::uint32_t d = 0; d < kClientDatagrams; ++d) {
    for (std::uint32_t i = 0; i < kDatagram; ++i) {
      buffer[i] = std::byte{pattern(d * kDatagram + i, 1)};
    }
    auto w = client.write({buffer, kDatagram});
    if (!w || *w != kDatagram) {
      print("dtls_mutual: ", name, ": write failed: ", w ? "short" : tls::error_name(w.error()), " mbedtls ",
            client.last_error(), '\n');
      return false;
    }
    (void)this_thread::sleep_for(Duration::ms(5));  // s_server reads one datagram per select
  }
  return true;
}

bool receive_pattern(const char* name) {
  for (std::uint32_t got = 0; got < kServerBytes;) {
    auto r = client.read({buffer, sizeof buffer});
    if (!r) {
      print("dtls_mutual: ", name, ": read failed after ", got, " bytes: ", tls::error_name(r.error()), " mbedtls ",
            client.last_error(), '\n');
      return false;
    }
    if (got + *r > kServerBytes) {
      print("dtls_mutual: ", name, ": more than expected (", got + *r, " bytes)\n");
      return false;
    }
    for (std::size_t i = 0; i < *r; ++i) {
      if (buffer[i] != std::byte{pattern(got + static_cast<std::uint32_t>(i), 2)}) {
        print("dtls_mutual: ", name, ": byte ", got + i, " differs\n");
        return false;
      }
    }
    got += static_cast<std::uint32_t>(*r);
  }
  return true;
}

bool mutual(const char* name, std::uint16_t p, const tls::ClientIdentity& identity) {
  const Instant start = now();
  if (auto c = client.connect(host_address(), p, kHostname, options(&identity)); !c) {
    print("dtls_mutual: ", name, ": FAILED to connect: ", tls::error_name(c.error()), " mbedtls ", client.last_error(),
          " flags ", client.verify_flags(), '\n');
    return false;
  }
  const auto handshake_ms = (now() - start).to_us() / 1000;
  print("dtls_mutual: ", name, ": handshake done in ", handshake_ms, " ms, suite ", client.ciphersuite(),
        ", heap high-water ", tls::heap_peak(), '\n');
  const bool sent = send_pattern(name);
  // dtls_mutual_test.py feeds s_server's stdin once it sees this line (the device is then reading).
  print("dtls_mutual: ", name, ": sent, reading\n");
  const bool received = sent && receive_pattern(name);
  print("dtls_mutual: ", name, ": ", sent && received ? "ok" : "FAILED", " sent ", sent ? kClientDatagrams * kDatagram : 0,
        " received ", received ? kServerBytes : 0, '\n');
  client.close();
  return sent && received;
}

// The server refuses the device (no certificate, or one it cannot verify): in DTLS 1.2 the server
// judges the client's certificate before its own Finished, so the refusal is its fatal alert in the
// handshake. The device itself found nothing wrong: no verify flags, not `certificate`/`identity`.
bool server_refuses(const char* name, std::uint16_t p, const tls::ClientIdentity* identity) {
  const Instant start = now();
  auto c = client.connect(host_address(), p, kHostname, options(identity));
  const auto ms = (now() - start).to_us() / 1000;
  const bool open = client.is_open();
  client.close();
  const bool ok = !c && c.error() == tls::Error::handshake && client.last_error() == kFatalAlertReceived &&
                  client.verify_flags() == 0 && !open;
  print("dtls_mutual: ", name, ": ", ok ? "refused" : "NOT REFUSED AS EXPECTED", " (",
        c ? "connected" : tls::error_name(c.error()), ", mbedtls ", client.last_error(), ", flags ",
        client.verify_flags(), ", after ", ms, " ms)\n");
  return ok;
}

// A certificate that is not the opaque key's: refused before the netconn exists (nothing sent).
bool mismatch_refused(const char* name, std::uint16_t p, std::span<const std::uint8_t> der) {
  const tls::ClientIdentity wrong{der, tls::kDeviceKeyId};
  const Instant start = now();
  auto c = client.connect(host_address(), p, kHostname, options(&wrong));
  const auto ms = (now() - start).to_us() / 1000;
  const bool open = client.is_open();
  client.close();
  const bool ok = !c && c.error() == tls::Error::identity && !open;
  print("dtls_mutual: ", name, ": ", ok ? "refused" : "NOT REFUSED AS EXPECTED", " (",
        c ? "connected" : tls::error_name(c.error()), ", mbedtls ", client.last_error(), ", after ", ms, " ms)\n");
  return ok;
}

// The device CA's certificate for the device's subject and another key (the host's answer to a
// second CSR): neither stored nor used.
bool foreign(std::uint16_t silent, std::span<const std::uint8_t> own) {
  auto answer =
      tls::request_certificate({csr, csr_size}, {tls::kSlirpHost, port("--foreign=")}, foreign_certificate);
  if (!answer) {
    return report("foreign", false, tls::error_name(answer.error()));
  }
  auto stored = tls::store_device_certificate(*answer);
  bool ok = !stored && stored.error() == tls::Error::identity;
  print("dtls_mutual: foreign_store: ", ok ? "refused" : "NOT REFUSED AS EXPECTED", " (",
        stored ? "stored" : tls::error_name(stored.error()), ")\n");
  // The device's own certificate is still the stored one.
  auto loaded = tls::load_device_certificate(reloaded);
  const bool kept = loaded && loaded->size() == own.size() && std::memcmp(loaded->data(), own.data(), own.size()) == 0;
  ok &= report("foreign_kept", kept, kept ? "the device's own certificate" : "CHANGED");
  ok &= mismatch_refused("foreign", silent, *answer);
  return ok;
}

}  // namespace

int main() {
  const std::uint64_t time = argument("--time=");
  if (time == 0 || port("--prov=") == 0 || port("--mutual=") == 0) {
    print("dtls_mutual: usage: --time=UNIX --prov=P --mutual=P --nocert=P --otherca=P --mismatch=P --foreign=P\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("dtls_mutual: no network\n");
    return 1;
  }
  if (!tls::init()) {
    print("dtls_mutual: init failed\n");
    return 1;
  }
  tls::set_time(static_cast<std::int64_t>(time));
  bool ok = false;
  if (auto cert = provision(); cert) {
    const tls::ClientIdentity identity{*cert, tls::kDeviceKeyId};
    ok = mutual("mutual", port("--mutual="), identity);
    ok &= server_refuses("nocert", port("--nocert="), nullptr);
    ok &= server_refuses("otherca", port("--otherca="), &identity);
    ok &= mismatch_refused("mismatch", port("--mismatch="), kTestCaDer);
    ok &= foreign(port("--mismatch="), *cert);
  }
  print("dtls_mutual: heap ", tls::heap_peak(), " of ", tls::heap_size(), " bytes at most\n");
  if constexpr (config::stack_usage) {
    const Thread& self = this_thread::current();
    print("stack high-water: main_stack ", self.stack().size() - self.stack_unused(), " B\n");
  }
  print(ok ? "dtls_mutual: done, every case held\n" : "dtls_mutual: done, SOME CASE FAILED\n");
  return ok ? 0 : 1;
}
