"""Fail if a compiled translation (.mo) differs from its catalogue (.po): run `make messages`."""

import re
import sys
from pathlib import Path

import polib


def entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], str | dict[int, str]]:
    return {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in catalogue
        if entry.msgid and (entry.msgstr or entry.msgstr_plural) and "fuzzy" not in entry.flags
    }


PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]")


def placeholder_mismatches(catalogue: polib._BaseFile) -> list[str]:
    """Translations whose %(name)s placeholders differ from the source: they crash at run time."""
    bad = []
    for entry in catalogue:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        if entry.msgstr and sorted(PLACEHOLDER.findall(entry.msgstr)) != wanted:
            bad.append(f"{entry.msgid!r} → {entry.msgstr!r}")
        # A plural form may use the count its singular leaves out ("one job" / "%(counter)s
        # jobs"): every name it uses must be one the source offers, in either form.
        offered = set(wanted) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        for text in entry.msgstr_plural.values():
            if text and not set(PLACEHOLDER.findall(text)) <= offered:
                bad.append(f"{entry.msgid!r} → {text!r}")
    return bad


def main() -> int:
    stale = []
    for po in sorted(Path("shanhai/locale").glob("*/LC_MESSAGES/*.po")):
        for problem in placeholder_mismatches(polib.pofile(po)):
            stale.append(f"{po}: placeholders differ: {problem}")
        mo = po.with_suffix(".mo")
        if not mo.exists() or entries(polib.pofile(po)) != entries(polib.mofile(mo)):
            stale.append(str(po))
    if stale:
        print("Compiled translations are out of date; run `make messages`:", *stale, sep="\n  ")
        return 1
    print("compiled translations match their catalogues")
    return 0


if __name__ == "__main__":
    sys.exit(main())
