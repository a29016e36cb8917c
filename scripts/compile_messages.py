#!/usr/bin/env python
"""Compile locale/*/LC_MESSAGES/*.po into .mo files without needing GNU gettext (polib)."""

from pathlib import Path

import polib

root = Path(__file__).resolve().parents[1]
for po_path in sorted(root.glob("locale/*/LC_MESSAGES/*.po")):
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        continue
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    print(f"compiled {po_path.relative_to(root)}")
