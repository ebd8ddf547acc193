#!/usr/bin/python3
"""Unit tests of scripts/stackbound: the .ci parser, the disassembly reader, annotations, bounds."""
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "stackbound"))
import stackbound as sb  # noqa: E402


def image(funcs: dict, stacks=(), vectors=(), reset=None, msp=None, callbacks=None) -> sb.Image:
    fs = {}
    for name, (frame, calls, *flags) in funcs.items():
        fs[name] = sb.Function(name, frame, set(calls), "indirect" in flags, "dynamic" in flags, name)
    return sb.Image(fs, list(stacks), list(vectors), reset, msp, lambda s: [], callbacks or {})


def with_insns(img: sb.Image, text: str) -> sb.Image:
    """Gives the image's functions the instructions of `text` (objdump -d), for a refused-call's order."""
    for name, fn in sb.parse_disassembly(text, set(img.functions)).items():
        img.functions[name].insns = fn.insns
    return img


# A veneer that reads IPSR (the refusal) before the switch that calls `accepted`.
REFUSING_CTL = '''
00100000 <__acle_se_ctl>:
  100000:	push	{r4, lr}
  100002:	mrs	r1, IPSR
  100006:	cbz	r1, 10000c <__acle_se_ctl+0xc>
  100008:	mov.w	r0, #4294967295
  10000a:	pop	{r4, pc}
  10000c:	bl	100100 <accepted>
  100010:	pop	{r4, pc}
'''


def notes(text: str = "") -> sb.Annotations:
    return sb.parse_annotations(text, "test")


class CallGraphInfo(unittest.TestCase):
    CI = '''graph: { title: "/tmp/x.ltrans0.o"
node: { title: "/tmp/x.ltrans0.o:f" label: "f\\na.cpp:1:6\\n24 bytes (static)" }
node: { title: "__indirect_call" label: "Indirect Call Placeholder" shape : ellipse }
edge: { sourcename: "/tmp/x.ltrans0.o:f" targetname: "__indirect_call" label: "a.cpp:2:3" }
node: { title: "/tmp/x.ltrans0.o:g" label: "g\\na.cpp:5:6\\n40 bytes (dynamic,bounded)" }
edge: { sourcename: "/tmp/x.ltrans0.o:g" targetname: "/tmp/x.ltrans0.o:f" label: "a.cpp:6:3" }
node: { title: "/tmp/x.ltrans0.o:h" label: "h\\na.cpp:8:6\\n16 bytes (dynamic)" }
'''

    def test_usage_and_edges(self):
        usage, calls = sb.parse_ci(self.CI)
        self.assertEqual(usage["f"], (24, "static"))
        self.assertEqual(usage["g"], (40, "dynamic,bounded"))
        self.assertEqual(calls["f"], {sb.INDIRECT})
        self.assertEqual(calls["g"], {"f"})

    def test_merge_takes_the_larger_frame_and_marks_indirect_and_dynamic(self):
        fs = {n: sb.Function(n) for n in ("f", "g", "h")}
        fs["f"].frame = 32  # the disassembly saw more (inline assembly): kept
        sb.merge_ci(fs, [self.CI])
        self.assertEqual(fs["f"].frame, 32)
        self.assertTrue(fs["f"].indirect)
        self.assertEqual(fs["g"].frame, 40)
        self.assertFalse(fs["g"].dynamic)   # bounded: the figure includes it
        self.assertTrue(fs["h"].dynamic)    # unbounded: needs an annotation
        self.assertEqual(fs["g"].calls, {"f"})


class Disassembly(unittest.TestCase):
    TEXT = '''
00200000 <f>:
  200000:	push	{r4, r5, r6, lr}
  200002:	sub	sp, #16
  200004:	vpush	{d8-d9}
  200008:	bl	200100 <g>
  20000c:	blx	r3
  20000e:	b.w	200200 <h>
  200012:	pop	{r4, r5, r6, pc}

00200100 <g>:
  200100:	str.w	lr, [sp, #-4]!
  200104:	sub	sp, r3
  200106:	ldr.w	pc, [sp], #4

00200200 <h>:
  200200:	bx	lr

00200300 <k>:
  200300:	it	ne
  200302:	bxne	r3
  200304:	beq.n	200200 <h>
  200306:	bxeq	lr
'''

    def test_frames_calls_and_flags(self):
        fs = sb.parse_disassembly(self.TEXT, {"f", "g", "h", "k"})
        self.assertTrue(fs["k"].indirect)   # a conditional indirect jump is one
        self.assertEqual(fs["k"].calls, {"h"})  # a conditional tail call is one
        self.assertEqual(fs["f"].frame, 16 + 16 + 16)
        self.assertEqual(fs["f"].calls, {"g", "h"})
        self.assertTrue(fs["f"].indirect)
        self.assertEqual(fs["g"].frame, 4)
        self.assertTrue(fs["g"].dynamic)
        self.assertFalse(fs["g"].indirect)  # ldr pc, [sp], #4 is a return
        self.assertFalse(fs["h"].indirect)  # bx lr is a return


class Annotations(unittest.TestCase):
    def test_justification_required(self):
        with self.assertRaisesRegex(sb.Error, "justification"):
            notes("bound f 100\n")

    def test_unknown_keyword(self):
        with self.assertRaisesRegex(sb.Error, "cannot read"):
            notes("boundx f 100  # why\n")

    def test_keywords(self):
        n = notes("bound f 0x40  # why\ncalls g a b  # why\nlevel x y x3  # why\ncut a b  # why\n"
                  "halts p  # why\nonce p  # why\nprivileged-only q  # why\nframe z 8  # why\n"
                  "level v x2 refused  # why\nlevel w refused  # why\nrefused-call v g  # why\n")
        self.assertEqual(n.bounds, {"f": 64})
        self.assertEqual(n.calls, {"g": ["a", "b"]})
        self.assertEqual(n.levels, [(["x", "y"], 3, False), (["v"], 2, True), (["w"], 1, True)])
        self.assertEqual(n.refused_calls, [("v", "g")])
        with self.assertRaisesRegex(sb.Error, "cannot read"):
            notes("level refused  # no handler\n")
        self.assertEqual(n.cuts, [("a", "b")])
        self.assertEqual((n.halts, n.once, n.privileged, n.frames), (["p"], ["p"], ["q"], {"z": 8}))

    def test_hash_inside_a_name_is_not_a_comment(self):
        # GCC names a lambda's static invoker `main::{lambda()#2}::_FUN`: cut at that '#', the
        # pattern lost its tail and every later target on the line, and matched nothing.
        n = notes("calls main main::{lambda()#?}::_FUN *run_entry  # the cases\n#calls x y\n")
        self.assertEqual(n.calls, {"main": ["main::{lambda()#?}::_FUN", "*run_entry"]})
        with self.assertRaisesRegex(sb.Error, "justification"):
            notes("calls main main::{lambda()#?}::_FUN\n")

    def test_name_cut_short_refused(self):
        with self.assertRaisesRegex(sb.Error, "unbalanced"):
            notes("calls main main::{lambda()  # a name cut short\n")


def stack(name, size, entry, kind=2, reserve=0):
    return sb.Stack(name, size, [entry], kind, reserve)


