"""Record the pairs a liaison accepted from a matching proposal: all of them, or none."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanhai.accounts.models import User
from shanhai.labor import services
from shanhai.labor.matching import match_name, rank_postings
from shanhai.labor.models import Placement, Posting, TransferBatch, Worker
from shanhai.labor.selectors_matching import active_placement_counts


@transaction.atomic
def record_matches(
    *,
    pairs: Sequence[tuple[Worker, Posting]],
    started_on: date,
    recorded_by: User,
    batch: TransferBatch | None = None,
    channel: str | None = None,
) -> list[Placement]:
    """Record that each accepted worker starts work through their posting on *started_on*.

    The proposal may be hours old, so every pair is checked again first: the posting open with
    places left (counting the pairs before it), the worker still looking, their age and the
    爱心岗位 rule. One failing pair records nothing and raises ValidationError naming each.
    The channel is "matched", or "transfer" with a *batch*, whose workers then include them.
    """
    if not pairs:
        return []
    channel = channel or (Placement.Channel.TRANSFER if batch else Placement.Channel.MATCHED)
    postings = {posting.pk: posting for _worker, posting in pairs}
    # Two liaisons accepting at once must not both fill the last place: lock the postings.
    list(Posting.objects.select_for_update().filter(pk__in=postings).values_list("pk"))
    filled = Counter(active_placement_counts(postings.values()))

    problems: list[str] = []
    seen: set[int] = set()
    for worker, posting in pairs:
        if worker.pk in seen:
            problems.append(
                _("%(worker)s is in more than one pair.") % {"worker": match_name(worker)}
            )
            continue
        seen.add(worker.pk)
        match = rank_postings(
            worker, [posting], on=started_on, include_blocked=True, filled=filled
        )[0]
        if match.blocked:
            problems.append(
                _("%(worker)s → %(posting)s: %(why)s")
                % {
                    "worker": match_name(worker),
                    "posting": posting,
                    "why": "；".join(match.blocked),
                }
            )
        filled[posting.pk] += 1
    if problems:
        raise ValidationError(problems, code="match_no_longer_fits")

    placements = [
        services.record_placement(
            worker=worker,
            started_on=started_on,
            work_place=posting.work_place,
            channel=channel,
            recorded_by=recorded_by,
            posting=posting,
            batch=batch,
        )
        for worker, posting in pairs
    ]
    if batch is not None:
        services.record_transfer_batch(
            batch=batch,
            workers=[*batch.workers.all(), *(worker for worker, _posting in pairs)],
            recorded_by=recorded_by,
        )
    return placements
