#!/usr/bin/python3
"""Build-time stack bounds of a Ward firmware image (docs/stack-bounds.md).

Inputs:
  - the linked ELF: its function symbols, its disassembly (every direct call and tail call, every
    indirect call, every stack-pointer decrement), the declared stacks (`.ward_stack_bound`
    records, WARD_STACK_BOUND in ward/stack_bound.hpp) and the tables named by annotations;
  - the compiler's call graph with per-function stack usage (`-fcallgraph-info=su`, .ci files; with
    LTO those of the link-time compilation, one per partition);
  - annotation files: what the graph cannot say (indirect calls, recursion, assembly).

For each declared stack: the deepest call chain from its entry, plus the exception frame that an
interrupt stacks on it. For the image's main stack (MSP): the deepest chain of any exception
handler, nested one per priority level. Fails (exit 1) when a declared stack is smaller than its
bound, or when the bound cannot be computed (recursion, an unresolved indirect call, a stack
pointer set from a register, a branch to code no function names, data in code that control can
reach, a table jump whose table cannot be read) without an annotation that states one.
"""
from __future__ import annotations

import argparse
import bisect
import dataclasses
import fnmatch
import functools
import io
import re
import struct
import subprocess
import sys
from pathlib import Path

# Armv8-M exception frames (ARM DDI 0553, B3.20): the basic frame, the frame with FP state
# (S0-S15, FPSCR, alignment word), and the additional state a Secure exception entry adds when it
# preempts Secure code for a Non-secure handler (callee-saved registers and the integrity signature).
BASIC_FRAME = 32
FP_FRAME = 104
SECURE_EXTRA = 40
# A secure image sets FPCCR_S.TS (secure/firmware startup): a frame with a secure FP context also
# holds S16-S31 (ARM DDI 0553, B3.20 "additional FP context"), so 104 + 64 + 40 = 208 bytes.
SECURE_FP_EXTRA = 64
# CCR.STKALIGN is RES1 on Armv8-M: an exception entry with SP not 8-aligned first moves SP down 4
# bytes (xPSR bit 9 records it). Code preempted after an odd number of pushes pays it: every
# exception frame costs up to 4 bytes more than its words.
ALIGN_PAD = 4


def exception_frame(fp: bool, secure: bool) -> int:
    """The worst-case bytes one exception entry stacks, its alignment padding included."""
    if secure:
        return (FP_FRAME + SECURE_FP_EXTRA if fp else BASIC_FRAME) + SECURE_EXTRA + ALIGN_PAD
    return (FP_FRAME if fp else BASIC_FRAME) + ALIGN_PAD

INDIRECT = "__indirect_call"


class Error(Exception):
    pass


@dataclasses.dataclass
class Function:
    name: str
    frame: int = 0                         # bytes this function's own frame takes
    calls: set[str] = dataclasses.field(default_factory=set)
    indirect: bool = False                  # makes a call (or tail call) it cannot name
    dynamic: bool = False                   # sets or moves sp by a register amount
    demangled: str = ""
    # Its instructions (address, mnemonic, operands), for the order a `refused-call` relies on.
    insns: list[tuple[int, str, str]] = dataclasses.field(default_factory=list)
    # The other symbols at its address (constructor aliases, folded templates, weak aliases): one
    # function, every name matches annotations and every name's calls reach it.
    aliases: list[str] = dataclasses.field(default_factory=list)
    aliases_demangled: list[str] = dataclasses.field(default_factory=list)
    # Branches and calls to an address no function symbol names: not followed, so refused.
    unknown: list[str] = dataclasses.field(default_factory=list)
    # Branches and calls to its own start (mnemonics): direct recursion, but for a `b` in a function
    # that never moves sp down (a loop: sp at the branch is sp at its entry).
    to_own_start: list[str] = dataclasses.field(default_factory=list)
    # Writes PSP (`msr psp`): its own sp unless it runs in handler mode (an exception handler).
    writes_psp: bool = False
    # Targets of its table jumps (`tbb`/`tbh` address -> the addresses its table names).
    tables: dict[int, list[int]] = dataclasses.field(default_factory=dict)
    # Indices into insns where objdump headed the function (local symbols of one name are one
    # Function: each copy's code starts at a head, never falls into from the copy before).
    heads: set[int] = dataclasses.field(default_factory=set)
    # Data in its code (objdump's `.word`/`.short`/`.byte`: a literal pool, a table) that control
    # may reach, and table jumps whose table cannot be read: refused (never excused by `calls`).
    unreadable: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Annotations:
    bounds: dict[str, int] = dataclasses.field(default_factory=dict)        # pattern -> total bytes
    frames: dict[str, int] = dataclasses.field(default_factory=dict)        # pattern -> own frame
    calls: dict[str, list[str]] = dataclasses.field(default_factory=dict)   # pattern -> targets
    # `branch-to F T N`: F's branch or call to T, code no function symbol names, takes at most N
    # bytes from there (F, T, N, where).
    branch_to: list[tuple[str, str, int, str]] = dataclasses.field(default_factory=list)
    # Each `calls` line (pattern, its targets, where): a line whose targets name nothing is an error.
    call_lines: list[tuple[str, list[str], str]] = dataclasses.field(default_factory=list)
    levels: list[tuple[list[str], int, bool]] = dataclasses.field(default_factory=list)  # (handlers, N, refused)
    refused_calls: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (entry, its accepted path)
    cuts: list[tuple[str, str]] = dataclasses.field(default_factory=list)   # (caller, callee) not followed
    cuts_after: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # (caller's caller, caller, callee)
    once: list[str] = dataclasses.field(default_factory=list)              # active at most once per chain
    recursion: dict[str, int] = dataclasses.field(default_factory=dict)     # pattern -> times active on a chain
    halts: list[str] = dataclasses.field(default_factory=list)             # never return: the system stops
    privileged: list[str] = dataclasses.field(default_factory=list)        # never called by a user thread
    main_stack: str | None = None                                           # symbol of the MSP stack
    handler_entries: list[str] = dataclasses.field(default_factory=list)   # entered in handler mode on MSP
    thread_entry: list[str] = dataclasses.field(default_factory=list)      # runs on MSP only from thread mode
    no_return: list[str] = dataclasses.field(default_factory=list)         # thread entries that never return


def parse_annotations(text: str, origin: str, into: Annotations | None = None) -> Annotations:
    """Annotation lines: `<keyword> <args...>  # why`. The justification comment is required."""
    a = into or Annotations()
    for number, raw in enumerate(text.splitlines(), 1):
        # The comment starts at a '#' opening the line or after a blank: a '#' inside a word is part
        # of a name (GCC's `main::{lambda()#2}::_FUN`). Cut at the first '#', such a name lost its
        # tail and matched nothing, silently: entry_matrix's test cases went uncounted.
        cut = re.search(r"(?:^|\s)#", raw)
        line, why = (raw[:cut.start()], raw[cut.end():]) if cut else (raw, "")
        words = line.split()
        if not words:
            continue
        where = f"{origin}:{number}"
        if not why.strip():
            raise Error(f"{where}: an annotation needs its justification in a comment (# why)")
        key, args = words[0], words[1:]
        for w in args:
            if w.count("(") != w.count(")") or w.count("{") != w.count("}"):
                raise Error(f"{where}: '{w}' has unbalanced brackets: a name cut short matches nothing")
        try:
            # One name written twice (two files): the larger figure holds, whichever came last.
            if key == "bound" and len(args) == 2:
                a.bounds[args[0]] = max(a.bounds.get(args[0], 0), int(args[1], 0))
            elif key == "frame" and len(args) == 2:
                a.frames[args[0]] = max(a.frames.get(args[0], 0), int(args[1], 0))
            elif key == "calls" and len(args) >= 2:
                targets = [t for t in args[1:] if t != "none"]
                if "none" in args[1:] and targets:
                    raise ValueError  # "none" and a target: which one is meant?
                if any(t in ("?", "?none") for t in targets):
                    raise ValueError
                a.calls.setdefault(args[0], []).extend(targets)
                a.call_lines.append((args[0], targets, where))
            elif key == "branch-to" and len(args) == 3:
                a.branch_to.append((args[0], args[1], int(args[2], 0), where))
            elif key == "level" and len(args) >= 1:
                refused = args[-1] == "refused"
                if refused:
                    args = args[:-1]
                count = 1
                if args and args[-1].startswith("x") and args[-1][1:].isdigit():
                    count = int(args[-1][1:])
                    args = args[:-1]
                if not args:
                    raise ValueError
                a.levels.append((args, count, refused))
            elif key == "refused-call" and len(args) == 2:
                a.refused_calls.append((args[0], args[1]))
            elif key == "cut" and len(args) == 2:
                a.cuts.append((args[0], args[1]))
            elif key == "cut-after" and len(args) == 3:
                a.cuts_after.append((args[0], args[1], args[2]))
            elif key == "recursion" and len(args) == 2 and int(args[1], 0) >= 2:
                a.recursion[args[0]] = int(args[1], 0)
            elif key == "once" and len(args) == 1:
                a.once.append(args[0])
            elif key == "halts" and len(args) == 1:
                a.halts.append(args[0])
            elif key == "privileged-only" and len(args) == 1:
                a.privileged.append(args[0])
            elif key == "main-stack" and len(args) == 1:
                a.main_stack = args[0]
            elif key == "handler-entry" and len(args) >= 1:
                a.handler_entries.extend(args)
            elif key == "no-return" and len(args) == 1:
                a.no_return.append(args[0])
            elif key == "thread-entry" and len(args) == 1:
                a.thread_entry.append(args[0])
            else:
                raise ValueError
        except ValueError:
            raise Error(f"{where}: cannot read annotation '{line.strip()}'") from None
    return a


# ---- The compiler's call graph (.ci, VCG) ---------------------------------------------------------

