#include "input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ward::tools {
namespace {

const char* kind(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device, not a file";
  if (S_ISFIFO(mode)) return "is a pipe (FIFO), not a file";
  if (S_ISSOCK(mode)) return "is a socket, not a file";
  return "is not a regular file";
}

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  explicit Fd(int f) : fd{f} {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

bool read_input_file(const std::string& path, std::size_t limit, std::string& out, std::string& error) {
  out.clear();
  // O_NONBLOCK: opening a FIFO with no writer must not hang the tool; it is refused below.
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
  if (f.fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  struct stat st{};
  if (::fstat(f.fd, &st) != 0) {
    error = path + ": cannot read: " + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = path + ": " + kind(st.st_mode);
    return false;
  }
  if (st.st_size < 0 || static_cast<unsigned long long>(st.st_size) > limit) {
    error = path + ": too large (" + std::to_string(st.st_size) + " bytes, limit " + std::to_string(limit) + ")";
    return false;
  }
  // The size is a hint (the file may change): read until the end, never past limit + 1 bytes.
  out.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t have = 0;
  for (;;) {
    if (have == out.size()) {
      if (out.size() > limit) {
        error = path + ": too large (grew past the limit of " + std::to_string(limit) + " bytes while read)";
        out.clear();
        return false;
      }
      out.resize(out.size() + (out.size() < limit - out.size() ? out.size() : limit + 1 - out.size()));
    }
    const ssize_t n = ::read(f.fd, out.data() + have, out.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = path + ": cannot read: " + std::strerror(errno);
      out.clear();
      return false;
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  out.resize(have);
  return true;
}

}  // namespace ward::tools
