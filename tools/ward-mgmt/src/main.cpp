// ward-mgmt: the host client of SMP, mcumgr's management protocol (docs/device-management.md).
// Commands and options are named after mcumgr's, so that its users' scripts read the same:
//   ward-mgmt --conntype serial --connstring dev=/dev/ttyACM0,baud=115200 image list
//   ward-mgmt --conntype serial --connstring tcp=localhost:5555 image upload app.signed.bin
//   ward-mgmt --conntype udp --connstring 192.0.2.1:1337 echo hello
//   ward-mgmt --conntype tls --connstring 192.0.2.1:1338 --tls-cert op.pem --tls-key op.key --tls-ca device-ca.pem
//             --tls-name device.example image list
// Exit codes (exit_codes.hpp): 0 ok, 1 the device answered an error, 2 usage, 3 transport or a
// malformed reply, 4 timeout.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <iostream>
#include <optional>
#include <string>

#include "client.hpp"
#include "input_file.hpp"

namespace {

using namespace ward::mgmt_client;

constexpr std::size_t kMaxImage = std::size_t{64} * 1024 * 1024;

Bytes parse_hash(const std::string& text) {
  auto h = unhex(text);
  if (!h || h->empty() || h->size() > 64) throw Failure(ExitCode::usage, "HASH: hex digits of the image's hash (as image list shows it)");
  return std::move(*h);
}

struct Args {
  std::string conntype = "serial";
  std::string connstring;
  TlsOptions tls;
  ClientOptions client;
  std::string echo_text, file, hash;
  std::uint32_t image = 0;
  std::uint32_t slot = 0;
  bool upgrade = false, force = false, no_progress = false;
};

int run(int argc, char** argv) {
  CLI::App app{"ward-mgmt: manage a device over SMP (mcumgr's protocol): images, reset, echo, task statistics"};
  app.require_subcommand(1);
  app.fallthrough();
  app.footer("Exit codes: 0 ok, 1 the device answered an error, 2 usage, 3 transport failure or malformed reply, "
             "4 timeout.");
  Args a;
  app.add_option("--conntype", a.conntype, "serial, udp or tls (mutually authenticated)")->capture_default_str();
  app.add_option("--connstring", a.connstring,
                 "serial: dev=/dev/ttyX[,baud=115200] or tcp=HOST:PORT (QEMU's TCP serial); udp, tls: HOST:PORT")
      ->required();
  app.add_option("--tls-cert", a.tls.cert, "tls: the operator's client certificate (PEM, from the management CA)");
  app.add_option("--tls-key", a.tls.key, "tls: its private key (PEM)");
  app.add_option("--tls-ca", a.tls.ca, "tls: the CA the device's certificate chains to (PEM)");
  app.add_option("--tls-name", a.tls.name, "tls: the name the device's certificate must carry (default: the host)");
  app.add_option("-t,--timeout", a.client.timeout_s, "seconds to wait for each reply")
      ->capture_default_str()->check(CLI::Range(0.01, 600.0));
  app.add_option("-r,--tries", a.client.tries, "tries per request (a timed-out request is sent again)")
      ->capture_default_str()->check(CLI::Range(1, 100));
  app.add_option("-m,--mtu", a.client.mtu, "largest request packet in bytes (default: ask the device)")
      ->check(CLI::Range(64, 65535));
  app.add_flag("-v,--verbose", a.client.verbose, "show requests, and replies or frames passed over");

  auto* echo = app.add_subcommand("echo", "send TEXT; the device answers it back");
  echo->add_option("TEXT", a.echo_text, "text to echo")->required();
  auto* reset = app.add_subcommand("reset", "reset the device (it answers first)");
  reset->add_flag("--force", a.force, "ask for the reset even if the device would veto it");
  auto* taskstat = app.add_subcommand("taskstat", "the device's threads: priority, state, stack use, switches");
  auto* image = app.add_subcommand("image", "image management: list, upload, test, confirm, erase, slot-info");
  image->require_subcommand(1);
  image->fallthrough();
  auto* list = image->add_subcommand("list", "the images in the device's slots: versions, hashes, flags");
  auto* upload = image->add_subcommand(
      "upload", "upload FILE to the device's secondary slot; resumes an interrupted upload of the same file");
  upload->add_option("FILE", a.file, "signed image")->required();
  upload->add_option("-e,--image", a.image, "image number (0: the first image)")->capture_default_str();
  upload->add_flag("-u,--upgrade", a.upgrade, "only an upgrade: the device refuses an older version");
  upload->add_flag("--no-progress", a.no_progress, "no progress bar even on a terminal");
  auto* test = image->add_subcommand("test", "boot the image with HASH once, on trial, at the next reset");
  test->add_option("HASH", a.hash, "the image's hash, in hex")->required();
  auto* confirm = image->add_subcommand("confirm", "make the running image (or the one with HASH) permanent");
  confirm->add_option("HASH", a.hash, "the image's hash, in hex (default: the running image)");
  auto* erase = image->add_subcommand("erase", "erase the secondary slot");
  auto* erase_slot = erase->add_option("--slot", a.slot, "slot number (default: the device's choice)");
  auto* slot_info = image->add_subcommand(
      "slot-info", "each image's slots: size in bytes, the image number an upload names (upload_image_id), the "
                   "largest image the device takes (max_image_size)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    (void)app.exit(e);
    return static_cast<int>(ExitCode::usage);
  }

  // Input is checked before the link is opened: a typo costs no connection.
  std::optional<Bytes> hash;
  if (!a.hash.empty()) hash = parse_hash(a.hash);
  Bytes file;
  if (upload->parsed()) {
    std::string data, error;
    if (!ward::tools::read_input_file(a.file, kMaxImage, data, error)) throw Failure(ExitCode::usage, error);
    file.assign(data.begin(), data.end());
  }
  const auto transport = open_transport(a.conntype, a.connstring, a.tls);
  Client c(*transport, a.client, std::cerr);
  if (echo->parsed()) cmd_echo(c, a.echo_text, std::cout);
  if (reset->parsed()) cmd_reset(c, a.force, std::cout);
  if (taskstat->parsed()) cmd_taskstat(c, std::cout);
  if (list->parsed()) cmd_image_list(c, std::cout);
  if (slot_info->parsed()) cmd_image_slot_info(c, std::cout);
  if (test->parsed() && hash) cmd_image_test(c, *hash, std::cout);  // HASH is required: parsed() means set
  if (confirm->parsed()) cmd_image_confirm(c, hash, std::cout);
  if (erase->parsed()) cmd_image_erase(c, erase_slot->count() > 0 ? std::optional<std::uint32_t>(a.slot) : std::nullopt, std::cout);
  if (upload->parsed()) {
    const UploadOptions u{a.image, a.upgrade, !a.no_progress && ::isatty(STDERR_FILENO) == 1};
    cmd_image_upload(c, file, u, std::cout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Failure& f) {
    std::cerr << "ward-mgmt: " << f.what() << '\n';
    return static_cast<int>(f.code);
  } catch (const std::exception& e) {
    std::cerr << "ward-mgmt: " << e.what() << '\n';
    return static_cast<int>(ExitCode::transport);
  }
}