_NODE = re.compile(r'^node: \{ title: "([^"]*)" label: "([^"]*)"')
_EDGE = re.compile(r'^edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"')
_USAGE = re.compile(r"\\n(\d+) bytes \(([a-z,]+)\)")


def _symbol(title: str) -> str:
    # Titles of functions the unit defines are "<object>:<symbol>"; symbols never contain ':'.
    return title.rsplit(":", 1)[-1]


def parse_ci(text: str) -> tuple[dict[str, tuple[int, str]], dict[str, set[str]]]:
    """Stack usage (bytes, qualifier) and callees per symbol, from one -fcallgraph-info=su file."""
    usage: dict[str, tuple[int, str]] = {}
    calls: dict[str, set[str]] = {}
    for line in text.splitlines():
        if m := _NODE.match(line):
            if u := _USAGE.search(m.group(2)):
                usage[_symbol(m.group(1))] = (int(u.group(1)), u.group(2))
        elif m := _EDGE.match(line):
            calls.setdefault(_symbol(m.group(1)), set()).add(_symbol(m.group(2)))
    return usage, calls


# ---- The linked image's disassembly ---------------------------------------------------------------

_FUNC_HEAD = re.compile(r"^([0-9a-f]+) <(.+)>:$")
_INSN = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
_TARGET = re.compile(r"^[0-9a-f]+ <([^>+]+)(\+0x[0-9a-f]+)?>")
_REGLIST = re.compile(r"\{([^}]*)\}")


def _reg_count(operands: str) -> int:
    m = _REGLIST.search(operands)
    if not m:
        return 0
    n = 0
    for part in m.group(1).split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-")
            n += int(hi.strip()[1:]) - int(lo.strip()[1:]) + 1
        elif part:
            n += 1
    return n


def _imm(operands: str) -> int | None:
    m = re.search(r"#(-?\d+)", operands)
    return int(m.group(1)) if m else None


_SP_REG = re.compile(r"\b(sp|r13)\b")


def analyse_instruction(fn: Function, mnemonic: str, operands: str, own: str,
                        aliases: dict[str, str] | None = None, known: set[str] | None = None) -> None:
    """Adds what one instruction means for the stack: a push, a call, an indirect branch.
    `aliases`: any symbol -> the name its function goes by; `known`: the function names (a branch to
    another name, or to a bare address, reaches no function the tool knows)."""
    base = mnemonic.split(".")[0]
    # A conditional branch (in an IT block or not) is the branch: bxne r3 is an indirect jump.
    if m := re.fullmatch(r"(bx|blx|bl|b)(eq|ne|cs|cc|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)", base):
        base = m.group(1)
    # So is any other instruction in an IT block: pusheq {r4, r5} pushes when it runs.
    elif m := re.fullmatch(r"(v?push|v?pop|subw?|subs|addw?|adds|movs?|msr|ldrd?|strd?|strb|strh|ldm\w*|stm\w*|"
                           r"v[ls]tm\w*)(eq|ne|cs|cc|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)", base):
        base = m.group(1)
    ops = operands.split(";")[0].strip()
    bare = ops.split("@")[0].strip()  # without objdump's comment (`@ 0x200`)
    if base in ("push", "stmdb", "stmfd", "ldmdb", "ldmea") and (base == "push" or ops.startswith("sp!")):
        fn.frame += 4 * _reg_count(ops)
    elif base in ("vpush", "vstmdb", "vldmdb") and (base == "vpush" or ops.startswith("sp!")):
        width = 8 if "d" in _REGLIST.search(ops).group(1) else 4
        fn.frame += width * _reg_count(ops)
    elif base in ("sub", "subw", "subs") and re.match(r"sp,", ops):
        # sub sp, #n / sub sp, sp, #n, flag-setting or not; anything else (a register, a shifted
        # register: `sub.w sp, sp, r3, lsl #3` is no immediate 3) moves sp by a register amount.
        if m := re.fullmatch(r"sp,\s*(?:sp,\s*)?#(\d+)", bare):
            fn.frame += int(m.group(1))
        else:
            fn.dynamic = True
    elif base in ("add", "addw", "adds") and re.match(r"sp,", ops):
        # add sp, #n releases; add sp, rN (shifted or not) moves sp by a register amount.
        if not re.fullmatch(r"sp,\s*(?:sp,\s*)?#\d+", bare):
            fn.dynamic = True
    elif (m := re.search(r"\[sp, #-(\d+)\](?!!)", ops)) and re.match(r"(v?str|stl)", base):
        # A store below sp that leaves sp where it is (`str r0, [sp, #-256]`, no writeback): it
        # writes that far below sp all the same (an interrupt would overwrite it; assembly may).
        fn.frame += int(m.group(1))
    elif re.match(r"v?stm(db|fd)$", base) and re.match(r"sp\s*,", ops):
        # stmdb sp, {...} / vstmdb sp, {...} without writeback: the registers stored below sp.
        width = 8 if base.startswith("v") and "d" in _REGLIST.search(ops).group(1) else 4
        fn.frame += width * _reg_count(ops)
    elif m := re.search(r"\[sp, #(-?\d+)\]!", ops):
        # Any load or store with sp pre-indexed and written back: a negative offset moves sp down.
        fn.frame += max(0, -int(m.group(1)))
    elif m := re.search(r"\[sp\], #(-?\d+)", ops):
        # Post-indexed with sp written back (`str r0, [sp], #-128`; `ldr pc, [sp], #4` is a return).
        fn.frame += max(0, -int(m.group(1)))
    elif base in ("mov", "movs") and re.match(r"sp,", ops):
        fn.dynamic = True
    elif base == "msr" and re.match(r"msp\s*,", ops, re.I):
        fn.dynamic = True  # MSP written (objdump prints it in capitals): handler mode's sp, or the boot's
    elif base == "msr" and re.match(r"psp\s*,", ops, re.I):
        # PSP written: thread mode's own sp (a thread moving its stack), or in handler mode another
        # context's (the context switch): decided where it is known which (Analysis.depth).
        fn.writes_psp = True
    elif base in ("ldr", "ldrd") and re.match(r"sp,", ops) or base == "ldrd" and re.match(r"\w+,\s*sp\s*,", ops):
        fn.dynamic = True  # sp loaded from memory
    elif (base == "pop" or base.startswith("ldm")) and (m := _REGLIST.search(ops)) and _SP_REG.search(m.group(1)):
        fn.dynamic = True  # sp loaded from memory (pop {..., sp}, ldm with sp in its list)
    elif (re.match(r"sp\s*,", ops) and not re.match(r"(str|st[mr]|vst|cmp|cmn|tst|teq|push)", base)
          or re.search(r"\bsp!", ops) and not re.match(r"(ldm(ia|fd)?|stm(ia|ea)?|vldmia|vstmia|pop)$", base)):
        fn.dynamic = True  # any other instruction that writes sp: refused unless annotated
    elif base in ("b", "bl", "blx", "cbz", "cbnz"):
        target_ops = ops.split(",", 1)[1].strip() if base in ("cbz", "cbnz") and "," in ops else ops
        if m := _TARGET.match(target_ops):
            target = m.group(1)
            target = (aliases or {}).get(target, target)
            if target == own:
                if m.group(2) is None or base in ("bl", "blx"):
                    # To its own start: parse_disassembly decides. A call into its own middle enters
                    # it again on top of itself all the same: recursion (h/sbattack2: it was ignored).
                    fn.to_own_start.append(base)
            elif known is not None and target not in known:
                fn.unknown.append(f"{mnemonic} {ops}")  # a symbol that is no function
            else:
                fn.calls.add(target)  # a call, or a tail call: never deeper to count it as a call
        elif base == "blx" and not re.match(r"[0-9a-f]+$", target_ops):
            fn.indirect = True
        else:
            fn.unknown.append(f"{mnemonic} {ops}")  # an address no symbol names
    elif base in ("bx", "bxns") and ops != "lr":
        fn.indirect = True
    elif base == "blxns":
        # A call into the non-secure image through a register: it pushes the return address and
        # the partial xPSR (8 bytes) on the secure stack in use first (its callee runs on its own).
        fn.indirect = True
        fn.frame += 8
    elif base in ("ldr", "mov") and ops.startswith("pc,") and not re.match(r"pc, \[sp\], #4", ops):
        fn.indirect = True  # (ldr pc, [sp], #4 is a return: a pop of the saved lr)
    elif (base.startswith("ldm") and not ops.startswith("sp!") and (m := _REGLIST.search(ops))
          and re.search(r"\bpc\b", m.group(1))):
        fn.indirect = True  # pc loaded from memory other than the stack (pop {..., pc} is a return)
    elif re.match(r"pc\s*,", ops) and base not in ("ldr", "mov", "str", "cmp", "cmn", "tst", "teq"):
        fn.indirect = True  # add pc, r3 and the like: a jump through a register


