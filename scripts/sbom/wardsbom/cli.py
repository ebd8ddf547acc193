"""The command line: generate, signed, device, gate (see the package's docstring)."""
import argparse
import datetime
import hashlib
import json
import os
import sys
import uuid

from . import TOOL_NAME, SbomError, composed
from . import __doc__ as PACKAGE_DOC
from .collect import Collector
from .cyclonedx import cyclonedx_document
from .gate import gate
from .spdx import spdx_document


def stable_json(doc):
    return json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def creation_time(default_epoch=None):
    """SOURCE_DATE_EPOCH from the environment, else the build's default (the commit's time, from
    --source-date-epoch), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or default_epoch
    if epoch:
        if not epoch.isdigit():
            raise SbomError(f"SOURCE_DATE_EPOCH must be a number of seconds, not '{epoch}'")
        t = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    else:
        t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(args):
    model = Collector(args).collect()
    created = creation_time(args.source_date_epoch)
    # The namespace and serial number must be unique per document, yet the same inputs at the same
    # time give the same documents: derive them from the content and the time.
    spdx = spdx_document(model, created, "urn:placeholder")
    cdx = cyclonedx_document(model, created, "urn:uuid:00000000-0000-0000-0000-000000000000")
    digest = hashlib.sha256((stable_json(spdx) + stable_json(cdx)).encode()).hexdigest()
    unique = uuid.uuid5(uuid.NAMESPACE_URL, f"ward-sbom:{args.name}:{digest}:{created}")
    spdx["documentNamespace"] = f"https://spdx.org/spdxdocs/ward-{args.name}-{unique}"
    cdx["serialNumber"] = f"urn:uuid:{unique}"
    write_atomic(args.out_spdx, stable_json(spdx))
    write_atomic(args.out_cdx, stable_json(cdx))
    return 0


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise SbomError(f"{path}: {e}") from e


def signed(args):
    mcuboot = {"version": args.mcuboot_version, "security-counter": args.security_counter}
    try:
        spdx, cdx = composed.signed_documents(load_json(args.image_spdx), load_json(args.image_cdx), args.signed,
                                              args.name, mcuboot, creation_time(args.source_date_epoch))
    except (OSError, ValueError, KeyError, StopIteration) as e:
        raise SbomError(f"cannot compose the SBOM of {args.signed}: {e!r}") from e
    write_atomic(args.out_spdx, stable_json(spdx))
    write_atomic(args.out_cdx, stable_json(cdx))
    return 0


def device(args):
    images = []
    for item in args.image:
        role, _, base = item.partition("=")
        if not role or not base:
            raise SbomError(f"--image '{item}' is not ROLE=PATH (PATH.spdx.json and PATH.cdx.json)")
        images.append((role, load_json(base + ".spdx.json"), load_json(base + ".cdx.json")))
    try:
        spdx, cdx = composed.device_documents(args.name, images, args.supplier, args.version,
                                              creation_time(args.source_date_epoch),
                                              f"Tool: {TOOL_NAME}-{args.version}")
    except (ValueError, KeyError, StopIteration) as e:
        raise SbomError(f"cannot compose the device SBOM of {args.name}: {e!r}") from e
    write_atomic(args.out_spdx, stable_json(spdx))
    write_atomic(args.out_cdx, stable_json(cdx))
    return 0


def main():
    p = argparse.ArgumentParser(description=PACKAGE_DOC, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="write the SBOMs of one image")
    g.add_argument("--name", required=True)
    g.add_argument("--elf", required=True)
    g.add_argument("--bin")
    g.add_argument("--map", required=True)
    g.add_argument("--board", required=True)
    g.add_argument("--source-dir", required=True)
    g.add_argument("--build-dir", required=True)
    g.add_argument("--config-dir", required=True, help="the image's Kconfig output (.config, include/)")
    g.add_argument("--kconfig", required=True, help="the root Kconfig file")
    g.add_argument("--fragment", action="append", default=[], help="Kconfig fragment (missing ones are skipped)")
    g.add_argument("--linker-script", action="append", default=[])
    g.add_argument("--version", required=True)
    g.add_argument("--supplier", required=True)
    g.add_argument("--license", default="NOASSERTION")
    g.add_argument("--component", action="append", default=[],
                   help="KEY=PIN=SOURCE_DIR: a pinned third-party component (described in components.json)")
    g.add_argument("--ninja", default="ninja")
    g.add_argument("--out-spdx", required=True)
    g.add_argument("--out-cdx", required=True)
    sg = sub.add_parser("signed", help="write the SBOMs of a signed update file from its image's SBOMs")
    sg.add_argument("--name", required=True, help="the image's name")
    sg.add_argument("--image-spdx", required=True)
    sg.add_argument("--image-cdx", required=True)
    sg.add_argument("--signed", required=True, help="the signed file (ward-image sign's output)")
    sg.add_argument("--mcuboot-version", required=True, help="the version it was signed with")
    sg.add_argument("--security-counter", required=True)
    sg.add_argument("--out-spdx", required=True)
    sg.add_argument("--out-cdx", required=True)
    d = sub.add_parser("device", help="write the device SBOM of a product from its images' SBOMs")
    d.add_argument("--name", required=True, help="the product")
    d.add_argument("--image", action="append", required=True,
                   help="ROLE=PATH: an image of the device and its SBOMs PATH.spdx.json, PATH.cdx.json")
    d.add_argument("--version", required=True)
    d.add_argument("--supplier", required=True)
    d.add_argument("--out-spdx", required=True)
    d.add_argument("--out-cdx", required=True)
    k = sub.add_parser("gate", help="fail (and delete the image) on an applicable vulnerability")
    k.add_argument("--tool", required=True, help="the ward-vuln executable")
    k.add_argument("--sbom", required=True)
    k.add_argument("--vulndb", action="append", default=[])
    k.add_argument("--features")
    k.add_argument("--products", help="names and ids that tie unanalysed records to components")
    k.add_argument("--fail-on", required=True)
    k.add_argument("--vex")
    k.add_argument("--remove", action="append", default=[], help="files to delete when the gate fails")
    for sp in (g, sg, d):
        sp.add_argument("--source-date-epoch", default=None,
                        help="the time to date the documents when SOURCE_DATE_EPOCH is not set (the commit's)")
    args = p.parse_args()
    try:
        return {"generate": generate, "signed": signed, "device": device, "gate": gate}[args.command](args)
    except SbomError as e:
        print(f"ward-sbom: error: {e}", file=sys.stderr)
        for out in (getattr(args, "out_spdx", None), getattr(args, "out_cdx", None)):
            if out and os.path.exists(out):
                os.remove(out)  # never leave an SBOM that no longer matches the image
        return 1

