"""Ward's SBOM generator: what is inside one firmware image, as SPDX 2.3 and CycloneDX 1.6 JSON.

Run by the build after each firmware image is linked (cmake/WardSbom.cmake), through the entry
point scripts/sbom/ward_sbom.py (or `python3 -m wardsbom` from scripts/sbom/). Everything in the
SBOM is read from the build, never typed in:

  - which object files and archive members are in the image: the linker's map file (only inputs
    that contribute a non-empty section to a memory region count; --gc-sections leftovers do not);
  - which source files and headers each object was compiled from: Ninja's dependency log
    (written from the compiler's depfiles), as `ninja -n -t deps` prints it;
  - which source file an object was compiled from, and with which flags: compile_commands.json;
  - each pinned third-party component (Mbed TLS, tinycbor, lwIP; --component KEY=PIN=DIR): version and
    checksum from its pin (cmake/*.pin), its configuration where it has one (Mbed TLS: the enabled
    MBEDTLS_* / PSA_WANT_* macros from the preprocessor with the flags the library was compiled
    with), the license from the SPDX-License-Identifier lines of the files compiled in, its identity
    (CPE, purl) from scripts/sbom/components.json;
  - toolchain and C library versions from the tools themselves (gcc -dumpversion, ld --version,
    _NEWLIB_VERSION, __GNUC__...) and, where dpkg exists, the Debian packages that provide them;
  - the image's Kconfig values from its .config.

Subcommands:
  generate   write <name>.spdx.json and <name>.cdx.json for one image.
  signed     the same for a signed update file, from its image's SBOMs (composed.py).
  device     one device SBOM per product, from the SBOMs of the images it runs (composed.py).
  gate       run ward-vuln on an SBOM; on an applicable vulnerability at or above the threshold,
             delete the image files (so nothing shippable is left behind) and fail.

Modules, in the order the data flows:
  buildrecords  the build's records: Ninja's dependency log, the link map, compile commands,
                archive members, Kconfig files, .config, pins
  elf           the one question asked of object files (does it take space in an image?)
  toolchain     compiler, binutils and C/C++ library: paths, versions, Debian packages
  model         the data model: packages and files, license expressions
  collect       the build's records made into the model of one image
  spdx          the model as an SPDX 2.3 document
  cyclonedx     the model as a CycloneDX 1.6 document
  composed      signed-file and device SBOMs, from image SBOMs
  gate          the build's vulnerability gate (ward-vuln)
  cli           the command line

Reproducible: the same inputs give the same documents apart from the creation time and the
document namespace / serial number; with SOURCE_DATE_EPOCH set, those are fixed too.
Standard library and Debian's python3-pyelftools only.
"""

TOOL_NAME = "ward-sbom"


class SbomError(Exception):
    pass
