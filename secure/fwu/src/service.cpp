// The Firmware Update service (see ward/secure/fwu/service.hpp for the state table).
#include "ward/secure/fwu/service.hpp"

#include <algorithm>
#include <cstring>

#include "ward/boot/engine.hpp"
#include "ward/boot/security_counter.hpp"
#include "ward/boot/slot_state.hpp"

namespace ward::secure::fwu {
namespace tr = image::trailer;
using boot::Field;

namespace {

// A set of PSA_FWU_* states (Service::lookup).
constexpr std::uint32_t bit(std::uint32_t state) { return 1u << state; }

constexpr std::uint32_t kAlign = 1u << PSA_FWU_LOG2_WRITE_ALIGN;
// Bytes read or programmed per flash call while staging, scanning and checking: a multiple of
// kAlign, small enough for the secure stack's neighbours.
constexpr std::uint32_t kChunk = 256;
static_assert(kChunk % kAlign == 0 && PSA_FWU_MAX_WRITE_SIZE % kAlign == 0);

Service* g_instance = nullptr;

bool ok(const flash::Status& s) { return static_cast<bool>(s); }

// The secondary slot's image area: where a new image is staged (the slot without its trailer).
flash::Region staging(flash::Flash& f, const boot::FlashLayout& l) {
  return {f, l.secondary_offset + l.sector_size(), l.max_image_size()};
}
flash::Region active(flash::Flash& f, const boot::FlashLayout& l) {
  return {f, l.primary_offset, l.max_image_size()};
}

psa_status_t from_image_error(image::Error e) {
  // io: the flash failed; every other reason means the image is not one the bootloader accepts.
  return e == image::Error::io ? PSA_ERROR_STORAGE_FAILURE : PSA_ERROR_INVALID_SIGNATURE;
}

}  // namespace

void set_instance(Service* service) { g_instance = service; }
Service* instance() { return g_instance; }

Service::Service(flash::Flash& flash, storage::Store& its, image::Crypto& crypto, std::span<const Component> components,
                 void (*reboot)())
    : flash_{flash}, its_{its}, crypto_{crypto}, components_{components.first(std::min(components.size(), kMaxComponents))},
      reboot_{reboot} {}

const Component* Service::find(psa_fwu_component_t c) const {
  for (const auto& comp : components_) {
    // A component whose slots are not configured cannot be updated: it does not exist here.
    if (comp.id == c && comp.layout != nullptr) return &comp;
  }
  return nullptr;
}

psa_status_t Service::lookup(psa_fwu_component_t c, std::uint32_t states, const Component** comp) {
  *comp = find(c);
  if (*comp == nullptr) return PSA_ERROR_DOES_NOT_EXIST;
  return ((states >> state_of(**comp).state) & 1u) != 0 ? PSA_SUCCESS : PSA_ERROR_BAD_STATE;
}

Record Service::running_record(const Component& comp) {
  Record r{};
  r.magic = kRecordMagic;
  r.state = Record::installed;
  if (auto m = boot::read_manifest_at(active(flash_, *comp.layout))) r.digest = m->sha256;
  return r;
}

psa_status_t Service::read_record(const Component& comp, Record* r, bool* found) {
  *found = false;
  std::array<std::byte, sizeof(Record)> raw{};
  std::size_t n = 0;
  const psa_status_t s = its_.get(kFwuPartition, kRecordUidBase + comp.id, 0, raw, &n);
  if (s == PSA_ERROR_DOES_NOT_EXIST) return PSA_SUCCESS;
  if (s != PSA_SUCCESS) return s;
  std::memcpy(r, raw.data(), sizeof *r);
  // ITS authenticates what it returns: a record of another size or version is not ours.
  if (n != sizeof *r || r->magic != kRecordMagic) return PSA_ERROR_DATA_CORRUPT;
  *found = true;
  return PSA_SUCCESS;
}

psa_status_t Service::write_record(const Component& comp, const Record& r) {
  std::array<std::byte, sizeof(Record)> raw{};
  std::memcpy(raw.data(), &r, sizeof r);
  return its_.set(kFwuPartition, kRecordUidBase + comp.id, raw, 0);
}

psa_status_t Service::commit(const Component& comp, const Record& r) {
  const psa_status_t s = write_record(comp, r);
  if (s == PSA_SUCCESS) refresh(comp);
  return s;
}

psa_status_t Service::commit_failed(const Component& comp, psa_status_t error) {
  Record r = state_of(comp).record;
  r.magic = kRecordMagic;  // the component may have had no record (STAGED by a request made elsewhere)
  r.state = Record::failed;
  r.error = error;
  return commit(comp, r);
}

psa_status_t Service::drop_record(const Component& comp) {
  const psa_status_t s = its_.remove(kFwuPartition, kRecordUidBase + comp.id);
  return s == PSA_ERROR_DOES_NOT_EXIST ? PSA_SUCCESS : s;
}

psa_status_t Service::erase_slot(const Component& comp) {
  // While the primary is on trial the secondary slot holds the image a revert brings back: never
  // erased then, whatever the record says (red team: a record that cannot be read makes the
  // component FAILED, which clean() and start() would otherwise act on, and the trial image would
  // run on at every boot with nothing to revert to).
  const auto primary = boot::read_trailer(comp.layout->primary(flash_), *comp.layout);
  if (!primary) return PSA_ERROR_STORAGE_FAILURE;
  if (boot::on_trial(*primary, *comp.layout)) return PSA_ERROR_BAD_STATE;
  // The whole secondary slot, trailer included (a leftover request must not survive). Sectors
  // already erased are left alone: less wear, and start() after clean() costs only the check.
  const flash::Region slot = comp.layout->secondary(flash_);
  for (std::uint32_t i = 0; i < slot.sectors(); ++i) {
    auto erased = slot.is_erased(i * slot.sector_size(), slot.sector_size());
    if (!erased) return PSA_ERROR_STORAGE_FAILURE;
    if (!*erased && !ok(slot.erase_sector(i))) return PSA_ERROR_STORAGE_FAILURE;
  }
  return PSA_SUCCESS;
}

psa_status_t Service::scan_written(const Component& comp, std::uint32_t* written) {
  // The staged length is where the erased tail of the staging area begins: start() erased it all,
  // and write() fills it in order without gaps. Reported as the start of the unit that holds the
  // last byte that is not erased: a power cut may have torn that byte (some of its bits cleared),
  // so the resumed download writes its unit again. Same bytes over a torn unit are accepted: NOR
  // programming only clears the bits the torn write had not cleared yet.
  const flash::Region area = staging(flash_, *comp.layout);
  std::array<std::byte, kChunk> buf{};
  std::uint32_t end = area.size();
  while (end > 0) {
    const std::uint32_t n = std::min<std::uint32_t>(kChunk, end);
    auto chunk = std::span{buf}.first(n);
    if (!ok(area.read(end - n, chunk))) return PSA_ERROR_STORAGE_FAILURE;
    const auto last = std::find_if(chunk.rbegin(), chunk.rend(), [](std::byte b) { return b != flash::kErased; });
    if (last != chunk.rend()) {
      const auto last_byte = end - n + static_cast<std::uint32_t>(chunk.rend() - last) - 1;
      *written = last_byte / kAlign * kAlign;
      return PSA_SUCCESS;
    }
    end -= n;
  }
  *written = 0;
  return PSA_SUCCESS;
}

psa_status_t Service::verify_candidate(const Component& comp, image::Manifest* m) {
  if (comp.key == nullptr) return PSA_ERROR_NOT_SUPPORTED;
  const boot::FlashLayout& l = *comp.layout;
  boot::FlashSource src{staging(flash_, l)};
  auto v = image::verify(src, l.max_image_size(), *comp.key, crypto_);
  if (!v) return from_image_error(v.error());
  // The bootloader would refuse it (boot/src/engine.cpp, Engine::request): refuse it now.
  auto stored = boot::SecurityCounter{l.counter(flash_)}.read();
  if (!stored) return PSA_ERROR_STORAGE_FAILURE;
  // Against the confirmed image's counter too: after accept() the stored one lags until the next
  // boot (boot::rollback_floor), and the bootloader would refuse the image.
  if (v->security_counter < boot::rollback_floor(flash_, l, *stored)) return PSA_ERROR_NOT_PERMITTED;
  *m = *v;
  return PSA_SUCCESS;
}

void Service::refresh(const Component& comp) {
  State& st = state_of(comp);
  // What write() counted this boot is exact; the scan may say one unit less (see scan_written).
  const std::uint32_t counted = st.written;
  st = State{};
  const boot::FlashLayout& l = *comp.layout;
  auto fail_storage = [&st] {
    st.state = PSA_FWU_FAILED;
    st.error = PSA_ERROR_STORAGE_FAILURE;
  };
  if (read_record(comp, &st.record, &st.has_record) != PSA_SUCCESS) return fail_storage();
  auto tp = boot::read_trailer(l.primary(flash_), l);
  auto ts = boot::read_trailer(l.secondary(flash_), l);
  if (!tp || !ts) return fail_storage();
  const bool trial = boot::on_trial(*tp, l);
  const bool staged = ts->magic == Field::set && !trial;
  if (!st.has_record) {
    st.state = trial ? PSA_FWU_TRIAL : staged ? PSA_FWU_STAGED : PSA_FWU_READY;
    return;
  }
  Record& r = st.record;
  switch (r.state) {
    case Record::writing:
      // During a trial the secondary partition holds the image a revert brings back: no download
      // is resumed into it, whatever the record says (red team 13: a WRITING record beside a trial,
      // which no request sequence makes but a stale or restored record could, let write() program
      // the partition during the trial; erase_slot() already refuses to erase it then).
      if (trial) {
        st.state = PSA_FWU_TRIAL;
        return;
      }
      st.state = PSA_FWU_WRITING;
      if (scan_written(comp, &st.written) != PSA_SUCCESS) return fail_storage();
      st.written = std::max(st.written, counted);
      return;
    case Record::failed:
      st.state = PSA_FWU_FAILED;
      st.error = r.error;
      return;
    case Record::candidate:
    case Record::installed:
      break;
    default:
      return fail_storage();
  }
  auto pm = boot::read_manifest_at(active(flash_, l));
  const bool is_candidate = pm && pm->sha256 == r.digest;
  // The trailer magic commits install(): once it is there (or the bootloader has acted on it),
  // the record must say so, whatever the power did between the two writes.
  if (r.state == Record::candidate && (staged || (trial && is_candidate))) {
    r.state = Record::installed;
    if (write_record(comp, r) != PSA_SUCCESS) return fail_storage();
  }
  if (staged) {
    st.state = PSA_FWU_STAGED;
  } else if (trial) {
    st.state = r.rejected != 0 ? PSA_FWU_REJECTED : PSA_FWU_TRIAL;
    st.error = r.rejected != 0 ? r.error : PSA_SUCCESS;
  } else if (r.state == Record::candidate) {
    st.state = PSA_FWU_CANDIDATE;
    if (scan_written(comp, &st.written) != PSA_SUCCESS) return fail_storage();
    st.written = std::max(st.written, counted);
  } else if (is_candidate && tp->image_ok == Field::set) {
    st.state = PSA_FWU_UPDATED;
  } else {
    // Installed, but not running: the bootloader refused the request or reverted the trial.
    st.state = PSA_FWU_FAILED;
    if (r.rejected != 0) {
      st.error = r.error;
    } else {
      // Why, as far as the staging area still tells: the bootloader's reason if it refused the
      // image (its trailer is gone, the image is still there); a trial that was not accepted.
      image::Manifest m;
      const psa_status_t why = verify_candidate(comp, &m);
      st.error = why != PSA_SUCCESS ? why : PSA_ERROR_GENERIC_ERROR;
    }
  }
}

void Service::mount() {
  states_ = {};
  for (const auto& comp : components_) {
    if (comp.layout != nullptr) refresh(comp);
  }
}

psa_status_t Service::query(psa_fwu_component_t c, psa_fwu_component_info_t* info) {
  const Component* comp = find(c);
  if (comp == nullptr) return PSA_ERROR_DOES_NOT_EXIST;
  const State& st = state_of(*comp);
  const boot::FlashLayout& l = *comp->layout;
  *info = psa_fwu_component_info_t{};
  info->state = st.state;
  info->error = st.error;
  info->max_size = l.max_image_size();
  info->flags = 0;  // non-volatile staging, plain images
  info->location = c;
  info->impl.written = st.written;
  if (auto m = boot::read_manifest_at(active(flash_, l))) {
    const auto& v = m->layout.header.version;
    info->version = {v.major, v.minor, v.revision, v.build};
  }
  return PSA_SUCCESS;
}

psa_status_t Service::start(psa_fwu_component_t c, std::size_t manifest_size) {
  const Component* comp = nullptr;
  const psa_status_t found = lookup(c, bit(PSA_FWU_READY), &comp);
  if (found == PSA_ERROR_DOES_NOT_EXIST) return found;
  // MCUboot images carry their manifest (header and TLVs): there is no detached one to take.
  if (manifest_size != 0) return PSA_ERROR_NOT_SUPPORTED;
  if (found != PSA_SUCCESS) return found;
  // Erase first, then the record: a cut in between leaves READY (start() again erases again).
  if (const auto s = erase_slot(*comp); s != PSA_SUCCESS) return s;
  Record r{};
  r.magic = kRecordMagic;
  r.state = Record::writing;
  return commit(*comp, r);
}

psa_status_t Service::write(psa_fwu_component_t c, std::uint64_t offset, std::span<const std::byte> block) {
  const Component* comp = nullptr;
  if (const auto s = lookup(c, bit(PSA_FWU_WRITING), &comp); s != PSA_SUCCESS) return s;
  State& st = state_of(*comp);
  const std::uint64_t max = comp->layout->max_image_size();
  if (block.empty() || block.size() > PSA_FWU_MAX_WRITE_SIZE || offset > max || block.size() > max - offset ||
      offset % kAlign != 0) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  // In order, without gaps: the staging area's erased tail is what tells how far a download got.
  // A block may repeat bytes already staged (a resumed download, a retransmission).
  if (offset > st.written) return PSA_ERROR_INVALID_ARGUMENT;
  const auto base = static_cast<std::uint32_t>(offset);
  const flash::Region area = staging(flash_, *comp->layout);
  std::array<std::byte, kChunk> want{};
  std::array<std::byte, kChunk> have{};
  // Two passes: every unit is checked before any is programmed, so a refused block writes nothing.
  // A unit wholly below the staged length was written completely (a power cut tears only the unit
  // the scan reports as the end): the block must repeat its bytes exactly. Any other unit can take
  // the block's bytes if they only clear bits: erased bytes, or a unit a power cut tore while
  // writing them. (Only clearing bits is all NOR needs; without the first rule a retransmission
  // with other bytes was programmed over the staged image.)
  const std::uint32_t complete = st.written / kAlign * kAlign;
  for (const bool program : {false, true}) {
    for (std::size_t pos = 0; pos < block.size(); pos += kChunk) {
      const std::size_t n = std::min<std::size_t>(kChunk, block.size() - pos);
      const std::size_t padded = (n + kAlign - 1) / kAlign * kAlign;  // within the area: max is aligned
      std::fill(want.begin(), want.end(), flash::kErased);
      std::copy_n(block.begin() + static_cast<std::ptrdiff_t>(pos), n, want.begin());
      const auto at = base + static_cast<std::uint32_t>(pos);
      if (!program) {
        if (!ok(area.read(at, std::span{have}.first(padded)))) return PSA_ERROR_STORAGE_FAILURE;
        for (std::size_t i = 0; i < padded; ++i) {
          const bool staged = i < n && at + i < complete;
          if (staged ? have[i] != want[i] : (have[i] & want[i]) != want[i]) return PSA_ERROR_INVALID_ARGUMENT;
        }
      } else if (!ok(area.program(at, std::span{want}.first(padded)))) {
        return PSA_ERROR_STORAGE_FAILURE;
      }
    }
  }
  st.written = std::max<std::uint32_t>(st.written, base + static_cast<std::uint32_t>(block.size()));
  return PSA_SUCCESS;
}

psa_status_t Service::finish(psa_fwu_component_t c) {
  const Component* comp = nullptr;
  if (const auto s = lookup(c, bit(PSA_FWU_WRITING), &comp); s != PSA_SUCCESS) return s;
  const State& st = state_of(*comp);
  // Note which image this is (its SHA-256 TLV, unverified: install() verifies), so that after the
  // reboot the service can tell whether the bootloader is running it.
  Record r = st.record;
  r.state = Record::candidate;
  if (auto m = boot::read_manifest_at(staging(flash_, *comp->layout))) r.digest = m->sha256;
  return commit(*comp, r);
}

psa_status_t Service::cancel(psa_fwu_component_t c) {
  const Component* comp = nullptr;
  if (const auto s = lookup(c, bit(PSA_FWU_WRITING) | bit(PSA_FWU_CANDIDATE), &comp); s != PSA_SUCCESS) return s;
  return commit_failed(*comp, PSA_SUCCESS);
}

psa_status_t Service::clean(psa_fwu_component_t c) {
  const Component* comp = nullptr;
  if (const auto s = lookup(c, bit(PSA_FWU_FAILED) | bit(PSA_FWU_UPDATED), &comp); s != PSA_SUCCESS) return s;
  // Neither state needs the secondary slot any more (no trial is running: a revert cannot be
  // asked for). Erase, then forget: a cut in between leaves the state as it was.
  if (const auto s = erase_slot(*comp); s != PSA_SUCCESS) return s;
  if (const auto s = drop_record(*comp); s != PSA_SUCCESS) return s;
  refresh(*comp);
  return PSA_SUCCESS;
}

std::optional<image::Version> Service::version_after(std::uint8_t image,
                                                     std::span<const std::optional<image::Manifest>> candidates) {
  for (std::size_t i = 0; i < components_.size(); ++i) {
    const Component& comp = components_[i];
    if (comp.layout == nullptr || comp.image != image) continue;
    if (const auto& cand = candidates[i]) return cand->layout.header.version;
    if (auto m = boot::read_manifest_at(active(flash_, *comp.layout))) return m->layout.header.version;
  }
  return std::nullopt;
}

psa_status_t Service::install() {
  bool any_candidate = false;
  for (const auto& comp : components_) {
    if (comp.layout == nullptr) continue;
    const auto s = state_of(comp).state;
    // One installation at a time: the bootloader has one request and one trial per component,
    // and the others' must finish (accept/reject and reboot) first.
    if (s == PSA_FWU_STAGED || s == PSA_FWU_TRIAL || s == PSA_FWU_REJECTED) return PSA_ERROR_BAD_STATE;
    any_candidate = any_candidate || s == PSA_FWU_CANDIDATE;
  }
  if (!any_candidate) return PSA_ERROR_BAD_STATE;
  std::array<std::optional<image::Manifest>, kMaxComponents> candidates{};
  const std::span<std::optional<image::Manifest>> mine{candidates.data(), components_.size()};
  if (const auto s = verify_candidates(mine); s != PSA_SUCCESS) return s;
  if (const auto s = check_dependencies(mine); s != PSA_SUCCESS) return s;
  if (const auto s = request(mine); s != PSA_SUCCESS) return s;
  return PSA_SUCCESS_REBOOT;
}

// Every candidate is checked before any is requested: all of them are installed, or none. A
// candidate the bootloader would refuse fails (with the reason); then the others stay CANDIDATE.
psa_status_t Service::verify_candidates(std::span<std::optional<image::Manifest>> candidates) {
  psa_status_t refused = PSA_SUCCESS;
  for (std::size_t i = 0; i < components_.size(); ++i) {
    const Component& comp = components_[i];
    if (comp.layout == nullptr || state_of(comp).state != PSA_FWU_CANDIDATE) continue;
    image::Manifest m;
    if (const auto why = verify_candidate(comp, &m); why != PSA_SUCCESS) {
      if (const auto s = commit_failed(comp, why); s != PSA_SUCCESS) return s;
      refused = why;
      continue;
    }
    candidates[i] = m;
  }
  return refused;
}

// MCUboot's dependency TLVs, against the versions the device will run after this installation
// (the bootloader checks them again, and refuses an upgrade whose dependency is unmet). An unmet
// one changes nothing: the client can stage the image it needs and install both together. Those
// of each candidate, and those of each running image that stays, on a component that gets a
// candidate: the bootloader cancels a request that takes away what a staying image needs (a
// signed downgrade), so it must not be made.
psa_status_t Service::check_dependencies(std::span<const std::optional<image::Manifest>> candidates) {
  const auto has_candidate = [&](std::uint8_t id) {
    for (std::size_t i = 0; i < components_.size(); ++i) {
      if (candidates[i].has_value() && components_[i].image == id) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < components_.size(); ++i) {
    const Component& comp = components_[i];
    if (comp.layout == nullptr) continue;
    // The candidate's dependencies, else the running image's (read, not verified: the bootloader
    // verified it, and only the bootloader and this service write a primary slot).
    std::size_t count = 0;
    std::array<image::Dependency, image::kMaxDependencies> deps{};
    const std::optional<image::Manifest>& cand = candidates[i];
    if (cand.has_value()) {
      count = cand->dependency_count;
      deps = cand->dependencies;
    } else {
      if (auto m = boot::read_manifest_at(active(flash_, *comp.layout))) {
        count = m->dependency_count;
        deps = m->dependencies;
      }
    }
    for (std::size_t d = 0; d < count; ++d) {
      const image::Dependency& dep = deps[d];
      if (!cand.has_value() && !has_candidate(dep.image_id)) continue;  // nothing changes for it
      const auto have = version_after(dep.image_id, candidates);
      if (!have || !image::version_at_least(*have, dep.min_version)) return PSA_ERROR_DEPENDENCY_NEEDED;
    }
  }
  return PSA_SUCCESS;
}

psa_status_t Service::request(std::span<const std::optional<image::Manifest>> candidates) {
  for (std::size_t i = 0; i < components_.size(); ++i) {
    const auto& cand = candidates[i];
    if (!cand) continue;
    const Component& comp = components_[i];
    Record r = state_of(comp).record;
    if (r.digest != cand->sha256) {
      r.digest = cand->sha256;
      if (const auto s = write_record(comp, r); s != PSA_SUCCESS) return s;
    }
    // The request, as MCUboot's boot_set_pending(): the magic in the secondary trailer (a test
    // upgrade: the bootloader reverts it unless accept() confirms it). The magic is the commit
    // point; the record follows it (refresh settles it if the power goes in between). A cut
    // between two components' magics leaves one requested: the bootloader then refuses a request
    // whose dependency is not met, with its reason, and keeps the running pair.
    const flash::Region slot = comp.layout->secondary(flash_);
    if (!ok(boot::write_magic(slot))) return PSA_ERROR_STORAGE_FAILURE;
    r.state = Record::installed;
    if (const auto s = commit(comp, r); s != PSA_SUCCESS) return s;
  }
  return PSA_SUCCESS;
}

psa_status_t Service::request_reboot() {
  if (reboot_ == nullptr) return PSA_ERROR_NOT_SUPPORTED;
  reboot_();
  return PSA_SUCCESS;
}

psa_status_t Service::reject(psa_status_t error) {
  bool trial = false, staged = false;
  for (const auto& comp : components_) {
    if (comp.layout == nullptr) continue;
    trial = trial || state_of(comp).state == PSA_FWU_TRIAL;
    staged = staged || state_of(comp).state == PSA_FWU_STAGED;
  }
  if (!trial && !staged) return PSA_ERROR_BAD_STATE;
  for (const auto& comp : components_) {
    if (comp.layout == nullptr) continue;
    const State& st = state_of(comp);
    if (st.state == PSA_FWU_TRIAL) {
      // Nothing to write for the bootloader: a trial not confirmed is reverted at the next boot.
      // The record keeps the client's reason for the FAILED state after it.
      Record r = st.has_record ? st.record : running_record(comp);
      r.state = Record::installed;
      r.rejected = 1;
      r.error = error;
      if (const auto s = commit(comp, r); s != PSA_SUCCESS) return s;
    } else if (st.state == PSA_FWU_STAGED) {
      // Withdraw the request as the bootloader cancels one (its trailer sector erased), then note
      // why. A cut in between: installed, not staged, not running: FAILED as well.
      const flash::Region slot = comp.layout->secondary(flash_);
      if (!ok(slot.erase_sector(slot.sectors() - 1))) return PSA_ERROR_STORAGE_FAILURE;
      if (const auto s = commit_failed(comp, error); s != PSA_SUCCESS) return s;
    }
  }
  return trial ? PSA_SUCCESS_REBOOT : PSA_SUCCESS;
}

psa_status_t Service::accept() {
  bool any = false;
  for (const auto& comp : components_) {
    if (comp.layout == nullptr || state_of(comp).state != PSA_FWU_TRIAL) continue;
    any = true;
    const State& st = state_of(comp);
    if (!st.has_record) {
      // A trial this service did not install (a request made before it existed): note the image,
      // so that it reports UPDATED like any other until clean().
      if (const auto s = write_record(comp, running_record(comp)); s != PSA_SUCCESS) return s;
    }
    // MCUboot's boot_set_confirmed(): image_ok in the primary trailer.
    const flash::Region slot = comp.layout->primary(flash_);
    if (!ok(boot::write_flag(slot, comp.layout->trailer().image_ok()))) return PSA_ERROR_STORAGE_FAILURE;
    refresh(comp);
  }
  return any ? PSA_SUCCESS : PSA_ERROR_BAD_STATE;
}

}  // namespace ward::secure::fwu
