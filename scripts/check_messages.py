"""Fail if a compiled translation (.mo) differs from its catalogue (.po): run `make messages`."""

import sys
from pathlib import Path

import polib


def entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], str | dict[int, str]]:
    return {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in catalogue
        if entry.msgid and (entry.msgstr or entry.msgstr_plural) and "fuzzy" not in entry.flags
    }


def main() -> int:
    stale = []
    for po in sorted(Path("shanhai/locale").glob("*/LC_MESSAGES/*.po")):
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
