"""Read numbers as Chinese users write them: 5.2万元, 5,000元, ５０００, 六十一."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

_UNITS = {"万": Decimal(10000), "亿": Decimal(100_000_000), "千": Decimal(1000)}
_AMOUNT = re.compile(r"^(?P<number>-?\d+(?:\.\d+)?)(?P<unit>[千万亿]?)(?:元|块)?(?:人民币)?$")


def parse_amount(text: str) -> Decimal:
    """Return the yuan amount *text* states: "3.2万元" → 32000, "5,000元" → 5000.

    Raise ValueError with a message that quotes the text when it is not an amount.
    """
    cleaned = unicodedata.normalize("NFKC", str(text)).strip()
    cleaned = re.sub(r"[\s,，]", "", cleaned).removeprefix("¥").removeprefix("￥")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise ValueError(
            _("“%(text)s” is not an amount of money (write e.g. 52000, 5.2万 or 5,000元).")
            % {"text": text}
        )
    try:
        number = Decimal(match["number"])
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        raise ValueError(_("“%(text)s” is not an amount of money.") % {"text": text}) from None
    amount = number * _UNITS.get(match["unit"], Decimal(1))
    return amount.quantize(Decimal("0.01"))