class Bounds(unittest.TestCase):
    def test_deepest_chain_and_frame(self):
        img = image({"entry": (16, ["a", "b"]), "a": (100, []), "b": (40, ["c"]), "c": (80, [])},
                    [stack("s", 256, "entry")])
        r = sb.check(img, notes(), "img", fp=True, secure=False)
        self.assertEqual(r.failures, [])
        self.assertIn("bound 244 B (136 + 108)", r.lines[0])
        self.assertIn("entry (16) -> b (40) -> c (80)", r.lines[0])

    def test_too_small_names_stack_and_chain(self):
        img = image({"entry": (16, ["b"]), "b": (40, ["c"]), "c": (180, [])}, [stack("worker_stack", 256, "entry")])
        r = sb.check(img, notes(), "img", fp=True, secure=False)
        self.assertEqual(len(r.failures), 1)
        self.assertIn("stack worker_stack (256 B) is smaller than its bound 344 B", r.failures[0])
        self.assertIn("entry (16) -> b (40) -> c (180)", r.failures[0])

    def test_guard_is_not_room(self):
        img = image({"e": (140, [])}, [stack("s", 256, "e", kind=0)])
        self.assertEqual(sb.check(img, notes(), "i", fp=True, secure=False).failures, [])
        r = sb.check(img, notes(), "i", fp=True, secure=False, guard=32)  # 140 + 108 > 224
        self.assertIn("(32 B guard) (224 B) is smaller than its bound 248 B", r.failures[0])

    def test_frames_basic_and_secure(self):
        # Each frame with its 4 bytes of alignment padding (CCR.STKALIGN).
        img = image({"e": (100, [])}, [stack("s", 136, "e")])
        self.assertEqual(sb.check(img, notes(), "i", fp=False, secure=False).failures, [])
        self.assertTrue(sb.check(img, notes(), "i", fp=False, secure=True).failures)  # 100 + 32 + 40 + 4

    def test_recursion_refused_unless_bounded(self):
        img = image({"e": (8, ["r"]), "r": (32, ["r2"]), "r2": (8, ["r"])}, [stack("s", 4096, "e")])
        r = sb.check(img, notes(), "i", fp=True, secure=False)
        self.assertTrue(any("recursion without an annotated bound: r -> r2 -> r" in f for f in r.failures))
        r = sb.check(img, notes("bound r 400  # at most ten levels: the tree's depth is checked on insert\n"),
                     "i", fp=True, secure=False)
        self.assertEqual(r.failures, [])
        self.assertIn("bound 516 B (408 + 108)", r.lines[0])

    def test_bounded_recursion_followed_its_annotated_times(self):
        # free -> custom -> free (the original, not custom): free twice, custom once.
        img = image({"e": (8, ["free"]), "free": (32, ["custom"]), "custom": (8, ["free"])}, [stack("s", 4096, "e")])
        r = sb.check(img, notes("recursion free 2  # the original is plain\n"), "i", fp=True, secure=False)
        self.assertTrue(any("recursion without an annotated bound: custom -> free -> custom" in f for f in r.failures))
        r = sb.check(img, notes("recursion free 2  # the original is plain\nonce custom  # reached once\n"),
                     "i", fp=True, secure=False)
        self.assertEqual(r.failures, [])
        # The second free does not call custom again (once): 8 + 32 + 8 + 32.
        self.assertIn("bound 188 B (80 + 108) -- e (8) -> free (32) -> custom (8) -> free (32)", r.lines[0])
        with self.assertRaises(sb.Error):
            notes("recursion free 1  # a depth of one is no recursion\n")

    def test_vtable_targets_by_class_glob(self):
        vtables = {"ward::flash::SemihostFlash": "_ZTV1A", "ward::boot::FlashSource": "_ZTV1B"}
        words = {"_ZTV1A": [None, None, "geometry", "read"], "_ZTV1B": [None, "src_read"]}
        self.assertEqual(sb.vtable_targets(vtables, "ward::flash::*", words.get), ["geometry", "read"])
        self.assertEqual(sb.vtable_targets(vtables, "ward::*", words.get), ["src_read", "geometry", "read"])
        self.assertEqual(sb.vtable_targets(vtables, "other::*", words.get), [])

    def test_indirect_refused_unless_resolved(self):
        img = image({"e": (8, [], "indirect"), "t1": (64, []), "t2": (200, [])}, [stack("s", 1024, "e")])
        r = sb.check(img, notes(), "i", fp=True, secure=False)
        self.assertTrue(any("e: indirect call not resolved" in f for f in r.failures))
        r = sb.check(img, notes("calls e t*  # the two handlers registered\n"), "i", fp=True, secure=False)
        self.assertEqual(r.failures, [])
        self.assertIn("bound 316 B", r.lines[0])

    def test_dynamic_stack_refused_unless_framed(self):
        img = image({"e": (8, [], "dynamic")}, [stack("s", 1024, "e")])
        self.assertTrue(sb.check(img, notes(), "i", fp=True, secure=False).failures)
        r = sb.check(img, notes("frame e 64  # the VLA is at most 56 bytes\n"), "i", fp=True, secure=False)
        self.assertEqual(r.failures, [])

    def test_halting_paths_left_out_only_with_stack_limit(self):
        img = image({"e": (8, ["panic"]), "panic": (500, [])}, [stack("s", 256, "e")])
        n = notes("halts panic  # stops the system\n")
        self.assertTrue(sb.check(img, n, "i", fp=True, secure=False).failures)
        r = sb.check(img, n, "i", fp=True, secure=False, stack_limit=True)
        self.assertEqual(r.failures, [])
        self.assertIn("616 B with paths that stop the system", r.lines[0])

    def test_once_and_cut(self):
        img = image({"e": (8, ["chk"]), "chk": (8, ["print"]), "print": (40, ["chk"])}, [stack("s", 1024, "e")])
        r = sb.check(img, notes("once chk  # never returns\n"), "i", fp=True, secure=False)
        self.assertEqual(r.failures, [])
        self.assertIn("bound 164 B (56 + 108)", r.lines[0])
        r = sb.check(img, notes("cut print chk  # never fails there\n"), "i", fp=True, secure=False)
        self.assertEqual(r.failures, [])

    def test_user_thread_parts(self):
        img = image({"app": (64, ["trusted"]), "trusted": (900, []), "ward_syscall_trampoline": (8, ["k"]),
                     "k": (300, [])}, [stack("u", 1152, "app", kind=1, reserve=640)])
        r = sb.check(img, notes("privileged-only trusted  # only when privileged\n"), "i", fp=True, secure=False)
        self.assertEqual(r.failures, [])
        self.assertIn("(user part): 512 B declared, bound 172 B", r.lines[0])
        self.assertIn("(kernel part): 640 B declared, bound 520 B (308 + 212)", r.lines[1])
        r = sb.check(img, notes(), "i", fp=True, secure=False)
        self.assertTrue(any("(user part) (512 B) is smaller" in f for f in r.failures))

    def test_main_stack_levels(self):
        img = image({"reset": (100, []), "pendsv": (50, []), "systick": (70, []), "svc": (30, []),
                     "irq": (20, [], "indirect"), "h": (10, [])},
                    vectors=["pendsv", "systick", "svc", "irq"], reset="reset", msp=512, callbacks={"irq": ["h"]})
        n = notes("level pendsv systick  # one level\nlevel irq x2  # two levels\nlevel svc  # one\n"
                  "calls irq records:irq  # declared handlers\n")
        r = sb.check(img, n, "i", fp=True, secure=False, check_main_stack=True)
        # max(pendsv, systick) + 2 x irq (with h) + svc, each with a 108-byte frame (104 and its
        # alignment padding) but the lowest (its frame is on the interrupted thread's stack): 592 - 108
        self.assertIn("bound 484 B", "\n".join(r.lines))
        self.assertFalse(r.failures)
        img.main_stack_size = 480  # held the bound without the padding (472)
        r = sb.check(img, n, "i", fp=True, secure=False, check_main_stack=True)
        self.assertTrue(any("main stack (480 B) is smaller than its bound 484 B" in f for f in r.failures))
        # ... naming the nesting's bottom handler and its chain.
        self.assertTrue(any("deepest nesting 484 from systick; deepest chain: systick (70)" in f for f in r.failures),
                        r.failures)

    def test_secure_handler_stack(self):
        # The secure image's handler stack: veneers entered from non-secure handlers (handler-entry),
        # one per level, the faults on top, each frame with the secure state and S16-S31 (FPCCR_S.TS)
        # and its alignment padding (208 + 4 B); its reset runs
        # on a declared stack of its own (the service stack), so no boot path here.
        img = image({"reset": (3000, []), "__acle_se_call": (40, ["report"]), "report": (60, []),
                     "fault": (200, []), "serve": (500, [])},
                    [sb.Stack("service", 4096, ["serve", "reset"], 2, 0)],
                    vectors=["fault"], reset="reset", msp=1096)
        n = notes("handler-entry __acle_se_*  # veneers\nlevel __acle_se_* x3  # three levels\n"
                  "level fault  # the faults\n")
        r = sb.check(img, n, "i", fp=True, secure=True, check_main_stack=True)
        # 3 x (100 + 212) + (200 + 172) - 212 = 1096 (a secure fault preempting secure code stacks
        # no additional state: 212 - 40); the 3000-byte boot is the service stack's.
        self.assertIn("main stack (MSP): 1096 B declared, bound 1096 B", "\n".join(r.lines))
        self.assertFalse(r.failures)
        img.main_stack_size = 1092
        r = sb.check(img, n, "i", fp=True, secure=True, check_main_stack=True)
        self.assertTrue(any("main stack (1092 B) is smaller than its bound 1096 B" in f for f in r.failures))
        # ... and a secure stack declared too small fails, with its chain named.
        img.stacks[0].size = 3000
        r = sb.check(img, n, "i", fp=True, secure=True, check_main_stack=True)
        self.assertTrue(any("stack service (3000 B) is smaller than its bound 3212 B (3000 + 212 exception frame); "
                            "deepest chain: reset (3000)" in f for f in r.failures))

    def test_refused_levels(self):
        # Veneers that answer the non-secure handlers of some levels only: at a `refused` level
        # only the refusal runs (the entry's refused-call is cut); at the others, everything.
        funcs = {"__acle_se_ctl": (16, ["accepted"]), "accepted": (200, ["report"]), "report": (100, []),
                 "fault": (300, []), "serve": (500, [])}
        img = image(funcs, [sb.Stack("landing", 528, ["__acle_se_ctl"], 2, 0)], vectors=["fault"], msp=4096)
        with_insns(img, REFUSING_CTL)
        levels = ("handler-entry __acle_se_*  # veneers\nlevel __acle_se_*  # accepted\n"
                  "level __acle_se_* x3 refused  # refused\nlevel fault  # faults\n")
        n = notes(levels + "refused-call __acle_se_ctl accepted  # refuses first\n")
        r = sb.check(img, n, "i", fp=True, secure=True, check_main_stack=True)
        # 316 (accepted, bottom) + 3 x (16 + 212) + (300 + 172) = 1472
        self.assertIn("bound 1472 B", "\n".join(r.lines))
        self.assertFalse(r.failures)
        # Without the annotation, or with the levels not refused, the whole path at every level.
        r = sb.check(img, notes(levels), "i", fp=True, secure=True, check_main_stack=True)
        self.assertIn("bound 2372 B", "\n".join(r.lines))  # 316 + 3 x 528 + 472
        # The landing (a declared stack) keeps the whole path: 316 + 212.
        self.assertIn("stack landing: 528 B declared, bound 528 B", r.lines[0])
        r = sb.check(img, n, "i", fp=True, secure=True, check_main_stack=True)
        self.assertIn("stack landing: 528 B declared, bound 528 B", r.lines[0])

    def test_refused_call_cannot_hide_a_deeper_path(self):
        # Only the entry's own call is cut: the accepted path's function reached another way (the
        # refusal's own callee calls it), or a refused-call named on an inner function, still counts.
        funcs = {"__acle_se_ctl": (16, ["accepted", "refuse"]), "refuse": (8, ["accepted"]),
                 "accepted": (200, ["report"]), "report": (100, []), "fault": (300, [])}
        img = image(funcs, vectors=["fault"], msp=4096)
        with_insns(img, REFUSING_CTL.replace("  100010:\tpop\t{r4, pc}", "  100010:\tbl\t100200 <refuse>\n"
                                                                       "  100014:\tpop\t{r4, pc}"))
        levels = ("handler-entry __acle_se_*  # veneers\nlevel __acle_se_* x2 refused  # refused\n"
                  "level fault  # faults\n")
        n = notes(levels + "refused-call __acle_se_ctl accepted  # refuses first\n"
                  "refused-call refuse accepted  # not an entry: never cut\n")
        r = sb.check(img, n, "i", fp=True, secure=True, check_main_stack=True)
        # 324 + (324 + 212) + (300 + 172): the path through `refuse` is followed (the secure fault
        # preempts secure code: no additional state).
        self.assertIn("bound 1332 B", "\n".join(r.lines))
        # A refused-call naming no call of its entry is an error (a stale annotation).
        n = notes(levels + "refused-call __acle_se_ctl report  # not its call\n")
        r = sb.check(img, n, "i", fp=True, secure=True, check_main_stack=True)
        self.assertTrue(any("makes no call to report" in f for f in r.failures), r.failures)

    def test_refused_call_needs_the_refusal_first(self):
        # The annotation is believed only where the entry's instructions show it: every path from
        # the entry to its call of the accepted path reads IPSR first (red-team review: the tool
        # trusted the annotation's word). Each way of getting the order wrong is refused.
        funcs = {"__acle_se_ctl": (16, ["accepted", "check"]), "accepted": (200, []), "check": (8, []),
                 "fault": (300, [])}
        levels = ("handler-entry __acle_se_*  # veneers\nlevel __acle_se_* x2 refused  # refused\n"
                  "level fault  # faults\nrefused-call __acle_se_ctl accepted  # refuses first\n")

        def run(text: str, check_reads_ipsr: bool = False) -> list[str]:
            img = with_insns(image(funcs, vectors=["fault"], msp=4096), text)
            if check_reads_ipsr:
                img.functions["check"].insns = [(0x100200, "mrs", "r0, IPSR"), (0x100204, "bx", "lr")]
            return sb.check(img, notes(levels), "i", fp=True, secure=True, check_main_stack=True).failures

        self.assertEqual(run(REFUSING_CTL), [])
        bad = "the refusal does not come first in __acle_se_ctl"
        # The call before the read.
        before = REFUSING_CTL.replace("mrs\tr1, IPSR", "bl\t100100 <accepted>")
        self.assertTrue(any(bad in f and "reached before it reads IPSR" in f for f in run(before)), run(before))
        # A branch around the read.
        around = REFUSING_CTL.replace("push\t{r4, lr}", "b.n\t10000c <__acle_se_ctl+0xc>")
        self.assertTrue(any(bad in f for f in run(around)), run(around))
        # A conditional branch around it (one path of two suffices).
        cond = REFUSING_CTL.replace("push\t{r4, lr}", "bne.n\t10000c <__acle_se_ctl+0xc>")
        self.assertTrue(any(bad in f for f in run(cond)), run(cond))
        # A tail call of the accepted path before the read.
        tail = REFUSING_CTL.replace("push\t{r4, lr}", "beq.w\t100100 <accepted>")
        self.assertTrue(any(bad in f and "branch to accepted" in f for f in run(tail)), run(tail))
        # A jump the tool cannot follow before the read: the order is not shown.
        table = REFUSING_CTL.replace("push\t{r4, lr}", "tbb\t[pc, r3]")
        self.assertTrue(any(bad in f and "cannot follow" in f for f in run(table)), run(table))
        # No instructions at all: nothing is shown.
        self.assertTrue(any("its instructions are not known" in f for f in run("")), run(""))
        # An out-of-line check counts when it reads IPSR itself.
        out_of_line = REFUSING_CTL.replace("mrs\tr1, IPSR", "bl\t100200 <check>")
        self.assertTrue(any(bad in f for f in run(out_of_line)))
        self.assertEqual(run(out_of_line, check_reads_ipsr=True), [])

    def test_cut_after(self):
        # An AEAD layer whose inner context is a block cipher: cipher -> ccm -> cipher (inner) ->
        # not ccm again, with cipher active twice.
        img = image({"e": (8, ["cipher"]), "cipher": (16, ["ccm", "ecb"]), "ccm": (32, ["cipher"]),
                     "ecb": (64, [])}, [stack("s", 1024, "e")])
        r = sb.check(img, notes("recursion cipher 2  # outer and inner\n"), "i", fp=True, secure=False)
        self.assertTrue(any("recursion without an annotated bound" in f for f in r.failures))
        n = notes("recursion cipher 2  # outer and inner\ncut-after ccm cipher ccm  # the inner is ECB\n")
        r = sb.check(img, n, "i", fp=True, secure=False)
        self.assertEqual(r.failures, [])
        # e 8 + cipher 16 + ccm 32 + cipher 16 + ecb 64
        self.assertIn("bound 244 B (136 + 108) -- e (8) -> cipher (16) -> ccm (32) -> cipher (16) -> ecb (64)",
                      r.lines[0])