def parse_disassembly(text: str, functions: set[str], aliases: dict[str, str] | None = None,
                      ends: dict[str, int] | None = None) -> dict[str, Function]:
    """Per function symbol of the image: its frame and calls as its instructions show them.
    `aliases`: every symbol at a function's address -> the name the function goes by (objdump
    heads and names it by any of them). `ends`: a function's end address (its symbol's size):
    a label objdump heads inside it that names no function (an assembly label) leaves its code
    the function's; without `ends`, the code up to the next function's is."""
    out: dict[str, Function] = {}
    current: Function | None = None
    aliases = aliases or {}
    decrements: dict[str, list[int]] = {}  # where each function moves sp down
    ran_into: list[tuple[str, int, str]] = []  # (function, its instructions so far, the function after it)
    for line in text.splitlines():
        if m := _FUNC_HEAD.match(line):
            name = aliases.get(m.group(2), m.group(2))
            if name in functions:
                if current is not None and current.name != name:
                    ran_into.append((current.name, len(current.insns), name))
                current = out.setdefault(name, Function(name))
                current.heads.add(len(current.insns))
            elif current is not None and (ends is None or int(m.group(1), 16) < ends.get(current.name, 0)):
                pass  # a label inside the current function: its code is still the function's
            elif current is not None and _falls_through(current.insns):
                pass  # past the symbol's size (none: `.size` left out; too small), but the function
                # runs on into it: still its code (h/sbattack2: it was dropped, its frame uncounted)
            else:
                current = None
        elif current is not None and (m := _INSN.match(line)):
            before = current.frame
            analyse_instruction(current, m.group(2), m.group(3), current.name, aliases, functions)
            current.insns.append((int(m.group(1), 16), m.group(2), m.group(3)))
            if current.frame > before:
                decrements.setdefault(current.name, []).append(current.insns[-1][0])
    check_data_in_code(out, aliases)
    # A function whose last instruction does not end the flow runs on into the function after it:
    # a tail call to it (h/sbattack2: it was not counted, so the next function's frame was not
    # either). A call to a function that never returns ends the flow.
    returning = _returning(out, aliases) if ran_into else set()
    for prev, n, after in ran_into:
        last = next((x for x in reversed(out[prev].insns[:n]) if not _is_data(x[1])
                     and x[1].split(".")[0].lower() != "nop"), None)
        if last is None:
            continue  # (a head with no code of its own: an alias objdump heads apart)
        def never(sym: str) -> bool:
            return aliases.get(sym, sym) in out and aliases.get(sym, sym) not in returning
        if not _ends_flow(last, never):
            out[prev].calls.add(after)
    for fn in out.values():
        # A call to its own start, or a branch there from a function with a frame (sp is lower
        # than at its entry when it branches), enters it again on top of itself: direct recursion,
        # refused unless annotated. A branch there from a function that never moves sp down is a
        # loop (idle loops, the compiler's tail recursion turned into a jump): sp is unchanged.
        if any(b == "bl" or b == "blx" for b in fn.to_own_start) or fn.to_own_start and (fn.frame or fn.dynamic):
            fn.calls.add(fn.name)
        # A decrement a loop repeats (its instructions lead back to it without giving sp back: no
        # pop, add sp, ...) moves sp down once per pass: not the once the frame counts.
        down = set(decrements.get(fn.name, []))
        if down and _repeats(fn.insns, down, fn.tables):
            fn.dynamic = True
    return out


# ---- Data in code ----------------------------------------------------------------------------------
#
# objdump shows what a `$d` mapping symbol marks as data (literal pools, jump tables, and anything an
# assembler was given as `.short`/`.word`: `.short 0xb0c0` is `sub sp, #256`) as `.word`, `.short`,
# `.byte`, and the tool reads no instruction there. So data in a function is accepted only where
# control cannot reach it: the instruction before it (alignment nops aside) ends the flow -- an
# unconditional branch, a return or jump through a register, `udf`, a table jump (whose table it is),
# a call to a function that never returns -- and no branch, call or table entry anywhere in the
# image targets an address inside it (or the nops before it). Otherwise the function is refused,
# naming the address.

_DATA_SIZE = {".word": 4, ".short": 2, ".byte": 1, ".2byte": 2, ".4byte": 4, ".hword": 2}


def _is_data(mnemonic: str) -> bool:
    return mnemonic.startswith(".")


def _data_bytes(mnemonic: str, operands: str) -> bytes | None:
    """The bytes one objdump data line shows (little-endian), or None."""
    size = _DATA_SIZE.get(mnemonic)
    m = re.match(r"\s*(0x[0-9a-f]+|\d+)", operands)
    if size is None or not m:
        return None
    return (int(m.group(1), 0) & ((1 << (8 * size)) - 1)).to_bytes(size, "little")


def _read_table(fn: Function, i: int) -> list[int] | None:
    """The targets of the table jump fn.insns[i] (`tbb [pc, rN]` / `tbh [pc, rN, lsl #1]`): its table
    is the data right after it (pc reads as the table's address); an entry n jumps to the table's
    address + 2n. The table ends where its first target begins (the code after it); `tbb`'s
    alignment byte (0, last, its target the table itself) is no entry. None: not readable."""
    addr, mnemonic, operands = fn.insns[i]
    half = mnemonic.split(".")[0].lower() == "tbh"
    if not re.match(r"\[pc,", operands.strip()):
        return None
    table = addr + 4
    data = bytearray()
    at = table
    for a, mn, ops in fn.insns[i + 1:]:
        if not _is_data(mn) or a != at:
            break
        b = _data_bytes(mn, ops)
        if b is None:
            return None
        data += b
        at += len(b)
    width = 2 if half else 1
    targets: list[int] = []
    end = table + len(data)
    off = 0
    while table + off + width <= end:
        entry = int.from_bytes(data[off:off + width], "little")
        target = table + 2 * entry
        if not half and entry == 0 and table + off + 1 == end and off % 2 == 1:
            break  # the alignment byte after an odd number of entries
        targets.append(target)
        if table < target < end:
            end = max(target, table + off + width)  # code starts at the lowest target
        off += width
    return targets or None


def _ends_flow(fn_insn: tuple[int, str, str], never_returns) -> bool:
    """Whether control cannot fall through past this instruction."""
    addr, mnemonic, operands = fn_insn
    base = mnemonic.split(".")[0].lower()
    ops = operands.split(";")[0].split("@")[0].strip()
    if base in ("udf", "tbb", "tbh"):
        return True
    kind, target, cond = _flow(mnemonic, operands)
    if cond:
        return False
    if kind in ("branch", "exit", "unknown"):
        return True  # an unconditional branch, a return, a jump through a register
    if kind == "call" and base == "bl" and (m := _BRANCH_TARGET.match(ops)) and m.group(2):
        return never_returns(m.group(2))
    if re.match(r"pc\s*,", ops) and base in ("add", "adds", "sub", "subs", "ldr", "mov"):
        return True  # a jump through a register (an indirect call, refused unless annotated)
    return False


def _falls_through(insns: list[tuple[int, str, str]]) -> bool:
    """Whether control can run past the last of these instructions (trailing data and alignment
    nops aside: a literal pool after a return ends nothing)."""
    for insn in reversed(insns):
        if _is_data(insn[1]) or insn[1].split(".")[0] == "nop":
            continue
        return not _ends_flow(insn, lambda _: False)
    return True


def _returning(out: dict[str, Function], aliases: dict[str, str]) -> set[str]:
    """The functions that may return (or leave through a register or a tail call to one that may):
    a function none of whose instructions can leave it never returns (panic, the stack protector's
    report). The greatest set of functions that never return, by fixpoint."""
    leaves: dict[str, set[str]] = {}
    returning: set[str] = set()
    for name, fn in out.items():
        own = {a for a, _, _ in fn.insns}
        if not fn.insns or fn.unknown:
            returning.add(name)
            continue
        tails: set[str] = set()
        for addr, mnemonic, operands in fn.insns:
            if _is_data(mnemonic):
                continue
            kind, target, cond = _flow(mnemonic, operands)
            base = mnemonic.split(".")[0].lower()
            ops = operands.split(";")[0].split("@")[0].strip()
            if kind == "exit" or kind == "unknown" and base not in ("tbb", "tbh"):
                returning.add(name)
                break
            if re.match(r"pc\s*,", ops) and base not in ("cmp", "cmn", "tst", "teq", "str"):
                returning.add(name)
                break
            if kind == "branch" and target is not None and target not in own:
                m = _BRANCH_TARGET.match(ops.split(",", 1)[1].strip() if base in ("cbz", "cbnz") else ops)
                callee = aliases.get(m.group(2), m.group(2)) if m and m.group(2) else None
                if callee is None or callee not in out:
                    returning.add(name)
                    break
                tails.add(callee)
        else:
            # Its last instruction: unless it ends the flow, control runs on past its end (a call
            # there returns past it unless its callee never returns either).
            last = next((x for x in reversed(fn.insns) if not _is_data(x[1])
                         and x[1].split(".")[0].lower() != "nop"), None)
            m = _BRANCH_TARGET.match(last[2].split(";")[0].split("@")[0].strip()) if last else None
            if last is not None and last[1].split(".")[0].lower() == "bl" and m and m.group(2):
                tails.add(aliases.get(m.group(2), m.group(2)))
            elif last is None or not _ends_flow(last, lambda _: False):
                returning.add(name)
        if name in returning:
            continue
        leaves[name] = tails
    changed = True
    while changed:
        changed = False
        for name, tails in leaves.items():
            if name not in returning and tails & returning:
                returning.add(name)
                changed = True
    return returning


