// SMP group 0, OS management (Zephyr's "Default/OS Management Group"), the commands served so far:
//   0 echo               read or write {"d": text} -> {"r": text}
//   2 task statistics    read -> {"tasks": {name: {"prio", "tid", "state", "stkuse", "stksiz",
//                         "cswcnt", "runtime", "last_checkin", "next_checkin"}...}} from a
//                         TaskSource (stack figures in 4-byte words, as Zephyr gives them)
//   5 reset              write {"force"?} -> {}; the group only records the request: the transport
//                         resets after it has sent the answer (take_reset())
//   6 mcumgr parameters  read -> {"buf_size": uint, "buf_count": uint}; buf_size is the packet
//                         limit of the transport the request came on (Request::packet_limit) when
//                         it has its own, else the image's (BufferParams)
//   7 OS/application info read {"format": text}? -> {"output": text}; the format's letters choose
//                         fields: s kernel name, n node name, r release, v version, b build date
//                         and time, m machine, p processor, i hardware platform, o operating
//                         system, a all; output in that order, separated by spaces. No format: "s".
//   8 bootloader info    read {"query": text}? -> {"bootloader": name}; query "mode" ->
//                         {"mode": int, "no-downgrade": bool}
// The answers are values the image gives at construction (and its TaskSource): the group reads no
// configuration and no kernel itself.
#pragma once
#include <cstdint>
#include <string_view>

#include "ward/mgmt/server.hpp"

namespace ward::mgmt {

// os_mgmt_err_code_t: this group's own errors (SMP 2 "err").
enum class OsError : std::uint16_t { ok = 0, unknown = 1, invalid_format = 2, query_yields_no_answer = 3 };

struct OsInfo {
  std::string_view kernel_name;        // s
  std::string_view node_name;          // n
  std::string_view release;            // r
  std::string_view version;            // v
  std::string_view build_date_time;    // b
  std::string_view machine;            // m
  std::string_view processor;          // p
  std::string_view hardware_platform;  // i
  std::string_view operating_system;   // o
};

struct BootloaderInfo {
  std::string_view name;   // "bootloader"
  std::int32_t mode = 0;   // MCUboot's mode numbers (e.g. 1: swap using scratch, 3: swap using move)
  bool no_downgrade = false;
};

// What a client may send at once: the transport's packet buffer and how many there are.
struct BufferParams {
  std::uint32_t size = 0;
  std::uint32_t count = 0;
};

struct TaskStat {
  std::string_view name;
  std::uint32_t priority = 0;
  std::uint32_t id = 0;
  std::uint32_t state = 0;
  std::uint32_t stack_used = 0;  // bytes
  std::uint32_t stack_size = 0;  // bytes
};

// The threads task statistics lists (the kernel's threads on the device, a fake in host tests).
class TaskSource {
 public:
  // The `index`-th thread into `out`; false past the last.
  virtual bool task(std::size_t index, TaskStat& out) = 0;

 protected:
  ~TaskSource() = default;
};

class OsGroup final : public Group {
 public:
  static constexpr std::uint8_t kEcho = 0;
  static constexpr std::uint8_t kTaskStat = 2;
  static constexpr std::uint8_t kReset = 5;
  // At most this many threads are listed (the answer must fit a packet).
  static constexpr std::size_t kMaxTasks = 16;
  static constexpr std::uint8_t kParams = 6;
  static constexpr std::uint8_t kInfo = 7;
  static constexpr std::uint8_t kBootloaderInfo = 8;
  // The longest "output" of the info command; a longer one answers message_size.
  static constexpr std::size_t kMaxInfoOutput = 128;

  // `info` and `bootloader` are kept by reference (no copy in RAM, none at start-up): they must
  // outlive the group (constants of the image); temporaries are refused at compile time.
  OsGroup(const OsInfo& info, const BootloaderInfo& bootloader, BufferParams buffers, TaskSource* tasks = nullptr);
  OsGroup(const OsInfo&& info, const BootloaderInfo& bootloader, BufferParams buffers, TaskSource* tasks = nullptr) = delete;
  OsGroup(const OsInfo& info, const BootloaderInfo&& bootloader, BufferParams buffers, TaskSource* tasks = nullptr) = delete;

  // True once after a reset request was answered: the transport resets when its answer is out.
  bool take_reset() {
    const bool r = reset_requested_;
    reset_requested_ = false;
    return r;
  }

 private:
  // The command handlers (defined in the .cpp); nested, so they reach the group's state.
  struct Handlers;
  static const Command kCommands[6];

  const OsInfo& info_;
  const BootloaderInfo& bootloader_;
  BufferParams buffers_;
  TaskSource* tasks_;
  bool reset_requested_ = false;
};

}  // namespace ward::mgmt
