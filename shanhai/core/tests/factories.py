from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from shanhai.core.models import Source


class SourceFactory(DjangoModelFactory[Source]):
    class Meta:
        model = Source
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"source-{n}")
    kind = Source.Kind.NEWS
    title = factory.Sequence(lambda n: f"东西部协作报道第{n}篇")
    publisher = "威信县融媒体中心"