def from_disassembly(text: str, symbols: list, stacks=(), ci: tuple = ()) -> sb.Image:
    """An image as load_image builds it from an ELF: function symbols (name, address, binding),
    objdump's text, the compiler's .ci files."""
    by_addr, aliases = sb.group_symbols(symbols)
    fs = sb.build_functions(text, by_addr, aliases, list(ci), "arm-none-eabi-objdump")
    return sb.Image(fs, list(stacks), [], None, None, lambda s: [], {}, aliases)


class ReviewHoles(unittest.TestCase):
    """The eight ways an independent review broke the tool (issue 18), one test each."""

    def test_1_exception_frames_are_8_byte_aligned(self):
        # CCR.STKALIGN is RES1: a frame taken after an odd number of pushes costs 4 bytes more.
        self.assertEqual(sb.exception_frame(False, False), 36)
        self.assertEqual(sb.exception_frame(True, False), 108)
        img = image({"e": (100, [])}, [stack("s", 204, "e")])  # 100 + 104 fit, 100 + 108 do not
        r = sb.check(img, notes(), "i", fp=True, secure=False)
        self.assertTrue(any("(204 B) is smaller than its bound 208 B (100 + 108" in f for f in r.failures), r.failures)
        # On MSP, at every nesting level: a and b nest over c (the lowest, whose frame is the thread's).
        img = image({"a": (10, []), "b": (20, []), "c": (30, [])}, vectors=["a", "b", "c"], msp=1024)
        r = sb.check(img, notes("level c  # low\nlevel b  # mid\nlevel a  # high\n"), "i", fp=True, secure=False,
                     check_main_stack=True)
        self.assertIn("bound 276 B", "\n".join(r.lines))  # 30 + (20 + 108) + (10 + 108)

    ALIASES = """
00000100 <e>:
 100:	push	{r4, lr}
 102:	bl	200 <f_weak>
 106:	pop	{r4, pc}

00000200 <f_weak>:
 200:	push	{r3, lr}
 202:	blx	r3
 204:	pop	{r3, pc}

00000300 <t>:
 300:	sub	sp, #200
 302:	add	sp, #200
 304:	bx	lr
"""
    SYMS = [("e", 0x101, "STB_GLOBAL"), ("f_weak", 0x201, "STB_WEAK"), ("f", 0x201, "STB_GLOBAL"),
            ("t", 0x301, "STB_GLOBAL")]

    def test_2_one_function_under_two_names(self):
        # objdump heads f's code and names its calls by its weak alias: one function, f.
        img = from_disassembly(self.ALIASES, self.SYMS, [stack("s", 1024, "e")])
        self.assertEqual(set(img.functions), {"e", "f", "t"})
        self.assertEqual(img.functions["e"].calls, {"f"})
        self.assertTrue(img.functions["f"].indirect)
        self.assertEqual(img.functions["f"].frame, 8)
        # An annotation written for either name is the function's.
        for name in ("f_weak", "f"):
            r = sb.check(img, notes(f"calls {name} t  # its one target\n"), "i", fp=True, secure=False)
            self.assertEqual(r.failures, [], name)
            self.assertIn("bound 324 B (216 + 108) -- e (8) -> f (8) -> t (200)", r.lines[0])
        # The compiler's figures under the alias count for the function (mont_inv<false>).
        ci = 'node: { title: "x.o:f_weak" label: "f_weak\\na.c:1:1\\n48 bytes (static)" }\n'
        img = from_disassembly(self.ALIASES, self.SYMS, [stack("s", 1024, "e")], (ci,))
        self.assertEqual(img.functions["f"].frame, 48)

    def test_2_entry_annotations_need_every_name(self):
        # How a function is entered (thread-entry) or who calls it (privileged-only) is no property
        # of its code: the SVCall handler folded with the default handler (samples/minimal) is
        # entered by interrupts too, and runs its code over a handler.
        text = "00000100 <ward_default_handler>:\n 100:\tpush\t{r4, lr}\n 102:\tsub\tsp, #100\n 104:\tpop\t{r4, pc}\n"
        syms = [("ward_default_handler", 0x101, "STB_LOCAL"), ("ward_svc_handler", 0x101, "STB_LOCAL")]
        img = from_disassembly(text, syms)
        img.vectors = ["ward_default_handler", "low"]
        img.functions["low"] = sb.Function("low", 10, set(), False, False, "low")
        img.main_stack_size = 4096
        n = "level low  # lowest\nlevel ward_*_handler  # above\nthread-entry ward_svc_handler  # svc from threads only\n"
        r = sb.check(img, notes(n), "i", fp=True, secure=False, check_main_stack=True)
        self.assertIn("bound 226 B", "\n".join(r.lines))  # 10 + (108 + 108): its code counts
        r = sb.check(img, notes(n + "thread-entry ward_default_handler  # (if it were)\n"), "i", fp=True, secure=False,
                     check_main_stack=True)
        self.assertIn("bound 118 B", "\n".join(r.lines))  # 10 + 108: its frame only

    def test_3_cbz_tail_calls_and_direct_recursion(self):
        text = """
00000100 <e>:
 100:	cbz	r0, 300 <t>
 102:	cbnz	r1, 104 <e+0x4>
 104:	bx	lr

00000200 <r>:
 200:	push	{r4, lr}
 202:	bl	200 <r>
 206:	pop	{r4, pc}

00000300 <t>:
 300:	sub	sp, #200
 302:	add	sp, #200
 304:	bne.n	300 <t>
 306:	bx	lr

00000400 <tail_self>:
 400:	push	{r4, lr}
 402:	b.w	400 <tail_self>
"""
        syms = [("e", 0x101, "STB_GLOBAL"), ("r", 0x201, "STB_GLOBAL"), ("t", 0x301, "STB_GLOBAL"),
                ("tail_self", 0x401, "STB_GLOBAL")]
        img = from_disassembly(text, syms, [stack("s", 1024, "e"), stack("q", 1024, "r"), stack("u", 1024, "tail_self")])
        self.assertEqual(img.functions["e"].calls, {"t"})  # cbz to another function's start: a tail call
        r = sb.check(img, notes(), "i", fp=True, secure=False)
        self.assertIn("bound 308 B (200 + 108)", r.lines[0])
        self.assertTrue(any("recursion without an annotated bound: r -> r" in f for f in r.failures), r.failures)
        self.assertTrue(any("recursion without an annotated bound: tail_self -> tail_self" in f for f in r.failures))
        # t's branch to its start in a loop with sp back where it was is followed no deeper ... but
        # t moves sp down (sub sp): a branch to its start from there is recursion too.
        self.assertTrue(any("recursion without an annotated bound: t -> t" in f for f in r.failures))
        # A loop to its start in a function that never moves sp down (an idle loop) is no recursion.
        loop = "00000500 <idle>:\n 500:\tdsb\tsy\n 504:\twfi\n 506:\tb.n\t500 <idle>\n"
        img = from_disassembly(loop, [("idle", 0x501, "STB_GLOBAL")], [stack("s", 1024, "idle")])
        self.assertEqual(sb.check(img, notes(), "i", fp=True, secure=False).failures, [])
        r = sb.check(image({"e": (8, ["r"]), "r": (16, ["r"])}, [stack("s", 1024, "e")]),
                     notes("recursion r 3  # at most three deep\n"), "i", fp=True, secure=False)
        self.assertIn("bound 164 B (56 + 108)", r.lines[0])

    def test_4_secure_fp_frame_has_s16_s31(self):
        # FPCCR_S.TS: a secure frame with FP state holds S16-S31 too: 104 + 64 + 40, and the padding.
        self.assertEqual(sb.exception_frame(True, True), 212)
        self.assertEqual(sb.exception_frame(False, True), 76)
        img = image({"e": (100, [])}, [stack("s", 300, "e")])
        r = sb.check(img, notes(), "i", fp=True, secure=True)
        self.assertTrue(any("(300 B) is smaller than its bound 312 B (100 + 212" in f for f in r.failures), r.failures)

    def test_6_calls_line_naming_nothing_is_an_error(self):
        img = image({"e": (8, [], "indirect"), "t": (64, [])}, [stack("s", 1024, "e")])
        r = sb.check(img, notes("calls e tt  # a typo\n"), "i", fp=True, secure=False)
        self.assertTrue(any("test:1: calls e: none of its targets (tt) is in this image" in f for f in r.failures),
                        r.failures)
        # Optional targets (?T: T if present), `none` and declared records may name nothing.
        for line in ("calls e ?tt  # absent in this image\n", "calls e none  # a switch's own labels\n",
                     "calls e records:irq  # none declared here\n"):
            self.assertEqual(sb.check(img, notes(line), "i", fp=True, secure=False).failures, [], line)
        r = sb.check(img, notes("calls e ?tt t  # one of them\n"), "i", fp=True, secure=False)
        self.assertIn("bound 180 B", r.lines[0])
        with self.assertRaisesRegex(sb.Error, "cannot read"):
            notes("calls e none t  # which?\n")

    def test_7_sp_set_from_a_register_or_memory_is_dynamic(self):
        cases = ["add\tsp, r3", "add.w\tsp, sp, r2", "mov\tsp, r0", "ldr.w\tsp, [r0, #4]", "ldr\tsp, [sp, #8]",
                 "pop\t{r4, sp}", "ldmia.w\tr0, {r4, sp}", "ldmia.w\tr0!, {r4-r7, r13}"]
        for insn in cases:
            fs = sb.parse_disassembly(f"00000100 <f>:\n 100:\t{insn}\n 104:\tbx\tlr\n", {"f"})
            self.assertTrue(fs["f"].dynamic, insn)
        for insn in ["add\tsp, #16", "add.w\tsp, sp, #256", "pop\t{r4, pc}", "ldmia.w\tsp!, {r4, r5}",
                     "ldr\tr0, [sp, #4]"]:
            fs = sb.parse_disassembly(f"00000100 <f>:\n 100:\t{insn}\n 104:\tbx\tlr\n", {"f"})
            self.assertFalse(fs["f"].dynamic, insn)
        img = from_disassembly("00000100 <f>:\n 100:\tldr\tsp, [r0]\n 102:\tbx\tlr\n", [("f", 0x101, "STB_GLOBAL")],
                               [stack("s", 1024, "f")])
        r = sb.check(img, notes(), "i", fp=True, secure=False)
        self.assertTrue(any("stack pointer set or moved by a register amount" in f for f in r.failures), r.failures)

    def test_8_branch_to_an_address_no_symbol_names_is_refused(self):
        text = """
00000100 <e>:
 100:	push	{r4, lr}
 102:	bl	10000600
 106:	pop	{r4, pc}

00000200 <g>:
 200:	b.w	700 <table_data+0x4>

00000300 <h>:
 300:	cbz	r0, 20000800
 302:	bx	lr
"""
        syms = [("e", 0x101, "STB_GLOBAL"), ("g", 0x201, "STB_GLOBAL"), ("h", 0x301, "STB_GLOBAL")]
        img = from_disassembly(text, syms, [stack("s", 1024, "e"), stack("u", 1024, "g"), stack("v", 1024, "h")])
        self.assertEqual(img.functions["e"].unknown, ["bl 10000600"])
        r = "\n".join(sb.check(img, notes(), "i", fp=True, secure=False).failures)
        self.assertIn("e: branches to an address no function symbol names (bl 10000600)", r)
        self.assertIn("g: branches to an address no function symbol names (b.w 700 <table_data+0x4>)", r)
        self.assertIn("h: branches to an address no function symbol names (cbz r0, 20000800)", r)
        # Annotated (the code there is known), it is accepted.
        r = sb.check(img, notes("bound e 64  # a ROM routine's measured depth\n"), "i", fp=True, secure=False)
        self.assertFalse(any(f.startswith("i: e:") for f in r.failures))


