#include "intel_hex.hpp"

#include <algorithm>
#include <optional>

namespace ward::tool::ihex {
namespace {

std::optional<std::uint8_t> hex_byte(char hi, char lo) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  const int h = digit(hi), l = digit(lo);
  if (h < 0 || l < 0) {
    return std::nullopt;
  }
  return static_cast<std::uint8_t>(h << 4 | l);
}

std::string at_line(std::size_t line, const std::string& what) {
  return "Intel HEX line " + std::to_string(line) + ": " + what;
}

std::string hex32(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) {
    s += digits[(v >> shift) & 15];
  }
  return s;
}

}  // namespace

Outcome<Image> parse(std::string_view text, std::size_t max_span) {
  auto fail_with = [](std::string message) { return failure<Image>(std::move(message)); };
  struct Run {
    std::uint64_t address;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<Run> runs;
  std::uint64_t window = 0;     // from record 02 or 04
  std::uint64_t next_free = 0;  // end of the previous data record
  bool seen_data = false, seen_start = false, ended = false;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (ended) {
      return fail_with(at_line(line_no, "data after the end-of-file record"));
    }
    if (line.size() < 11 || line[0] != ':' || (line.size() - 1) % 2 != 0) {
      return fail_with(at_line(line_no, "not a record (':' and an even number of hex digits, at least 10)"));
    }
    std::vector<std::uint8_t> rec;
    rec.reserve((line.size() - 1) / 2);
    for (std::size_t i = 1; i < line.size(); i += 2) {
      auto b = hex_byte(line[i], line[i + 1]);
      if (!b) {
        return fail_with(at_line(line_no, "not a hex digit"));
      }
      rec.push_back(*b);
    }
    const std::size_t length = rec[0];
    if (rec.size() != length + 5) {
      return fail_with(at_line(line_no, "record length " + std::to_string(length) + " does not match the line"));
    }
    std::uint8_t sum = 0;
    for (auto b : rec) {
      sum = static_cast<std::uint8_t>(sum + b);
    }
    if (sum != 0) {
      return fail_with(at_line(line_no, "checksum mismatch"));
    }
    const std::uint32_t offset = std::uint32_t{rec[1]} << 8 | rec[2];
    const std::uint8_t type = rec[3];
    const auto data = std::span{rec}.subspan(4, length);
    auto expect = [&](std::size_t want) -> std::optional<std::string> {
      if (length != want || offset != 0) {
        return at_line(line_no, "record type 0" + std::to_string(type) + " needs length " + std::to_string(want) +
                                    " and address 0000");
      }
      return std::nullopt;
    };
    switch (type) {
      case 0x00: {
        if (length == 0) {
          return fail_with(at_line(line_no, "empty data record"));
        }
        if (offset + length > 0x10000) {
          return fail_with(at_line(line_no, "data record crosses its 64 KiB window"));
        }
        const std::uint64_t address = window + offset;
        if (seen_data && address < next_free) {
          return fail_with(at_line(line_no, "data at " + hex32(address) + " overlaps or precedes the data before it (" +
                                                      hex32(next_free) + ")"));
        }
        if (!runs.empty() && address == next_free) {
          runs.back().bytes.insert(runs.back().bytes.end(), data.begin(), data.end());
        } else {
          runs.push_back({address, {data.begin(), data.end()}});
        }
        if (address + length - runs.front().address > max_span) {
          return fail_with(at_line(line_no, "data spans more than " + std::to_string(max_span) + " bytes"));
        }
        seen_data = true;
        next_free = address + length;
        break;
      }
      case 0x01:
        if (auto e = expect(0)) return failure<Image>(*e);
        ended = true;
        break;
      case 0x02:
        if (auto e = expect(2)) return failure<Image>(*e);
        window = (std::uint64_t{data[0]} << 8 | data[1]) << 4;
        break;
      case 0x04:
        if (auto e = expect(2)) return failure<Image>(*e);
        window = (std::uint64_t{data[0]} << 8 | data[1]) << 16;
        break;
      case 0x05:
        if (auto e = expect(4)) return failure<Image>(*e);
        if (seen_start) {
          return fail_with(at_line(line_no, "a second start address record"));
        }
        seen_start = true;
        break;
      default:
        return fail_with(at_line(line_no, "record type " + std::to_string(type) + " not supported"));
    }
  }
  if (!ended) {
    return fail_with("Intel HEX: no end-of-file record");
  }
  if (runs.empty()) {
    return fail_with("Intel HEX: no data");
  }
  if (next_free > 0x100000000ull) {
    return fail_with("Intel HEX: data past 4 GiB");
  }
  Image img;
  img.base = static_cast<std::uint32_t>(runs.front().address);
  img.bytes.assign(static_cast<std::size_t>(next_free - runs.front().address), 0xFF);
  for (const auto& r : runs) {
    std::copy(r.bytes.begin(), r.bytes.end(), img.bytes.begin() + static_cast<std::ptrdiff_t>(r.address - img.base));
  }
  return {std::move(img), {}};
}

