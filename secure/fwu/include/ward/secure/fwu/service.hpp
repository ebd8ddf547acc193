// The Firmware Update service (PSA Certified Firmware Update API 1.0, psa/update.h) of the secure
// image: stages a component's new image in its secondary slot and hands it to the bootloader.
//
// The bootloader's trailer is the state machine (boot/src/engine.cpp, docs/boot.md); this service
// adds only what the bootloader does not record, one ITS entry per component (Record below):
//
//   Record       slot / trailer state                               component state
//   (none)       secondary magic set, primary not on trial          STAGED (a request made elsewhere)
//   (none)       primary on trial                                   TRIAL
//   (none)       otherwise                                          READY
//   WRITING      primary on trial                                   TRIAL (the revert image is never written)
//   WRITING      otherwise                                          WRITING (written: scanned from the slot)
//   CANDIDATE    secondary magic unset                              CANDIDATE
//   CANDIDATE/   secondary magic set, primary not on trial          STAGED  (the magic commits install())
//    INSTALLED   primary on trial, primary is the candidate          TRIAL (REJECTED after reject())
//                primary is the candidate, confirmed                 UPDATED
//   INSTALLED    anything else (the bootloader refused or reverted)  FAILED
//   FAILED       -                                                  FAILED
//
// "The candidate" is the image whose SHA-256 TLV the record holds (noted by finish()). Every step
// writes at most one flash object that decides the state (the ITS record, atomic; the trailer
// magic or image_ok, the bootloader's commit points), in an order that leaves a consistent state
// at every power cut (tests/secure_fwu: a cut at every flash operation). Staged bytes are not
// recorded as they are written: the slot itself says how far the download got (the last byte
// that is not erased).
//
// Every request is hostile: the handler (handler.cpp) decodes the wire format, and each operation
// here checks the component, the state and every offset and size before touching the flash.
#pragma once
#include <array>
#include <optional>
#include <cstddef>
#include <cstdint>
#include <span>

#include <psa/update.h>

#include "ward/boot/layout.hpp"
#include "ward/flash/flash.hpp"
#include "ward/image/format.hpp"
#include "ward/secure/identity.hpp"
#include "ward/secure/storage.hpp"

namespace ward::secure::fwu {

// ITS uid of component c's record.
inline constexpr psa_storage_uid_t kRecordUidBase = 0x46575500u;  // "FWU\0"

// One updatable component: its id (psa_fwu_component_t), the slots the bootloader boots it from,
// the key its images must be signed with, and its image number for the bootloader (the id that
// MCUboot's dependency TLVs name). The board's table of these (secure/firmware/services.cpp) is
// the one place that says which components exist.
struct Component {
  psa_fwu_component_t id = 0;
  const boot::FlashLayout* layout = nullptr;
  const image::PublicKey* key = nullptr;
  std::uint8_t image = 0;
};

// What the record in ITS holds (fixed size, little-endian as stored by this CPU).
struct Record {
  enum : std::uint8_t { writing = 1, candidate = 2, installed = 3, failed = 4 };
  std::uint32_t magic;  // kRecordMagic
  std::uint8_t state;
  std::uint8_t rejected;  // reject() during TRIAL: `error` is the client's
  std::uint8_t reserved[2];
  std::int32_t error;
  std::array<std::uint8_t, 32> digest;  // the candidate's SHA-256 TLV
};
inline constexpr std::uint32_t kRecordMagic = 0x31555746u;  // "FWU1"
static_assert(sizeof(Record) == 44);

inline constexpr std::size_t kMaxComponents = 2;

class Service {
 public:
  // `flash` holds every component's slots; `its` is the ITS store (records under kFwuPartition);
  // `crypto` verifies images; `reboot` (may be null: PSA_ERROR_NOT_SUPPORTED) resets the device.
  Service(flash::Flash& flash, storage::Store& its, image::Crypto& crypto, std::span<const Component> components,
          void (*reboot)() = nullptr);

  // Reads every component's state from its slots and record (call at boot, and after a simulated
  // reboot in tests). Components whose flash cannot be read report FAILED with STORAGE_FAILURE.
  void mount();

