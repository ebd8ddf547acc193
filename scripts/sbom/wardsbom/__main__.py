"""`python3 -m wardsbom` (from scripts/sbom/): the same as scripts/sbom/ward_sbom.py."""
import sys

from .cli import main

sys.exit(main())
