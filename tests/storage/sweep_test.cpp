// The power-cut sweeps: a scripted sequence of updates (enough to compact several times) is cut at
// every flash operation in turn; after each "reboot" (a new engine on the same flash) every entry
// must hold its old or its new value (never a torn, lost or corrupt one), and the store must still
// work. Once for the engine (ITS), once for Protected Storage with its counters in ITS.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage_test_util.hpp"
#include "ward/flash/sim_flash.hpp"
#include "ward/secure/storage.hpp"
#include "ward/secure/storage_service.hpp"

namespace ward::secure::storage {
namespace {

using test::bytes;
using Key = std::pair<std::int32_t, psa_storage_uid_t>;
using Model = std::map<Key, std::string>;

enum class Op { set, set_nrp, remove, create, extend };
struct Step {
  Op op;
  std::int32_t owner;
  psa_storage_uid_t uid;
  std::string value;  // set: the value; extend: appended at the current end
};

std::vector<Step> script(bool ps) {
  std::vector<Step> s;
  for (int round = 0; round < 6; ++round) {
    for (psa_storage_uid_t uid = 1; uid <= 4; ++uid) {
      const std::int32_t owner = uid % 2 == 0 ? -1 : -2;
      std::string v = "r" + std::to_string(round) + "u" + std::to_string(uid) + std::string(20 + 9 * uid, 'a' + round);
      s.push_back({(ps && uid == 3) ? Op::set_nrp : Op::set, owner, uid, v});
    }
    if (round % 2 == 1) s.push_back({Op::remove, -1, 2, {}});
    if (ps && round == 2) {
      s.push_back({Op::create, -3, 9, {}});
      s.push_back({Op::extend, -3, 9, "part one,"});
      s.push_back({Op::extend, -3, 9, "part two"});
    }
  }
  return s;
}

void apply(Model& m, const Step& st) {
  const Key k{st.owner, st.uid};
  switch (st.op) {
    case Op::set:
    case Op::set_nrp: m[k] = st.value; break;
    case Op::remove: m.erase(k); break;
    case Op::create: m[k] = ""; break;
    case Op::extend: m[k] += st.value; break;
  }
}

// The engine under test behind one interface: Store alone, or ProtectedStore over two Stores.
struct Harness {
  flash::SimFlash flash;
  flash::Region its_region;
  flash::Region ps_region;
  std::array<std::byte, scratch_bytes(256)> its_scratch{};
  std::array<std::byte, scratch_bytes(256)> ps_scratch{};
  std::array<IndexEntry, 32> its_index{};
  std::array<IndexEntry, 32> ps_index{};
  std::optional<Store> its;
  std::optional<Store> objects;
  std::optional<ProtectedStore> ps;
  bool use_ps;

  Harness(bool with_ps, std::uint64_t seed)
      : flash{{8192, 1024, 8}, seed}, its_region{flash, 0, 4096}, ps_region{flash, 4096, 4096}, use_ps{with_ps} {}

