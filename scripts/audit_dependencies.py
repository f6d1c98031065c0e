"""Run pip-audit on the installed packages and say honestly how many it could check.

pip-audit asks PyPI's JSON API about each package. Where only the package index is reachable (as
on our build machines), it audits nothing and would still print "No known vulnerabilities
found": this prints how many packages were checked and fails only on a known vulnerability.
Exit 1 when a vulnerability is found, else 0.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> int:
    run = subprocess.run(  # noqa: S603 - our own tool, no input
        [BIN / "pip-audit", "--skip-editable", "--progress-spinner", "off", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        found = json.loads(run.stdout)["dependencies"]
    except (ValueError, KeyError):
        print(f"pip-audit gave no report:\n{run.stderr[-2000:]}")
        return 1
    checked = [d for d in found if "skip_reason" not in d]
    vulnerable = [d for d in checked if d.get("vulns")]
    for package in vulnerable:
        ids = ", ".join(v["id"] for v in package["vulns"])
        print(f"VULNERABLE: {package['name']} {package['version']}: {ids}")
    print(
        f"pip-audit checked {len(checked)} of {len(found)} packages; {len(vulnerable)} vulnerable."
    )
    if not checked:
        print(
            "\033[1;33mpip-audit NOT RUN: its vulnerability data cannot be reached from this "
            "machine (only the package index can); run it where it can before a release.\033[0m"
        )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
