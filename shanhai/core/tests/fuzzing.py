"""Shared settings and strategies for the fuzz tests (test_fuzz_*.py in each app).

CI runs each property with a fixed, small number of derandomized examples, so a run never
flakes and takes seconds. A long exploratory run sets SHANHAI_FUZZ_EXAMPLES (e.g. 20000): every
fuzz test then tries that many random examples; what it finds is added as an @example.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_LONG_RUN = int(os.environ.get("SHANHAI_FUZZ_EXAMPLES", "0"))

F = TypeVar("F", bound=Callable[..., Any])


def fuzzed(examples: int) -> Callable[[F], F]:
    """Run the property on *examples* derandomized examples (or the long run's many)."""
    return settings(
        max_examples=_LONG_RUN or examples,
        derandomize=not _LONG_RUN,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


# What offices type into cells: digits in every width, Chinese numerals, units, date words,
# separators, currency and percent signs, invisible marks, and the odd letter.
CELL_ALPHABET = (
    "0123456789０１２３４５６７８９.,，．-−+~—–/ 　'%％¥￥eE"
    "〇零一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億点負负"
    "元块钱人民币名人次个家项斤吨公里年月日号度至到约余多以上下左右超逾不足几若干≈百分之"
    "xX()（）+\u200b\ufeff\u00ad\n\t"
)

cell_texts = st.text(alphabet=CELL_ALPHABET, max_size=30) | st.text(max_size=30)

# Every type a spreadsheet engine hands the parsers.
cells = (
    cell_texts
    | st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.dates()
    | st.datetimes()
    | st.times()
)
