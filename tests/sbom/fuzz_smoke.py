#!/usr/bin/python3
"""Short libFuzzer run of ward-vuln's input parsers: fuzz_smoke.py FUZZER DATA_DIR.

Seeds are every JSON file under DATA_DIR (good and malformed records in every accepted format,
SBOMs, feature maps, product maps), each prefixed with the byte that selects its parser (chosen by
the file's folder below DATA_DIR). New inputs go to a temporary corpus, never into
the repository. A crash, sanitizer report or leak fails the test (libFuzzer exits non-zero).
"""
import os
import subprocess
import sys
import tempfile

fuzzer, data = sys.argv[1:3]
with tempfile.TemporaryDirectory() as tmp:
    seeds = os.path.join(tmp, "seeds")
    corpus = os.path.join(tmp, "corpus")
    os.makedirs(seeds)
    os.makedirs(corpus)
    n = 0
    for root, _, files in os.walk(data):
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(root, name), "rb") as f:
                text = f.read()
            parts = os.path.relpath(root, data).split(os.sep)
            kind = 1 if "sbom" in parts else 2 if "features" in parts else 4 if "products" in parts else 0
            for selector in {kind, 3}:
                with open(os.path.join(seeds, f"{n:04d}"), "wb") as f:
                    f.write(bytes([selector]) + text)
                n += 1
    r = subprocess.run([fuzzer, corpus, seeds, "-runs=30000", "-max_total_time=60", "-max_len=8192",
                        "-seed=1", "-print_final_stats=1"], capture_output=True, text=True, errors="replace")
    print(r.stderr[-4000:])
    print(f"seeds: {n}; libFuzzer exit status {r.returncode}")
    sys.exit(r.returncode)
