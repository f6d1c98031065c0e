from __future__ import annotations

import factory
from factory.django import DjangoModelFactory, Password

from shanhai.accounts.models import User


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"联络员{n}")
    password = Password("shanhai-test")