def check_data_in_code(out: dict[str, Function], aliases: dict[str, str] | None = None) -> None:
    """Refuses (Function.unreadable) data in code that control can reach, and reads table jumps."""
    aliases = aliases or {}
    runs: list[tuple[int, int, int, str]] = []  # (guarded from, data from, data to, function)
    for fn in out.values():
        for i, (addr, mnemonic, _) in enumerate(fn.insns):
            if mnemonic.split(".")[0].lower() in ("tbb", "tbh"):
                targets = _read_table(fn, i)
                if targets is None:
                    fn.unreadable.append(f"{mnemonic} {fn.insns[i][2].strip()} at {addr:#x}: its table cannot be "
                                         "read (a table jump the tool cannot follow)")
                else:
                    fn.tables[addr] = targets
    returning = _returning(out, aliases)
    def never(sym: str) -> bool:
        name = aliases.get(sym, sym)
        return name in out and name not in returning
    for fn in out.values():
        i = 0
        while i < len(fn.insns):
            if not _is_data(fn.insns[i][1]):
                i += 1
                continue
            j = i
            while j < len(fn.insns) and _is_data(fn.insns[j][1]):
                j += 1
            start = fn.insns[i][0]
            last_addr, last_mn, _ = fn.insns[j - 1]
            stop = last_addr + _DATA_SIZE.get(last_mn, 1)
            if j < len(fn.insns) and fn.insns[j][0] > last_addr and j not in fn.heads:
                stop = fn.insns[j][0]
            k = i - 1
            if i in fn.heads:
                k = -1
            while k >= 0 and fn.insns[k][1].split(".")[0].lower() == "nop":
                k = -1 if k in fn.heads else k - 1  # alignment padding before a literal pool
            guarded = fn.insns[k + 1][0] if 0 <= k + 1 < i else start
            if k < 0:
                fn.unreadable.append(f"control reaches data at {start:#x} (the function starts with it): "
                                     "instructions emitted as data are not read")
            elif not _ends_flow(fn.insns[k], never):
                a, mn, ops = fn.insns[k]
                fn.unreadable.append(f"control reaches data at {start:#x} from {mn} {ops.strip()} at {a:#x} "
                                     "(it can fall through): instructions emitted as data are not read")
            runs.append((guarded, start, stop, fn.name))
            i = j
    if not runs:
        return
    runs.sort()
    starts = [r[0] for r in runs]
    for fn in out.values():
        targets: list[tuple[int, int, str]] = []
        for addr, mnemonic, operands in fn.insns:
            if _is_data(mnemonic):
                continue
            kind, target, _ = _flow(mnemonic, operands)
            if kind in ("branch", "call") and target is not None:
                targets.append((addr, target, f"{mnemonic} {operands.strip()}"))
        for addr, ts in fn.tables.items():
            targets += [(addr, t, "table entry") for t in ts]
        for addr, target, what in targets:
            r = bisect.bisect_right(starts, target) - 1
            if r >= 0 and runs[r][0] <= target < runs[r][2]:
                owner = out[runs[r][3]]
                owner.unreadable.append(f"{what} at {addr:#x} ({fn.name}) reaches data at {target:#x}: "
                                        "instructions emitted as data are not read")


def _successors(insns: list[tuple[int, str, str]], i: int, at: dict[int, int],
                tables: dict[int, list[int]]) -> list[int]:
    """The instructions control can go to from instruction i, inside the function."""
    addr, mnemonic, operands = insns[i]
    kind, target, cond = _flow(mnemonic, operands)
    succ = []
    if addr in tables:
        succ += [at[t] for t in tables[addr] if t in at]  # a table jump: every entry's target
    elif kind == "branch":
        if target in at:
            succ.append(at[target])
        if cond:
            succ.append(i + 1)
    elif kind in ("exit", "unknown"):
        if cond:
            succ.append(i + 1)
    else:
        succ.append(i + 1)
    return [j for j in succ if j < len(insns)]


def _repeats(insns: list[tuple[int, str, str]], down: set[int], tables: dict[int, list[int]] | None = None) -> bool:
    """Whether a loop through a decrement at an address in `down` moves sp down on each pass: a
    cycle of the function's own branches and fall-throughs whose sp moves add up to less than 0.
    (A loop that gives back part of what it takes -- `push {r0-r3}` and `add sp, #4`, a push of 16
    and a pop of 4 -- went unrefused until h/sbattack2: any release on the way ended the search.)
    A release that is conditional (in an IT block) counts as none: it may not run."""
    tables = tables or {}
    at = {addr: i for i, (addr, _, _) in enumerate(insns)}
    succ = [_successors(insns, i, at, tables) for i in range(len(insns))]
    # The strongly connected parts of the flow graph (iterative Tarjan): a cycle lies in one.
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on: set[int] = set()
    stack: list[int] = []
    comp: dict[int, int] = {}
    counter = 0
    for root in range(len(insns)):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, k = work.pop()
            if k == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on.add(v)
            if k < len(succ[v]):
                work.append((v, k + 1))
                w = succ[v][k]
                if w not in index:
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            for w in succ[v]:
                if w in on and comp.get(w) is None and index[w] > index[v]:
                    low[v] = min(low[v], low[w])
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp[w] = v
                    if w == v:
                        break
    for start in {comp[at[a]] for a in down if a in at}:
        nodes = [i for i, c in comp.items() if c == start]
        if len(nodes) == 1 and nodes[0] not in succ[nodes[0]]:
            continue  # no cycle through it
        inside = set(nodes)
        weight = {i: _sp_delta(insns[i][1], insns[i][2]) for i in nodes}
        # Bellman-Ford from every node at once (all distances 0): a distance still falling after
        # |nodes| rounds lies on a cycle whose moves add up to less than 0.
        dist = {i: 0 for i in nodes}
        for _ in range(len(nodes)):
            changed = False
            for v in nodes:
                for w in succ[v]:
                    if w in inside and dist[v] + weight[w] < dist[w]:
                        dist[w] = dist[v] + weight[w]
                        changed = True
            if not changed:
                break
        else:
            return True
    return False


def _sp_delta(mnemonic: str, operands: str) -> int:
    """How far one instruction moves sp: less than 0 down (what analyse_instruction counts as a
    frame), more than 0 up (pop, add sp, ldm/vldm sp!, a load or store with sp written back by a
    positive offset); 0 for a conditional release (it may not run) and for a store below sp that
    leaves sp where it is."""
    scratch = Function("")
    analyse_instruction(scratch, mnemonic, operands, "")
    if scratch.frame:
        return 0 if _below_sp(mnemonic, operands) else -scratch.frame
    base = mnemonic.split(".")[0]
    if re.fullmatch(rf"(pop|vpop|add|addw|adds|ldm\w*|vldm\w*|ldr\w*|str\w*)({_CONDS})", base):
        return 0  # in an IT block: may not run
    ops = operands.split(";")[0].split("@")[0].strip()
    if base in ("pop", "vpop") or base.startswith(("ldm", "vldm")) and ops.startswith("sp!") and base not in (
            "ldmdb", "vldmdb", "ldmea"):
        m = _REGLIST.search(ops)
        width = 8 if base.startswith("v") and m and "d" in m.group(1) else 4
        return width * _reg_count(ops)
    if base in ("add", "addw", "adds") and (m := re.fullmatch(r"sp,\s*(?:sp,\s*)?#(\d+)", ops)):
        return int(m.group(1))
    if m := re.search(r"\[sp\], #(\d+)", ops) or re.search(r"\[sp, #(\d+)\]!", ops):
        return int(m.group(1))
    return 0


def _below_sp(mnemonic: str, operands: str) -> bool:
    """A store below sp that leaves sp where it is (`str r0, [sp, #-8]`, `stmdb sp, {...}`)."""
    base = mnemonic.split(".")[0]
    ops = operands.split(";")[0].split("@")[0].strip()
    return bool(re.search(r"\[sp, #-\d+\](?!!)", ops)) or (
        bool(re.match(r"v?stm(db|fd)", base)) and ops.startswith("sp,"))


# ---- The order a refused-call relies on -------------------------------------------------------------
#
# `refused-call F G` says F refuses a handler before it calls G. What the tool checks of it: on
# every path through F's instructions from its entry to a call of G (or a branch to G), F first
# reads the exception number -- `mrs Rn, IPSR` in F itself, or a call to a function that has one
# (an out-of-line check). What F then does with it is the annotation's reason; a call of G
# that can be reached without the read is refused, and so is a path the tool cannot follow
# (a jump through a register or a table) before the read: the order is not shown.

_CONDS = "eq|ne|cs|cc|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al"
_BRANCH_TARGET = re.compile(r"^([0-9a-f]+)(?: <([^>+]+)(\+0x[0-9a-f]+)?>)?")


def reads_ipsr(fn: Function) -> bool:
    return any(m.split(".")[0] == "mrs" and re.search(r",\s*ipsr\b", o, re.I) for _, m, o in fn.insns)


def _flow(mnemonic: str, operands: str) -> tuple[str, int | None, bool]:
    """What one instruction does to the flow: ("next"|"branch"|"call"|"exit"|"unknown", its
    target address if it names one, conditional)."""
    base = mnemonic.split(".")[0].lower()
    ops = operands.split(";")[0].split("@")[0].strip()
    target = int(m.group(1), 16) if (m := _BRANCH_TARGET.match(ops)) else None
    if base in ("cbz", "cbnz"):
        t = _BRANCH_TARGET.match(ops.split(",", 1)[1].strip()) if "," in ops else None
        return "branch", int(t.group(1), 16) if t else None, True
    if m := re.fullmatch(rf"(b|bl|blx|bx|bxns|pop|ldr|ldm\w*|tbb|tbh|mov)({_CONDS})?", base):
        op, cond = m.group(1), m.group(2) is not None
        if op == "b":
            return ("branch", target, cond) if target is not None else ("unknown", None, cond)
        if op in ("bl", "blx"):
            return "call", target, cond  # (blx through a register: a call that returns; its callee is unknown)
        if op in ("bx", "bxns"):
            return ("exit", None, cond) if ops == "lr" else ("unknown", None, cond)
        if op == "pop" or op.startswith("ldm"):
            return ("exit", None, cond) if re.search(r"\bpc\b", ops) else ("next", None, False)
        if op == "ldr" and ops.startswith("pc,"):
            return ("exit", None, cond) if re.match(r"pc, \[sp\], #4", ops) else ("unknown", None, cond)
        if op == "mov" and ops.startswith("pc,"):
            return "unknown", None, cond
        if op in ("tbb", "tbh"):
            return "unknown", None, False
    return "next", None, False


