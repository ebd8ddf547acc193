// ward-mgmt's SMP requests and reply parsing (smp.hpp).
#include "smp.hpp"

#include <algorithm>
#include <cstring>

namespace ward::mgmt_client {
namespace {

using cbor_read::as_bool;
using cbor_read::as_bytes;
using cbor_read::as_int;
using cbor_read::as_text;
using cbor_read::as_uint;

// --- bounding a reply's CBOR before libcbor builds it -------------------------------------------
// libcbor's cbor_load allocates each definite container at the size its head declares and builds
// nested items recursively (and frees them recursively): a 5-byte head could ask for gigabytes, and
// deep nesting could exhaust the stack. So the items are first walked with libcbor's streaming
// decoder, which builds nothing, keeping a stack of how many items each open container still owes.
struct Walk {
  std::size_t bytes_left = 0;
  std::vector<std::int64_t> open;  // items still owed per open container; -1: indefinite length
  std::size_t top_items = 0;
  const char* why = nullptr;

  void fail(const char* reason) {
    if (why == nullptr) why = reason;
  }
  // One whole item ended: it counts against its container, which may end with it.
  void item() {
    for (;;) {
      if (open.empty()) {
        ++top_items;
        return;
      }
      if (open.back() < 0) return;
      if (--open.back() > 0) return;
      open.pop_back();  // that container is complete: it is an item of its parent
    }
  }
  void start(std::int64_t owed) {
    if (owed == 0) {
      item();
      return;
    }
    open.push_back(owed);
    if (open.size() > kMaxDepth) fail("CBOR nested too deep");
  }
};

Walk* ctx(void* c) { return static_cast<Walk*>(c); }

cbor_callbacks walk_callbacks() {
  cbor_callbacks cb = cbor_empty_callbacks;
  cb.uint8 = [](void* c, std::uint8_t) { ctx(c)->item(); };
  cb.uint16 = [](void* c, std::uint16_t) { ctx(c)->item(); };
  cb.uint32 = [](void* c, std::uint32_t) { ctx(c)->item(); };
  cb.uint64 = [](void* c, std::uint64_t) { ctx(c)->item(); };
  cb.negint8 = [](void* c, std::uint8_t) { ctx(c)->item(); };
  cb.negint16 = [](void* c, std::uint16_t) { ctx(c)->item(); };
  cb.negint32 = [](void* c, std::uint32_t) { ctx(c)->item(); };
  cb.negint64 = [](void* c, std::uint64_t) { ctx(c)->item(); };
  cb.byte_string = [](void* c, cbor_data, std::size_t) { ctx(c)->item(); };
  cb.string = [](void* c, cbor_data, std::size_t) { ctx(c)->item(); };
  cb.byte_string_start = [](void* c) { ctx(c)->fail("indefinite-length byte string"); };
  cb.string_start = [](void* c) { ctx(c)->fail("indefinite-length text string"); };
  cb.array_start = [](void* c, std::size_t n) {
    if (n > ctx(c)->bytes_left) {
      ctx(c)->fail("CBOR array longer than the reply");
      return;  // n is the peer's: nothing is computed from it once it is refused
    }
    ctx(c)->start(static_cast<std::int64_t>(n));
  };
  cb.map_start = [](void* c, std::size_t n) {
    if (n > ctx(c)->bytes_left / 2) {
      ctx(c)->fail("CBOR map longer than the reply");
      return;
    }
    ctx(c)->start(static_cast<std::int64_t>(n) * 2);
  };
  cb.indef_array_start = [](void* c) { ctx(c)->start(-1); };
  cb.indef_map_start = [](void* c) { ctx(c)->start(-1); };
  cb.indef_break = [](void* c) {
    auto* w = ctx(c);
    if (w->open.empty() || w->open.back() >= 0) {
      w->fail("CBOR break outside an indefinite-length container");
      return;
    }
    w->open.pop_back();
    w->item();
  };
  cb.tag = [](void* c, std::uint64_t) { ctx(c)->start(1); };  // a tag owns the next item
  cb.float2 = [](void* c, float) { ctx(c)->item(); };
  cb.float4 = [](void* c, float) { ctx(c)->item(); };
  cb.float8 = [](void* c, double) { ctx(c)->item(); };
  cb.undefined = [](void* c) { ctx(c)->item(); };
  cb.null = [](void* c) { ctx(c)->item(); };
  cb.boolean = [](void* c, bool) { ctx(c)->item(); };
  return cb;
}

const char* walk(std::span<const std::uint8_t> data) {
  static const cbor_callbacks cb = walk_callbacks();
  Walk w;
  std::size_t offset = 0;
  while (offset < data.size() && w.why == nullptr) {
    w.bytes_left = data.size() - offset - 1;
    const cbor_decoder_result r = cbor_stream_decode(data.data() + offset, data.size() - offset, &cb, &w);
    if (r.status == CBOR_DECODER_NEDATA) return "CBOR truncated";
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0) return "CBOR malformed";
    offset += r.read;
    if (w.top_items > 1) return "bytes after the CBOR map";
  }
  if (w.why != nullptr) return w.why;
  if (!w.open.empty() || w.top_items != 1) return "CBOR truncated";
  return nullptr;
}

// --- reading values -------------------------------------------------------------------------------

const cbor_item_t* find_in(const cbor_item_t* map, std::string_view key) {
  if (map == nullptr || !cbor_isa_map(map)) return nullptr;
  const cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t k = 0; k < cbor_map_size(map); ++k) {
    const cbor_item_t* key_item = pairs[k].key;
    if (cbor_isa_string(key_item) && cbor_string_is_definite(key_item) && cbor_string_length(key_item) == key.size() &&
        (key.empty() || std::memcmp(cbor_string_handle(key_item), key.data(), key.size()) == 0)) {
      return pairs[k].value;
    }
  }
  return nullptr;
}

