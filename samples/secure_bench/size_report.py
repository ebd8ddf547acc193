#!/usr/bin/env python3
"""ROM and RAM of secure images, as ./ward bench-secure prints them (docs/secure-world.md, "Profiles").

ROM = text + data (what the image occupies in flash), RAM = data + bss as linked, the secure stacks
(.stack) and the Mbed TLS heap included. RAM is broken down by the symbols that hold it (stacks,
heap, the gateway's copy buffers, the crypto operation table, storage, the rest) and ROM by the part
of the image a function or constant belongs to (by its name: with link-time optimisation the object
files no longer say).

usage: size_report.py NAME=IMAGE.elf [NAME=IMAGE.elf ...]
"""
import re
import subprocess
import sys

NM = "arm-none-eabi-nm"
SIZE = "arm-none-eabi-size"

# RAM: symbol name pattern -> part (first match wins).
RAM_PARTS = [
    ("stacks", r"ward::secure::stacks::.*(service_stack|handler_stack|landings)"),
    ("Mbed TLS heap", r"ward::secure::crypto::.*::heap$"),
    ("call copy buffers", r"ward::secure::.*::buffers$"),
    ("crypto operations", r"g_slots"),
    ("Mbed TLS state (key slots, DRBG)", r"^global_data"),
    ("storage (indexes, scratch)", r"ward::secure::storage::"),
    ("attestation", r"ward::secure::attest::"),
]
# ROM: symbol name pattern -> part.
ROM_PARTS = [
    ("P-256 (lib/p256)", r"^ward::p256::"),
    ("storage (ITS, PS)", r"^ward::(secure::storage|flash)::"),
    ("firmware update (FWU, boot engine, image format)", r"^ward::(secure::fwu|boot|image)::"),
    ("attestation (token, CBOR)", r"^(ward::secure::attest|cbor|_cbor)"),
    ("dispatcher and crypto service", r"^ward::secure::(dispatch|crypto)"),
    ("Mbed TLS", r"^(ward_spe_psa|psa_|mbedtls|p256_transparent|ward_crypto_|FT[0-3]|RT[0-3]|FSb|RSb|K$|secp|ecp_|"
                 r"buffer_alloc|chacha|poly1305|gcm_|ccm_|block_cipher|ctr_drbg|entropy|aes_|sha256|sha512|"
                 r"hkdf|md_|cipher_|rsa|ecdsa|mpi_|ecdh|oid|asn1|pk_|cmac|hmac_drbg|global_data)"),
]


def symbols(elf):
    out = subprocess.run([NM, "-S", "-C", "--size-sort", elf], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.match(r"([0-9a-f]+) ([0-9a-f]+) (\S) (.*)", line)
        if m:
            yield int(m[1], 16), int(m[2], 16), m[3], m[4]


def classify(name, parts):
    for part, pattern in parts:
        if re.search(pattern, name):
            return part
    return None


def report(name, elf):
    text, data, bss = (int(x) for x in
                       subprocess.run([SIZE, elf], check=True, capture_output=True, text=True).stdout
                       .splitlines()[1].split()[:3])
    print(f"{name} ({elf}): ROM {text + data} bytes (text + data), RAM {data + bss} bytes (data + bss, "
          f"stacks and heap included)")
    ram, rom = {}, {}
    for addr, size, kind, sym in symbols(elf):
        if kind in "bBdD" and addr >= 0x30000000:
            part = classify(sym, RAM_PARTS) or "the rest"
            ram[part] = ram.get(part, 0) + size
        elif kind in "tTrR" and addr < 0x30000000:
            part = classify(sym, ROM_PARTS) or "the rest (boundary, gateway, start-up, C library)"
            rom[part] = rom.get(part, 0) + size
    print("  RAM: " + ", ".join(f"{p} {v}" for p, v in sorted(ram.items(), key=lambda x: -x[1])))
    print("  ROM: " + ", ".join(f"{p} {v}" for p, v in sorted(rom.items(), key=lambda x: -x[1])))


def main(args):
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    for arg in args:
        name, _, elf = arg.partition("=")
        report(name, elf)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