  psa_status_t boot() {
    its.emplace(its_region, derive_keys("sweep its"), its_scratch, its_index, Limits{256, 2048});
    if (auto s = its->mount(); s != PSA_SUCCESS) return s;
    if (!use_ps) return PSA_SUCCESS;
    objects.emplace(ps_region, derive_keys("sweep ps"), ps_scratch, ps_index, Limits{256, 2048});
    if (auto s = objects->mount(); s != PSA_SUCCESS) return s;
    ps.emplace(*objects, *its);
    return PSA_SUCCESS;
  }
  psa_status_t run(const Step& st) {
    const ClientId who{st.owner};
    const psa_storage_create_flags_t nrp = st.op == Op::set_nrp ? PSA_STORAGE_FLAG_NO_REPLAY_PROTECTION : 0;
    if (use_ps) {
      switch (st.op) {
        case Op::set:
        case Op::set_nrp: return ps->set(who, st.uid, bytes(st.value), nrp);
        case Op::remove: return ps->remove(who, st.uid);
        case Op::create: return ps->create(who, st.uid, 64, 0);
        case Op::extend: {
          psa_storage_info_t info{};
          if (auto s = ps->get_info(who, st.uid, &info); s != PSA_SUCCESS) return s;
          return ps->set_extended(who, st.uid, info.size, bytes(st.value));
        }
      }
    }
    switch (st.op) {
      case Op::remove: return its->remove(who, st.uid);
      default: return its->set(who, st.uid, bytes(st.value), 0);
    }
  }
  psa_status_t get(const Key& k, std::string* out) {
    std::array<std::byte, 256> buf;
    std::size_t n = 0;
    const psa_status_t s = use_ps ? ps->get(ClientId{k.first}, k.second, 0, buf, &n)
                                  : its->get(ClientId{k.first}, k.second, 0, buf, &n);
    *out = test::str(std::span{buf}.first(n));
    return s;
  }
};

// Every key of `before`/`after` holds one of its two values (absent counts as a value).
void expect_old_or_new(Harness& h, const Model& before, const Model& after, std::uint64_t cut) {
  std::map<Key, int> keys;
  for (auto& [k, v] : before) keys[k];
  for (auto& [k, v] : after) keys[k];
  for (auto& [k, unused] : keys) {
    std::string got;
    const psa_status_t s = h.get(k, &got);
    std::optional<std::string> value;
    if (s == PSA_SUCCESS) {
      value = got;
    } else {
      ASSERT_EQ(s, PSA_ERROR_DOES_NOT_EXIST) << "cut " << cut << " key " << k.first << "/" << k.second;
    }
    auto lookup = [&](const Model& m) -> std::optional<std::string> {
      auto it = m.find(k);
      return it == m.end() ? std::nullopt : std::optional{it->second};
    };
    EXPECT_TRUE(value == lookup(before) || value == lookup(after))
        << "cut " << cut << " key " << k.first << "/" << k.second << " got " << (value ? *value : "<none>");
  }
}

void sweep(bool use_ps) {
  const auto steps = script(use_ps);
  // The uncut run: every step succeeds, and the number of flash operations bounds the sweep.
  std::uint64_t total = 0;
  {
    Harness h{use_ps, 1};
    ASSERT_EQ(h.boot(), PSA_SUCCESS);
    for (const auto& st : steps) ASSERT_EQ(h.run(st), PSA_SUCCESS);
    total = h.flash.stats().operations();
    ASSERT_GE(h.its->stats().compactions + (h.objects ? h.objects->stats().compactions : 0), 2u);
    std::printf("[figures] %s sweep: %zu steps, %llu flash operations, %u+%u compactions\n", use_ps ? "PS" : "ITS",
                steps.size(), static_cast<unsigned long long>(total), h.its->stats().compactions,
                h.objects ? h.objects->stats().compactions : 0u);
  }
  for (std::uint64_t cut = 0; cut <= total; ++cut) {
    Harness h{use_ps, cut + 7};
    h.flash.arm_power_cut(cut);
    Model before, after;
    bool was_cut = false;
    if (h.boot() != PSA_SUCCESS) {
      ASSERT_FALSE(h.flash.powered()) << cut;
      was_cut = true;
    }
    for (std::size_t i = 0; !was_cut && i < steps.size(); ++i) {
      after = before;
      apply(after, steps[i]);
      if (h.run(steps[i]) != PSA_SUCCESS) {
        ASSERT_FALSE(h.flash.powered()) << "step " << i << " failed without a power cut (cut " << cut << ")";
        was_cut = true;
        break;
      }
      before = after;
    }
    if (!was_cut) continue;  // the cut fell after the script
    h.flash.power_on();
    ASSERT_EQ(h.boot(), PSA_SUCCESS) << "cut " << cut;
    expect_old_or_new(h, before, after, cut);
    if (::testing::Test::HasFailure()) return;
    // Still usable: write, reboot, everything as expected.
    Step fresh{Op::set, -5, 77, "after the cut"};
    ASSERT_EQ(h.run(fresh), PSA_SUCCESS) << "cut " << cut;
    std::string got;
    ASSERT_EQ(h.boot(), PSA_SUCCESS);
    ASSERT_EQ(h.get({-5, 77}, &got), PSA_SUCCESS) << "cut " << cut;
    EXPECT_EQ(got, "after the cut");
    expect_old_or_new(h, before, after, cut);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(StorageSweep, ItsSurvivesAPowerCutAtEveryFlashOperation) { sweep(false); }
TEST(StorageSweep, PsSurvivesAPowerCutAtEveryFlashOperation) { sweep(true); }

}  // namespace
}  // namespace ward::secure::storage