  psa_status_t query(psa_fwu_component_t c, psa_fwu_component_info_t* info);
  psa_status_t start(psa_fwu_component_t c, std::size_t manifest_size);
  psa_status_t write(psa_fwu_component_t c, std::uint64_t offset, std::span<const std::byte> block);
  psa_status_t finish(psa_fwu_component_t c);
  psa_status_t cancel(psa_fwu_component_t c);
  psa_status_t clean(psa_fwu_component_t c);
  psa_status_t install();
  psa_status_t request_reboot();
  psa_status_t reject(psa_status_t error);
  psa_status_t accept();

 private:
  struct State {
    std::uint8_t state = PSA_FWU_READY;
    psa_status_t error = PSA_SUCCESS;
    std::uint32_t written = 0;
    bool has_record = false;
    Record record{};
  };
  const Component* find(psa_fwu_component_t c) const;
  // find(c), in one of `states` (a set of 1 << PSA_FWU_*): DOES_NOT_EXIST, BAD_STATE or SUCCESS.
  psa_status_t lookup(psa_fwu_component_t c, std::uint32_t states, const Component** comp);
  // A record of comp's running image (INSTALLED, its SHA-256 TLV): for a trial this service did
  // not install.
  Record running_record(const Component& comp);
  State& state_of(const Component& comp) { return states_[static_cast<std::size_t>(&comp - components_.data())]; }
  void refresh(const Component& comp);
  psa_status_t read_record(const Component& comp, Record* r, bool* found);
  psa_status_t write_record(const Component& comp, const Record& r);
  // write_record(), then refresh() on success: every state change that a record decides.
  psa_status_t commit(const Component& comp, const Record& r);
  // commit() of the component's record as FAILED with `error` (the rest of the record kept).
  psa_status_t commit_failed(const Component& comp, psa_status_t error);
  psa_status_t drop_record(const Component& comp);
  psa_status_t erase_slot(const Component& comp);
  psa_status_t scan_written(const Component& comp, std::uint32_t* written);
  psa_status_t verify_candidate(const Component& comp, image::Manifest* m);
  // The version component `image` (the bootloader's number) will run after install(): its
  // candidate's if `candidates` has one for it, else the running one's; none if it has no image.
  std::optional<image::Version> version_after(std::uint8_t image,
                                              std::span<const std::optional<image::Manifest>> candidates);
  // install()'s steps, each on the candidates the one before found (one candidate slot per
  // component, in components_' order): every one verified, their dependencies met, then requested.
  // Separate functions also keep each small enough for clang-tidy's optional-access analysis
  // (install() as one function took it over a minute).
  psa_status_t verify_candidates(std::span<std::optional<image::Manifest>> candidates);
  psa_status_t check_dependencies(std::span<const std::optional<image::Manifest>> candidates);
  psa_status_t request(std::span<const std::optional<image::Manifest>> candidates);

  flash::Flash& flash_;
  storage::Store& its_;
  image::Crypto& crypto_;
  std::span<const Component> components_;
  void (*reboot_)();
  std::array<State, kMaxComponents> states_{};
};

// The request handler the dispatcher calls for WARD_SERVICE_FWU (update_wire.h is the format).
// `in`/`out` are secure copies of the caller's vectors; every length and field is checked.
psa_status_t handle(Service& service, ClientId caller, std::int32_t type, std::span<const std::span<const std::byte>> in,
                    std::span<const std::span<std::byte>> out, std::span<std::size_t> out_written);

// handle() on the instance below (the dispatcher's entry, service_handlers.hpp).
psa_status_t handle_request(ClientId caller, std::int32_t type, std::span<const std::span<const std::byte>> in,
                            std::span<const std::span<std::byte>> out, std::span<std::size_t> out_written);

// The secure image's instance (set at boot by secure/firmware/services.cpp, by tests on the host);
// the dispatcher routes to it, and answers PSA_ERROR_BAD_STATE while there is none.
void set_instance(Service* service);
Service* instance();

}  // namespace ward::secure::fwu
