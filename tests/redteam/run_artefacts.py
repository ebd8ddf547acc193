#!/usr/bin/python3
"""The flash files a QEMU run leaves in its working directory stay out of the repository.

`./ward run` (and any run without --fresh-workdir) works in the source tree's root, where the
secure image creates ward_secure_flash.img (its ITS and PS records, encrypted under the key of one
build tree) and the bootloader ward-flash.img. Neither is ignored, so `git add -A` commits them:
ward_secure_flash.img was committed on this branch (bff8002, changed again in 2003f14). A run from
the root then starts on someone else's flash instead of a fresh one.

In a git checkout: none of these files may be tracked, and each must be ignored. Outside a git
checkout nothing can be committed, and there is nothing to check.
"""
import subprocess
import sys

ARTEFACTS = ["ward_secure_flash.img", "ward-flash.img"]


def git(root, *args):
    return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True)


def main():
    root = sys.argv[1]
    if git(root, "rev-parse", "--is-inside-work-tree").stdout.strip() != "true":
        print("run_artefacts: not a git checkout: nothing can be committed")
        return 0
    failures = []
    for name in ARTEFACTS:
        if git(root, "ls-files", "--error-unmatch", name).returncode == 0:
            failures.append(f"{name} is tracked by git (a run's flash file, committed)")
        if git(root, "check-ignore", "-q", "--no-index", name).returncode != 0:
            failures.append(f"{name} is not ignored (.gitignore): the next `git add -A` commits it")
    if failures:
        print("run_artefacts: FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("run_artefacts: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
