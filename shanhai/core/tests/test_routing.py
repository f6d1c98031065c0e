"""Which pages may read from a replica, and that without one nothing changes.

The replica itself is tested for real in test_replica.py (``-m replica``, run by scripts/test).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import router
from django.http import HttpResponse

from shanhai.consumption import views_market
from shanhai.core.routing import REPLICA, ReplicaPinMiddleware, ReplicaRouter, replica_reads
from shanhai.imports import views as imports_views
from shanhai.indicators import views as indicators_views
from shanhai.labor import views as labor_views
from shanhai.places.models import Place
from shanhai.reports import views as reports_views

DASHBOARDS_REPORTS_AND_EXPORTS = [
    indicators_views.progress,
    indicators_views.overview,
    indicators_views.indicator_records,
    labor_views.overview,
    views_market.dashboard,
    reports_views.annual_report,
    imports_views.export_download,
]
# Pages that write, or show what a worker has just written (the job pages poll for it).
ON_THE_PRIMARY = [
    indicators_views.targets,
    indicators_views.assessment_move,
    reports_views.job_status,
    reports_views.job_file,
    imports_views.job_status,
    imports_views.job_detail,
]
without_a_replica = pytest.mark.skipif(
    REPLICA in settings.DATABASES, reason="a replica is configured: test_replica.py covers it"
)


@pytest.mark.parametrize("view", DASHBOARDS_REPORTS_AND_EXPORTS, ids=lambda v: v.__name__)
def test_dashboards_reports_and_exports_may_read_from_the_replica(view):
    assert getattr(view, "reads_from_replica", False)


@pytest.mark.parametrize("view", ON_THE_PRIMARY, ids=lambda v: v.__name__)
def test_pages_that_write_or_follow_a_worker_read_from_the_primary(view):
    assert not getattr(view, "reads_from_replica", False)


@without_a_replica
def test_without_a_replica_the_router_has_no_opinion_and_the_middleware_is_unused():
    assert ReplicaRouter().db_for_read(Place) is None
    assert ReplicaRouter().db_for_write(Place) is None
    assert ReplicaRouter().allow_migrate("default", "places") is None
    with replica_reads() as on_replica:
        assert not on_replica
        assert router.db_for_read(Place) == "default"
    with pytest.raises(MiddlewareNotUsed):
        ReplicaPinMiddleware(lambda request: HttpResponse())