ReplyError bad(std::string what) { return ReplyError{std::move(what), false}; }

// A flag of a slot: absent is false (Zephyr leaves false flags out), present must be a boolean.
bool take_flag(const cbor_item_t* slot, std::string_view key, bool& out) {
  const cbor_item_t* v = find_in(slot, key);
  if (v == nullptr) return true;
  const auto b = as_bool(v);
  if (!b) return false;
  out = *b;
  return true;
}

std::variant<SlotInfo, ReplyError> decode_slot(const cbor_item_t* s) {
  if (!cbor_isa_map(s)) return bad("image state: a slot is not a map");
  SlotInfo out;
  if (const cbor_item_t* v = find_in(s, "image")) {
    const auto n = as_uint(v);
    if (!n) return bad("image state: \"image\" is not an unsigned integer");
    out.image = *n;
  }
  const auto slot = as_uint(find_in(s, "slot"));
  const auto version = as_text(find_in(s, "version"));
  if (!slot || !version) return bad("image state: a slot without \"slot\" or \"version\"");
  out.slot = *slot;
  out.version = *version;
  if (const cbor_item_t* v = find_in(s, "hash")) {
    const auto h = as_bytes(v);
    if (!h) return bad("image state: \"hash\" is not a byte string");
    out.hash = *h;
  }
  if (!take_flag(s, "bootable", out.bootable) || !take_flag(s, "pending", out.pending) ||
      !take_flag(s, "confirmed", out.confirmed) || !take_flag(s, "active", out.active) ||
      !take_flag(s, "permanent", out.permanent)) {
    return bad("image state: a flag is not a boolean");
  }
  return out;
}

// An optional unsigned field: absent is fine, present must be an unsigned integer.
bool take_optional_uint(const cbor_item_t* map, std::string_view key, std::optional<std::uint64_t>& out) {
  const cbor_item_t* v = find_in(map, key);
  if (v == nullptr) return true;
  out = as_uint(v);
  return out.has_value();
}

std::variant<ImageSlotsInfo, ReplyError> decode_image_slots(const cbor_item_t* m) {
  if (!cbor_isa_map(m)) return bad("slot info: an image is not a map");
  ImageSlotsInfo out;
  const auto image = as_uint(find_in(m, "image"));
  const cbor_item_t* slots = find_in(m, "slots");
  if (!image || slots == nullptr || !cbor_isa_array(slots)) return bad("slot info: an image without \"image\" or \"slots\"");
  out.image = *image;
  if (!take_optional_uint(m, "max_image_size", out.max_image_size)) {
    return bad("slot info: \"max_image_size\" is not an unsigned integer");
  }
  cbor_item_t** items = cbor_array_handle(slots);
  for (std::size_t i = 0; i < cbor_array_size(slots); ++i) {
    const auto slot = as_uint(find_in(items[i], "slot"));
    const auto size = as_uint(find_in(items[i], "size"));
    if (!cbor_isa_map(items[i]) || !slot || !size) return bad("slot info: a slot without \"slot\" or \"size\"");
    SlotSize s{*slot, *size, std::nullopt};
    if (!take_optional_uint(items[i], "upload_image_id", s.upload_image_id)) {
      return bad("slot info: \"upload_image_id\" is not an unsigned integer");
    }
    out.slots.push_back(s);
  }
  return out;
}

}  // namespace

