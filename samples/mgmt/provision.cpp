// The TLS build's device identity (provision.hpp).
#include "provision.hpp"

extern "C" {
#include "lwip/api.h"
#include "lwip/ip_addr.h"
}

#include "ward/print.hpp"

namespace mgmt_sample {
namespace {
using namespace ward;

alignas(4) char csr[1024];

// Sends the CSR's PEM, takes back a 2-byte length and that many bytes of DER (bounded reads).
std::size_t exchange(std::string_view pem, std::uint16_t port, std::span<std::uint8_t> out) {
  struct netconn* conn = netconn_new(NETCONN_TCP);
  if (conn == nullptr) {
    return 0;
  }
  netconn_set_recvtimeout(conn, 20'000);
  netconn_set_sendtimeout(conn, 20'000);
  ip_addr_t host;
  IP_ADDR4(&host, 10, 0, 2, 2);  // slirp's gateway: the host's 127.0.0.1
  std::size_t received = 0;
  std::size_t expected = 0;
  std::uint8_t header[2];
  std::size_t header_got = 0;
  bool ok = netconn_connect(conn, &host, port) == ERR_OK;
  for (std::size_t done = 0, tries = 0; ok && done < pem.size() && tries < 64; ++tries) {
    std::size_t n = 0;
    ok = netconn_write_partly(conn, pem.data() + done, pem.size() - done, NETCONN_COPY, &n) == ERR_OK;
    done += n;
  }
  for (int pieces = 0; ok && pieces < 64; ++pieces) {
    struct netbuf* nb = nullptr;
    if (netconn_recv(conn, &nb) != ERR_OK) {
      break;
    }
    void* data = nullptr;
    u16_t len = 0;
    netbuf_data(nb, &data, &len);
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    for (u16_t i = 0; i < len; ++i) {
      if (header_got < 2) {
        header[header_got++] = bytes[i];
        if (header_got == 2) {
          expected = static_cast<std::size_t>(header[0]) << 8 | header[1];
        }
      } else if (received < out.size()) {
        out[received++] = bytes[i];
      }
    }
    netbuf_delete(nb);
    if (header_got == 2 && received >= expected) {
      break;
    }
  }
  netconn_close(conn);
  netconn_delete(conn);
  return header_got == 2 && expected != 0 && received == expected ? received : 0;
}

}  // namespace

tls::Result<std::span<const std::uint8_t>> device_certificate(const char* subject, std::uint16_t prov_port,
                                                             std::span<std::uint8_t> storage) {
  if (auto cert = tls::load_device_certificate(storage); cert || prov_port == 0) {
    return cert;
  }
  if (auto key = tls::ensure_device_key(); !key) {
    return base::fail(key.error());
  }
  auto pem = tls::device_csr(subject, csr);
  if (!pem) {
    return base::fail(pem.error());
  }
  const std::size_t n = exchange({csr, *pem}, prov_port, storage);
  if (n == 0) {
    print("mgmt: no certificate from the provisioning host\n");
    return base::fail(tls::Error::storage);
  }
  if (auto stored = tls::store_device_certificate(storage.first(n)); !stored) {
    return base::fail(stored.error());
  }
  print("mgmt: device certificate provisioned\n");
  return tls::load_device_certificate(storage);
}

}  // namespace mgmt_sample