class AttackHoles(unittest.TestCase):
    """Ways h/sbattack made the bound unsound while the check passed, one test each
    (tests/stackbound: qemu.stackbound.hidden_sp_moves_within_bound measures them on QEMU)."""

    @staticmethod
    def one(insn: str) -> sb.Function:
        return sb.parse_disassembly(f"00000100 <f>:\n 100:\t{insn}\n 104:\tbx\tlr\n", {"f"})["f"]

    def test_a_every_sp_decrement_is_counted(self):
        # Encodings that move sp down by an immediate: each counted (or refused as dynamic).
        for insn, n in [("subs.w\tsp, sp, #512\t@ 0x200", 512), ("ldr.w\tr0, [sp, #-200]!", 200),
                        ("strb.w\tr0, [sp, #-100]!", 100), ("strh.w\tr0, [sp, #-64]!", 64),
                        ("ldrd\tr0, r1, [sp, #-8]!", 8), ("str.w\tr0, [sp], #-128", 128),
                        ("strd\tr0, r1, [sp], #-8", 8), ("vldmdb\tsp!, {d0-d3}", 32)]:
            fn = self.one(insn)
            self.assertTrue(fn.frame >= n or fn.dynamic, f"{insn}: frame {fn.frame}, not dynamic")

    def test_a_conditional_sp_decrements_are_counted(self):
        # In an IT block: pusheq pushes when it runs (the frame counts it as if it always did).
        for insn, n in [("pusheq\t{r4, r5, r6, lr}", 16), ("vpushne\t{d8-d9}", 16), ("subeq\tsp, #256\t@ 0x100", 256),
                        ("stmdbne\tsp!, {r4, r5}", 8)]:
            fn = self.one(insn)
            self.assertEqual((fn.frame, fn.dynamic), (n, False), insn)

    def test_b_sp_moved_by_a_shifted_register_is_dynamic(self):
        # `sub.w sp, sp, r3, lsl #3` moves sp by r3 * 8: the shift's #3 is no immediate amount.
        fn = self.one("sub.w\tsp, sp, r3, lsl #3")
        self.assertTrue(fn.dynamic, f"frame {fn.frame}")
        self.assertTrue(self.one("add.w\tsp, sp, r3, lsl #2").dynamic)

    def test_c_msp_and_psp_written_are_dynamic(self):
        # objdump prints special registers in capitals. MSP written moves the running code's sp (a
        # handler's, the boot's); PSP written moves a thread's own sp, but not a handler's (the
        # context switch): refused outside the vector table's handlers. The non-secure world's
        # banked registers, written from the secure side, are no stack of the code writing them.
        self.assertTrue(self.one("msr\tMSP, r0").dynamic)
        for insn in ("msr\tMSPLIM, r0", "msr\tPSPLIM, r0", "msr\tBASEPRI, r0", "mrs\tr0, PSP", "msr\tMSP_NS, r0",
                     "msr\tPSP_NS, r1"):
            self.assertFalse(self.one(insn).dynamic or self.one(insn).writes_psp, insn)
        self.assertTrue(self.one("msr\tPSP, r0").writes_psp)
        img = image({"t": (8, []), "h": (8, [])}, [stack("s", 1024, "t")], vectors=["h"], msp=1024)
        img.functions["t"].writes_psp = img.functions["h"].writes_psp = True
        r = sb.check(img, notes(), "i", fp=True, secure=False, check_main_stack=True)
        self.assertEqual([f for f in r.failures if "stack pointer set" in f],
                         ["i: t: stack pointer set or moved by a register amount; annotate its frame or bound"])

    def test_d_jumps_through_registers_are_indirect(self):
        for insn in ("add\tpc, r3", "ldmia.w\tr0, {r1, pc}", "bxns\tr0", "blxns\tr3", "ldr.w\tpc, [sp, #8]"):
            self.assertTrue(self.one(insn).indirect, insn)
        for insn in ("pop\t{r4, pc}", "ldmia.w\tsp!, {r4, pc}", "ldr.w\tpc, [sp], #4", "bx\tlr"):
            self.assertFalse(self.one(insn).indirect, insn)

    def test_e_push_in_a_loop_is_dynamic(self):
        # A frame is the sum of the decrements read once each: a push a loop repeats is unbounded.
        text = ("00000100 <f>:\n 100:\tpush\t{r4, lr}\n 102:\tmovs\tr1, #130\n 104:\tpush\t{r0}\n"
                " 106:\tsubs\tr1, #1\n 108:\tbne.n\t104 <f+0x4>\n 10a:\tadd.w\tsp, sp, #520\n"
                " 10e:\tpop\t{r4, pc}\n")
        fn = sb.parse_disassembly(text, {"f"})["f"]
        self.assertTrue(fn.dynamic, f"frame {fn.frame}")
        # An ordinary loop after the prologue is no such thing.
        text = ("00000100 <f>:\n 100:\tpush\t{r4, lr}\n 102:\tmovs\tr1, #130\n 104:\tsubs\tr1, #1\n"
                " 106:\tbne.n\t104 <f+0x4>\n 108:\tpop\t{r4, pc}\n")
        self.assertFalse(sb.parse_disassembly(text, {"f"})["f"].dynamic)
        # Shrink-wrapped (newlib's memcmp): the push is reached before the loop, which enters after it.
        text = ("00000100 <f>:\n 100:\tmovs\tr3, #0\n 102:\tcmp\tr3, r2\n 104:\tbne.n\t118 <f+0x18>\n 106:\tbx\tlr\n"
                " 10a:\tadds\tr3, #1\n 10c:\tcmp\tr3, r2\n 10e:\tbne.n\t11a <f+0x1a>\n 110:\tmovs\tr0, #0\n"
                " 112:\tb.n\t128 <f+0x28>\n 118:\tpush\t{r4, r5, lr}\n 11a:\tldrb\tr5, [r0, r3]\n"
                " 11c:\tcmp\tr5, r4\n 11e:\tbeq.n\t10a <f+0xa>\n 128:\tpop\t{r4, r5, pc}\n")
        fn = sb.parse_disassembly(text, {"f"})["f"]
        self.assertEqual((fn.frame, fn.dynamic), (12, False))
        # A push and its pop in each pass: balanced, counted once.
        text = ("00000100 <f>:\n 100:\tpush\t{r4, lr}\n 102:\tbl\t200 <g>\n 106:\tpop\t{r4, lr}\n"
                " 108:\tcbz\tr0, 10c <f+0xc>\n 10a:\tb.n\t100 <f>\n 10c:\tbx\tlr\n")
        self.assertFalse(sb.parse_disassembly(text, {"f", "g"})["f"].dynamic)

    def test_f_code_under_a_label_that_is_no_function_is_read(self):
        # objdump heads a local label's code apart (`<label>:`): its sp moves and calls are f's (f falls
        # through into it; a branch there would be refused as a branch to no function).
        text = ("00000100 <f>:\n 100:\tpush\t{r4, lr}\n 102:\tnop\n\n00000104 <inner>:\n"
                " 104:\tsub.w\tsp, sp, #512\n 108:\tbl\t200 <g>\n 10c:\tadd.w\tsp, sp, #512\n 110:\tpop\t{r4, pc}\n\n"
                "00000200 <g>:\n 200:\tsub\tsp, #256\n 202:\tadd\tsp, #256\n 204:\tbx\tlr\n")
        img = from_disassembly(text, [("f", 0x101, "STB_GLOBAL"), ("g", 0x201, "STB_GLOBAL")],
                               [stack("s", 1024, "f")])
        r = sb.check(img, notes(), "i", fp=True, secure=False)
        self.assertTrue(r.failures or "bound 884 B" in r.lines[0], r.lines[0])  # 8 + 512 + 256 + 108

    def test_g_overlapping_bounds_take_the_largest(self):
        # Two `bound` lines name one function (a library's and an application's glob): the larger
        # holds, whichever file came last; so does one pattern written twice.
        img = image({"e": (8, ["lib_f"]), "lib_f": (16, [])}, [stack("s", 4096, "e")])
        for text in ("bound lib_f 2000  # the library's measured depth\nbound lib_* 100  # the app's guess\n",
                     "bound lib_* 100  # the app's guess\nbound lib_f 2000  # the library's measured depth\n",
                     "bound lib_f 2000  # measured\nbound lib_f 100  # written again, smaller\n"):
            r = sb.check(img, notes(text), "i", fp=True, secure=False)
            self.assertIn("bound 2116 B", r.lines[0], text)

    def test_h_frame_never_below_the_visible_frame(self):
        # `frame F N` states what the code cannot show (sp moved by a register): below the frame
        # F's code shows (a wrong or stale annotation) it would hide the difference.
        img = image({"e": (512, [])}, [stack("s", 256, "e")])
        r = sb.check(img, notes("frame e 0  # wrong\n"), "i", fp=True, secure=False)
        self.assertTrue(any("bound 620 B (512 + 108 exception frame)" in f for f in r.failures), r.failures)
        img = image({"e": (8, [], "dynamic")}, [stack("s", 256, "e")])
        r = sb.check(img, notes("frame e 16  # assembly that moves sp\n"), "i", fp=True, secure=False)
        self.assertEqual(r.failures, [])
        self.assertIn("bound 124 B (16 + 108)", r.lines[0])

    def test_j_blxns_pushes_on_the_secure_stack(self):
        # BLXNS stacks the return address and partial xPSR (8 bytes) before the non-secure callee
        # runs: `calls f none` (the callee is on its own stacks) must not drop them.
        fn = self.one("blxns\tr3")
        self.assertTrue(fn.indirect)
        self.assertEqual(fn.frame, 8)

    def test_k_instructions_emitted_as_data(self):
        # `.short 0xb0c0` in a function is `sub sp, #256`; objdump shows it as data ($d) and the
        # tool reads no instruction there: data control can reach is refused, naming the address.
        fn = sb.parse_disassembly("00000100 <f>:\n 100:\t.short\t0xb0c0\n 102:\tbx\tlr\n", {"f"})["f"]
        self.assertTrue(fn.frame >= 256 or fn.dynamic or fn.unknown or fn.unreadable, fn)
        self.assertIn("control reaches data at 0x100 (the function starts with it)", fn.unreadable[0])
        img = from_disassembly("00000100 <f>:\n 100:\tpush\t{r4, lr}\n 102:\t.short\t0xb0c0\n 104:\tpop\t{r4, pc}\n",
                               [("f", 0x101, "STB_GLOBAL")], [stack("s", 1024, "f")])
        r = "\n".join(sb.check(img, notes("calls f none  # no pointer\n"), "i", fp=True, secure=False).failures)
        self.assertIn("i: f: control reaches data at 0x102 from push {r4, lr} at 0x100 (it can fall through)", r)

    @staticmethod
    def data(text: str, names=("f",)) -> dict:
        return sb.parse_disassembly(text, set(names))

    def test_k_data_after_a_conditional_branch_or_a_call_that_returns_is_refused(self):
        # A conditional branch falls through when its condition fails; so does an IT block's pop;
        # a call returns (unless its callee never does).
        for last in ("beq.n\t10c <f+0xc>", "popne\t{r4, pc}", "cbz\tr0, 10c <f+0xc>", "bl\t200 <g>", "blx\tr3",
                     "svc\t0", "bkpt\t0x0000"):
            fs = self.data("00000100 <f>:\n 100:\tpush\t{r4, lr}\n 102:\tnop\n 104:\t" + last +
                           "\n 108:\t.word\t0xb0c0b0c0\n 10c:\tpop\t{r4, pc}\n\n00000200 <g>:\n 200:\tbx\tlr\n",
                           ("f", "g"))
            self.assertTrue(any("control reaches data at 0x108" in u for u in fs["f"].unreadable), last)

    def test_k_literal_pools_after_an_end_of_flow_are_accepted(self):
        # What compilers emit: a pool after a branch, a return, a tail call, a jump through a
        # register, udf, alignment nops, or a call to a function with no way out (panic).
        for last in ("b.n\t100 <f>", "pop\t{r4, pc}", "ldmia.w\tsp!, {r4, pc}", "bx\tlr", "bx\tr3",
                     "ldr.w\tpc, [sp], #4", "mov\tpc, lr", "b.w\t300 <panic>", "udf\t#255\t@ 0xff",
                     "bl\t300 <panic>"):
            fs = self.data("00000100 <f>:\n 100:\tpush\t{r4, lr}\n 102:\tldr\tr0, [pc, #4]\t@ (108 <f+0x8>)\n"
                           " 104:\t" + last + "\n 106:\tnop\n 108:\t.word\t0xb0c0b0c0\n\n"
                           "00000300 <panic>:\n 300:\tbl\t400 <stop>\n 304:\tb.n\t304 <panic+0x4>\n\n"
                           "00000400 <stop>:\n 400:\tbkpt\t0x00ab\n 402:\tbx\tlr\n", ("f", "panic", "stop"))
            self.assertEqual(fs["f"].unreadable, [], last)
        # `stop` returns: a pool after a call to it is reached when it does.
        fs = self.data("00000100 <f>:\n 100:\tbl\t400 <stop>\n 104:\t.word\t0xb0c0b0c0\n\n"
                       "00000400 <stop>:\n 400:\tbx\tlr\n", ("f", "stop"))
        self.assertTrue(fs["f"].unreadable)
        # A function that tail-calls one that returns returns; one that falls off its end into
        # whatever follows may too.
        for body in ("b.w\t400 <stop>", "movs\tr0, #1"):
            fs = self.data("00000100 <f>:\n 100:\tbl\t300 <g>\n 104:\t.word\t0xb0c0b0c0\n\n"
                           "00000300 <g>:\n 300:\tbl\t500 <h>\n 304:\t" + body + "\n\n"
                           "00000400 <stop>:\n 400:\tbx\tlr\n\n00000500 <h>:\n 500:\tbx\tlr\n",
                           ("f", "g", "stop", "h"))
            self.assertTrue(fs["f"].unreadable, body)

    def test_k_a_branch_into_data_is_refused(self):
        # The pool follows a return, but a branch (conditional, from the function or another one,
        # or to the nop before it) lands in it: the data runs as instructions.
        for branch in ("bne.n\t10a <f+0xa>", "b.n\t108 <f+0x8>", "cbnz\tr0, 108 <f+0x8>", "bne.n\t106 <f+0x6>"):
            fs = self.data("00000100 <f>:\n 100:\tpush\t{r4, lr}\n 102:\t" + branch + "\n 104:\tpop\t{r4, pc}\n"
                           " 106:\tnop\n 108:\t.word\t0xb0c0b0c0\n 10c:\tbx\tlr\n")
            self.assertTrue(any("reaches data" in u for u in fs["f"].unreadable), branch)
        fs = self.data("00000100 <f>:\n 100:\tpop\t{r4, pc}\n 102:\t.short\t0xb0c0\n\n"
                       "00000200 <g>:\n 200:\tbl\t102 <f+0x2>\n 204:\tbx\tlr\n", ("f", "g"))
        self.assertIn("bl 102 <f+0x2> at 0x200 (g) reaches data at 0x102", fs["f"].unreadable[0])
        img = from_disassembly("00000100 <f>:\n 100:\tpop\t{r4, pc}\n 102:\t.short\t0xb0c0\n\n"
                               "00000200 <g>:\n 200:\tbl\t102 <f+0x2>\n 204:\tbx\tlr\n",
                               [("f", 0x101, "STB_GLOBAL"), ("g", 0x201, "STB_GLOBAL")], [stack("s", 1024, "g")])
        r = "\n".join(sb.check(img, notes(), "i", fp=True, secure=False).failures)
        self.assertIn("i: f: bl 102 <f+0x2> at 0x200 (g) reaches data at 0x102", r)

    TBB = ("00000100 <f>:\n 100:\tpush\t{{r4, lr}}\n 102:\tcmp\tr0, #2\n 104:\tbhi.n\t112 <f+0x12>\n"
           " 106:\ttbb\t[pc, r0]\n 10a:\t.short\t{0}\n 10c:\t.byte\t{1}\n 10d:\t.byte\t0x00\n"
           " 10e:\tpush\t{{r0}}\n 110:\tnop\n 112:\tpop\t{{r4, pc}}\n")

    def test_l_table_jumps_are_followed(self):
        # tbb at 0x106: its table (pc = 0x10a) sends entries 0, 1, 2 to 0x10a + 2n; the alignment
        # byte (0, last) is no entry.
        fn = self.data(self.TBB.format("0x0402", "0x03"))["f"]
        self.assertEqual((fn.tables, fn.unreadable, fn.dynamic), ({0x106: [0x10e, 0x112, 0x110]}, [], False))
        # An entry back to the push (table 0x0402, 0x03 -> entry 2 at 0x110 falls into 0x112; make
        # the push's pass repeat: a branch back from after it through the table).
        loop = self.TBB.format("0x0402", "0x03").replace(" 110:\tnop\n", " 110:\tb.n\t106 <f+0x6>\n")
        self.assertTrue(self.data(loop)["f"].dynamic)
        # A tbh table: halfword entries.
        fn = self.data("00000100 <f>:\n 100:\ttbh\t[pc, r1, lsl #1]\n 104:\t.word\t0x00030002\n"
                       " 108:\tbx\tlr\n 10a:\tb.n\t108 <f+0x8>\n")["f"]
        self.assertEqual((fn.tables, fn.unreadable), ({0x100: [0x108, 0x10a]}, []))

    def test_l_table_jumps_the_tool_cannot_follow_are_refused(self):
        # No table after it (a register base; no data), or an entry into the table itself.
        for text in (self.TBB.replace("tbb\t[pc, r0]", "tbb\t[r1, r0]").format("0x0402", "0x03"),
                     "00000100 <f>:\n 100:\ttbb\t[pc, r0]\n 104:\tbx\tlr\n"):
            fn = self.data(text)["f"]
            self.assertTrue(any("its table cannot be read" in u for u in fn.unreadable), text)
        fn = self.data(self.TBB.format("0x0401", "0x03"))["f"]  # entry 0 -> 0x10c: the table's own bytes
        self.assertTrue(any("table entry at 0x106 (f) reaches data at 0x10c" in u for u in fn.unreadable),
                        fn.unreadable)

    def test_i_a_calls_line_does_not_excuse_a_branch_to_no_function(self):
        # e's `calls` line resolves its call through a register; its bl to an address no function
        # symbol names (code the tool cannot see) is another matter, still refused. It was: any
        # `calls` line for e (`calls e none` too) silenced it, and the code there was never counted.
        text = ("00000100 <e>:\n 100:\tpush\t{r4, lr}\n 102:\tblx\tr3\n 104:\tbl\t10000600\n 108:\tpop\t{r4, pc}\n\n"
                "00000200 <t>:\n 200:\tbx\tlr\n")
        img = from_disassembly(text, [("e", 0x101, "STB_GLOBAL"), ("t", 0x201, "STB_GLOBAL")],
                               [stack("s", 1024, "e")])
        for line in ("calls e t  # its one pointer\n", "calls e none  # nothing on this stack\n",
                     "calls e t\nbranch-to e 20000600 64  # another address\nbranch-to f 10000600 64  # another function\n"):
            r = sb.check(img, notes(line.replace("t\nbranch", "t  # its pointer\nbranch")), "i", fp=True, secure=False)
            self.assertTrue(any("branches to an address no function symbol names (bl 10000600)" in f
                                for f in r.failures), (line, r.failures))
        # Its own line, naming the target and the depth of the code there, answers it: counted.
        r = sb.check(img, notes("calls e t  # its one pointer\nbranch-to e 10000600 200  # a ROM routine, 200 B\n"),
                     "i", fp=True, secure=False)
        self.assertEqual(r.failures, [])
        self.assertIn("bound 316 B (208 + 108)", r.lines[0])
        self.assertIn("e (8) -> 10000600 (annotated branch-to 200)", r.lines[0])
        with self.assertRaises(sb.Error):
            notes("branch-to e 10000600  # no depth\n")


