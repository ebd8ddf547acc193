"""The build's vulnerability gate: ward-vuln on an image's SBOM; on an applicable vulnerability at or
above the threshold (or when ward-vuln cannot decide), the image files are deleted so that nothing
shippable is left behind, and the build fails."""
import os
import subprocess
import sys


def gate(args):
    argv = [args.tool, "--sbom", args.sbom, "--fail-on", args.fail_on]
    for d in args.vulndb:
        argv += ["--vulndb", d]
    if args.features:
        argv += ["--features", args.features]
    if args.products:
        argv += ["--products", args.products]
    if args.vex:
        argv += ["--vex", args.vex]
    r = subprocess.run(argv)
    if r.returncode == 0:
        return 0
    for f in args.remove:
        if os.path.exists(f):
            os.remove(f)
    if r.returncode == 1:
        print(f"ward: vulnerability gate: {os.path.basename(args.sbom)} has a known applicable vulnerability "
              f"of severity {args.fail_on} or higher (CONFIG_WARD_VULN_GATE); the image was deleted. "
              "See docs/supply-chain.md.", file=sys.stderr)
    else:
        print(f"ward: vulnerability gate: ward-vuln could not check {args.sbom} (exit {r.returncode}); "
              "the image was deleted.", file=sys.stderr)
    return 1
