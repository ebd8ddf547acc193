// Provisioning from a host (ward/tls/provisioning.hpp).
#include "ward/tls/provisioning.hpp"

extern "C" {
#include "lwip/api.h"
#include "lwip/ip_addr.h"
}

namespace ward::tls {
namespace {

constexpr std::uint32_t kTimeoutMs = 20'000;
constexpr int kMaxPieces = 64;

Status receive(struct netconn* conn, CertificateAnswer& answer) {
  for (int pieces = 0; pieces < kMaxPieces && !answer.complete(); ++pieces) {
    struct netbuf* nb = nullptr;
    const err_t err = netconn_recv(conn, &nb);
    if (err != ERR_OK) {
      return fail(err == ERR_TIMEOUT ? Error::timeout : Error::connection);
    }
    bool well_formed = true;
    // A netbuf may be a chain of pbufs: take every part.
    do {
      void* data = nullptr;
      u16_t len = 0;
      netbuf_data(nb, &data, &len);
      well_formed = answer.take({static_cast<const std::uint8_t*>(data), len});
    } while (well_formed && netbuf_next(nb) >= 0);
    netbuf_delete(nb);
    if (!well_formed) {
      return fail(Error::invalid_argument);
    }
  }
  if (!answer.complete()) {
    return fail(Error::connection);
  }
  return {};
}

Status send(struct netconn* conn, std::string_view text) {
  std::size_t done = 0;
  // netconn_write_partly: with a send timeout set, lwIP refuses netconn_write (ERR_VAL).
  for (int pieces = 0; done < text.size() && pieces < kMaxPieces; ++pieces) {
    std::size_t n = 0;
    const err_t err = netconn_write_partly(conn, text.data() + done, text.size() - done, NETCONN_COPY, &n);
    if (err != ERR_OK) {
      return fail(err == ERR_TIMEOUT ? Error::timeout : Error::connection);
    }
    done += n;
  }
  if (done != text.size()) {
    return fail(Error::timeout);
  }
  return {};
}

}  // namespace

Result<std::span<const std::uint8_t>> request_certificate(std::string_view csr_pem, ProvisioningHost host,
                                                          std::span<std::uint8_t> out) {
  struct netconn* conn = netconn_new(NETCONN_TCP);
  if (conn == nullptr) {
    return fail(Error::no_resources);
  }
  netconn_set_recvtimeout(conn, kTimeoutMs);
  netconn_set_sendtimeout(conn, kTimeoutMs);
  ip_addr_t address;
  IP_ADDR4(&address, host.ipv4[0], host.ipv4[1], host.ipv4[2], host.ipv4[3]);
  CertificateAnswer answer(out);
  Status status{};
  if (netconn_connect(conn, &address, host.port) != ERR_OK) {
    status = fail(Error::connection);
  }
  if (status) {
    status = send(conn, csr_pem);
  }
  if (status) {
    status = receive(conn, answer);
  }
  netconn_close(conn);
  netconn_delete(conn);
  if (!status) {
    return fail(status.error());
  }
  return answer.bytes();
}

}  // namespace ward::tls