def refusal_order(image: "Image", entry: str, callee_pattern: str) -> str | None:
    """None if every path through `entry` to a call of a function `callee_pattern` names passes an
    IPSR read first; else what goes wrong."""
    fn = image.functions[entry]
    if not fn.insns:
        return "its instructions are not known"
    at = {a: i for i, (a, _, _) in enumerate(fn.insns)}
    seen: set[int] = set()
    todo = [0]
    while todo:
        i = todo.pop()
        if i in seen or i >= len(fn.insns):
            continue
        seen.add(i)
        addr, mnemonic, operands = fn.insns[i]
        if mnemonic.split(".")[0].lower() == "mrs" and re.search(r",\s*ipsr\b", operands, re.I):
            continue  # the refusal's read: this path is checked
        kind, target, cond = _flow(mnemonic, operands)
        name = image_name_at(image, target, operands) if target is not None else None
        name = image.aliases.get(name, name) if name is not None else None
        if kind in ("call", "branch") and name is not None and name != entry:
            callee = image.functions.get(name)
            if callee is not None and _matches(callee_pattern, callee):
                return f"its {'call' if kind == 'call' else 'branch'} to {name} at {addr:#x} is reached before it reads IPSR"
            if kind == "call" and callee is not None and reads_ipsr(callee):
                continue  # an out-of-line check that reads IPSR: this path is checked
        if kind == "unknown":
            return f"{mnemonic} {operands.strip()} at {addr:#x} jumps where the tool cannot follow before it reads IPSR"
        if kind == "branch" and target in at:
            todo.append(at[target])
        elif kind in ("exit", "branch"):
            pass  # a return, or a tail call to another function (checked above)
        else:
            todo.append(i + 1)  # the next instruction, or the one after a call
        if kind in ("exit", "branch") and cond:
            todo.append(i + 1)
    return None


def image_name_at(image: "Image", target: int, operands: str) -> str | None:
    """The symbol a call or branch names (objdump: `addr <symbol+off>`; a branch inside a function
    names that function, with an offset)."""
    m = _BRANCH_TARGET.match(operands.split(";")[0].strip())
    return m.group(2) if m else None


# ---- The image ------------------------------------------------------------------------------------

@dataclasses.dataclass
class Stack:
    name: str
    size: int
    entries: list[str]
    kind: int           # 0 privileged thread (Thread::run), 1 user thread, 2 runs its entry directly
    reserve: int        # a user thread's kernel stack, at the low end
    address: int = 0    # its lowest address (a test image's run reports high-water marks by address)


@dataclasses.dataclass
class Image:
    functions: dict[str, Function]
    stacks: list[Stack]
    vectors: list[str]          # exception handlers (vector table, reset excluded)
    reset: str | None
    main_stack_size: int | None
    read_table: object = None   # callable(symbol) -> list of function names in that object
    callbacks: dict = dataclasses.field(default_factory=dict)  # "irq"/"timer" -> declared functions
    aliases: dict = dataclasses.field(default_factory=dict)    # every function symbol -> its function's name


def group_symbols(symbols: list[tuple[str, int, str]]) -> tuple[dict[int, str], dict[str, str]]:
    """Function symbols (name, address, binding) grouped by address: one function per address,
    named by its first global symbol (else its first), and every symbol -> that name."""
    names: dict[int, list[tuple[str, str]]] = {}
    for name, addr, bind in symbols:
        group = names.setdefault(addr & ~1, [])
        if name not in (n for n, _ in group):
            group.append((name, bind))
    by_addr = {a: next((n for n, b in g if b == "STB_GLOBAL"), g[0][0]) for a, g in names.items()}
    aliases = {n: by_addr[a] for a, g in names.items() for n, _ in g}
    return by_addr, aliases


_RECORD = struct.Struct("<IIIII")  # stack, element size, count, entry, kind | reserve << 8


