"""The demo (松江区 ↔ 威信县, 2021–2023) as the Songjiang office sees it."""

import io

import pytest
from django.core.management import call_command

from shanhai.accounts.models import User
from shanhai.places.models import Pairing


@pytest.fixture
def demo(db):
    call_command("demo", stdout=io.StringIO())


@pytest.fixture
def songjiang(demo):
    return User.objects.get(username="songjiang")


@pytest.fixture
def pairing(demo):
    return Pairing.objects.get(code="songjiang-weixin")