// --- header ---------------------------------------------------------------------------------------

std::array<std::uint8_t, kHeaderBytes> encode_header(const Header& h) {
  return {static_cast<std::uint8_t>((h.version & 3u) << 3 | (h.op & 7u)),
          h.flags,
          static_cast<std::uint8_t>(h.length >> 8),
          static_cast<std::uint8_t>(h.length & 0xff),
          static_cast<std::uint8_t>(h.group >> 8),
          static_cast<std::uint8_t>(h.group & 0xff),
          h.sequence,
          h.id};
}

std::optional<Header> parse_header(std::span<const std::uint8_t> in) {
  if (in.size() < kHeaderBytes || (in[0] & 0xe0u) != 0) return std::nullopt;
  Header h;
  h.op = in[0] & 7u;
  h.version = (in[0] >> 3) & 3u;
  h.flags = in[1];
  h.length = static_cast<std::uint16_t>(in[2] << 8 | in[3]);
  h.group = static_cast<std::uint16_t>(in[4] << 8 | in[5]);
  h.sequence = in[6];
  h.id = in[7];
  return h;
}

// --- requests -------------------------------------------------------------------------------------

namespace {
void put(Bytes& out, std::size_t (*enc)(std::size_t, unsigned char*, std::size_t), std::size_t v) {
  std::array<unsigned char, 9> buf{};
  const std::size_t n = enc(v, buf.data(), buf.size());
  out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
}
}  // namespace

void MapBuilder::key(std::string_view k) {
  put(body_, cbor_encode_string_start, k.size());
  body_.insert(body_.end(), k.begin(), k.end());
  ++pairs_;
}

MapBuilder& MapBuilder::text(std::string_view k, std::string_view value) {
  key(k);
  put(body_, cbor_encode_string_start, value.size());
  body_.insert(body_.end(), value.begin(), value.end());
  return *this;
}

