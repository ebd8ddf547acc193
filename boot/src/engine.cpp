#include "ward/boot/engine.hpp"

#include <algorithm>
#include <array>

#include "ward/boot/security_counter.hpp"
#include "ward/result.hpp"

namespace ward::boot {
namespace tr = image::trailer;
using tr::SwapType;

image::Status FlashSource::read(std::uint32_t offset, std::span<std::byte> out) {
  if (!region_.read(offset, out)) {
    return image::fail(image::Error::io);
  }
  return {};
}

image::Result<image::Source*> FlashLoader::load(const image::Layout& /*layout*/, const flash::Region& slot) {
  source_.emplace(slot);
  return &*source_;
}

image::Result<image::Manifest> read_manifest_at(const flash::Region& area) {
  FlashSource src{area};
  return image::read_manifest(src, area.size());
}

std::uint32_t rollback_floor(flash::Flash& flash, const FlashLayout& layout, std::uint32_t stored) {
  const auto m = read_manifest_at(flash::Region{flash, layout.primary_offset, layout.max_image_size()});
  return m ? std::max(stored, m->security_counter) : stored;
}

Result<void> Engine::check(flash::Status s) {
  if (!s) {
    observer_.on(Event::flash_error, static_cast<std::uint32_t>(s.error()), 0);
    return fail(Error::flash);
  }
  return {};
}

std::uint32_t Engine::sectors_for(std::uint32_t bytes) const {
  return (bytes + layout_.sector_size() - 1) / layout_.sector_size();
}

bool Engine::swap_recorded(const TrailerState& t) const { return boot::swap_recorded(t, layout_); }

// A test image that was booted once (the swap finished) and neither confirmed nor reverted yet.
bool Engine::revertable(const TrailerState& t) const { return on_trial(t, layout_); }

Result<void> Engine::copy_sector(const flash::Region& from, std::uint32_t from_index, const flash::Region& to,
                                 std::uint32_t to_index) {
  // Only units that are not blank are programmed: the destination was just erased, and skipping
  // 0xFF runs saves writes (and wear) on padding.
  const std::uint32_t ss = layout_.sector_size();
  const std::uint32_t unit = layout_.geometry.write_align;
  std::array<std::byte, 256> buf{};
  for (std::uint32_t off = 0; off < ss; off += buf.size()) {
    const std::uint32_t n = std::min<std::uint32_t>(buf.size(), ss - off);
    auto chunk = std::span{buf}.first(n);
    if (auto r = from.read(from_index * ss + off, chunk); !r) {
      return check(r);
    }
    std::uint32_t pos = 0;
    while (pos < n) {
      auto blank = [&](std::uint32_t p) {
        const auto u = chunk.subspan(p, unit);
        return std::all_of(u.begin(), u.end(), [](std::byte b) { return b == flash::kErased; });
      };
      if (blank(pos)) {
        pos += unit;
        continue;
      }
      std::uint32_t end = pos + unit;
      while (end < n && !blank(end)) {
        end += unit;
      }
      WARD_TRY(check(to.program(to_index * ss + off + pos, chunk.subspan(pos, end - pos))));
      pos = end;
    }
  }
  return {};
}

// One step of the swap. Upgrade (direction 0), step i: primary sector i goes to the free
// secondary sector i, then the new image's sector i (secondary sector i+1) to primary sector i.
// Revert (direction 1), step k works on sector i = n-1-k the other way round: primary sector i to
// secondary sector i+1, then the old sector i (secondary sector i) back to primary sector i.
// Each half ends with its status entry; a half whose entry is missing is redone from its erase,
// which is safe because its source is only overwritten by a later half.
Result<void> Engine::swap_step(unsigned direction, std::uint32_t step, std::uint32_t n) {
  const TrailerMap map{layout_};
  const std::uint32_t i = direction == 0 ? step : n - 1 - step;
  const std::uint32_t save_to = direction == 0 ? i : i + 1;
  const std::uint32_t fetch_from = direction == 0 ? i + 1 : i;
  const flash::Region p = primary();
  const flash::Region s = partition();
  auto first = read_flag(p, map.status(direction, 2 * step));
  auto second = read_flag(p, map.status(direction, 2 * step + 1));
  if (!first || !second) {
    return check(!first ? flash::Status{flash::fail(first.error())} : flash::Status{flash::fail(second.error())});
  }
  if (*second == Field::set) {
    return {};
  }
  if (*first != Field::set) {
    WARD_TRY(check(s.erase_sector(save_to)));
    WARD_TRY(copy_sector(p, i, s, save_to));
    WARD_TRY(check(write_flag(p, map.status(direction, 2 * step))));
  }
  WARD_TRY(check(p.erase_sector(i)));
  WARD_TRY(copy_sector(s, fetch_from, p, i));
  return check(write_flag(p, map.status(direction, 2 * step + 1)));
}

std::uint32_t Engine::first_open_step(unsigned direction, std::uint32_t n) {
  const TrailerMap map{layout_};
  for (std::uint32_t step = 0; step < n; ++step) {
    auto done = read_flag(primary(), map.status(direction, 2 * step + 1));
    if (!done || *done != Field::set) {
      return step;
    }
  }
  return n;
}

Result<void> Engine::resume_upgrade(const TrailerState& t, bool fresh) {
  const std::uint32_t n = t.swap_size / layout_.sector_size();
  if (!fresh) {
    observer_.on(Event::upgrade_resume, n, first_open_step(0, n));
  }
  // The request is consumed: the secondary trailer must not start this upgrade again.
  const flash::Region s = partition();
  auto erased = s.is_erased(layout_.slot_sectors * layout_.sector_size(), layout_.sector_size());
  if (!erased) {
    return check(flash::Status{flash::fail(erased.error())});
  }
  if (!*erased) {
    WARD_TRY(check(s.erase_sector(layout_.slot_sectors)));
  }
  for (std::uint32_t step = 0; step < n; ++step) {
    WARD_TRY(swap_step(0, step, n));
  }
  const flash::Region p = primary();
  if (t.swap_type == SwapType::perm && t.image_ok != Field::set) {
    WARD_TRY(check(write_flag(p, layout_.trailer().image_ok())));
  }
  // copy_done commits the swap and starts the test image's single trial (as in MCUboot): from the
  // moment it is complete, the next boot reverts unless the image confirmed itself, even if the
  // power went away before the image ran.
  WARD_TRY(check(write_flag(p, layout_.trailer().copy_done())));
  observer_.on(Event::upgrade_done, n, 0);
  return {};
}

Result<void> Engine::resume_revert(const TrailerState& t, bool fresh) {
  const std::uint32_t n = t.swap_size / layout_.sector_size();
  if (!fresh) {
    observer_.on(Event::revert_resume, n, first_open_step(1, n));
  }
  for (std::uint32_t step = 0; step < n; ++step) {
    WARD_TRY(swap_step(1, step, n));
  }
  const flash::Region p = primary();
  const TrailerMap map{layout_};
  // The image that came back was the confirmed one before the upgrade. image_ok first: until
  // revert_done is complete, the next boot resumes (and finds nothing left but this flag).
  WARD_TRY(check(write_flag(p, layout_.trailer().image_ok())));
  WARD_TRY(check(write_flag(p, map.revert_done())));
  observer_.on(Event::revert_done, n, 0);
  return {};
}

Result<bool> Engine::start_revert(const TrailerState& t, std::uint32_t stored_counter) {
  // The previous image sits at the start of the secondary partition; reverting to something that
  // does not verify would leave nothing bootable, so check it first.
  FlashSource old_image{flash::Region{flash_, layout_.secondary_offset, layout_.max_image_size()}};
  auto m = image::verify(old_image, layout_.max_image_size(), key_, crypto_);
  if (!m || m->security_counter < stored_counter) {
    observer_.on(Event::revert_impossible, static_cast<std::uint32_t>(m ? image::Error::bad_header : m.error()), 0);
    return false;
  }
  const std::uint32_t n = t.swap_size / layout_.sector_size();
  observer_.on(Event::revert_start, n, 0);
  WARD_TRY(check(write_flag(primary(), TrailerMap{layout_}.revert_started())));
  WARD_TRY(resume_revert(t, true));
  return true;
}

Result<void> Engine::cancel_request() {
  return check(partition().erase_sector(layout_.slot_sectors));
}

Result<std::optional<image::Manifest>> Engine::request(std::uint32_t stored_counter) {
  const flash::Region sec = secondary();
  auto magic = read_magic_align(sec);
  if (!magic) {
    return fail(check(flash::Status{flash::fail(magic.error())}).error());
  }
  if (magic->field == Field::foreign) {
    // A request whose trailer was made for another write unit (imgtool --align): its image_ok is
    // elsewhere, so whether it asks for a test or a permanent upgrade cannot be known. Refused
    // and cancelled, with the reason, rather than ignored.
    observer_.on(Event::request_wrong_align, magic->align, layout_.unit());
    WARD_TRY(cancel_request());
    return std::optional<image::Manifest>{};
  }
  if (magic->field != Field::set) {
    return std::optional<image::Manifest>{};
  }
  FlashSource src{flash::Region{flash_, sec.base(), layout_.max_image_size()}};
  auto m = image::verify(src, layout_.max_image_size(), key_, crypto_);
  if (!m) {
    observer_.on(Event::upgrade_rejected, static_cast<std::uint32_t>(m.error()), 0);
    WARD_TRY(cancel_request());
    return std::optional<image::Manifest>{};
  }
  // finish() settled any trial: the primary is the confirmed image, whose counter this boot
  // would store.
  const std::uint32_t floor = rollback_floor(flash_, layout_, stored_counter);
  if (m->security_counter < floor) {
    observer_.on(Event::rollback_rejected, m->security_counter, floor);
    WARD_TRY(cancel_request());
    return std::optional<image::Manifest>{};
  }
  return std::optional<image::Manifest>{*m};
}

Result<void> Engine::upgrade(const image::Manifest& next) {
  const flash::Region sec = secondary();
  auto image_ok = read_flag(sec, layout_.trailer().image_ok());
  if (!image_ok) {
    return check(flash::Status{flash::fail(image_ok.error())});
  }
  // Swap as many sectors as the larger of the two images uses, so the old one survives whole.
  std::uint32_t n = sectors_for(next.layout.total_size);
  FlashSource old_src{flash::Region{flash_, layout_.primary_offset, layout_.max_image_size()}};
  if (auto old = image::layout(old_src, layout_.max_image_size())) {
    n = std::max(n, sectors_for(old->total_size));
  }
  const SwapType type = *image_ok == Field::set ? SwapType::perm : SwapType::test;
  observer_.on(Event::upgrade_start, n, static_cast<std::uint32_t>(type));

  // Record the swap in the primary trailer; the magic, written last, commits it.
  const flash::Region p = primary();
  WARD_TRY(check(p.erase_sector(layout_.slot_sectors - 1)));
  WARD_TRY(check(write_word(p, layout_.trailer().swap_size(), n * layout_.sector_size())));
  WARD_TRY(check(write_word(p, layout_.trailer().swap_info(), static_cast<std::uint32_t>(type) | 0xFFFFFF00u)));
  WARD_TRY(check(write_magic(p)));
  TrailerState t;
  t.magic = Field::set;
  t.swap_type = type;
  t.swap_size = n * layout_.sector_size();
  return resume_upgrade(t, true);
}

Result<BootImage> Engine::boot_primary(Loader& loader, std::uint32_t stored_counter, bool may_revert) {
  auto t = read_trailer(primary(), layout_);
  if (!t) {
    return fail(check(flash::Status{flash::fail(t.error())}).error());
  }
  const flash::Region area{flash_, layout_.primary_offset, layout_.max_image_size()};
  FlashSource in_flash{area};
  image::Result<image::Manifest> m = image::fail(image::Error::io);
  if (auto l = image::layout(in_flash, area.size()); !l) {
    // cppcheck-suppress redundantInitialization ; a Result has no empty state: m needs a first value
    m = image::fail(l.error());
  } else if (auto src = loader.load(*l, area); !src) {
    m = image::fail(src.error());
  } else {
    m = image::verify(**src, l->total_size, key_, crypto_);
    // The loader placed and checked the image by the layout read from flash before; what was
    // verified must be that very layout, or the flash changed in between (an attack on the
    // double read): then no field of either may be used.
    if (m && m->layout != *l) {
      m = image::fail(image::Error::changed_while_loading);
    }
  }
  const bool rolled_back = m && m->security_counter < stored_counter;
  if (!m || rolled_back) {
    if (rolled_back) {
      observer_.on(Event::rollback_rejected, m->security_counter, stored_counter);
    } else {
      observer_.on(Event::primary_invalid, static_cast<std::uint32_t>(m.error()), 0);
    }
    if (may_revert && revertable(*t)) {
      auto reverted = start_revert(*t, stored_counter);
      if (!reverted) {
        return fail(reverted.error());
      }
      if (*reverted) {
        return boot_primary(loader, stored_counter, false);
      }
    }
    return fail(Error::no_bootable_image);
  }
  BootImage b{*m, revertable(*t), stored_counter};
  if (!b.test_boot && m->security_counter > stored_counter) {
    WARD_TRY(check(SecurityCounter{layout_.counter(flash_)}.raise(m->security_counter)));
    b.security_counter = m->security_counter;
    observer_.on(Event::counter_raised, m->security_counter, 0);
  }
  return b;
}

Result<std::uint32_t> Engine::stored_counter() {
  auto stored = SecurityCounter{layout_.counter(flash_)}.read();
  if (!stored) {
    return fail(check(flash::Status{flash::fail(stored.error())}).error());
  }
  return *stored;
}

Result<Finished> Engine::finish(std::uint32_t stored_counter) {
  auto t = read_trailer(primary(), layout_);
  if (!t) {
    return fail(check(flash::Status{flash::fail(t.error())}).error());
  }
  if (t->magic == Field::foreign) {
    // A primary slot programmed with a trailer for another write unit (--pad at the factory): it
    // records nothing this bootloader wrote, so the image boots as a factory image; reported.
    observer_.on(Event::primary_trailer_wrong_align, t->magic_align, layout_.unit());
  }
  if (swap_recorded(*t) && t->copy_done != Field::set) {
    WARD_TRY(resume_upgrade(*t, false));
    return Finished::upgrade_resumed;
  }
  if (swap_recorded(*t) && t->revert_started == Field::set && t->revert_done != Field::set) {
    WARD_TRY(resume_revert(*t, false));
    return Finished::reverted;
  }
  if (revertable(*t)) {
    // The test image had its one boot and was not confirmed.
    auto reverted = start_revert(*t, stored_counter);
    if (!reverted) {
      return fail(reverted.error());
    }
    return Finished::reverted;
  }
  return Finished::steady;
}

Result<bool> Engine::revert_trial(std::uint32_t stored_counter) {
  auto t = read_trailer(primary(), layout_);
  if (!t) {
    return fail(check(flash::Status{flash::fail(t.error())}).error());
  }
  if (!revertable(*t)) {
    return false;
  }
  return start_revert(*t, stored_counter);
}

std::optional<image::Version> Engine::version(bool secondary) {
  FlashSource src{flash::Region{flash_, secondary ? layout_.secondary_offset : layout_.primary_offset,
                                layout_.max_image_size()}};
  auto l = image::layout(src, layout_.max_image_size());
  if (!l) {
    return std::nullopt;
  }
  return l->header.version;
}

Result<Engine::Trial> Engine::trial() {
  auto t = read_trailer(primary(), layout_);
  if (!t) {
    return fail(check(flash::Status{flash::fail(t.error())}).error());
  }
  if (revertable(*t)) {
    return Trial::on_trial;
  }
  const bool swapping = swap_recorded(*t) && t->copy_done != Field::set;
  const bool reverting = swap_recorded(*t) && t->revert_started == Field::set && t->revert_done != Field::set;
  return swapping || reverting ? Trial::neither : Trial::confirmed;
}

Result<void> Engine::confirm() { return check(write_flag(primary(), layout_.trailer().image_ok())); }

Engine::Dependencies Engine::primary_dependencies() {
  FlashSource src{flash::Region{flash_, layout_.primary_offset, layout_.max_image_size()}};
  Dependencies out;
  if (auto m = image::read_manifest(src, layout_.max_image_size())) {
    out.count = m->dependency_count;
    out.dep = m->dependencies;
  }
  return out;
}

Result<BootImage> Engine::run(Loader& loader) {
  auto stored = stored_counter();
  if (!stored) {
    return fail(stored.error());
  }
  auto finished = finish(*stored);
  if (!finished) {
    return fail(finished.error());
  }
  if (*finished == Finished::steady) {
    auto next = request(*stored);
    if (!next) {
      return fail(next.error());
    }
    if (*next) {
      WARD_TRY(upgrade(**next));
    }
  }
  return boot_primary(loader, *stored, *finished != Finished::reverted);
}

namespace {
std::uint32_t version_code(const image::Version& v) {
  return std::uint32_t{v.major} << 24 | std::uint32_t{v.minor} << 16 | v.revision;
}
}  // namespace

bool MultiEngine::met(const image::Manifest& m, std::span<const std::optional<image::Version>> versions,
                      bool pending) {
  for (std::size_t d = 0; d < m.dependency_count; ++d) {
    const image::Dependency& dep = m.dependencies[d];
    // An image the device does not have, or one with no readable header, meets no requirement.
    const bool present = dep.image_id < versions.size() && versions[dep.image_id].has_value();
    const bool ok =
        present && image::version_at_least(versions[dep.image_id].value_or(image::Version{}), dep.min_version);
    if (!ok) {
      observer_.on(Event::dependency_unmet, std::uint32_t{dep.image_id} << 8 | (pending ? 1u : 0u),
                   version_code(dep.min_version));
      return false;
    }
  }
  return true;
}

Result<BootImages> MultiEngine::run() {
  const std::size_t n = std::min(images_.size(), kMaxImages);
  std::array<std::uint32_t, kMaxImages> stored{};
  std::array<Finished, kMaxImages> finished{};
  std::array<std::optional<image::Manifest>, kMaxImages> next{};
  // 0. A trial that a confirmed image needs is kept. psa_fwu_accept() confirms the images on trial
  // one after the other; a power cut between two of those writes left one confirmed and the other
  // to be reverted, and if the confirmed one needs the other's new version (the version before
  // does not meet its dependency) it would never boot again. It was confirmed with this trial
  // running, so the trial is confirmed too.
  std::array<Engine::Trial, kMaxImages> trial{};
  for (std::size_t i = 0; i < n; ++i) {
    auto t = engine(i).trial();
    if (!t) {
      return fail(t.error());
    }
    trial[i] = *t;
  }
  for (std::size_t j = 0; j < n; ++j) {
    auto ej = engine(j);
    const std::optional<image::Version> now = trial[j] == Engine::Trial::on_trial ? ej.version() : std::nullopt;
    if (!now) {
      continue;
    }
    const std::optional<image::Version> before = ej.version(true);
    bool needed = false;
    for (std::size_t i = 0; i < n && !needed; ++i) {
      if (i == j || trial[i] != Engine::Trial::confirmed) {
        continue;
      }
      const Engine::Dependencies m = engine(i).primary_dependencies();
      for (std::size_t d = 0; d < m.count && !needed; ++d) {
        const image::Dependency& dep = m.dep[d];
        needed = dep.image_id == j && image::version_at_least(*now, dep.min_version) &&
                 !(before && image::version_at_least(*before, dep.min_version));
        if (needed) {
          observer_.on(Event::image, static_cast<std::uint32_t>(j), 0);
          observer_.on(Event::trial_kept, static_cast<std::uint32_t>(i), version_code(dep.min_version));
          WARD_TRY(ej.confirm());
          trial[j] = Engine::Trial::confirmed;
        }
      }
    }
  }
  // 1. What a power cut interrupted, and trials that are over, image by image.
  for (std::size_t i = 0; i < n; ++i) {
    observer_.on(Event::image, static_cast<std::uint32_t>(i), 0);
    auto e = engine(i);
    auto s = e.stored_counter();
    if (!s) {
      return fail(s.error());
    }
    stored[i] = *s;
    auto f = e.finish(stored[i]);
    if (!f) {
      return fail(f.error());
    }
    finished[i] = *f;
  }
  // 2. Requests: each verified on its own.
  for (std::size_t i = 0; i < n; ++i) {
    if (finished[i] != Finished::steady) {
      continue;
    }
    observer_.on(Event::image, static_cast<std::uint32_t>(i), 0);
    auto r = engine(i).request(stored[i]);
    if (!r) {
      return fail(r.error());
    }
    next[i] = *r;
  }
  // 3. Dependencies against the versions after this boot, as MCUboot checks them: those of each
  // request, and those of each primary that stays, which a request of another image must not
  // take away (a signed downgrade of image 0 that a confirmed image 1 needs would otherwise be
  // swapped in, and image 1 refused: no boot). A cancellation can break another request's
  // dependency and makes a primary stay, so until nothing changes.
  std::array<std::optional<image::Version>, kMaxImages> versions{};
  std::array<Engine::Dependencies, kMaxImages> needs{};  // each primary's, read once: nothing writes a primary before step 4
  for (std::size_t i = 0; i < n; ++i) {
    needs[i] = engine(i).primary_dependencies();
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < n; ++i) {
      versions[i] = next[i] ? std::optional{next[i]->layout.header.version} : engine(i).version();
    }
    for (std::size_t i = 0; i < n && !changed; ++i) {
      std::size_t drop = n;  // the image whose request is cancelled (one place for both reasons)
      if (next[i]) {
        observer_.on(Event::image, static_cast<std::uint32_t>(i), 0);
        if (!met(*next[i], std::span{versions}.first(n), true)) {
          drop = i;
        }
      }
      for (std::size_t d = 0; !next[i] && d < needs[i].count && drop == n; ++d) {
        const image::Dependency& dep = needs[i].dep[d];
        const std::size_t j = dep.image_id;
        if (j < n && j != i && next[j] && !image::version_at_least(next[j]->layout.header.version, dep.min_version)) {
          observer_.on(Event::image, static_cast<std::uint32_t>(j), 0);
          observer_.on(Event::request_breaks_dependency, static_cast<std::uint32_t>(i), version_code(dep.min_version));
          drop = j;
        }
      }
      if (drop < n) {
        WARD_TRY(engine(drop).cancel_request());
        next[drop].reset();
        changed = true;
      }
    }
  }
  // 4. The upgrades that stand.
  for (std::size_t i = 0; i < n; ++i) {
    if (next[i]) {
      observer_.on(Event::image, static_cast<std::uint32_t>(i), 0);
      WARD_TRY(engine(i).upgrade(*next[i]));
    }
  }
  // 5. Load and verify every primary; then their dependencies. An image on trial whose
  // dependency is not met goes back to its previous version (and the check runs again).
  BootImages out;
  out.count = n;
  for (std::size_t i = 0; i < n; ++i) {
    observer_.on(Event::image, static_cast<std::uint32_t>(i), 0);
    auto b = engine(i).boot(*images_[i].loader, stored[i], finished[i] != Finished::reverted);
    if (!b) {
      return fail(b.error());
    }
    out.image[i] = *b;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < n; ++i) {
      versions[i] = out.image[i].manifest.layout.header.version;
    }
    for (std::size_t i = 0; i < n && !changed; ++i) {
      observer_.on(Event::image, static_cast<std::uint32_t>(i), 0);
      if (met(out.image[i].manifest, std::span{versions}.first(n), false)) {
        continue;
      }
      auto e = engine(i);
      auto reverted = out.image[i].test_boot ? e.revert_trial(stored[i]) : Result<bool>{false};
      if (!reverted) {
        return fail(reverted.error());
      }
      if (!*reverted) {
        return fail(Error::no_bootable_image);
      }
      auto b = e.boot(*images_[i].loader, stored[i], false);
      if (!b) {
        return fail(b.error());
      }
      out.image[i] = *b;
      changed = true;
    }
  }
  return out;
}

}  // namespace ward::boot
