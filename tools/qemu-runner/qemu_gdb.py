"""QEMU (mps2-an505) under its GDB stub, for tests that look inside a running image from the
outside: stop where a symbol is, read memory, without changing the image under test (memory may be
written before it runs, e.g. to paint a stack whose depth a test then reads).

    with QemuGdb(["-kernel", "bootloader.elf"], cwd=work) as q:
        q.run_to(elf_symbol("update_v1.elf", "ward_reset_handler"))
        guard = q.read_u32(elf_symbol("bootloader.elf", "__stack_chk_guard"))

Memory is read in the security state the core is in when it stops (secure memory only from
secure code). Speaks the GDB remote serial protocol over a Unix socket; no gdb needed.
"""
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time


def elf_symbol(path, name):
    """The value of symbol `name` in the ELF32 (little-endian) file at `path`; the Thumb bit of a
    function's address is cleared."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        raise ValueError(f"{path}: not a little-endian ELF32 file")
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x2E)
    sections = [struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize) for i in range(shnum)]
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 16):
            st_name, st_value, _, st_info, _, _ = struct.unpack_from("<IIIBBH", data, off)
            end = data.index(b"\0", strtab[4] + st_name)
            if data[strtab[4] + st_name:end].decode() == name:
                return st_value & ~1 if (st_info & 0xF) == 2 else st_value  # STT_FUNC: Thumb bit
    raise KeyError(f"{path}: no symbol {name}")


class QemuGdbError(Exception):
    pass


class QemuGdb:
    """QEMU started halted with its GDB stub on a Unix socket; `run_to` and `read` drive it."""

    def __init__(self, qemu_args, cwd, timeout=60, qemu="qemu-system-arm"):
        self.timeout = timeout
        self.dir = tempfile.mkdtemp(prefix="ward-gdb-")
        path = os.path.join(self.dir, "gdb.sock")
        self.log_path = os.path.join(self.dir, "qemu.log")
        cmd = [qemu, "-M", "mps2-an505", "-display", "none", "-monitor", "none",
               "-chardev", "stdio,id=con,mux=on", "-serial", "chardev:con",
               "-semihosting-config", "enable=on,target=native,chardev=con",
               "-chardev", f"socket,path={path},server=on,wait=off,id=ward_gdb", "-gdb", "chardev:ward_gdb",
               "-S"] + list(qemu_args)
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise QemuGdbError("QEMU's GDB stub did not come up:\n" + self.output())
                time.sleep(0.05)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def output(self):
        """What the firmware printed so far (UART0 and semihosting)."""
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", errors="replace")

    # --- the remote serial protocol ---------------------------------------------------------------
    def _send(self, payload):
        data = payload.encode()
        self.sock.sendall(b"$" + data + b"#%02x" % (sum(data) & 0xFF))

    def _receive(self, timeout):
        """The next packet's payload (acknowledged); '+' acknowledgements are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start + 1) if start >= 0 else -1
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                payload = self.buf[start + 1:end]
                self.buf = self.buf[end + 3:]
                self.sock.sendall(b"+")
                return payload.decode()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QemuGdbError(f"no answer from QEMU within {timeout} s:\n" + self.output())
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise QemuGdbError("QEMU closed the debug connection (the firmware ended):\n" + self.output())
            self.buf += chunk

    def _command(self, payload, timeout=10):
        self._send(payload)
        return self._receive(timeout)

    # --- what tests use ------------------------------------------------------------------------
    def run_to(self, *addresses):
        """Runs until the core reaches one of `addresses` (breakpoints); returns that address."""
        for a in addresses:
            if self._command(f"Z0,{a:x},2") != "OK":
                raise QemuGdbError(f"QEMU refused a breakpoint at {a:#x}")
        reply = self._command("c", timeout=self.timeout)
        if reply[:1] not in ("S", "T"):
            raise QemuGdbError(f"the firmware did not stop at a breakpoint ({reply!r}):\n" + self.output())
        pc = self.register(15)
        for a in addresses:
            self._command(f"z0,{a:x},2")
        if pc not in addresses:
            raise QemuGdbError(f"stopped at {pc:#x}, not at a breakpoint:\n" + self.output())
        return pc

    def register(self, number):
        """Core register r0..r15 (QEMU's stub answers 'g', not 'p')."""
        reply = self._command("g")
        return struct.unpack_from("<I", bytes.fromhex(reply[8 * number:8 * number + 8]))[0]

    def read(self, address, size):
        out = b""
        while len(out) < size:
            n = min(1024, size - len(out))
            reply = self._command(f"m{address + len(out):x},{n:x}")
            if reply.startswith("E") or len(reply) != 2 * n:
                raise QemuGdbError(f"cannot read {n} bytes at {address + len(out):#x} ({reply[:8]!r})")
            out += bytes.fromhex(reply)
        return out

    def write(self, address, data):
        """Writes `data` to memory (e.g. before the first instruction, with the core halted)."""
        for pos in range(0, len(data), 1024):
            chunk = data[pos:pos + 1024]
            if self._command(f"M{address + pos:x},{len(chunk):x}:{chunk.hex()}") != "OK":
                raise QemuGdbError(f"cannot write {len(chunk)} bytes at {address + pos:#x}")

    def read_u32(self, address):
        return struct.unpack("<I", self.read(address, 4))[0]

    def close(self):
        try:
            self._send("k")
        except OSError:
            pass
        self.sock.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
