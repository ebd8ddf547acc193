// ward-mgmt's transports (transport.hpp).
#include "transport.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <utility>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "serial_frame.hpp"
#include "smp.hpp"

namespace ward::mgmt_client {
namespace {

[[noreturn]] void usage(const std::string& what) { throw Failure(ExitCode::usage, what); }
[[noreturn]] void io_error(const std::string& what) {
  throw Failure(ExitCode::transport, what + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Milliseconds until `deadline` for poll(), at least 0.
int ms_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left > 60000 ? 60000 : left);
}

// Waits for `fd` to be readable; false when the deadline passed.
bool wait_readable(int fd, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int timeout = ms_until(deadline);
    const int n = ::poll(&p, 1, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) io_error("poll");
    if (n > 0) return true;
    if (timeout == 0) return false;
  }
}

// "key=value,key=value"; a bare path is "dev=".
std::map<std::string, std::string> parse_pairs(const std::string& s) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at <= s.size()) {
    const std::size_t end = s.find(',', at) == std::string::npos ? s.size() : s.find(',', at);
    const std::string item = s.substr(at, end - at);
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos && out.empty() && !item.empty() && item[0] == '/') {
      out["dev"] = item;
    } else if (eq == std::string::npos || eq == 0 || !out.emplace(item.substr(0, eq), item.substr(eq + 1)).second) {
      usage("--connstring: \"" + item + "\" is not key=value (or a key is given twice)");
    }
    at = end + 1;
  }
  return out;
}

// "host:port" or "[host]:port".
std::pair<std::string, std::string> split_host_port(const std::string& s, const char* what) {
  std::string host, port;
  if (!s.empty() && s[0] == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') usage(std::string(what) + ": expected [HOST]:PORT");
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const std::size_t colon = s.rfind(':');
    if (colon == std::string::npos) usage(std::string(what) + ": expected HOST:PORT");
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoul(port) == 0 || std::stoul(port) > 65535) {
    usage(std::string(what) + ": expected HOST:PORT with a port 1..65535");
  }
  return {host, port};
}

int connect_socket(const std::string& hostport, int socktype, const char* what) {
  const auto [host, port] = split_host_port(hostport, what);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    throw Failure(ExitCode::transport, hostport + ": " + ::gai_strerror(rc));
  }
  int fd = -1;
  int saved = 0;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      saved = errno;
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(res);
  if (fd < 0) {
    errno = saved;
    io_error(hostport);
  }
  return fd;
}

speed_t speed_of(const std::string& baud) {
  static const std::map<std::string, speed_t> speeds = {
      {"9600", B9600},     {"19200", B19200},   {"38400", B38400},   {"57600", B57600},
      {"115200", B115200}, {"230400", B230400}, {"460800", B460800}, {"921600", B921600},
      {"1000000", B1000000}};
  const auto it = speeds.find(baud);
  if (it == speeds.end()) usage("--connstring: baud " + baud + " is not one of 9600 ... 1000000");
  return it->second;
}

int open_tty(const std::string& dev, speed_t speed) {
  const int fd = ::open(dev.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) io_error(dev);
  termios t{};
  if (::tcgetattr(fd, &t) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    io_error(dev + ": not a serial device");
  }
  ::cfmakeraw(&t);
  t.c_cflag |= CLOCAL | CREAD;
  t.c_cflag &= ~static_cast<tcflag_t>(CRTSCTS);
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 0;
  ::cfsetispeed(&t, speed);
  ::cfsetospeed(&t, speed);
  if (::tcsetattr(fd, TCSANOW, &t) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    io_error(dev + ": cannot set raw mode");
  }
  ::tcflush(fd, TCIOFLUSH);
  return fd;
}

// The console framing over a byte stream (tty, pty or TCP).
class SerialTransport final : public Transport {
 public:
  SerialTransport(int fd, std::string name) : fd_(fd), name_(std::move(name)), decoder_(kMaxReply) {}

  void send(std::span<const std::uint8_t> packet) override {
    const auto lines = serial::encode(packet);
    std::size_t done = 0;
    while (done < lines.size()) {
      const ssize_t n = ::write(fd_.get(), lines.data() + done, lines.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        pollfd p{fd_.get(), POLLOUT, 0};
        (void)::poll(&p, 1, 1000);
        continue;
      }
      if (n <= 0) io_error(name_ + ": write");
      done += static_cast<std::size_t>(n);
    }
  }

