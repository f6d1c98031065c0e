"""Writes of the news: import an article with the records it proposes, accept or reject each.

An accepted proposal becomes a ledger record through the ledger's own service, so the ledger's
rules (who may record, locked years, validation, rollups, audit) hold for it as for a form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanhai.accounts.models import Action, User
from shanhai.core.models import Source
from shanhai.core.services import record_audit_event, register_source
from shanhai.ledger.models import KIND_MODELS, Record
from shanhai.ledger.services import create_record
from shanhai.news import selectors
from shanhai.news.extract import ArticleError, Extraction, extract
from shanhai.news.highlight import marks_for
from shanhai.news.models import Article, Proposal
from shanhai.news.proposals import ProposedRecord, Sides, propose_records
from shanhai.places.models import Pairing
from shanhai.places.selectors import user_can

MAX_ARTICLE_BYTES = 2 * 1024 * 1024
EXCERPT_LENGTH = 500

# What cleaning says when it cannot read the input, as the reader should hear it.
_REASONS: dict[str, Promise] = {
    "empty": gettext_lazy("it is empty"),
    "binary": gettext_lazy("it is a binary file, not text"),
    "encoding": gettext_lazy("it is neither UTF-8 nor GBK text"),
    "control": gettext_lazy("it is full of control characters, not text"),
    "no_text": gettext_lazy("nothing is left once the page around it is removed"),
}


def digest_of(text: str) -> str:
    """SHA-256 of the cleaned text: the same article, however the page around it changed."""
    return hashlib.sha256(text.encode()).hexdigest()


def _read(data: bytes | str) -> Extraction:
    size = len(data.encode() if isinstance(data, str) else data)
    if size > MAX_ARTICLE_BYTES:
        raise ValidationError(
            _("The article is larger than %(limit)s MB.")
            % {"limit": MAX_ARTICLE_BYTES // (1024 * 1024)},
            code="too_big",
        )
    try:
        return extract(data)
    except ArticleError as error:
        reason = _REASONS.get(error.code, str(error))
        raise ValidationError(
            _("Could not read the article: %(reason)s.") % {"reason": reason},
            code="unreadable",
        ) from error


def already_imported_message(article: Article) -> str:
    """这篇文章已导入过（2023年8月20日 《…》）: what the person adding it again is told."""
    when = article.published_on or timezone.localdate(article.created_at)
    return _("This article was already imported (%(date)s, %(title)s).") % {
        "date": date_format(when, "DATE_FORMAT"),
        "title": article.title,
    }


@transaction.atomic
def import_article(
    *, user: User, data: bytes | str, pairing: Pairing | None = None, source: Source | None = None
) -> tuple[Article, bool]:
    """Import the article in *data* (text or saved HTML, UTF-8 or GBK) with the records it
    proposes; return it and whether it is new.

    An article already imported (the same cleaned text, or the same title and publication
    date) is returned as it is: nothing is written twice. Without *pairing*, the pairing is
    guessed from the article's parties. Raise ValidationError for input that is not an article
    or when the pairing cannot be told, PermissionDenied when *user* may not record in it.
    *source*, when given, is the Source the article already is (registered before, e.g. the
    demo's founding article); otherwise one is registered for it.
    """
    extraction = _read(data)
    digest = digest_of(extraction.text)
    title = (extraction.title or extraction.text.split("\n", 1)[0])[:300].strip()
    existing = selectors.find_article(
        digest=digest, title=title, published_on=extraction.publish_date
    )
    if existing is not None:
        return _recognised(user, existing), False
    if pairing is None:
        pairing = selectors.pairing_for_article(user, extraction)
        if pairing is None:
            raise ValidationError(
                {"pairing": _("Say which pairing this article is about.")}, code="no_pairing"
            )
    if not user_can(user, pairing, Action.RECORD):
        raise PermissionDenied
    try:
        with transaction.atomic():
            article = _store(user, pairing, extraction, digest=digest, title=title, source=source)
    except IntegrityError:
        # Someone imported the same article a moment ago.
        existing = selectors.find_article(digest=digest, title="", published_on=None)
        if existing is None:
            raise
        return _recognised(user, existing), False
    return article, True


def _recognised(user: User, article: Article) -> Article:
    if not user_can(user, article.pairing, Action.VIEW):
        raise ValidationError(
            _("This article was already imported, in a pairing you cannot see."),
            code="imported_elsewhere",
        )
    return article


def _store(
    user: User,
    pairing: Pairing,
    extraction: Extraction,
    *,
    digest: str,
    title: str,
    source: Source | None = None,
) -> Article:
    source = source or register_source(
        key=f"news-{digest[:12]}",
        kind=Source.Kind.NEWS,
        title=title,
        publisher=extraction.source[:200],
        published_on=extraction.publish_date,
        excerpt=extraction.text[:EXCERPT_LENGTH],
    )
    facts = extraction.as_json()
    facts.pop("text", None)  # the article keeps it once
    facts["marks"] = marks_for(extraction)
    article = Article(
        source=source,
        pairing=pairing,
        digest=digest,
        title=title,
        published_on=extraction.publish_date,
        outlet=extraction.source[:200],
        author=extraction.author[:200],
        text=extraction.text,
        extraction=facts,
        added_by=user,
    )
    article.full_clean()
    article.save()
    sides = Sides(*selectors.side_names(pairing, extraction))
    proposed = propose_records(
        extraction, sides=sides, sub_pairings=selectors.sub_pairings(pairing)
    )
    proposals = [
        _proposal(article, position, record) for position, record in enumerate(proposed, 1)
    ]
    Proposal.objects.bulk_create(proposals)
    record_audit_event(
        actor=user,
        action="news.article.imported",
        target=article,
        details={"proposals": len(proposals), "digest": digest},
    )
    return article


def _proposal(article: Article, position: int, proposed: ProposedRecord) -> Proposal:
    values = dict(proposed.values)
    if proposed.pairing is not None:
        values["pairing"] = proposed.pairing.code
    proposal = Proposal(
        article=article,
        position=position,
        kind=proposed.kind,
        values=values,
        evidence=proposed.evidence,
    )
    proposal.full_clean(exclude=["article"])
    return proposal


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | models.QuerySet):
        return [_jsonable(v) for v in value]
    return value


def _pending(proposal: Proposal) -> Proposal:
    """The proposal as stored now, locked, refusing it if it was decided meanwhile."""
    locked = (
        Proposal.objects.select_for_update().select_related("article__pairing").get(pk=proposal.pk)
    )
    if locked.status == Proposal.Status.ACCEPTED:
        raise ValidationError(_("This proposal was already accepted."), code="already_decided")
    if locked.status == Proposal.Status.REJECTED:
        raise ValidationError(_("This proposal was already rejected."), code="already_decided")
    return locked


@transaction.atomic
def accept_proposal(
    *,
    user: User,
    proposal: Proposal,
    values: Mapping[str, Any],
    many: Mapping[str, Iterable[models.Model]] | None = None,
    pairing: Pairing | None = None,
) -> Record:
    """Record what *proposal* proposes, with the reviewer's *values*, and mark it accepted.

    The record's source is the article and its note the sentence that tells it; it goes to
    *pairing* (the article's or one below it) or else the article's pairing, for the side of
    *user*. Raise ValidationError for bad values or a proposal already decided,
    PermissionDenied when *user* may not record there.
    """
    proposal = _pending(proposal)
    article = proposal.article
    if not user_can(user, article.pairing, Action.RECORD):
        raise PermissionDenied
    target = pairing or article.pairing
    if not target.path.startswith(article.pairing.path):
        raise ValidationError(
            {"pairing": _("Choose the article's pairing or one below it.")}, code="pairing"
        )
    model = KIND_MODELS.get(proposal.kind)
    if model is None:
        raise ValidationError(_("This kind of record cannot be accepted."), code="kind")
    record = model(pairing=target, source=article.source, source_note=proposal.evidence, **values)
    record = create_record(
        record=record, recorded_by=user, many=many, entry_method=Record.EntryMethod.NEWS
    )
    proposal.status = Proposal.Status.ACCEPTED
    proposal.record = record
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.values = {
        **{name: _jsonable(value) for name, value in values.items()},
        **{name: _jsonable(list(value)) for name, value in (many or {}).items()},
        "pairing": target.code,
    }
    proposal.full_clean()
    proposal.save()
    record_audit_event(
        actor=user,
        action="news.proposal.accepted",
        target=proposal,
        details={"article": article.pk, "record": record.pk},
    )
    return record


@transaction.atomic
@transaction.atomic
def link_proposal(*, user: User, proposal: Proposal, record: Record) -> Proposal:
    """Decide a proposal as the record already in the ledger (entered before by hand or import):
    nothing is recorded twice; the proposal names the record, as if it had made it."""
    proposal = _pending(proposal)
    article = proposal.article
    if not user_can(user, article.pairing, Action.RECORD):
        raise PermissionDenied
    if record.kind != proposal.kind or not record.pairing.path.startswith(article.pairing.path):
        raise ValidationError(
            _("That record is not of this kind in this article's pairing."), code="not_same"
        )
    if Proposal.objects.filter(record=record).exclude(pk=proposal.pk).exists():
        raise ValidationError(
            _("That record is already linked to another proposal."), code="linked"
        )
    proposal.status = Proposal.Status.ACCEPTED
    proposal.record = record
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.save()
    record_audit_event(
        actor=user, action="news.proposal.linked", target=proposal, details={"record": record.pk}
    )
    return proposal


def reject_proposal(*, user: User, proposal: Proposal) -> Proposal:
    """Mark *proposal* as not a record to keep; it can be reopened."""
    proposal = _pending(proposal)
    if not user_can(user, proposal.article.pairing, Action.RECORD):
        raise PermissionDenied
    proposal.status = Proposal.Status.REJECTED
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.full_clean()
    proposal.save()
    record_audit_event(actor=user, action="news.proposal.rejected", target=proposal)
    return proposal


@transaction.atomic
def reopen_proposal(*, user: User, proposal: Proposal) -> Proposal:
    """Put a rejected proposal back to review, or an accepted one whose record was deleted.

    An accepted proposal whose record exists stays accepted: the record is the decision."""
    proposal = (
        Proposal.objects.select_for_update().select_related("article__pairing").get(pk=proposal.pk)
    )
    if not user_can(user, proposal.article.pairing, Action.RECORD):
        raise PermissionDenied
    record_gone = proposal.status == Proposal.Status.ACCEPTED and proposal.record_id is None
    if proposal.status != Proposal.Status.REJECTED and not record_gone:
        raise ValidationError(
            _("Only a rejected proposal can be reviewed again."), code="not_rejected"
        )
    proposal.status = Proposal.Status.PENDING
    proposal.decided_by = None
    proposal.decided_at = None
    proposal.full_clean()
    proposal.save()
    record_audit_event(actor=user, action="news.proposal.reopened", target=proposal)
    return proposal
