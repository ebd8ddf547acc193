#!/usr/bin/python3
"""`./ward bench-mgmt`: what an SMP upload costs (docs/device-management.md, "Figures so far").
Prints measurements; not a test (nothing is asserted beyond the runs working).

For each transport (UDP, TLS, the UART), the two-image chain runs under QEMU with samples/mgmt as its non-secure image,
and ward-mgmt (the real binary) uploads a signed update of image 1 of a known size. The device
harness is tests/mgmt/mgmt_tool_e2e.py's (Device, Tool), the signing tests/boot/chain_e2e.py's.

  instructions  the `*_bench` build (bench.hpp) under -icount shift=0,align=off,sleep=off: one
                instruction = 1 ns of virtual time. A spinner at the lowest priority keeps the core
                busy; its loops with nothing else to do are calibrated at boot, so the instructions
                the rest of the device spent during the upload (first chunk to last: transport,
                lwIP, SMP server, FWU binding, the secure side's staging, kernel) are
                  (upload ticks - spins * idle ticks per spin) * instructions per tick.
  wall time     the ordinary build (mgmt, mgmt_udp) without -icount, as the tests run it: the
                upload command's time on this machine.
  ROM / RAM     lib/mgmt's symbols and the sample's SMP objects in mgmt.elf, mgmt_udp.elf and mgmt_tls.elf
                (arm-none-eabi-nm -S), against the targets of issue 17 (16 KiB ROM, 6 KiB RAM
                beyond the network stack).

  mgmt_bench.py CHAIN-ARGS --ward-mgmt PATH --samples DIR [--udp-kib 256] [--tls-kib 256] [--serial-kib 32]
                [--mgmt-ca-dir DIR --provision TOOL]   (the TLS run: the development management CA)
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
import chain_e2e  # noqa: E402
import mgmt_tool_e2e  # noqa: E402

ICOUNT = ("-icount", "shift=0,align=off,sleep=off")
CALIBRATION = re.compile(r"bench: calibration (\d+) instructions = (\d+) ticks; idle (\d+) spins in (\d+) ticks")
UPLOAD = re.compile(r"bench: upload (\d+) bytes in (\d+) ticks, (\d+) spins, (\w+)")


def upload(args, tool_path, app, conntype, size, icount, tls=None):
    """One device, one upload of a signed `size`-byte update of image 1: (bytes, seconds, device text).
    Over TLS the device is provisioned at a first boot without -icount (the provisioning's timeouts
    would race under it while the host signs), then started again on its flash under -icount."""
    c = chain_e2e.Chain(args, f"mgmt-bench-{conntype}")
    dev = None
    since = 0
    try:
        c.raw[1] = open(app, "rb").read()
        c.primary(0, c.sign(0))
        c.primary(1, c.sign(1))
        # The update: the application's first 4 KiB padded to `size` and signed (it is uploaded,
        # never booted), so that any size from 8 KiB up can be measured.
        app_bytes = c.raw[1]
        c.raw[1] = app_bytes[:4096]
        update = bytes(c.sign(1, "2.0.0", counter=2, pad_to=size))
        c.raw[1] = app_bytes
        path = os.path.join(c.work, "update.bin")
        with open(path, "wb") as f:
            f.write(update)
        tls_args, device_args, host = [], [], None
        if conntype == "tls":
            tls_args, host, _ = mgmt_tool_e2e.make_tls_material(c, tls)
            device_args = [f"--time={int(time.time())}", f"--prov={host.port}"]
        qemu_args = ICOUNT if icount and conntype != "tls" else ()
        dev = mgmt_tool_e2e.Device(c, qemu_args=qemu_args, lifetime=900, device_args=device_args)
        tool = mgmt_tool_e2e.Tool(tool_path, conntype, dev, tls_args)
        if conntype == "tls":
            dev.wait_text(mgmt_tool_e2e.TLS_READY, timeout=120)
            host.check()
            if icount:
                since = len(dev.text())
                dev.qemu_args = ICOUNT
                dev.power_cut()
        dev.wait_text(mgmt_tool_e2e.READY, since=since, timeout=150 if icount else 60)
        if conntype in mgmt_tool_e2e.NET_READY:
            dev.wait_text(mgmt_tool_e2e.NET_READY[conntype], since=since, timeout=150 if icount else 60)
        tool.wait_answering(timeout=60)
        mark = len(dev.text())
        start = time.monotonic()
        p = tool.run("image", "upload", "-e", "1", "--no-progress", path, timeout=850)
        took = time.monotonic() - start
        if p.returncode != 0:
            raise RuntimeError(f"the upload failed: exit {p.returncode}")
        if icount:
            dev.wait_text("bench: upload", since=mark, timeout=30)
            dev.wait_text("\n", since=dev.text().find("bench: upload", mark), timeout=10)
        return len(update), took, dev.text()[since:]
    except Exception:
        if dev is not None:
            print("--- UART0, the end ---\n" + dev.text()[-1500:])
        raise
    finally:
        if dev is not None:
            dev.close()
        shutil.rmtree(c.work, ignore_errors=True)


def instructions(text, size):
    """Busy instructions of the upload from the bench build's lines."""
    cal = CALIBRATION.search(text)
    up = UPLOAD.search(text)
    if not cal or not up or int(up.group(1)) != size or up.group(4) != "accepted":
        raise RuntimeError("no benchmark lines from the device (or the upload was refused)")
    per_tick = int(cal.group(1)) / int(cal.group(2))
    idle_ticks_per_spin = int(cal.group(4)) / int(cal.group(3))
    ticks, spins = int(up.group(2)), int(up.group(3))
    busy = (ticks - spins * idle_ticks_per_spin) * per_tick
    return busy, ticks * per_tick, per_tick