  std::optional<std::vector<std::uint8_t>> receive(Clock::time_point deadline) override {
    for (;;) {
      while (at_ < have_) {
        if (decoder_.push(buf_[at_++])) return decoder_.packet();
      }
      if (!wait_readable(fd_.get(), deadline)) return std::nullopt;
      const ssize_t n = ::read(fd_.get(), buf_.data(), buf_.size());
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) io_error(name_ + ": read");
      if (n == 0) throw Failure(ExitCode::transport, name_ + ": the connection closed");
      at_ = 0;
      have_ = static_cast<std::size_t>(n);
    }
  }

  std::string dropped() override {
    std::string d = decoder_.dropped();
    decoder_.clear_dropped();
    return d;
  }
  std::size_t max_packet() const override { return 0; }

 private:
  Fd fd_;
  std::string name_;
  serial::Decoder decoder_;
  std::array<std::uint8_t, 4096> buf_{};
  std::size_t at_ = 0, have_ = 0;
};

class UdpTransport final : public Transport {
 public:
  UdpTransport(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

  void send(std::span<const std::uint8_t> packet) override {
    ssize_t n = 0;
    do {
      n = ::send(fd_.get(), packet.data(), packet.size(), 0);
    } while (n < 0 && errno == EINTR);
    // A previous datagram's ICMP "port unreachable" shows up here: the device is not listening.
    if (n < 0) io_error(name_ + ": send");
  }

  std::optional<std::vector<std::uint8_t>> receive(Clock::time_point deadline) override {
    for (;;) {
      if (!wait_readable(fd_.get(), deadline)) return std::nullopt;
      std::vector<std::uint8_t> buf(kMaxReply + 1);
      const ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), MSG_TRUNC);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == ECONNREFUSED) {
        dropped_ = "port unreachable (nothing listens there)";
        continue;
      }
      if (n < 0) io_error(name_ + ": receive");
      if (static_cast<std::size_t>(n) > kMaxReply) {
        dropped_ = "datagram of " + std::to_string(n) + " bytes, over the limit";
        continue;
      }
      buf.resize(static_cast<std::size_t>(n));
      return buf;
    }
  }

  std::string dropped() override { return std::exchange(dropped_, {}); }
  // An IPv4 UDP datagram without fragmentation on Ethernet (1500 - 20 - 8).
  std::size_t max_packet() const override { return 1472; }

 private:
  Fd fd_;
  std::string name_;
  std::string dropped_;
};

[[noreturn]] void tls_error(const std::string& what) {
  std::string detail;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    detail += std::string(detail.empty() ? "" : "; ") + buf;
  }
  throw Failure(ExitCode::transport, what + (detail.empty() ? "" : ": " + detail));
}

