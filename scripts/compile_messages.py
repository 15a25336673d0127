"""Compile the translation catalogues (.po to .mo) without needing GNU gettext installed.

Beside a language's `django.po` (Yixun's own texts, kept by `make messages`) may sit an
`overrides.po`: how Yixun says some of Django's own texts (the form label's colon, the password
rules) in that language. `makemessages` never sees those, so they live apart, and are compiled
into the same `django.mo`, where they win over Django's catalogue.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "yixun"

for po_path in sorted(ROOT.glob("**/locale/*/LC_MESSAGES/django.po")):
    mo_path = po_path.with_suffix(".mo")
    overrides = po_path.with_name("overrides.po")
    sources = [po_path, *([overrides] if overrides.exists() else [])]
    if mo_path.exists() and all(mo_path.stat().st_mtime >= s.stat().st_mtime for s in sources):
        continue
    catalogue = polib.pofile(str(po_path))
    if overrides.exists():
        ours = {(entry.msgctxt, entry.msgid) for entry in catalogue}
        catalogue.extend(
            entry
            for entry in polib.pofile(str(overrides))
            if (entry.msgctxt, entry.msgid) not in ours
        )
    catalogue.save_as_mofile(str(mo_path))
