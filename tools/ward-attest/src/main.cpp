// ward-attest: the host side of PSA Initial Attestation (docs/attestation.md).
//   ward-attest enrol --huk HUK.bin --out IAK.pem      the device's attestation public key (PEM) from the
//                                                      HUK the factory provisions; prints the instance id
//   ward-attest reference --type NAME IMAGE.signed.bin one reference-value line for a signed image
//   ward-attest verify TOKEN --key IAK.pem --nonce HEX --refs FILE [--implementation-id HEX]
//                      [--require-secured]             exit 0: verified; 1: refused (reason printed)
#include <CLI/CLI.hpp>
#include <openssl/pem.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "input_file.hpp"
#include "verifier.hpp"

namespace {

constexpr std::size_t kMaxToken = ward::attest::kMaxTokenSize;
constexpr std::size_t kMaxImage = std::size_t{16} * 1024 * 1024;
constexpr std::size_t kMaxText = std::size_t{1024} * 1024;

int fail(const std::string& what) {
  std::cerr << "ward-attest: " << what << '\n';
  return 2;
}

std::optional<std::string> read(const std::string& path, std::size_t limit) {
  std::string data, error;
  if (!ward::tools::read_input_file(path, limit, data, error)) {
    std::cerr << "ward-attest: " << error << '\n';
    return std::nullopt;
  }
  return data;
}

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

int enrol(const std::string& huk_path, const std::string& out) {
  const auto huk = read(huk_path, 1024);
  if (!huk) return 2;
  if (huk->size() != 32) return fail(huk_path + ": a hardware-unique key is 32 bytes");
  auto key = ward::attest::derive_public_key(bytes(*huk));
  if (!key) return fail(key.error());
  FILE* f = std::fopen(out.c_str(), "wx");
  if (f == nullptr) return fail(out + ": cannot create (it must not exist)");
  const bool ok = PEM_write_PUBKEY(f, key->get()) == 1;
  if (std::fclose(f) != 0 || !ok) return fail(out + ": write failed");
  std::cout << "instance id " << ward::attest::hex(ward::attest::instance_id(key->get())) << '\n';
  return 0;
}

int reference(const std::string& type, const std::string& path) {
  const auto image = read(path, kMaxImage);
  if (!image) return 2;
  if (type.empty() || type.size() > 32 || type.find_first_of(" \t\n#") != std::string::npos) {
    return fail("--type: 1 to 32 characters, no blanks");
  }
  auto r = ward::attest::reference_from_image(bytes(*image), type);
  if (!r) return fail(path + ": " + r.error());
  std::cout << ward::attest::format_reference(*r);
  return 0;
}

int verify(const std::string& token_path, const std::string& key_path, const std::string& nonce_hex,
           const std::string& refs_path, const std::string& implementation_hex, bool require_secured) {
  const auto token = read(token_path, kMaxToken);
  const auto key_pem = read(key_path, kMaxText);
  const auto refs_text = read(refs_path, kMaxText);
  if (!token || !key_pem || !refs_text) return 2;
  ward::attest::Expected e;
  BIO* bio = BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size()));
  ward::attest::Pkey key{bio != nullptr ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr};
  BIO_free(bio);
  if (!key) return fail(key_path + ": not a PEM public key");
  e.key = key.get();
  auto nonce = ward::attest::unhex(nonce_hex);
  if (!nonce) return fail("--nonce: not hex");
  e.nonce = std::move(*nonce);
  if (!implementation_hex.empty()) {
    auto id = ward::attest::unhex(implementation_hex);
    if (!id) return fail("--implementation-id: not hex");
    e.implementation_id = std::move(*id);
  }
  e.require_secured = require_secured;
  auto refs = ward::attest::parse_references(*refs_text);
  if (!refs) return fail(refs_path + ": " + refs.error());
  e.references = std::move(*refs);
  ward::attest::Token tok;
  if (const auto f = ward::attest::verify(bytes(*token), e, tok); f != ward::attest::Failure::none) {
    std::cout << "ward-attest: token REFUSED: " << ward::attest::to_string(f) << '\n';
    return 1;
  }
  const auto* t = &tok;
  std::cout << "profile " << t->profile << "\ninstance id " << ward::attest::hex(t->instance_id)
            << "\nimplementation id " << ward::attest::hex(t->implementation_id) << "\nclient id " << t->client_id
            << "\nsecurity lifecycle 0x" << std::hex << t->lifecycle << std::dec << "\nboot seed "
            << ward::attest::hex(t->boot_seed) << "\nverification service " << t->verification_service << '\n';
  for (const auto& c : t->components) {
    std::cout << "component " << c.type << ' ' << c.version << ' ' << ward::attest::hex(c.measurement)
              << " (matches its reference value)\n";
  }
  std::cout << "ward-attest: token verified (" << token->size() << " bytes)\n";
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{"ward-attest: enrol a device's attestation key, write reference values, verify PSA attestation tokens"};
  app.require_subcommand(1);
  std::string huk, out, type, image, token, key, nonce, refs, implementation;
  bool require_secured = false;
  auto* en = app.add_subcommand("enrol", "the attestation public key (PEM) from the device's hardware-unique key");
  en->add_option("--huk", huk, "the 32-byte hardware-unique key")->required();
  en->add_option("--out", out, "PEM public key to write (must not exist)")->required();
  auto* ref = app.add_subcommand("reference", "the reference values of a signed image");
  ref->add_option("--type", type, "software component type (the image's boot record name)")->required();
  ref->add_option("image", image, "signed image")->required();
  auto* ver = app.add_subcommand("verify", "verify a token");
  ver->add_option("token", token, "the token (binary CBOR)")->required();
  ver->add_option("--key", key, "the device's enrolled attestation public key (PEM)")->required();
  ver->add_option("--nonce", nonce, "the challenge sent (hex)")->required();
  ver->add_option("--refs", refs, "reference values, one line per image")->required();
  ver->add_option("--implementation-id", implementation, "the expected implementation id (hex)");
  ver->add_flag("--require-secured", require_secured, "refuse any lifecycle but secured");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (en->parsed()) return enrol(huk, out);
  if (ref->parsed()) return reference(type, image);
  return verify(token, key, nonce, refs, implementation, require_secured);
}

}  // namespace

int main(int argc, char** argv) {
  // Errors travel as results; what can still be thrown is the standard library's (no memory, a
  // stream that failed): that too ends in a message and status 2, not in std::terminate.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
