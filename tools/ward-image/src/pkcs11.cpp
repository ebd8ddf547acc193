// Signing with a key held in a PKCS#11 token (an HSM, or SoftHSM2 in tests), straight through
// the PKCS#11 C API: the module is loaded with dlopen, the private key never leaves the token;
// the tool hands it the SHA-256 digest (CKM_ECDSA) and gets r || s back.
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

#include "keys.hpp"

#define CRYPTOKI_COMPAT
#include <p11-kit/pkcs11.h>

namespace ward::tool {
namespace {

// RFC 7512: "pkcs11:" path attributes separated by ';', optional '?' query (module-path,
// pin-value), values percent-encoded.
Expected<std::map<std::string, std::string>> parse_uri(const std::string& uri) {
  std::map<std::string, std::string> attrs;
  auto decode = [](std::string_view v) -> Expected<std::string> {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '%') {
        if (i + 2 >= v.size()) {
          return std::unexpected("bad percent-encoding in PKCS#11 URI");
        }
        const std::string hex(v.substr(i + 1, 2));
        char* end = nullptr;
        const long c = std::strtol(hex.c_str(), &end, 16);
        if (end != hex.c_str() + 2) {
          return std::unexpected("bad percent-encoding in PKCS#11 URI");
        }
        out.push_back(static_cast<char>(c));
        i += 2;
      } else {
        out.push_back(v[i]);
      }
    }
    return out;
  };
  std::string_view rest = std::string_view(uri).substr(std::strlen("pkcs11:"));
  for (char sep : {';', '&'}) {
    std::string_view part = rest;
    if (sep == ';') {
      part = rest.substr(0, rest.find('?'));
    } else {
      auto q = rest.find('?');
      if (q == std::string_view::npos) {
        break;
      }
      part = rest.substr(q + 1);
    }
    while (!part.empty()) {
      auto end = part.find(sep);
      std::string_view item = part.substr(0, end);
      auto eq = item.find('=');
      if (eq == std::string_view::npos) {
        return std::unexpected("bad PKCS#11 URI attribute '" + std::string(item) + "'");
      }
      auto value = decode(item.substr(eq + 1));
      if (!value) {
        return std::unexpected(value.error());
      }
      attrs[std::string(item.substr(0, eq))] = *value;
      part = end == std::string_view::npos ? std::string_view{} : part.substr(end + 1);
    }
  }
  return attrs;
}

std::string rv_text(CK_RV rv) {
  char buf[32];
  (void)std::snprintf(buf, sizeof buf, "CKR 0x%lx", static_cast<unsigned long>(rv));  // at most 20 characters
  return buf;
}

class Pkcs11Key final : public SigningKey {
 public:
  // One owner of the session and the module: a copy would close and unload them twice.
  Pkcs11Key() = default;
  Pkcs11Key(const Pkcs11Key&) = delete;
  Pkcs11Key& operator=(const Pkcs11Key&) = delete;
  ~Pkcs11Key() override {
    if (fn_ != nullptr) {
      if (session_ != CK_INVALID_HANDLE) {
        fn_->C_Logout(session_);
        fn_->C_CloseSession(session_);
      }
      fn_->C_Finalize(nullptr);
    }
    if (module_ != nullptr) {
      dlclose(module_);
    }
  }