// SMP over TLS: mcumgr's SMP-over-TCP framing (packets back to back) inside a TLS session in which
// both sides authenticate with certificates.
class TlsTransport final : public Transport {
 public:
  TlsTransport(const std::string& hostport, const TlsOptions& o) : name_(hostport) {
    if (o.cert.empty() || o.key.empty() || o.ca.empty()) {
      usage("--conntype tls needs --tls-cert, --tls-key (the operator's) and --tls-ca (the device's CA)");
    }
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    if (!ctx_) tls_error("TLS context");
    SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx_.get(), o.ca.c_str(), nullptr) != 1) tls_error("--tls-ca " + o.ca);
    if (SSL_CTX_use_certificate_chain_file(ctx_.get(), o.cert.c_str()) != 1) tls_error("--tls-cert " + o.cert);
    if (SSL_CTX_use_PrivateKey_file(ctx_.get(), o.key.c_str(), SSL_FILETYPE_PEM) != 1) tls_error("--tls-key " + o.key);
    if (SSL_CTX_check_private_key(ctx_.get()) != 1) tls_error("--tls-key: not the key of --tls-cert");
    const auto [host, port] = split_host_port(hostport, "--connstring");
    (void)port;
    const std::string expected = o.name.empty() ? host : o.name;
    fd_ = std::make_unique<Fd>(connect_socket(hostport, SOCK_STREAM, "--connstring"));
    ssl_.reset(SSL_new(ctx_.get()));
    if (!ssl_ || SSL_set_fd(ssl_.get(), fd_->get()) != 1) tls_error("TLS session");
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
    in6_addr ip6{};
    in_addr ip4{};
    if (::inet_pton(AF_INET, expected.c_str(), &ip4) == 1 || ::inet_pton(AF_INET6, expected.c_str(), &ip6) == 1) {
      if (X509_VERIFY_PARAM_set1_ip_asc(param, expected.c_str()) != 1) tls_error("--tls-name " + expected);
    } else {
      if (SSL_set1_host(ssl_.get(), expected.c_str()) != 1) tls_error("--tls-name " + expected);
      // SNI (SSL_set_tlsext_host_name, without its macro's C cast).
      (void)SSL_ctrl(ssl_.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(expected.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast): OpenSSL's API does not write it
    }
    if (SSL_connect(ssl_.get()) != 1) {
      const long v = SSL_get_verify_result(ssl_.get());
      tls_error(hostport + ": TLS handshake" +
                (v != X509_V_OK ? std::string(" (device certificate: ") + X509_verify_cert_error_string(v) + ")" : ""));
    }
  }

  void send(std::span<const std::uint8_t> packet) override {
    std::size_t done = 0;
    while (done < packet.size()) {
      std::size_t n = 0;
      if (SSL_write_ex(ssl_.get(), packet.data() + done, packet.size() - done, &n) != 1) tls_error(name_ + ": send");
      done += n;
    }
  }

  std::optional<std::vector<std::uint8_t>> receive(Clock::time_point deadline) override {
    for (;;) {
      // A whole packet in: the header's length says where it ends.
      if (have_.size() >= kHeaderBytes) {
        const std::size_t want = kHeaderBytes + (std::size_t{have_[2]} << 8 | have_[3]);
        if (want > kMaxReply) throw Failure(ExitCode::transport, name_ + ": a reply of " + std::to_string(want) + " bytes");
        if (have_.size() >= want) {
          std::vector<std::uint8_t> p(have_.begin(), have_.begin() + static_cast<std::ptrdiff_t>(want));
          have_.erase(have_.begin(), have_.begin() + static_cast<std::ptrdiff_t>(want));
          return p;
        }
      }
      if (SSL_pending(ssl_.get()) == 0 && !wait_readable(fd_->get(), deadline)) return std::nullopt;
      std::array<std::uint8_t, 4096> buf{};
      std::size_t n = 0;
      if (SSL_read_ex(ssl_.get(), buf.data(), buf.size(), &n) != 1) {
        const int e = SSL_get_error(ssl_.get(), 0);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) continue;
        if (e == SSL_ERROR_ZERO_RETURN) throw Failure(ExitCode::transport, name_ + ": the device closed the session");
        tls_error(name_ + ": receive");
      }
      have_.insert(have_.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }

  std::string dropped() override { return {}; }
  std::size_t max_packet() const override { return 0; }

 private:
  static constexpr std::size_t kHeaderBytes = 8;
  struct CtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
  };
  std::string name_;
  std::unique_ptr<SSL_CTX, CtxFree> ctx_;
  std::unique_ptr<Fd> fd_;
  std::unique_ptr<SSL, SslFree> ssl_;  // freed before the socket closes
  std::vector<std::uint8_t> have_;
};

}  // namespace

std::unique_ptr<Transport> open_transport(const std::string& conntype, const std::string& connstring,
                                          const TlsOptions& tls) {
  if (conntype == "dtls") {
    usage("--conntype dtls: not supported (the device serves SMP over TLS: --conntype tls)");
  }
  if (conntype == "tls") {
    return std::make_unique<TlsTransport>(connstring, tls);
  }
  if (conntype == "serial") {
    const auto kv = parse_pairs(connstring);
    for (const auto& [k, v] : kv) {
      if (k != "dev" && k != "baud" && k != "tcp") usage("--connstring: unknown key \"" + k + "\" for serial");
    }
    if (kv.contains("tcp")) {
      if (kv.size() != 1) usage("--connstring: tcp= stands alone (no dev= or baud=)");
      return std::make_unique<SerialTransport>(connect_socket(kv.at("tcp"), SOCK_STREAM, "--connstring tcp"),
                                               kv.at("tcp"));
    }
    if (!kv.contains("dev")) usage("--connstring: serial needs dev=DEVICE or tcp=HOST:PORT");
    const speed_t speed = speed_of(kv.contains("baud") ? kv.at("baud") : "115200");
    return std::make_unique<SerialTransport>(open_tty(kv.at("dev"), speed), kv.at("dev"));
  }
  if (conntype == "udp") {
    return std::make_unique<UdpTransport>(connect_socket(connstring, SOCK_DGRAM, "--connstring"), connstring);
  }
  usage("--conntype: serial, udp or tls, not \"" + conntype + "\"");
}

}  // namespace ward::mgmt_client
