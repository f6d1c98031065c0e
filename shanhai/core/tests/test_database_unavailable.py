"""A lost database answers a clean 503 (page or JSON); a real query bug stays a 500.

The real outage, a PostgreSQL restart under a running production server, is in
test_database_restart.py; here the errors are the ones Django raises for a lost connection.
"""

from __future__ import annotations

import psycopg
import psycopg.errors
import pytest
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.utils import translation

from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.http import is_database_unavailable


def wrapped(cause: Exception) -> OperationalError:
    """The error as Django raises it from the driver's (wrap_database_errors)."""
    try:
        raise cause
    except Exception as error:
        try:
            raise OperationalError(*error.args) from error
        except OperationalError as django_error:
            return django_error


def lost_connection() -> OperationalError:
    return wrapped(psycopg.OperationalError("server closed the connection unexpectedly"))


def page_losing_the_database(request: HttpRequest) -> HttpResponse:
    raise lost_connection()


def page_with_a_bad_query(request: HttpRequest) -> HttpResponse:
    raise OperationalError("no such table: ledger_nothing")


def page_reading_the_session(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"hello {request.user}")


urlpatterns = [
    path("page/", page_losing_the_database),
    path("hello/", page_reading_the_session),
    path("api/v1/products", page_losing_the_database),
    path("bug/", page_with_a_bad_query),
]
handler500 = "shanhai.core.http.server_error"


def expected_message() -> str:
    with translation.override("zh-hans"):
        return translation.gettext(
            "The database is temporarily unavailable. Please try again shortly."
        )


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (psycopg.OperationalError("connection failed: No such file or directory"), True),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), True),
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.errors.TooManyConnections("too many clients already"), True),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), False),
        (psycopg.errors.DeadlockDetected("deadlock detected"), False),
    ],
)
def test_only_an_unreachable_database_counts_as_unavailable(error, unavailable):
    assert is_database_unavailable(wrapped(error)) is unavailable


@pytest.mark.urls(__name__)
def test_a_page_that_loses_the_database_answers_a_clean_503_page():
    client = Client(raise_request_exception=False)

    response = client.get("/page/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert expected_message() in response.text
    assert 'id="database-unavailable"' in response.text
    assert "Traceback" not in response.text
    assert int(response["Retry-After"]) > 0


@pytest.mark.urls(__name__)
def test_the_api_answers_a_json_503():
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/products")

    assert response.status_code == 503
    assert response.json() == {"detail": expected_message(), "code": "database_unavailable"}


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_losing_the_database_while_reading_the_session_is_a_503_too(monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory.create())

    def fail(self):
        raise lost_connection()

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", fail)
    response = client.get("/hello/")  # the view itself would answer 200

    assert response.status_code == 503
    assert expected_message() in response.text


@pytest.mark.urls(__name__)
def test_a_query_bug_is_still_a_server_error():
    client = Client(raise_request_exception=False)

    response = client.get("/bug/")

    assert response.status_code == 500