  Expected<void> open(const std::map<std::string, std::string>& a, const std::string& module_path) {
    module_ = dlopen(module_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (module_ == nullptr) {
      return std::unexpected("cannot load PKCS#11 module " + module_path + ": " + dlerror());
    }
    auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(module_, "C_GetFunctionList"));
    if (get_list == nullptr || get_list(&fn_) != CKR_OK || fn_ == nullptr) {
      fn_ = nullptr;
      return std::unexpected("not a PKCS#11 module: " + module_path);
    }
    if (CK_RV rv = fn_->C_Initialize(nullptr); rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      fn_ = nullptr;
      return std::unexpected("C_Initialize failed: " + rv_text(rv));
    }
    CK_ULONG count = 0;
    if (fn_->C_GetSlotList(CK_TRUE, nullptr, &count) != CKR_OK) {
      return std::unexpected("C_GetSlotList failed");
    }
    std::vector<CK_SLOT_ID> slots(count);
    if (fn_->C_GetSlotList(CK_TRUE, slots.data(), &count) != CKR_OK) {
      return std::unexpected("C_GetSlotList failed");
    }
    const auto token = a.find("token");
    std::optional<CK_SLOT_ID> slot;
    for (CK_ULONG i = 0; i < count && !slot; ++i) {
      CK_TOKEN_INFO info;
      if (fn_->C_GetTokenInfo(slots[i], &info) != CKR_OK) {
        continue;
      }
      std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);
      label.erase(label.find_last_not_of(' ') + 1);
      if (token == a.end() || label == token->second) {
        slot = slots[i];
      }
    }
    if (!slot) {
      return std::unexpected("no PKCS#11 token" + (token != a.end() ? " labelled '" + token->second + "'" : ""));
    }
    if (CK_RV rv = fn_->C_OpenSession(*slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session_); rv != CKR_OK) {
      session_ = CK_INVALID_HANDLE;
      return std::unexpected("C_OpenSession failed: " + rv_text(rv));
    }
    std::string pin;
    if (auto p = a.find("pin-value"); p != a.end()) {
      pin = p->second;
    } else if (const char* env = std::getenv("WARD_PKCS11_PIN")) {
      pin = env;
    }
    if (!pin.empty()) {
      CK_RV rv = fn_->C_Login(session_, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()), pin.size());
      if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        return std::unexpected("PKCS#11 login failed: " + rv_text(rv));
      }
    }
    auto priv = find(a, CKO_PRIVATE_KEY);
    if (!priv) {
      return std::unexpected(priv.error());
    }
    private_ = *priv;
    auto pub = find(a, CKO_PUBLIC_KEY);
    if (!pub) {
      return std::unexpected(pub.error());
    }
    public_ = *pub;
    return {};
  }

  Expected<Bytes> public_spki() override {
    CK_BYTE point[128];
    CK_ATTRIBUTE attr = {CKA_EC_POINT, point, sizeof point};
    if (CK_RV rv = fn_->C_GetAttributeValue(session_, public_, &attr, 1); rv != CKR_OK) {
      return std::unexpected("cannot read CKA_EC_POINT: " + rv_text(rv));
    }
    // DER OCTET STRING { 0x04 || X || Y } (some modules omit the OCTET STRING wrapper).
    const CK_BYTE* p = point;
    CK_ULONG len = attr.ulValueLen;
    if (len == 67 && p[0] == 0x04 && p[1] == 65) {
      p += 2;
      len -= 2;
    }
    if (len != 65 || p[0] != 0x04) {
      return std::unexpected("the token's public key is not an uncompressed P-256 point");
    }
    static constexpr std::uint8_t kPrefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce,
                                               0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                               0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
    Bytes spki(std::begin(kPrefix), std::end(kPrefix));
    spki.insert(spki.end(), p, p + 65);
    return spki;
  }

  Expected<Bytes> sign_digest(const std::array<std::uint8_t, 32>& digest) override {
    CK_MECHANISM mech = {CKM_ECDSA, nullptr, 0};
    if (CK_RV rv = fn_->C_SignInit(session_, &mech, private_); rv != CKR_OK) {
      return std::unexpected("C_SignInit failed: " + rv_text(rv));
    }
    std::array<std::uint8_t, 64> raw{};
    CK_ULONG len = raw.size();
    CK_BYTE data[32];
    std::memcpy(data, digest.data(), sizeof data);
    if (CK_RV rv = fn_->C_Sign(session_, data, sizeof data, raw.data(), &len); rv != CKR_OK || len != raw.size()) {
      return std::unexpected("C_Sign failed: " + rv_text(rv));
    }
    return ecdsa_raw_to_der(raw);
  }

 private:
  Expected<CK_OBJECT_HANDLE> find(const std::map<std::string, std::string>& a, CK_OBJECT_CLASS cls) {
    std::vector<CK_ATTRIBUTE> tmpl;
    CK_KEY_TYPE type = CKK_EC;
    tmpl.push_back({CKA_CLASS, &cls, sizeof cls});
    tmpl.push_back({CKA_KEY_TYPE, &type, sizeof type});
    // cppcheck-suppress variableScope ; tmpl points into both until C_FindObjectsInit: keep them here
    std::string label, id;
    if (auto o = a.find("object"); o != a.end()) {
      label = o->second;
      tmpl.push_back({CKA_LABEL, label.data(), label.size()});
    }
    if (auto i = a.find("id"); i != a.end()) {
      id = i->second;
      tmpl.push_back({CKA_ID, id.data(), id.size()});
    }
    if (fn_->C_FindObjectsInit(session_, tmpl.data(), tmpl.size()) != CKR_OK) {
      return std::unexpected("C_FindObjectsInit failed");
    }
    CK_OBJECT_HANDLE objs[2];
    CK_ULONG found = 0;
    const CK_RV rv = fn_->C_FindObjects(session_, objs, 2, &found);
    fn_->C_FindObjectsFinal(session_);
    const char* what = cls == CKO_PRIVATE_KEY ? "private" : "public";
    if (rv != CKR_OK || found == 0) {
      return std::unexpected(std::string("no EC ") + what + " key matching the PKCS#11 URI (wrong PIN or label?)");
    }
    if (found > 1) {
      return std::unexpected(std::string("several EC ") + what + " keys match the PKCS#11 URI; add id=");
    }
    return objs[0];
  }

  void* module_ = nullptr;
  CK_FUNCTION_LIST_PTR fn_ = nullptr;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE private_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE public_ = CK_INVALID_HANDLE;
};

}  // namespace

Expected<std::unique_ptr<SigningKey>> load_pkcs11_key(const std::string& uri, const std::string& module) {
  auto attrs = parse_uri(uri);
  if (!attrs) {
    return std::unexpected(attrs.error());
  }
  std::string path = module;
  if (auto m = attrs->find("module-path"); m != attrs->end()) {
    path = m->second;
  }
  if (path.empty()) {
    if (const char* env = std::getenv("PKCS11_MODULE_PATH")) {
      path = env;
    }
  }
  if (path.empty()) {
    return std::unexpected("no PKCS#11 module: give --pkcs11-module, module-path= in the URI or $PKCS11_MODULE_PATH");
  }
  auto key = std::make_unique<Pkcs11Key>();
  if (auto ok = key->open(*attrs, path); !ok) {
    return std::unexpected(ok.error());
  }
  return std::unique_ptr<SigningKey>(std::move(key));
}

}  // namespace ward::tool
