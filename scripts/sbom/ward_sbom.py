#!/usr/bin/python3
"""Ward's SBOM generator, as the build runs it (cmake/WardSbom.cmake, cmake/WardBoot.cmake):
    ward_sbom.py generate|signed|device|gate ...
The generator is the package wardsbom/ beside this file; see its docstring (wardsbom/__init__.py)
for what it reads and writes."""
import os
import sys

# The build runs this from the source tree: no __pycache__ written into it.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wardsbom.cli import main  # noqa: E402 (after the path is set)

if __name__ == "__main__":
    sys.exit(main())
