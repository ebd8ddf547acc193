// SMP group 0, OS management (os_group.hpp).
#include "ward/mgmt/os_group.hpp"

#include <array>

namespace ward::mgmt {
namespace {

constexpr Outcome invalid() { return Outcome::protocol(Err::invalid); }

constexpr Outcome os_error(OsError e, Err smp1) { return Outcome::group_error(static_cast<std::uint16_t>(e), smp1); }

// The info command's letters, in output order.
constexpr std::string_view kLetters = "snrvbmpio";

}  // namespace

struct OsGroup::Handlers {
  static Outcome echo(Group& g, const Request& r, MapWriter& out);
  static Outcome params(Group& g, const Request& r, MapWriter& out);
  static Outcome info(Group& g, const Request& r, MapWriter& out);
  static Outcome bootloader_info(Group& g, const Request& r, MapWriter& out);
  static Outcome taskstat(Group& g, const Request& r, MapWriter& out);
  static Outcome reset(Group& g, const Request& r, MapWriter& out);
};

const Group::Command OsGroup::kCommands[6] = {
    {kEcho, &OsGroup::Handlers::echo, &OsGroup::Handlers::echo},
    {kTaskStat, &OsGroup::Handlers::taskstat, nullptr},
    {kReset, nullptr, &OsGroup::Handlers::reset},
    {kParams, &OsGroup::Handlers::params, nullptr},
    {kInfo, &OsGroup::Handlers::info, nullptr},
    {kBootloaderInfo, &OsGroup::Handlers::bootloader_info, nullptr},
};

OsGroup::OsGroup(const OsInfo& info, const BootloaderInfo& bootloader, BufferParams buffers, TaskSource* tasks)
    : Group(group::os, kCommands), info_(info), bootloader_(bootloader), buffers_(buffers), tasks_(tasks) {}

Outcome OsGroup::Handlers::taskstat(Group& g, const Request& r, MapWriter& out) {
  std::array<Field, 0> none{};
  if (decode_map(r.payload, none) != DecodeError::none) {
    return invalid();
  }
  auto& self = static_cast<OsGroup&>(g);
  if (self.tasks_ == nullptr) {
    return Outcome::protocol(Err::not_supported);
  }
  out.map("tasks", [&](MapWriter& tasks) {
    TaskStat t;
    for (std::size_t i = 0; i < kMaxTasks && self.tasks_->task(i, t); ++i) {
      tasks.map(t.name, [&](MapWriter& m) {
        m.uint("prio", t.priority);
        m.uint("tid", t.id);
        m.uint("state", t.state);
        m.uint("stkuse", t.stack_used / 4);
        m.uint("stksiz", t.stack_size / 4);
        m.uint("cswcnt", 0);
        m.uint("runtime", 0);
        m.uint("last_checkin", 0);
        m.uint("next_checkin", 0);
      });
      t = TaskStat{};
    }
  });
  return Outcome::success();
}

Outcome OsGroup::Handlers::reset(Group& g, const Request& r, MapWriter& /*out*/) {
  std::array<Field, 1> f{{{"force", Field::Kind::boolean}}};
  if (decode_map(r.payload, f) != DecodeError::none) {
    return invalid();
  }
  static_cast<OsGroup&>(g).reset_requested_ = true;
  return Outcome::success();
}

Outcome OsGroup::Handlers::echo(Group& /*g*/, const Request& r, MapWriter& out) {
  std::array<Field, 1> f{{{"d", Field::Kind::text}}};
  if (decode_map(r.payload, f) != DecodeError::none || !f[0].present) {
    return invalid();
  }
  out.text("r", f[0].text());
  return Outcome::success();
}

Outcome OsGroup::Handlers::params(Group& g, const Request& r, MapWriter& out) {
  std::array<Field, 0> none{};
  if (decode_map(r.payload, none) != DecodeError::none) {
    return invalid();
  }
  const auto& self = static_cast<OsGroup&>(g);
  // The transport's own limit when it has one (the TLS transport's, smaller than the others').
  out.uint("buf_size", r.packet_limit != 0 ? r.packet_limit : self.buffers_.size);
  out.uint("buf_count", self.buffers_.count);
  return Outcome::success();
}

Outcome OsGroup::Handlers::info(Group& g, const Request& r, MapWriter& out) {
  std::array<Field, 1> f{{{"format", Field::Kind::text}}};
  if (decode_map(r.payload, f) != DecodeError::none) {
    return invalid();
  }
  const std::string_view format = f[0].present && !f[0].bytes.empty() ? f[0].text() : "s";
  unsigned wanted = 0;
  for (const char c : format) {
    if (c == 'a') {
      wanted = (1u << kLetters.size()) - 1u;
      continue;
    }
    const auto at = kLetters.find(c);
    if (at == std::string_view::npos) {
      return os_error(OsError::invalid_format, Err::invalid);
    }
    wanted |= 1u << at;
  }
  const auto& i = static_cast<OsGroup&>(g).info_;
  const std::array<std::string_view, 9> values{i.kernel_name,     i.node_name, i.release,
                                               i.version,         i.build_date_time, i.machine,
                                               i.processor,       i.hardware_platform, i.operating_system};
  std::array<char, kMaxInfoOutput> text{};
  std::size_t used = 0;
  for (std::size_t k = 0; k < values.size(); ++k) {
    if ((wanted & (1u << k)) == 0) {
      continue;
    }
    const std::size_t sep = used == 0 ? 0 : 1;
    if (values[k].size() + sep > text.size() - used) {
      return Outcome::protocol(Err::message_size);
    }
    if (sep != 0) {
      text[used++] = ' ';
    }
    for (const char c : values[k]) {
      text[used++] = c;
    }
  }
  out.text("output", std::string_view{text.data(), used});
  return Outcome::success();
}

Outcome OsGroup::Handlers::bootloader_info(Group& g, const Request& r, MapWriter& out) {
  std::array<Field, 1> f{{{"query", Field::Kind::text}}};
  if (decode_map(r.payload, f) != DecodeError::none) {
    return invalid();
  }
  const auto& b = static_cast<OsGroup&>(g).bootloader_;
  if (!f[0].present) {
    out.text("bootloader", b.name);
    return Outcome::success();
  }
  if (f[0].text() == "mode") {
    out.integer("mode", b.mode);
    out.boolean("no-downgrade", b.no_downgrade);
    return Outcome::success();
  }
  return os_error(OsError::query_yields_no_answer, Err::no_entry);
}

}  // namespace ward::mgmt