def load_image(elf_path: Path, ci_files: list[Path], objdump: str, main_stack: str | None) -> Image:
    from elftools.elf.elffile import ELFFile  # python3-pyelftools

    # The whole file in memory: tables are read after this function returns (read_table).
    elf = ELFFile(io.BytesIO(elf_path.read_bytes()))
    symtab = elf.get_section_by_name(".symtab")
    objects: dict[str, tuple[int, int]] = {}
    data_syms: list[tuple[int, int, str]] = []
    func_syms: list[tuple[str, int, str]] = []
    for s in symtab.iter_symbols():
        kind = s["st_info"]["type"]
        if kind == "STT_FUNC":
            func_syms.append((s.name, s["st_value"], s["st_info"]["bind"]))
        elif kind == "STT_OBJECT":
            objects[s.name] = (s["st_value"], s["st_size"])
            data_syms.append((s["st_value"], s["st_size"], s.name))

    # Aliases share an address (constructor aliases C1/C2, folded templates, weak aliases of default
    # handlers): one function, named by a global symbol, known by all.
    funcs_by_addr, aliases = group_symbols(func_syms)

    def segment_bytes(addr: int, size: int) -> bytes:
        for seg in elf.iter_segments():
            lo = seg["p_vaddr"]
            if seg["p_type"] == "PT_LOAD" and lo <= addr and addr + size <= lo + seg["p_filesz"]:
                return seg.data()[addr - lo:addr - lo + size]
        for sec in elf.iter_sections():
            lo = sec["sh_addr"]
            if sec["sh_type"] == "SHT_PROGBITS" and lo <= addr and addr + size <= lo + sec["sh_size"]:
                return sec.data()[addr - lo:addr - lo + size]
        raise Error(f"no contents at {addr:#x}")

    def words(addr: int, size: int) -> list[int]:
        data = segment_bytes(addr, size)
        return list(struct.unpack(f"<{len(data) // 4}I", data[: len(data) // 4 * 4]))

    def func_at(addr: int) -> str | None:
        return funcs_by_addr.get(addr & ~1)

    def data_name(addr: int) -> str:
        for lo, size, name in data_syms:
            if lo <= addr < lo + max(size, 1):
                return name if addr == lo else f"{name}+{addr - lo}"
        return f"{addr:#x}"

    stacks: list[Stack] = []
    callbacks: dict[str, list[str]] = {}
    sec = elf.get_section_by_name(".ward_stack_bound")
    if sec is not None:
        data = sec.data()
        by_stack: dict[tuple[int, int], Stack] = {}
        for off in range(0, len(data) - _RECORD.size + 1, _RECORD.size):
            stack, size, count, entry_addr, kind = _RECORD.unpack_from(data, off)
            unchecked = kind & 0xFF == 5  # WARD_STACK_BOUND_UNCHECKED: no entry, never checked
            entry = None if unchecked else func_at(entry_addr)
            if entry is None and not unchecked:
                raise Error(f"stack record at {off}: entry {entry_addr:#x} is no function")
            if kind & 0xFF in (3, 4):  # a function called through a pointer, no stack of its own
                callbacks.setdefault("irq" if kind & 0xFF == 3 else "timer", []).append(entry)
                continue
            for i in range(count):
                key = (stack + i * size, size)
                if key not in by_stack:
                    name = data_name(stack + i * size)
                    if count > 1 and "+" not in name:
                        name += "+0"  # an array's first element: named [0] like the others
                    by_stack[key] = Stack(name, size, [], kind & 0xFF, kind >> 8, key[0])
                    stacks.append(by_stack[key])
                if by_stack[key].kind == 5 or kind & 0xFF == 5:
                    by_stack[key].kind = 5  # unchecked wins over any entry declared for it
                elif entry not in by_stack[key].entries:
                    by_stack[key].entries.append(entry)

    vectors: list[str] = []
    reset = None
    table = (objects.get("ward_vector_table") or objects.get("_ZL17ward_vector_table")
             or objects.get("ward_secure_vectors") or objects.get("_ZL19ward_secure_vectors"))
    if table is None:
        table = next((v for k, v in objects.items() if k.endswith("vector_table")), None)
    if table is not None:
        w = words(*table)
        reset = func_at(w[1]) if len(w) > 1 else None
        for i, v in enumerate(w[2:], 2):
            name = func_at(v) if v else None
            if v and name is None:
                # Code no function symbol names (an assembly label): its handler would go uncounted.
                raise Error(f"vector {i} ({v:#x}) is no function: the stack its handler takes is unknown")
            if name and name not in vectors and name != reset:
                vectors.append(name)

    msp_size = None
    if main_stack is not None:
        if main_stack not in objects:
            match = [k for k in objects if k.endswith(main_stack)]
            main_stack = match[0] if match else None  # an image with a start-up of its own
        if main_stack is not None:
            msp_size = objects[main_stack][1]

    vtables: dict[str, str] = {}  # demangled class name -> its vtable's symbol

    def read_table(symbol: str) -> list[str]:
        if symbol.startswith("vtable:"):  # the virtual functions of every class the glob names
            if not vtables:
                names = sorted(k for k in objects if k.startswith("_ZTV"))
                vtables.update(zip((d.removeprefix("vtable for ") for d in _demangle_names(names, objdump)), names))
            return vtable_targets(vtables, symbol.removeprefix("vtable:"),
                                  lambda sym: [func_at(v) for v in words(*objects[sym]) if v])
        if symbol.startswith(".") or symbol.startswith("section:"):  # a whole section (.init_array)
            sec = elf.get_section_by_name(symbol.removeprefix("section:"))
            if sec is None:
                return []
            data = sec.data()
            return [n for n in (func_at(v) for v in struct.unpack(f"<{len(data) // 4}I", data)) if n]
        if any(c in symbol for c in "*?["):  # a glob: every object it names (none is no error)
            return [n for k in sorted(objects) if fnmatch.fnmatchcase(k, symbol)
                    for n in (func_at(v) for v in words(*objects[k]) if v) if n]
        # The object of that name, else every one whose name ends with it (a mangled static): not
        # the first of several, which the symbol table's order picked (`table:aes_info` matches
        # `ccm_aes_info` and `gcm_aes_info` too: had one come first, it alone was read).
        names = [symbol] if symbol in objects else sorted(k for k in objects if k.endswith(symbol))
        if not names:
            raise Error(f"table {symbol} not in the image")
        return [n for k in names for n in (func_at(v) for v in words(*objects[k]) if v) if n]

    dis = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(elf_path)], check=True,
                         capture_output=True, text=True).stdout
    ends: dict[str, int] = {}  # a function's end: labels objdump heads before it are inside it
    for s in symtab.iter_symbols():
        if s["st_info"]["type"] == "STT_FUNC" and s.name in aliases:
            name = aliases[s.name]
            ends[name] = max(ends.get(name, 0), (s["st_value"] & ~1) + s["st_size"])
    functions = build_functions(dis, funcs_by_addr, aliases, [p.read_text() for p in ci_files], objdump, ends)
    # A function symbol in a section that is not executable (`.section .ramfunc, "aw"`, code copied
    # to RAM): `objdump -d` shows none of its code, so it read as a function with no frame and no
    # calls (h/sbattack2). Refused wherever it is reached, unless its bound is annotated.
    # So is one defined at an absolute address (`--defsym`, a ROM routine, the secure image's entry
    # points a non-secure image imports): none of its code is in the image.
    for s in symtab.iter_symbols():
        if s["st_info"]["type"] == "STT_FUNC" and s.name in aliases and s["st_shndx"] == "SHN_ABS":
            functions[aliases[s.name]].unreadable.append(
                "it is defined at an absolute address (SHN_ABS): the image holds none of its code")
        if s["st_info"]["type"] == "STT_FUNC" and s.name in aliases and isinstance(s["st_shndx"], int):
            sec = elf.get_section(s["st_shndx"])
            if not sec["sh_flags"] & 0x4:  # SHF_EXECINSTR
                functions[aliases[s.name]].unreadable.append(
                    f"its code is in {sec.name}, a section that is not executable: objdump -d does not show it")
    for s in stacks:
        base, _, off = s.name.partition("+")
        d = Function(base)
        demangle({base: d}, objdump)
        shown = d.demangled or base  # an object's name: no parameter list to drop
        s.name = f"{shown}[{int(off) // s.size}]" if off else shown
    return Image(functions, stacks, vectors, reset, msp_size, read_table, callbacks, aliases)


def build_functions(dis: str, funcs_by_addr: dict[int, str], aliases: dict[str, str], ci_texts: list[str],
                    objdump: str, ends: dict[str, int] | None = None) -> dict[str, Function]:
    """The image's functions (one per address, group_symbols) from its disassembly and .ci files."""
    names = set(funcs_by_addr.values())
    functions = parse_disassembly(dis, names, aliases, ends)
    for n in names:
        functions.setdefault(n, Function(n))
    for n, canonical in aliases.items():
        if n != canonical:
            functions[canonical].aliases.append(n)
    merge_ci(functions, ci_texts, aliases)
    demangle(functions, objdump)
    return functions


def vtable_targets(vtables: dict[str, str], pattern: str, read: object) -> list[str]:
    """The functions in the vtables of the classes `pattern` names (`vtables`: demangled class ->
    symbol; `read(symbol)`: the function, or None, at each word). Offsets and type information in a
    vtable are no functions and drop out."""
    return [n for cls, sym in sorted(vtables.items()) if fnmatch.fnmatchcase(cls, pattern) for n in read(sym) if n]


def merge_ci(functions: dict[str, Function], ci_texts: list[str], aliases: dict[str, str] | None = None) -> None:
    """The compiler's figures where it has them: its frame (at least what the code shows), and its
    edges beside the disassembly's (inline assembly's calls show only there). A symbol that is an
    alias counts for its function."""
    aliases = aliases or {}
    for text in ci_texts:
        usage, calls = parse_ci(text)
        for name, (size, qualifier) in usage.items():
            fn = functions.get(aliases.get(name, name))
            if fn is None:
                continue  # not in the image (--gc-sections)
            fn.frame = max(fn.frame, size)
            if "dynamic" in qualifier and "bounded" not in qualifier:
                fn.dynamic = True
        for name, callees in calls.items():
            fn = functions.get(aliases.get(name, name))
            if fn is None:
                continue
            for c in callees:
                c = aliases.get(c, c)
                if c == INDIRECT:
                    fn.indirect = True
                elif c in functions:
                    fn.calls.add(c)


def _demangle_names(names: list[str], objdump: str) -> list[str]:
    filt = str(Path(objdump).with_name(Path(objdump).name.replace("objdump", "c++filt")))
    try:
        out = subprocess.run([filt], input="\n".join(names), capture_output=True, text=True, check=True).stdout
        return out.splitlines()[: len(names)]
    except (OSError, subprocess.CalledProcessError):
        return list(names)


def demangle(functions: dict[str, Function], objdump: str) -> None:
    names = list(functions)
    others = [a for n in names for a in functions[n].aliases]
    demangled = dict(zip(names + others, _demangle_names(names + others, objdump)))
    for n in names:
        functions[n].demangled = demangled.get(n, n)
        functions[n].aliases_demangled = [demangled.get(a, a) for a in functions[n].aliases]


# ---- Bounds ---------------------------------------------------------------------------------------

@functools.cache
def _plain(demangled: str) -> str:
    """A demangled name without its parameter list: what annotations usually name."""
    depth = 0
    for i in range(len(demangled) - 1, -1, -1):
        c = demangled[i]
        if c == ")":
            depth += 1
        elif c == "(":
            depth -= 1
            if depth == 0:
                return demangled[:i]
    return demangled


def _matches(pattern: str, fn: Function) -> bool:
    """A pattern names a function by any of its symbols (an alias too), demangled or not, with or
    without the parameter list."""
    names = (fn.name, fn.demangled, _plain(fn.demangled), *fn.aliases,
             *(x for d in fn.aliases_demangled for x in (d, _plain(d))))
    return any(fnmatch.fnmatchcase(n, pattern) for n in names if n)


def _every_name_matches(patterns: list[str], fn: Function) -> bool:
    """Every symbol of the function (its aliases too) is named by one of `patterns`: for annotations
    that say how a function is entered or who calls it, which another name's callers need not share."""
    groups = [(fn.name, fn.demangled)] + list(zip(fn.aliases, fn.aliases_demangled or fn.aliases))
    return bool(patterns) and all(
        any(fnmatch.fnmatchcase(n, p) for p in patterns for n in (sym, dem, _plain(dem or "")) if n)
        for sym, dem in groups)


class Analysis:
    """Depths over the image's call graph. `skip`: kinds of callee not followed -- "halts" (where a
    stack limit stops an overflow on a path that stops the system anyway), "privileged" (for a user
    thread's own stack)."""

    def __init__(self, image: Image, notes: Annotations, skip: frozenset[str] = frozenset()):
        self.image = image
        self.notes = notes
        self.skip = skip
        self._skip_memo: dict[str, bool] = {}
        self._once_memo: dict[str, str | None] = {}
        self._glob_memo: dict[str, set[str]] = {}
        self._recursion_memo: dict[str, tuple[str, int] | None] = {}
        self.memo: dict[tuple, tuple[int, list[str]]] = {}
        self.errors: list[str] = []
        self.used: set[str] = set()
        self._resolved: dict[str, tuple[int | None, int | None, list[str] | None]] = {}
        self.refusing: set[str] = set()  # with "refused" in skip: the entries whose refused-calls are cut

    def describe(self, name: str) -> str:
        fn = self.image.functions.get(name)
        return _plain(fn.demangled) if fn and fn.demangled else name

    def _note(self, name: str) -> tuple[int | None, int | None, list[str] | None]:
        if name in self._resolved:
            return self._resolved[name]
        fn = self.image.functions[name]
        bound = frame = targets = None
        # Several lines naming one function (a library's and an application's glob): the largest.
        for p, v in self.notes.bounds.items():
            if _matches(p, fn):
                bound = max(bound or 0, v)
                self.used.add(p)
        for p, v in self.notes.frames.items():
            if _matches(p, fn):
                frame = max(frame or 0, v)
                self.used.add(p)
        for p, v in self.notes.calls.items():
            if _matches(p, fn):
                targets = (targets or []) + v
                self.used.add(p)
                self._check_call_lines(p)
        self._resolved[name] = (bound, frame, targets)
        return self._resolved[name]

    def _branch_to(self, fn: Function, unknown: str) -> tuple[int, str] | None:
        """The `branch-to` line for one of F's branches to code no function names: (depth, target)."""
        m = re.search(r"([0-9a-f]+)(?: <([^>]+)>)?\s*$", unknown)
        if not m:
            return None
        names = [m.group(1), "0x" + m.group(1)] + ([m.group(2)] if m.group(2) else [])
        found = None
        for pf, pt, n, where in self.notes.branch_to:
            if _matches(pf, fn) and any(fnmatch.fnmatchcase(x, pt) for x in names):
                self.used.add(f"branch-to {pf} {pt}")
                if found is None or n > found[0]:
                    found = (n, m.group(2) or m.group(1))
        return found

    def _check_call_lines(self, pattern: str) -> None:
        """A `calls` line that names targets, none of which is in the image, is an error: a typo
        would read as "calls nothing" and hide a call. A target written `?T` may be absent (T if
        present); `records:` targets are the image's declarations, which may be none."""
        for p, targets, where in self.notes.call_lines:
            if p != pattern or not targets:
                continue
            required = [t for t in targets if not t.startswith("?") and not t.startswith("records:")]
            if required and not self._targets(targets):
                self.errors.append(f"{where}: calls {p}: none of its targets ({' '.join(targets)}) is in this image "
                                   "(a typo hides a call; write ?T for a target that may be absent)")

    def _targets(self, patterns: list[str]) -> set[str]:
        out: set[str] = set()
        for p in patterns:
            p = p.removeprefix("?")  # a target that may be absent
            if p.startswith("records:"):  # the functions the image declares (WARD_STACK_BOUND_IRQ/TIMER)
                out.update(self.image.callbacks.get(p[len("records:"):], []))
                continue
            if p.startswith("section:") or p.startswith(".") or p.startswith("vtable:"):
                out.update(self.image.read_table(p))
                continue
            if p.startswith("table:"):
                out.update(self.image.read_table(p[len("table:"):]))
                continue
            # A shared annotation may name functions only some images have.
            if p not in self._glob_memo:
                self._glob_memo[p] = {n for n, f in self.image.functions.items() if _matches(p, f)}
            out |= self._glob_memo[p]
        return out

    def _cut(self, caller: str, callee: str, after: tuple[int, ...] = ()) -> bool:
        fa, fb = self.image.functions[caller], self.image.functions[callee]
        for a, b in self.notes.cuts:
            if _matches(a, fa) and _matches(b, fb):
                self.used.add(f"cut {a} {b}")
                return True
        if "refused" in self.skip and caller in self.refusing:  # the entry refuses before this call
            for a, b in self.notes.refused_calls:
                if _matches(a, fa) and _matches(b, fb):
                    self.used.add(f"refused-call {a} {b}")
                    return True
        for i in after:
            x, a, b = self.notes.cuts_after[i]
            if _matches(b, fb):
                self.used.add(f"cut-after {x} {a} {b}")
                return True
        return False

    def _after(self, name: str, path: tuple[str, ...]) -> tuple[int, ...]:
        """The `cut-after X F G` rules in force for `name` entered from path[-1]: F called by X."""
        if not path or not self.notes.cuts_after:
            return ()
        fn, up = self.image.functions[name], self.image.functions[path[-1]]
        return tuple(i for i, (x, a, _) in enumerate(self.notes.cuts_after) if _matches(a, fn) and _matches(x, up))

    def _skipped(self, name: str) -> bool:
        if name not in self._skip_memo:
            fn = self.image.functions[name]
            halts = any(_matches(p, fn) for p in self.notes.halts) if "halts" in self.skip else False
            # privileged-only says who calls it, not what it does: code folded with a function a
            # user thread calls is not skipped (every name must be privileged-only).
            privileged = "privileged" in self.skip and _every_name_matches(self.notes.privileged, fn)
            self._skip_memo[name] = halts or privileged
        return self._skip_memo[name]

    # depth() asks both of every function on the path at every step: answered once per name (the
    # glob matching was most of the tool's time on the network images).
    def _is_once(self, name: str) -> bool:
        if name not in self._once_memo:
            fn = self.image.functions[name]
            self._once_memo[name] = next((p for p in self.notes.once if _matches(p, fn)), None)
        p = self._once_memo[name]
        if p is None:
            return False
        self.used.add(f"once {p}")
        return True

    def _recursion(self, name: str) -> int:
        """How many times `name` may be active on one chain (`recursion F N`; 1 without one)."""
        if name not in self._recursion_memo:
            fn = self.image.functions[name]
            self._recursion_memo[name] = next(((p, n) for p, n in self.notes.recursion.items() if _matches(p, fn)),
                                              None)
        found = self._recursion_memo[name]
        if found is None:
            return 1
        self.used.add(f"recursion {found[0]}")
        return found[1]

    def depth(self, name: str, path: tuple[str, ...] = ()) -> tuple[int, list[str]]:
        """Worst-case bytes from entering `name` (its frame and its deepest callee), and that chain."""
        active = frozenset(n for n in path if self._is_once(n))
        # A bounded recursion's result depends on how often its functions are already active.
        nested = tuple(sorted((n, path.count(n)) for n in set(path) if self._recursion(n) > 1))
        after = self._after(name, path)
        key = (name, active, nested, after)
        if key in self.memo:
            return self.memo[key]
        fn = self.image.functions[name]
        bound, frame, targets = self._note(name)
        if bound is not None:
            self.memo[key] = (bound, [f"{self.describe(name)} (annotated bound {bound})"])
            return self.memo[key]
        if name in path and path.count(name) >= self._recursion(name):
            cycle = " -> ".join(self.describe(n) for n in path[path.index(name):] + (name,))
            self.errors.append(f"recursion without an annotated bound: {cycle}")
            return 0, [self.describe(name)]
        # `frame` states what the code cannot show (sp moved by a register): never fewer bytes than
        # the code shows (an annotation below them, or gone stale, would hide the difference).
        own = fn.frame if frame is None else max(frame, fn.frame)
        # PSP written outside an exception handler moves the running thread's own sp.
        if (fn.dynamic or fn.writes_psp and name not in self.image.vectors) and frame is None:
            self.errors.append(f"{self.describe(name)}: stack pointer set or moved by a register amount; "
                               "annotate its frame or bound")
        # A branch or call to code no function symbol names: only a `branch-to` line naming that
        # target (with the depth of the code there) or a `bound` of F answers it. A `calls` line
        # resolves F's calls through registers, nothing else (it once excused these too, `none` as well).
        beyond: list[tuple[int, str]] = []
        unresolved = []
        for u in fn.unknown:
            n = self._branch_to(fn, u)
            if n is None:
                unresolved.append(u)
            else:
                beyond.append(n)
        if unresolved:
            self.errors.append(f"{self.describe(name)}: branches to an address no function symbol names ("
                               + "; ".join(unresolved[:3]) + "); annotate the target (branch-to) or its bound")
        for problem in fn.unreadable:
            self.errors.append(f"{self.describe(name)}: {problem}")
        callees = set(fn.calls)
        if fn.indirect:
            if targets is None:
                self.errors.append(f"{self.describe(name)}: indirect call not resolved; annotate its targets "
                                   f"(calls) or its bound, reached through "
                                   + " -> ".join(self.describe(n) for n in path + (name,)))
            else:
                callees |= self._targets(targets)
        elif targets:
            callees |= self._targets(targets)
        best, chain = 0, []
        open_cycle = False
        for c in sorted(callees):
            if c not in self.image.functions or self._cut(name, c, after) or self._skipped(c):
                continue
            if c in active or (c == name and self._is_once(c)):
                continue  # active once per chain: a call back into it is not followed
            limit = self._recursion(c)
            if limit > 1 and (path + (name,)).count(c) >= limit:
                continue  # active its annotated number of times already: a deeper call is not followed
            if c in path:
                open_cycle = True
            d, ch = self.depth(c, path + (name,))
            if d > best:
                best, chain = d, ch
        for n, target in beyond:
            if n > best:
                best, chain = n, [f"{target} (annotated branch-to {n})"]
        result = (own + best, [f"{self.describe(name)} ({own})"] + chain)
        if not open_cycle:  # a result inside an open cycle is not final
            self.memo[key] = result
        return result


@dataclasses.dataclass
class Report:
    lines: list[str]
    failures: list[str]
    unused: list[str] = dataclasses.field(default_factory=list)  # annotations this image never needed


def check(image: Image, notes: Annotations, image_name: str, fp: bool, secure: bool,
          check_main_stack: bool = False, stack_limit: bool = False, guard: int = 0) -> Report:
    """Each declared stack against its bound. With hardware stack limits (`stack_limit`), a path
    into a function that stops the system (`halts`: a panic) is left out of the checked bound: an
    overflow there faults on the limit and stops the system all the same; its depth is reported.
    `guard`: bytes at the low end of a privileged thread's stack it may not use (the MPU guard)."""
    frame = exception_frame(fp, secure)
    full = Analysis(image, notes)
    checked = Analysis(image, notes, frozenset({"halts"})) if stack_limit else full
    user = Analysis(image, notes, frozenset({"halts", "privileged"} if stack_limit else {"privileged"}))
    user_full = Analysis(image, notes, frozenset({"privileged"}))
    lines: list[str] = []
    failures: list[str] = []

    run = next((n for n, f in image.functions.items() if _matches("ward::Thread::run", f)), None)
    syscall = next((n for n in image.functions if n == "ward_syscall_trampoline"), None)
    # Where a user thread's entry returns to (arch/arm/src/context_switch.cpp: the initial frame's lr):
    # it asks for thread_exit from the thread's own stack.
    user_return = "ward_user_thread_return" if "ward_user_thread_return" in image.functions else None

    def bound(a: Analysis, s: Stack) -> tuple[int, list[str]]:
        need, chain = 0, []
        starts = [(e, 0, []) for e in s.entries]
        if s.kind == 0 and run is not None:
            # A privileged thread starts in Thread::run, which calls its entry, and its own callees
            # before and after it (the thread's end).
            rf = image.functions[run]
            head = [f"ward::Thread::run ({rf.frame})"]
            starts = [(e, rf.frame, head) for e in s.entries]
            ends = any(not any(_matches(p, image.functions[e]) for p in notes.no_return) for e in s.entries)
            if ends:  # an entry that returns: the thread's end runs on its stack too
                starts += [(c, rf.frame, head) for c in sorted(rf.calls)
                           if c in image.functions and not a._skipped(c) and c not in s.entries]
        elif s.kind == 1 and user_return is not None:
            starts.append((user_return, 0, []))
        for e, extra, head in starts:
            d, ch = a.depth(e)
            if d + extra > need:
                need, chain = d + extra, head + ch
        return need, chain

    def verdict(what: str, room: int, need: int, extra: int, chain: list[str], halting: int) -> None:
        total = need + extra
        also = f"; {halting + extra} B with paths that stop the system" if halting > need else ""
        lines.append(f"{image_name}: {what}: {room} B declared, bound {total} B ({need} + {extra}){also} -- "
                     + " -> ".join(chain))
        if total > room:
            failures.append(f"{image_name}: {what} ({room} B) is smaller than its bound {total} B "
                            f"({need} + {extra} exception frame); deepest chain: " + " -> ".join(chain))

    for s in image.stacks:
        if s.kind == 5:
            lines.append(f"{image_name}: stack {s.name}: {s.size} B declared, not checked "
                         "(WARD_STACK_BOUND_UNCHECKED: its thread moves the stack pointer on purpose)")
            continue
        if s.kind == 1:
            need, chain = bound(user, s)
            verdict(f"stack {s.name} (user part)", s.size - s.reserve, need, frame, chain, bound(user_full, s)[0])
            if syscall is not None:
                # Its kernel stack: the trampoline's frame at its top, the deepest call, and the
                # frame of an exception taken during the call.
                d, ch = checked.depth(syscall)
                verdict(f"stack {s.name} (kernel part)", s.reserve, d, FP_FRAME + frame, ch, full.depth(syscall)[0])
        else:
            need, chain = bound(checked, s)
            room = s.size - (guard if s.kind == 0 else 0)
            verdict(f"stack {s.name}" + (f" ({guard} B guard)" if room != s.size else ""), room, need, frame, chain,
                    bound(full, s)[0])

    # Where each stack is: a test image's run names its stacks by address (tests/stackbound/highwater.py).
    lines += [f"{image_name}: stack {s.name} is at {s.address:#x}" for s in image.stacks]
    if image.main_stack_size is not None:
        # On a secure image's MSP the secure exceptions (its vector table's handlers) preempt secure
        # code: a Secure-to-Secure entry stacks no additional state (its 40 bytes are a
        # Secure-to-Non-secure entry's, the veneers' callers').
        msp, parts = main_stack_bound(checked, image, notes, frame,
                                      frame - SECURE_EXTRA if secure else frame)
        lines.append(f"{image_name}: main stack (MSP): {image.main_stack_size} B declared, bound {msp} B -- "
                     + "; ".join(parts))
        if msp > image.main_stack_size:
            (failures if check_main_stack else lines).append(
                f"{image_name}: {'' if check_main_stack else 'warning: '}main stack ({image.main_stack_size} B) "
                f"is smaller than its bound {msp} B: " + "; ".join(parts))
    errors = [e for a in (full, checked, user, user_full) for e in a.errors]
    if errors:
        lines.append(f"{image_name}: these bounds are incomplete until the {len(set(errors))} problems below are "
                     "annotated")
    failures[:0] = [f"{image_name}: {e}" for e in dict.fromkeys(errors)]
    used = full.used | checked.used | user.used | user_full.used
    unused = (set(notes.bounds) | set(notes.frames) | set(notes.calls)
              | {f"cut {x} {y}" for x, y in notes.cuts} | {f"once {x}" for x in notes.once}
              | {f"cut-after {x} {y} {z}" for x, y, z in notes.cuts_after}
              | {f"refused-call {x} {y}" for x, y in notes.refused_calls}
              | {f"recursion {x}" for x in notes.recursion}
              | {f"branch-to {x} {y}" for x, y, _, _ in notes.branch_to}) - used
    notes_unused = [f"{image_name}: note: annotation {u} not used by this image" for u in sorted(unused)]
    return Report(lines, failures, notes_unused)


def main_stack_bound(a: Analysis, image: Image, notes: Annotations,
                     frame: int = FP_FRAME + ALIGN_PAD, vector_frame: int | None = None) -> tuple[int, list[str]]:
    """The boot path (reset until the scheduler starts, which resets MSP) or the exception handlers
    nested one per priority level (annotated `level` lines; a handler in no level counts alone at
    its own level), each with the frame (`frame`) its entry stacks on MSP. Handlers are the vector
    table's and the `handler-entry` functions (code other handlers call into, on the same stack: the
    secure image's veneers, called by non-secure handlers). A reset declared as the entry of a
    stack of its own (WARD_STACK_BOUND_DIRECT: the secure image boots on its service stack) is
    checked there, not here."""
    parts: list[str] = []
    boot = 0
    on_own_stack = {e for s in image.stacks for e in s.entries}
    if image.reset is not None and image.reset not in on_own_stack:
        boot, ch = a.depth(image.reset)
        parts.append(f"boot {boot}: {' -> '.join(ch)}")
    handlers = set(image.vectors)
    for p in notes.handler_entries:
        handlers |= {n for n, f in image.functions.items() if _matches(p, f)}

    def thread_entry(h: str) -> bool:
        # How it is entered, not what it does: the SVCall handler folded with the default handler
        # (minimal) is entered by interrupts too, which run its code over a handler.
        return _every_name_matches(notes.thread_entry, image.functions[h])

    # The levels, lowest priority first (the order of the `level` lines; a handler in none counts
    # as a level of its own, above them). Nested over another handler, a handler stacks its frame
    # here and runs its code (a `thread-entry` handler runs its code here only when it preempted
    # thread mode: over a handler it takes its frame alone). The lowest active handler preempted
    # thread mode, which runs on a process stack (a thread's, the secure image's landing or
    # service stack): its frame is that stack's (each declared stack's bound has one), and no
    # lower level is active beneath it.
    levels: list[tuple[list[str], int, bool]] = []
    covered: set[str] = set()
    for names, count, refused in notes.levels:
        members = sorted(h for h in handlers if any(_matches(p, image.functions[h]) for p in names))
        covered |= set(members)
        if members:
            levels.append((members, count, refused))
    levels += [([h], 1, False) for h in sorted(handlers - covered)]
    # A `refused` level: its handlers may enter these functions, which refuse them before their
    # `refused-call` callees (the secure image's veneers, which answer only the non-secure
    # handlers of some levels). Only that direct call of the entry itself is cut, and only here:
    # the callee reached any other way, the same entry at another level and every declared stack
    # keep their whole graph.
    refused_a = Analysis(image, notes, a.skip | {"refused"})
    refused_a.refusing = {h for ms, _, r in levels if r for h in ms}
    for h in sorted(refused_a.refusing):
        fn = image.functions[h]
        for pf, pg in notes.refused_calls:
            if not _matches(pf, fn):
                continue
            if not any(_matches(pg, image.functions[c]) for c in fn.calls if c in image.functions):
                a.errors.append(f"refused-call {pf} {pg}: {a.describe(h)} makes no call to {pg} "
                                "(the annotation no longer names its accepted path)")
            elif problem := refusal_order(image, h, pg):
                a.errors.append(f"refused-call {pf} {pg}: the refusal does not come first in {a.describe(h)}: "
                                f"{problem}")
    depth = [{h: (refused_a if r else a).depth(h)[0] for h in ms} for ms, _, r in levels]
    a.errors.extend(refused_a.errors)
    a.used |= refused_a.used
    def frame_of(h: str) -> int:  # the frame its entry stacks here (`vector_frame`: the image's own exceptions')
        return vector_frame if vector_frame is not None and h in image.vectors else frame

    nested_use = [max(frame_of(h) if thread_entry(h) else d[h] + frame_of(h) for h in ms)
                  for (ms, _, _), d in zip(levels, depth)]
    nested, bottom = 0, None
    for i, (members, count, _) in enumerate(levels):
        above = nested_use[i] * (count - 1) + sum(u * c for u, (_, c, _) in zip(nested_use[i + 1:], levels[i + 1:]))
        for h in members:
            if depth[i][h] + above > nested:
                nested, bottom = depth[i][h] + above, h
    for (members, count, refused), use, d in zip(levels, nested_use, depth):
        deepest = max(members, key=lambda h: d[h])
        parts.append(f"{a.describe(deepest)} {d[deepest]}" + (" refused" if refused else "")
                     + (f" (nested {use}{' x' + str(count) if count > 1 else ''})"))
    if bottom is not None:
        # The deepest handler's chain (the largest single part of the nesting): what to trim, or
        # what a too-small main stack is refused for.
        i, deepest = max(((i, h) for i, d in enumerate(depth) for h in d), key=lambda x: depth[x[0]][x[1]])
        chain = (refused_a if levels[i][2] else a).depth(deepest)[1]
        parts.append(f"deepest nesting {nested} from {a.describe(bottom)}; deepest chain: " + " -> ".join(chain))
    # Interrupt handlers may also preempt the boot before the scheduler starts only if unmasked:
    # Ward's boot runs masked, so the two never add.
    return max(boot, nested), parts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("elf", type=Path)
    p.add_argument("--ci-dir", type=Path, action="append", default=[], help="directory of .ci files")
    p.add_argument("--annotations", type=Path, action="append", default=[])
    p.add_argument("--objdump", default="arm-none-eabi-objdump")
    p.add_argument("--fp", action="store_true", help="threads may have FP state: the 104-byte frame")
    p.add_argument("--secure", action="store_true",
                   help="a secure image beside a non-secure one: +40 B, and with --fp S16-S31 (FPCCR_S.TS): 208 B")
    p.add_argument("--main-stack", help="symbol of the main (handler) stack, to check MSP")
    p.add_argument("--stack-limit", action="store_true",
                   help="stacks have hardware limits: paths that stop the system are reported, not checked")
    p.add_argument("--check-main-stack", action="store_true",
                   help="fail (not only warn) when the main stack is smaller than its bound")
    p.add_argument("--guard", type=int, default=0,
                   help="bytes at the low end of a privileged thread's stack it cannot use (MPU stack guard)")
    p.add_argument("--name", help="the image's name in messages")
    p.add_argument("--quiet", action="store_true", help="print failures only")
    p.add_argument("--verbose", action="store_true", help="also list the annotations this image did not use")
    p.add_argument("--report", type=Path, help="also write the report (and failures) to this file")
    args = p.parse_args(argv)
    try:
        notes = Annotations()
        for f in args.annotations:
            parse_annotations(f.read_text(), str(f), notes)
        ci = sorted(f for d in args.ci_dir for f in d.glob("*.ci"))
        image = load_image(args.elf, ci, args.objdump, args.main_stack or notes.main_stack)
        report = check(image, notes, args.name or args.elf.stem, args.fp, args.secure, args.check_main_stack,
                       args.stack_limit, args.guard)
    except Error as e:
        print(f"stackbound: error: {e}", file=sys.stderr)
        return 1
    if not args.quiet:
        for line in report.lines + (report.unused if args.verbose else []):
            print(line)
    for f in report.failures:
        print(f"stackbound: error: {f}", file=sys.stderr)
    if args.report:
        args.report.write_text("".join(f"{x}\n" for x in report.lines + [f"error: {f}" for f in report.failures]))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