Outcome<std::string> write(std::vector<Segment> segments) {
  auto fail_with = [](std::string message) { return failure<std::string>(std::move(message)); };
  std::erase_if(segments, [](const Segment& s) { return s.bytes.empty(); });
  std::sort(segments.begin(), segments.end(), [](const Segment& a, const Segment& b) { return a.address < b.address; });
  // Contiguous segments become one run, as in intelhex's byte map (records may span them).
  struct Run {
    std::uint64_t address;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<Run> runs;
  std::uint64_t end = 0;
  for (const auto& seg : segments) {
    const std::uint64_t start = seg.address;
    if (!runs.empty() && start < end) {
      return fail_with("Intel HEX output: overlapping data at " + hex32(start));
    }
    if (!runs.empty() && start == end) {
      runs.back().bytes.insert(runs.back().bytes.end(), seg.bytes.begin(), seg.bytes.end());
    } else {
      runs.push_back({start, {seg.bytes.begin(), seg.bytes.end()}});
    }
    end = start + seg.bytes.size();
    if (end > 0x100000000ull) {
      return fail_with("Intel HEX output: data past 4 GiB");
    }
  }
  std::string out;
  auto record = [&out](std::uint8_t type, std::uint16_t offset, std::span<const std::uint8_t> data) {
    static const char* digits = "0123456789ABCDEF";
    std::vector<std::uint8_t> rec{static_cast<std::uint8_t>(data.size()), static_cast<std::uint8_t>(offset >> 8),
                                  static_cast<std::uint8_t>(offset), type};
    rec.insert(rec.end(), data.begin(), data.end());
    std::uint8_t sum = 0;
    for (auto b : rec) {
      sum = static_cast<std::uint8_t>(sum + b);
    }
    rec.push_back(static_cast<std::uint8_t>(-sum));
    out += ':';
    for (auto b : rec) {
      out += digits[b >> 4];
      out += digits[b & 15];
    }
    out += '\n';
  };
  const bool linear = end > 0x10000;
  std::optional<std::uint32_t> window;
  for (const auto& seg : runs) {
    std::uint64_t address = seg.address;
    std::size_t pos = 0;
    while (pos < seg.bytes.size()) {
      const auto upper = static_cast<std::uint32_t>(address >> 16);
      if (linear && window != upper) {
        const std::uint8_t w[2] = {static_cast<std::uint8_t>(upper >> 8), static_cast<std::uint8_t>(upper)};
        record(0x04, 0, w);
        window = upper;
      }
      const auto low = static_cast<std::uint32_t>(address & 0xFFFF);
      const std::size_t n = std::min<std::size_t>({16, 0x10000 - low, seg.bytes.size() - pos});
      record(0x00, static_cast<std::uint16_t>(low), std::span{seg.bytes}.subspan(pos, n));
      pos += n;
      address += n;
    }
  }
  out += ":00000001FF\n";
  return {std::move(out), {}};
}

}  // namespace ward::tool::ihex
