#!/usr/bin/python3
"""Each Ward image's stack canary follows the rule (arch/arm/include/ward/arch/arm/early_init.hpp):
taken from the board's entropy at every boot, with its lowest byte zero.

Read from outside, through QEMU's debugger, after the image's early initialisation and before it
hands over or calls out, so the images are tested as they ship:
  application   an application image, at its main() (ward_call_main)
  bootloader    the bootloader, at the hand-over to a signed slot image (its reset handler)
  secure        the secure image, at its first secure call from the non-secure side
                (ward_spe_call); the non-secure application's canary at its main() too
Each image is booted twice: both canaries must have a zero low byte, be neither zero nor the
fixed canary of a build without entropy, and differ from each other (the entropy is really used).
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "qemu-runner"))
from qemu_gdb import QemuGdb, elf_symbol  # noqa: E402

FIXED_CANARY = 0xE2DEE300  # ward::arm::kFixedStackCanary
BOOTS = 2


def application(args, work):
    image = args.image
    with QemuGdb(["-kernel", image], cwd=work) as q:
        q.run_to(elf_symbol(image, "ward_call_main"))
        return {"application": q.read_u32(elf_symbol(image, "__stack_chk_guard"))}


def bootloader(args, work):
    flash = bytearray(b"\xff" * args.flash_size)
    with open(args.slot_signed, "rb") as f:
        signed = f.read()
    flash[args.primary_offset:args.primary_offset + len(signed)] = signed
    with open(os.path.join(work, args.flash_file), "wb") as f:
        f.write(flash)
    with QemuGdb(["-kernel", args.bootloader], cwd=work) as q:
        # The application's reset handler: the bootloader has handed over, nothing of the
        # application has run yet, so the bootloader's RAM is as it left it.
        q.run_to(elf_symbol(args.slot_elf, "ward_reset_handler"))
        return {"bootloader": q.read_u32(elf_symbol(args.bootloader, "__stack_chk_guard"))}


def secure(args, work):
    found = {}
    ns_main = elf_symbol(args.ns_image, "ward_call_main")
    secure_entry = elf_symbol(args.secure_image, "__acle_se_ward_spe_call")
    with QemuGdb(["-kernel", args.secure_image, "-device", f"loader,file={args.ns_image}"], cwd=work) as q:
        pending = {ns_main, secure_entry}
        while pending:
            at = q.run_to(*pending)
            pending.discard(at)
            if at == secure_entry:  # the core is in the secure state: secure RAM is readable
                found["secure"] = q.read_u32(elf_symbol(args.secure_image, "__stack_chk_guard"))
            else:
                found["non-secure application"] = q.read_u32(elf_symbol(args.ns_image, "__stack_chk_guard"))
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="image_kind", required=True)
    a = sub.add_parser("application")
    a.add_argument("image")
    b = sub.add_parser("bootloader")
    b.add_argument("--bootloader", required=True)
    b.add_argument("--slot-elf", required=True, help="the application's ELF (for its reset handler)")
    b.add_argument("--slot-signed", required=True, help="the same application, signed")
    b.add_argument("--flash-file", default="ward-flash.img")
    for opt in ("sector-size", "slot-sectors", "counter-offset", "primary-offset", "secondary-offset", "flash-size"):
        b.add_argument("--" + opt, type=lambda v: int(v, 0), required=True)  # WARD_BOOT_LAYOUT_ARGS
    s = sub.add_parser("secure")
    s.add_argument("--secure-image", required=True)
    s.add_argument("--ns-image", required=True)
    args = p.parse_args()
    run = {"application": application, "bootloader": bootloader, "secure": secure}[args.image_kind]

    seen = {}
    for boot in range(BOOTS):
        work = tempfile.mkdtemp(prefix="ward-canary-")
        try:
            for name, value in run(args, work).items():
                print(f"boot {boot + 1}: {name} canary {value:#010x}")
                seen.setdefault(name, []).append(value)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    failures = []
    for name, values in seen.items():
        if len(values) != BOOTS:
            failures.append(f"{name}: canary read on {len(values)} of {BOOTS} boots")
        for v in values:
            if v & 0xFF:
                failures.append(f"{name}: canary {v:#010x} has a non-zero low byte")
            if v in (0, FIXED_CANARY):
                failures.append(f"{name}: canary {v:#010x} is not from the board's entropy")
        if len(set(values)) != len(values):
            failures.append(f"{name}: the same canary on every boot ({values[0]:#010x})")
    if not seen:
        failures.append("no canary read")
    if failures:
        print("stack_canary: FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("stack_canary: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
