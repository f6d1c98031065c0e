"""Ledger records, made through services.create_record so the ledger's own rules apply."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from PIL import Image

from shanhai.accounts.models import Role, Side, User
from shanhai.accounts.tests.factories import UserFactory
from shanhai.ledger import services
from shanhai.ledger.models import (
    AidProject,
    Donation,
    Meeting,
    Record,
    SalesEvent,
    Sector,
    TalentExchange,
    Training,
    Visit,
)
from shanhai.places.models import Pairing
from shanhai.places.services import grant_role
from shanhai.places.tests.factories import PairingFactory


def person(
    pairing: Pairing, role: str = Role.COOPERATION_OFFICE, side: str = Side.EAST, **fields: Any
) -> User:
    """Return a new user on *side* holding *role* in *pairing* (and so in its sub-pairings)."""
    user = UserFactory.create(side=side, **fields)
    grant_role(user=user, pairing=pairing, role=role)
    return user


class RecordFactory[R: Record](DjangoModelFactory[R]):
    """A record of some kind, recorded by an east-side cooperation office unless told.

    Pass recorded_by=, and optionally side=, many= and entry_method= as create_record takes
    them.
    """

    class Meta:
        abstract = True

    pairing = factory.SubFactory(PairingFactory)
    title = factory.Sequence(lambda n: f"第{n}次协作")
    occurred_on = date(2024, 5, 20)
    recorded_by = factory.LazyAttribute(lambda o: person(o.pairing))

    @classmethod
    def _create(cls, model_class: type[R], *args: Any, **kwargs: Any) -> R:
        recorded_by: User = kwargs.pop("recorded_by")
        options = {
            name: kwargs.pop(name) for name in ("many", "side", "entry_method") if name in kwargs
        }
        record = services.create_record(
            record=model_class(**kwargs), recorded_by=recorded_by, **options
        )
        assert isinstance(record, model_class)
        return record


class VisitFactory(RecordFactory[Visit]):
    class Meta:
        model = Visit

    title = factory.Sequence(lambda n: f"第{n}批考察团来访")


class MeetingFactory(RecordFactory[Meeting]):
    class Meta:
        model = Meeting

    title = factory.Sequence(lambda n: f"第{n}次联席会议")
    meeting_kind = Meeting.MeetingKind.JOINT


class DonationFactory(RecordFactory[Donation]):
    class Meta:
        model = Donation

    title = factory.Sequence(lambda n: f"第{n}批捐赠物资")
    donation_kind = Donation.DonationKind.GOODS


class AidProjectFactory(RecordFactory[AidProject]):
    class Meta:
        model = AidProject

    title = factory.Sequence(lambda n: f"第{n}号援建项目")
    sector = Sector.AGRICULTURE


class TalentExchangeFactory(RecordFactory[TalentExchange]):
    class Meta:
        model = TalentExchange

    title = factory.Sequence(lambda n: f"第{n}批挂职干部")
    form = TalentExchange.Form.SECONDMENT
    sector = Sector.GOVERNANCE


class TrainingFactory(RecordFactory[Training]):
    class Meta:
        model = Training

    title = factory.Sequence(lambda n: f"第{n}期培训班")
    topic = "乡村振兴带头人培训"


def jpeg_upload(name: str = "现场照片.jpg", colour: str = "teal") -> SimpleUploadedFile:
    """Return a real JPEG photo as an uploaded file; another *colour* makes another file."""
    output = BytesIO()
    Image.new("RGB", (640, 480), colour).save(output, "JPEG")
    return SimpleUploadedFile(name, output.getvalue(), content_type="image/jpeg")


def pdf_upload(name: str = "会议纪要.pdf") -> SimpleUploadedFile:
    content = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def renamed_exe_upload(name: str = "照片.jpg") -> SimpleUploadedFile:
    """A Windows program renamed to look like a photo."""
    content = b"MZ\x90\x00" + b"\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 64
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


class SalesEventFactory(RecordFactory[SalesEvent]):
    class Meta:
        model = SalesEvent

    title = factory.Sequence(lambda n: f"第{n}场直播带货")
    event_kind = SalesEvent.EventKind.LIVESTREAM
