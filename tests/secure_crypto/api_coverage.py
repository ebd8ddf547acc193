#!/usr/bin/env python3
"""Every function the pinned Mbed TLS's psa/crypto.h declares is defined by the non-secure client
library, so an application that uses any of them links (the static inline helpers of the header
excepted: they need no definition). Prints what is missing and fails if anything is.
   api_coverage.py NM CRYPTO_H CLIENT_LIBRARY"""
import re
import subprocess
import sys

# A declaration at the start of a line: a return type, then psa_name( . `static` ones are the
# header's own inline helpers (attributes and operation initialisers).
DECLARATION = re.compile(r"^(?!static\b)(?:const\s+)?[A-Za-z_][A-Za-z0-9_]*[\s\*]+(psa_[a-z0-9_]+)\s*\(", re.M)


def declared(header: str) -> set[str]:
    text = open(header, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # comments mention functions too
    return set(DECLARATION.findall(text))


def defined(nm: str, library: str) -> set[str]:
    out = subprocess.run([nm, "--defined-only", library], check=True, capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if re.search(r" [TW] psa_", line)}


def main() -> int:
    nm, header, library = sys.argv[1:4]
    want = declared(header)
    if len(want) < 60:
        print(f"only {len(want)} declarations found in {header}: the parser is broken")
        return 1
    missing = sorted(want - defined(nm, library))
    print(f"psa/crypto.h declares {len(want)} functions; the client defines {len(want) - len(missing)}")
    for name in missing:
        print(f"missing: {name}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
