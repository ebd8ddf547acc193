"""The one question the SBOM asks of an object file: does it put anything into an image?

Read with pyelftools (Debian's python3-pyelftools) rather than by hand. Only the ELF header and the
section headers are read, not the sections (a symbol table need not be valid to answer). The
objects are the build's own, but a damaged or foreign file must give an answer, never an
exception: "no" (it may take space), after which the caller's checks treat it as an ordinary
object and fail on it.
"""
from elftools.common.exceptions import ELFError
from elftools.common.utils import struct_parse
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile


def symbols_only(path):
    """True when the ELF32 object at `path` has no section that takes space in an image (an import
    library of symbol addresses); False for anything else, including unreadable or malformed files
    and ELF64 objects (the firmware's are ELF32)."""
    try:
        with open(path, "rb") as f:
            elf = ELFFile(f)
            if elf.elfclass != 32:
                return False
            entry_size = elf["e_shentsize"]
            if entry_size < elf.structs.Elf_Shdr.sizeof():
                return False
            for i in range(elf.num_sections()):
                section = struct_parse(elf.structs.Elf_Shdr, f, elf["e_shoff"] + i * entry_size)
                if section["sh_flags"] & SH_FLAGS.SHF_ALLOC and section["sh_size"] > 0:
                    return False
            return True
    except (OSError, ELFError):  # ELFParseError (cut short, out of range) is an ELFError
        return False