class AttackHoles2(unittest.TestCase):
    """Ways h/sbattack2 made the bound unsound while the check passed (broke), and ways it tried
    that held, one test each."""

    @staticmethod
    def one(insn: str) -> sb.Function:
        return sb.parse_disassembly(f"00000100 <f>:\n 100:\t{insn}\n 104:\tbx\tlr\n", {"f"})["f"]

    @staticmethod
    def loop(body: str) -> sb.Function:
        return sb.parse_disassembly(body, {"f"})["f"]

    def test_a_loop_that_gives_back_less_than_it_takes_is_dynamic(self):
        # Broke: any release on the way back to a decrement ended the loop search, so a loop that
        # pushes 16 bytes and gives 4 back (pop {r0}, add sp, #4, a post-indexed load) moved sp
        # down 12 bytes a pass with a frame of 16 and no refusal.
        for release in ("pop\t{r0}", "add\tsp, #4", "ldr.w\tr0, [sp], #4"):
            text = ("00000100 <f>:\n 100:\tmovs\tr1, #8\n 102:\tpush\t{r0, r1, r2, r3}\n"
                    f" 104:\t{release}\n 108:\tsubs\tr1, #1\n 10a:\tbne.n\t102 <f+0x2>\n"
                    " 10c:\tadd\tsp, #96\n 10e:\tbx\tlr\n")
            fn = self.loop(text)
            self.assertTrue(fn.dynamic, f"{release}: frame {fn.frame}, not dynamic")
        # A release in an IT block may not run: it balances nothing.
        text = ("00000100 <f>:\n 100:\tmovs\tr1, #8\n 102:\tpush\t{r0}\n 104:\tcmp\tr1, #3\n"
                " 106:\tit\teq\n 108:\tpopeq\t{r0}\n 10a:\tsubs\tr1, #1\n 10c:\tbne.n\t102 <f+0x2>\n"
                " 10e:\tbx\tlr\n")
        self.assertTrue(self.loop(text).dynamic)
        # Held: a loop that gives back all it takes (and more) is no unbounded use.
        for release in ("pop\t{r0, r1, r2, r3}", "add\tsp, #16", "add\tsp, #20"):
            text = ("00000100 <f>:\n 100:\tmovs\tr1, #8\n 102:\tpush\t{r0, r1, r2, r3}\n"
                    f" 104:\t{release}\n 108:\tsubs\tr1, #1\n 10a:\tbne.n\t102 <f+0x2>\n 10c:\tbx\tlr\n")
            fn = self.loop(text)
            self.assertEqual((fn.frame, fn.dynamic), (16, False), release)

    def test_b_stores_below_sp_are_counted(self):
        # Broke: a store below sp that leaves sp where it is writes that far down all the same
        # (assembly may do it; an interrupt would overwrite it, the overflow happens first).
        for insn, n in [("str.w\tr0, [sp, #-255]", 255), ("strd\tr0, r1, [sp, #-256]", 256),
                        ("vstr\td0, [sp, #-1020]", 1020), ("strbeq\tr0, [sp, #-4]", 4),
                        ("stmdb\tsp, {r0, r1, r2, r3, r4, r5, r6, r7}", 32), ("stmdb.w\tsp, {r0-r12}", 52),
                        ("vstmdb\tsp, {d0-d15}", 128)]:
            fn = self.one(insn)
            self.assertTrue(fn.frame >= n or fn.dynamic, f"{insn}: frame {fn.frame}, not dynamic")
        # A load below sp writes nothing; a store above it is in the frame already.
        for insn in ("ldr.w\tr0, [sp, #-8]", "str\tr0, [sp, #8]", "stmia\tsp, {r0, r1}"):
            self.assertEqual((self.one(insn).frame, self.one(insn).dynamic), (0, False), insn)

    def test_c_ldrd_into_sp_is_dynamic(self):
        # Broke: `ldrd r0, sp, [r1]` (sp the second register) loaded sp from memory unseen.
        self.assertTrue(self.one("ldrd\tr0, sp, [r1]").dynamic)

    def test_d_code_past_a_wrong_symbol_size_is_read(self):
        # Broke: an assembly function without `.size` (size 0), or with too small a one, runs on
        # into code under a label that is no function: that code was dropped, its frame (512 B)
        # uncounted. Now it stays the function's while the function can run into it.
        text = ("00000100 <f>:\n 100:\tpush\t{r4, lr}\n 102:\tnop\n\n00000104 <inner>:\n"
                " 104:\tsub.w\tsp, sp, #512\n 108:\tnop\n 10c:\tadd.w\tsp, sp, #512\n 110:\tpop\t{r4, pc}\n")
        for end in (0x100, 0x104, 0x112):
            by_addr, aliases = sb.group_symbols([("f", 0x101, "STB_GLOBAL")])
            fs = sb.build_functions(text, by_addr, aliases, [], "arm-none-eabi-objdump", {"f": end})
            self.assertEqual(fs["f"].frame, 520, hex(end))
        # Held: code past the end after a return is not the function's (a branch to it is refused
        # as a branch to no function).
        text = text.replace(" 102:\tnop", " 102:\tpop\t{r4, pc}")
        by_addr, aliases = sb.group_symbols([("f", 0x101, "STB_GLOBAL")])
        fs = sb.build_functions(text, by_addr, aliases, [], "arm-none-eabi-objdump", {"f": 0x104})
        self.assertEqual(fs["f"].frame, 8)

    def test_e_held_sp_moves(self):
        # Held: every other encoding tried is counted or refused as dynamic.
        for insn, n in [("subeq.w\tsp, sp, #4096", 4096), ("sub.w\tsp, #4096", 4096), ("vstmdbeq\tsp!, {d0-d7}", 64),
                        ("stmfd\tsp!, {r0-r3}", 16), ("ldrdeq\tr0, r1, [sp, #-64]!", 64), ("vpush\t{s0-s31}", 128),
                        ("stmdbeq.w\tsp!, {r0-r12}", 52), ("strteq\tr0, [sp, #-100]!", 100)]:
            self.assertEqual(self.one(insn).frame, n, insn)
        for insn in ("addeq\tsp, r3", "mov.w\tsp, #536870912", "movt\tsp, #8192", "movw\tsp, #0", "add\tsp, pc",
                     "ldrex\tsp, [r0]", "adds.w\tsp, sp, #-4", "sub\tsp, r7, #8"):
            self.assertTrue(self.one(insn).dynamic, insn)

    def test_f_held_push_in_an_it_loop(self):
        # Held: a loop closed by a branch in an IT block, or a wide conditional branch.
        for close in ("it\tne\n 108:\tbne\t102 <f+0x2>", "cmp\tr1, #0\n 108:\tbgt.w\t102 <f+0x2>"):
            text = (f"00000100 <f>:\n 100:\tmovs\tr1, #8\n 102:\tpush\t{{r0}}\n 104:\tsubs\tr1, #1\n"
                    f" 106:\t{close}\n 10c:\tbx\tlr\n")
            self.assertTrue(self.loop(text).dynamic, close)

    def test_h_a_function_that_runs_into_the_next_is_a_tail_call(self):
        # Broke: f's last instruction does not end the flow (assembly without its return), so it
        # runs on into g; the tool read f alone: 116 B for a chain of 628 B.
        text = ("00000100 <f>:\n 100:\tpush\t{r4, lr}\n 102:\tmovs\tr0, #1\n\n00000104 <g>:\n"
                " 104:\tsub.w\tsp, sp, #512\n 108:\tnop\n 10c:\tadd.w\tsp, sp, #512\n 110:\tpop\t{r4, pc}\n\n"
                "00000200 <h>:\n 200:\tbx\tlr\n")
        syms = [("f", 0x101, "STB_GLOBAL"), ("g", 0x105, "STB_GLOBAL"), ("h", 0x201, "STB_GLOBAL")]
        r = sb.check(from_disassembly(text, syms, [stack("s", 1024, "f")]), notes(), "i", fp=True, secure=False)
        self.assertIn("bound 628 B (520 + 108) -- f (8) -> g (512)", r.lines[0])
        # Held: a return, a branch, a call to a function that never returns end the flow.
        for end in ("pop\t{r4, pc}", "b.n\t100 <f>", "bl\t200 <h>"):
            t = text.replace("movs\tr0, #1", end)
            if end.startswith("bl"):
                t = t.replace(" 200:\tbx\tlr", " 200:\tb.n\t200 <h>")
            fs = sb.build_functions(t, *sb.group_symbols(syms), [], "arm-none-eabi-objdump")
            self.assertNotIn("g", fs["f"].calls, end)

    def test_j_a_call_into_its_own_middle_is_recursion(self):
        # Broke: `bl` to an address inside the calling function (past its start) was neither a call
        # nor a loop: f re-entered itself after its prologue, 256 B a time, at a bound of 372 B.
        text = ("00000100 <f>:\n 100:\tpush\t{r4, lr}\n 102:\tsub\tsp, #256\n 104:\tcbz\tr0, 10c <f+0xc>\n"
                " 106:\tsubs\tr0, #1\n 108:\tbl\t102 <f+0x2>\n 10c:\tadd\tsp, #256\n 10e:\tpop\t{r4, pc}\n")
        img = from_disassembly(text, [("f", 0x101, "STB_GLOBAL")], [stack("s", 1024, "f")])
        r = sb.check(img, notes(), "i", fp=True, secure=False)
        self.assertTrue(any("recursion without an annotated bound" in f for f in r.failures), r.failures)

    RAMFUNC = """	.syntax unified
	.thumb
	.section .text.entry,"ax",%progbits
	.global entry
	.type entry, %function
entry:
	push {r4, lr}
	bl ramfunc
	pop {r4, pc}
	.size entry, .-entry
	.section .ramfunc,"aw",%progbits
	.global ramfunc
	.type ramfunc, %function
	.thumb_func
ramfunc:
	sub sp, #256
	add sp, #256
	bx lr
	.size ramfunc, .-ramfunc
	.section .bss.stk,"aw",%nobits
	.align 3
	.global stk
	.type stk, %object
stk:
	.space 512
	.size stk, 512
	.section .ward_stack_bound,"a",%progbits
	.word stk, 512, 1, entry, 2
"""

    @unittest.skipUnless(shutil.which("arm-none-eabi-as") and shutil.which("arm-none-eabi-ld"), "no Arm binutils")
    def test_g_code_in_a_section_that_is_not_executable_is_refused(self):
        # Broke: a function in a section without the execute flag (`.section .ramfunc, "aw"`: code
        # copied to RAM) is not shown by `objdump -d`: it read as no frame and no calls, and its
        # `sub sp, #256` passed a 512 B stack at a bound of 116 B. Now refused where it is reached.
        with tempfile.TemporaryDirectory() as d:
            src, obj, elf = Path(d, "r.s"), Path(d, "r.o"), Path(d, "r.elf")
            src.write_text(self.RAMFUNC)
            subprocess.run(["arm-none-eabi-as", "-mcpu=cortex-m33", str(src), "-o", str(obj)], check=True)
            subprocess.run(["arm-none-eabi-ld", "-e", "entry", str(obj), "-o", str(elf)], check=True)
            img = sb.load_image(elf, [], "arm-none-eabi-objdump", None)
            r = sb.check(img, notes(), "t", fp=True, secure=False)
            self.assertTrue(any("ramfunc: its code is in .ramfunc, a section that is not executable" in f
                                for f in r.failures), r.failures)
            # Its bound annotated: counted as stated.
            r = sb.check(img, notes("bound ramfunc 256  # measured\n"), "t", fp=True, secure=False)
            self.assertEqual(r.failures, [])
            self.assertIn("bound 372 B (264 + 108)", r.lines[0])

    ABSOLUTE = """	.syntax unified
	.thumb
	.section .text.entry,"ax",%progbits
	.global entry
	.type entry, %function
entry:
	push {r4, lr}
	bl rom_fn
	pop {r4, pc}
	.size entry, .-entry
	.section .bss.stk,"aw",%nobits
	.align 3
	.global stk
	.type stk, %object
stk:
	.space 512
	.size stk, 512
	.section .ward_stack_bound,"a",%progbits
	.word stk, 512, 1, entry, 2
	.global rom_fn
	.type rom_fn, %function
	.set rom_fn, 0x00020001
"""

    @unittest.skipUnless(shutil.which("arm-none-eabi-as") and shutil.which("arm-none-eabi-ld"), "no Arm binutils")
    def test_i_a_function_at_an_absolute_address_is_refused(self):
        # Broke: a function symbol defined at an absolute address (`.set`, `--defsym`: a ROM routine)
        # has no code in the image: it read as no frame and no calls. Now refused where reached
        # (the non-secure images' imports of the secure entry points carry `bound ... 0` lines,
        # kernel/stackbound.conf: their code runs on the secure stacks).
        with tempfile.TemporaryDirectory() as d:
            src, obj, elf = Path(d, "a.s"), Path(d, "a.o"), Path(d, "a.elf")
            src.write_text(self.ABSOLUTE)
            subprocess.run(["arm-none-eabi-as", "-mcpu=cortex-m33", str(src), "-o", str(obj)], check=True)
            subprocess.run(["arm-none-eabi-ld", "-e", "entry", str(obj), "-o", str(elf)], check=True)
            img = sb.load_image(elf, [], "arm-none-eabi-objdump", None)
            r = sb.check(img, notes(), "t", fp=True, secure=False)
            self.assertTrue(any("rom_fn: it is defined at an absolute address" in f for f in r.failures), r.failures)
            r = sb.check(img, notes("bound rom_fn 300  # its documented depth\n"), "t", fp=True, secure=False)
            self.assertEqual(r.failures, [])


if __name__ == "__main__":
    unittest.main()