MapBuilder& MapBuilder::uint(std::string_view k, std::uint64_t value) {
  key(k);
  std::array<unsigned char, 9> buf{};
  const std::size_t n = cbor_encode_uint(value, buf.data(), buf.size());
  body_.insert(body_.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  return *this;
}

MapBuilder& MapBuilder::bytes(std::string_view k, std::span<const std::uint8_t> value) {
  key(k);
  put(body_, cbor_encode_bytestring_start, value.size());
  body_.insert(body_.end(), value.begin(), value.end());
  return *this;
}

MapBuilder& MapBuilder::boolean(std::string_view k, bool value) {
  key(k);
  std::array<unsigned char, 1> buf{};
  cbor_encode_bool(value, buf.data(), buf.size());
  body_.push_back(buf[0]);
  return *this;
}

Bytes MapBuilder::finish() const {
  Bytes out;
  put(out, cbor_encode_map_start, pairs_);
  out.insert(out.end(), body_.begin(), body_.end());
  return out;
}

Bytes make_request(Op op, std::uint8_t version, std::uint16_t grp, std::uint8_t sequence, std::uint8_t id,
                   const Bytes& map) {
  Header h;
  h.op = static_cast<std::uint8_t>(op);
  h.version = version;
  h.length = static_cast<std::uint16_t>(map.size());
  h.group = grp;
  h.sequence = sequence;
  h.id = id;
  const auto head = encode_header(h);
  // Sized first and copied into: GCC 12 at -O3 (the standalone Release build) warns falsely about
  // inserting into a vector built from the 8-byte header (array-bounds).
  Bytes out(kHeaderBytes + map.size());
  std::copy(head.begin(), head.end(), out.begin());
  std::copy(map.begin(), map.end(), out.begin() + kHeaderBytes);
  return out;
}

// --- replies --------------------------------------------------------------------------------------

std::optional<Item> load_cbor(std::span<const std::uint8_t> data, std::string& why) {
  if (data.empty()) {
    why = "no CBOR";
    return std::nullopt;
  }
  if (const char* w = walk(data)) {
    why = w;
    return std::nullopt;
  }
  cbor_load_result r{};
  Item item{cbor_load(data.data(), data.size(), &r)};
  if (!item || r.error.code != CBOR_ERR_NONE || r.read != data.size()) {
    why = "CBOR not loadable";
    return std::nullopt;
  }
  return item;
}

const cbor_item_t* Reply::find(std::string_view key) const { return find_in(map.get(), key); }

std::variant<Reply, ReplyError> parse_reply(std::span<const std::uint8_t> packet, const Expect& e) {
  const auto h = parse_header(packet);
  if (!h) return bad("reply shorter than an SMP header, or reserved bits set");
  if (h->sequence != e.sequence) {
    return ReplyError{"reply with sequence number " + std::to_string(h->sequence) + ", expected " +
                          std::to_string(e.sequence),
                      true};
  }
  if (h->op != static_cast<std::uint8_t>(e.op) + 1 || h->group != e.group || h->id != e.id) {
    return bad("reply does not answer the request (op " + std::to_string(h->op) + ", group " +
               std::to_string(h->group) + ", command " + std::to_string(h->id) + ")");
  }
  if (h->version > 1) return bad("reply in SMP version " + std::to_string(h->version + 1));
  if (packet.size() > kMaxReply) return bad("reply of " + std::to_string(packet.size()) + " bytes, over the limit");
  if (h->length != packet.size() - kHeaderBytes) {
    return bad("reply's header says " + std::to_string(h->length) + " bytes of CBOR, " +
               std::to_string(packet.size() - kHeaderBytes) + " follow");
  }
  std::string why;
  auto item = load_cbor(packet.subspan(kHeaderBytes), why);
  if (!item) return bad("reply's CBOR: " + why);
  if (!cbor_isa_map(item->get())) return bad("reply's CBOR is not a map");
  return Reply{*h, std::move(*item)};
}

std::variant<DeviceError, ReplyError> reply_error(const Reply& r) {
  DeviceError out;
  if (const cbor_item_t* err = r.find("err")) {
    const auto g = as_uint(find_in(err, "group"));
    const auto rc = as_int(find_in(err, "rc"));
    if (!cbor_isa_map(err) || !g || !rc || *g > 0xffff) return bad("reply's \"err\" is not {group, rc}");
    out.group = static_cast<std::uint16_t>(*g);
    out.rc = *rc;
    return out;
  }
  if (const cbor_item_t* rc = r.find("rc")) {
    const auto v = as_int(rc);
    if (!v) return bad("reply's \"rc\" is not an integer");
    out.rc = *v;
  }
  return out;
}

std::string DeviceError::describe() const {
  static const std::map<std::int64_t, const char*> smp = {
      {1, "unknown"},       {2, "no memory"},    {3, "invalid"},        {4, "timeout"},    {5, "no entry"},
      {6, "bad state"},     {7, "message size"}, {8, "not supported"},  {9, "corrupt"},    {10, "busy"},
      {11, "access denied"}, {12, "too old"},    {13, "too new"}};
  static const std::map<std::int64_t, const char*> os = {
      {1, "unknown"}, {2, "invalid format"}, {3, "query yields no answer"}};
  static const std::map<std::int64_t, const char*> img = {
      {1, "unknown"},           {2, "flash config query failed"}, {3, "no image"},
      {4, "no TLVs"},           {5, "invalid TLV"},               {6, "TLV multiple hashes"},
      {7, "TLV invalid size"},  {8, "hash not found"},            {9, "no free slot"},
      {10, "flash open failed"}, {11, "flash read failed"},       {12, "flash write failed"},
      {13, "flash erase failed"}, {14, "invalid slot"},           {15, "no free memory"},
      {16, "flash context already set"}, {17, "flash context not set"}, {18, "flash area device null"},
      {19, "invalid page offset"}, {20, "invalid offset"},        {21, "invalid length"},
      {22, "invalid image header"}, {23, "invalid image header magic"}, {24, "invalid hash"},
      {25, "invalid flash address"}, {26, "version get failed"}, {27, "current version is newer"},
      {28, "image already pending"}, {29, "invalid image vector table"}, {30, "image too large"},
      {31, "image data overrun"},  {32, "image confirmation denied"}, {33, "image setting test to active denied"}};
  const std::map<std::int64_t, const char*>* names = &smp;
  std::string where = "rc";
  if (group) {
    names = *group == group::os ? &os : *group == group::image ? &img : nullptr;
    where = "group " + std::to_string(*group) + " rc";
  }
  std::string s = where + " " + std::to_string(rc);
  if (names != nullptr) {
    if (const auto it = names->find(rc); it != names->end()) s += std::string(" (") + it->second + ")";
  }
  return s;
}

std::variant<ImageState, ReplyError> decode_image_state(const Reply& r) {
  const cbor_item_t* images = r.find("images");
  if (images == nullptr || !cbor_isa_array(images)) return bad("image state: no \"images\" array");
  ImageState out;
  cbor_item_t** items = cbor_array_handle(images);
  for (std::size_t i = 0; i < cbor_array_size(images); ++i) {
    auto slot = decode_slot(items[i]);
    if (auto* e = std::get_if<ReplyError>(&slot)) return *e;
    out.slots.push_back(std::move(std::get<SlotInfo>(slot)));
  }
  if (const cbor_item_t* s = r.find("splitStatus")) {
    const auto v = as_int(s);
    if (!v) return bad("image state: \"splitStatus\" is not an integer");
    out.split_status = *v;
  }
  return out;
}

std::variant<std::vector<ImageSlotsInfo>, ReplyError> decode_slot_info(const Reply& r) {
  const cbor_item_t* images = r.find("images");
  if (images == nullptr || !cbor_isa_array(images)) return bad("slot info: no \"images\" array");
  std::vector<ImageSlotsInfo> out;
  cbor_item_t** items = cbor_array_handle(images);
  for (std::size_t i = 0; i < cbor_array_size(images); ++i) {
    auto image = decode_image_slots(items[i]);
    if (auto* e = std::get_if<ReplyError>(&image)) return *e;
    out.push_back(std::move(std::get<ImageSlotsInfo>(image)));
  }
  return out;
}

std::variant<std::uint64_t, ReplyError> decode_upload_offset(const Reply& r) {
  const auto off = as_uint(r.find("off"));
  if (!off) return bad("upload: no \"off\" in the reply");
  return *off;
}

std::variant<std::string, ReplyError> decode_echo(const Reply& r) {
  auto s = as_text(r.find("r"));
  if (!s) return bad("echo: no \"r\" text in the reply");
  return std::move(*s);
}

std::variant<std::vector<TaskInfo>, ReplyError> decode_taskstat(const Reply& r) {
  const cbor_item_t* tasks = r.find("tasks");
  if (tasks == nullptr || !cbor_isa_map(tasks)) return bad("taskstat: no \"tasks\" map");
  std::vector<TaskInfo> out;
  const cbor_pair* pairs = cbor_map_handle(tasks);
  for (std::size_t k = 0; k < cbor_map_size(tasks); ++k) {
    auto name = as_text(pairs[k].key);
    if (!name || !cbor_isa_map(pairs[k].value)) return bad("taskstat: a task is not name: {fields}");
    TaskInfo t{std::move(*name), {}};
    const cbor_item_t* fields = pairs[k].value;
    const cbor_pair* fp = cbor_map_handle(fields);
    for (std::size_t f = 0; f < cbor_map_size(fields); ++f) {
      auto key = as_text(fp[f].key);
      const auto v = as_uint(fp[f].value);
      if (!key) return bad("taskstat: a field name is not text");
      if (v) t.fields[*key] = *v;  // fields of other types (a name, say) are not shown
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::variant<Params, ReplyError> decode_params(const Reply& r) {
  const auto size = as_uint(r.find("buf_size"));
  const auto count = as_uint(r.find("buf_count"));
  if (!size || !count) return bad("parameters: no \"buf_size\" and \"buf_count\"");
  return Params{*size, *count};
}

std::string hex(std::span<const std::uint8_t> b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t x : b) {
    s += kDigits[x >> 4];
    s += kDigits[x & 15];
  }
  return s;
}

std::optional<Bytes> unhex(std::string_view s) {
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (s.size() % 2 != 0) return std::nullopt;
  Bytes out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = nib(s[i]);
    const int lo = nib(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

}  // namespace ward::mgmt_client