# --- ROM and RAM -------------------------------------------------------------------------------------

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
# The sample's SMP objects (samples/mgmt/main.cpp): servers, groups, binding, transports, stacks.
SMP_OBJECTS = {"fwu", "os", "image", "groups", "server", "smp", "smp_stack", "smp_udp", "smp_udp_stack",
               "smp_lock", "smp_turn", "thread_list", "threads", "smp_tls", "smp_tls_stack", "tls_options", "device_cert",
               "mgmt_sample::csr"}


def tinycbor_functions():
    """The functions tinycbor's parser and encoder define (their static ones too, which LTO keeps by name)."""
    names = set()
    for src in glob.glob(os.path.join(ROOT, ".cache", "tinycbor-*", "src", "cbor*.c")):
        with open(src, encoding="utf-8", errors="replace") as f:
            names |= set(re.findall(r"^(?:static\s+)?(?:inline\s+)?[A-Za-z_][\w\s\*]*?\b(\w+)\s*\(", f.read(), re.M))
    return names


def rom_groups():
    cbor = tinycbor_functions()
    return [
        ("SMP core and transports (ward::mgmt without the FWU binding)",
         lambda n: "ward::mgmt::" in n and "FwuBinding" not in n),
        ("FWU binding", lambda n: "ward::mgmt::FwuBinding" in n),
        ("tinycbor (parser and encoder, the parts linked)", lambda n: n in cbor),
        ("SHA-256 (the bootloader's)", lambda n: n.startswith("ward::boot::")),
        ("static constructors (the sample's objects, the SMP ones most of it)", lambda n: n.startswith("_sub_I_")),
    ]


def symbols(elf):
    """(size, type, demangled name) of every sized symbol; LTO's suffixes (.lto_priv.0 ...) dropped."""
    out = subprocess.run(["arm-none-eabi-nm", "-S", elf], check=True, capture_output=True, text=True).stdout
    rows = [line.split(" ", 3) for line in out.splitlines()]
    rows = [r for r in rows if len(r) == 4]
    plain = [re.sub(r"\.(lto_priv|constprop|isra|part|cold)\.\d+", "", r[3]) for r in rows]
    names = subprocess.run(["arm-none-eabi-c++filt"], input="\n".join(plain), check=True, capture_output=True,
                           text=True).stdout.splitlines()
    for r, name in zip(rows, names):
        yield int(r[1], 16), r[2], name


DATA_GROUP = "initial values of the SMP objects in .data (ROM as well as RAM)"


