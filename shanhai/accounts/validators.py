"""Password rules beyond Django's own: the character classes 等保 2.0 level 3 asks for."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def _is_symbol(char: str) -> bool:
    return not char.isalnum() and not char.isspace()


# Each class: its name as the message says it, and how to tell a character of it.
CHARACTER_CLASSES = (
    (gettext_lazy("upper-case letters"), lambda char: char in string.ascii_uppercase),
    (gettext_lazy("lower-case letters"), lambda char: char in string.ascii_lowercase),
    (gettext_lazy("digits"), str.isdigit),
    (gettext_lazy("symbols"), _is_symbol),
)


class CharacterClassesValidator:
    """Ask for characters from at least *min_classes* of upper, lower, digits and symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: object = None) -> None:
        missing = [
            str(name) for name, belongs in CHARACTER_CLASSES if not any(map(belongs, password))
        ]
        present = len(CHARACTER_CLASSES) - len(missing)
        if present >= self.min_classes:
            return
        raise ValidationError(
            _(
                "The password uses %(present)d of the four kinds of character; it needs at "
                "least %(min_classes)d. Add %(missing)s."
            ),
            code="password_too_few_character_classes",
            params={
                "present": present,
                "min_classes": self.min_classes,
                "missing": _(" or ").join(missing),
            },
        )

    def get_help_text(self) -> str:
        return _(
            "Your password must contain at least %(min_classes)d of: upper-case letters, "
            "lower-case letters, digits and symbols."
        ) % {"min_classes": self.min_classes}