def footprint(elf):
    groups = rom_groups()
    rom = {name: 0 for name, _ in groups}
    rom[DATA_GROUP] = 0
    ram = 0
    ram_objects = {}
    for size, kind, name in symbols(elf):
        if kind in "tTrR":
            for group, match in groups:
                if match(name):
                    rom[group] += size
                    break
        elif kind in "bBdD":
            short = name.replace("(anonymous namespace)::", "")
            if short in SMP_OBJECTS or "ward::mgmt::" in name:
                ram += size
                ram_objects[short] = ram_objects.get(short, 0) + size
                if kind in "dD":  # an initialised object's value is in the image too
                    rom[DATA_GROUP] += size
    return rom, ram, ram_objects


def report_footprint(samples):
    print("ROM and RAM of the SMP server with its transports (arm-none-eabi-nm -S; lwIP, the LAN9118 driver, the")
    print("kernel and the psa_fwu_* clients not counted):")
    for image in ("mgmt", "mgmt_udp", "mgmt_tls"):
        elf = os.path.join(samples, f"{image}.elf")
        if not os.path.exists(elf):
            continue
        rom, ram, objects = footprint(elf)
        print(f"  {image}.elf")
        for group, size in rom.items():
            print(f"    ROM {size:7,d}  {group}")
        print(f"    ROM {sum(rom.values()):7,d}  total (target 16,384)")
        detail = ", ".join(f"{k} {v:,d}" for k, v in sorted(objects.items(), key=lambda x: -x[1]))
        print(f"    RAM {ram:7,d}  total (target 6,144): {detail}")


def run(c, opts):
    samples = opts["--samples"]
    print("SMP upload benchmark: samples/mgmt as image 1 of the two-image chain on QEMU mps2-an505, ward-mgmt as the client")
    runs = (("udp", "mgmt_udp", int(opts["--udp-kib"])), ("tls", "mgmt_tls", int(opts["--tls-kib"])),
            ("serial", "mgmt", int(opts["--serial-kib"])))
    tls = {"mgmt_ca_dir": opts.get("--mgmt-ca-dir"), "provision": opts.get("--provision")}
    for conntype, app, kib in [r for r in runs if r[2] > 0 and (r[0] != "tls" or tls["mgmt_ca_dir"])]:
        size = kib * 1024
        try:
            n, took, text = upload(c.args, opts["--ward-mgmt"], os.path.join(samples, f"{app}_bench.bin"), conntype,
                                   size, icount=True, tls=tls)
            busy, elapsed, per_tick = instructions(text, n)
            print(f"  {conntype:6s} {n:,d}-byte image, QEMU -icount shift=0 ({per_tick:.0f} instructions per TIMER1 tick): "
                  f"{busy / n:,.0f} device instructions per uploaded byte ({busy / 1e6:,.1f} M busy of "
                  f"{elapsed / 1e6:,.1f} M elapsed)")
            n, took, _ = upload(c.args, opts["--ward-mgmt"], os.path.join(samples, f"{app}.bin"), conntype, size,
                                icount=False, tls=tls)
            print(f"  {conntype:6s} {n:,d}-byte image, wall time on this machine (no -icount): {took:.1f} s "
                  f"({n / 1024 / took:,.1f} KiB/s; 256 KiB at this rate: {256 * 1024 / (n / took):,.1f} s)")
        except Exception as e:  # noqa: BLE001  (a failed run is reported, the others still run)
            print(f"  {conntype}: FAILED: {type(e).__name__}: {e}")
            c.failures.append(f"{conntype}: {e}")
    report_footprint(samples)


def main():
    argv = sys.argv[1:]
    opts = {"--udp-kib": "256", "--tls-kib": "256", "--serial-kib": "32"}
    for name in ("--ward-mgmt", "--samples", "--udp-kib", "--tls-kib", "--serial-kib", "--mgmt-ca-dir", "--provision"):
        if name in argv:
            i = argv.index(name)
            opts[name] = argv[i + 1]
            del argv[i:i + 2]
    if "--ward-mgmt" not in opts or "--samples" not in opts:
        print(__doc__)
        return 2
    # The chain's own arguments are chain_e2e's (its parser, its Chain); the benchmark is a scenario.
    chain_e2e.SCENARIOS["mgmt_bench"] = lambda c: run(c, opts)
    sys.argv = [sys.argv[0]] + argv + ["run", "mgmt_bench"]
    return chain_e2e.main()


if __name__ == "__main__":
    sys.exit(main())
