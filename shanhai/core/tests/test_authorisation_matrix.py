"""Every URL of the site, asked for by every kind of person, about objects inside and outside
their pairings, answers as the matrix below says (issue 10, "Authorisation, proven").

The matrix is generated from the URL configuration: a URL pattern the matrix does not know
fails the first test, so a new view is checked from the day it is added. Each pattern has one
rule:

- PUBLIC: anyone may open it, signed in or not; the rule says why.
- SIGNED_IN: anonymous visitors are sent to sign in; anyone signed in may open it, and what it
  lists never includes tree B's rows when people of tree A ask.
- REFERENCE: like SIGNED_IN, for reference data (places, organisations) every signed-in person
  may read in any tree; the page still never lists B's confidential rows.
- SCOPED: it names an object (in the path, or ``?pairing=``) that belongs to a pairing. People of
  A asking about B's object get 403 or 404 and change nothing; people of A without the rule's
  action in the object's pairing are refused too; a superuser reaches B's object (so the refusal
  is not a dead link).
- ADMIN: the Django admin; staff only.
- API: the sales API; a channel API key only, and only for its own channel's data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Model
from django.test import Client, override_settings
from django.urls import reverse

from shanhai.accounts.models import Action
from shanhai.consumption.models import SaleFlag
from shanhai.core.tests.urlmatrix import MARKER, Route, Tree, World, all_routes, build_world
from shanhai.labor.models import Placement, TransferBatch
from shanhai.news.models import Article, Proposal
from shanhai.places.selectors import user_can
from shanhai.portal.selectors import PUBLISH

PUBLIC = "public"
SIGNED_IN = "signed-in"
REFERENCE = "reference"
SCOPED = "scoped"
ADMIN = "admin"
API = "api"

GET, POST = "GET", "POST"
READ, WRITE, READ_WRITE = (GET,), (POST,), (GET, POST)
DENIED = {403, 404}


@dataclass(frozen=True)
class Rule:
    """What a URL pattern answers, and how to fill it in.

    *args* maps a URL argument to a key of the tree's objects (``Tree.ids``) or, when it is no
    such key, to a literal value; arguments not named are looked up under their own name.
    *query* adds a query string the same way (``{"pairing": "code"}``). *action* is what the
    person must be able to do in the object's pairing (None: the view decides otherwise, e.g.
    only the person who started a job sees it; then only B's objects are checked).
    """

    kind: str
    methods: tuple[str, ...] = READ
    action: str | None = Action.VIEW
    args: dict[str, Any] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    get_action: str | None = None  # when a GET needs less than a POST (it only shows a page)
    reason: str = ""  # why a PUBLIC page is public
    finds_b: bool = True  # a superuser opening B's object gets it (GET)


def public(reason: str, methods: tuple[str, ...] = READ, **kw: Any) -> Rule:
    return Rule(PUBLIC, methods, None, reason=reason, **kw)


def scoped(methods: tuple[str, ...] = READ, action: str | None = Action.VIEW, **kw: Any) -> Rule:
    return Rule(SCOPED, methods, action, **kw)


def signed_in(methods: tuple[str, ...] = READ, **kw: Any) -> Rule:
    return Rule(SIGNED_IN, methods, None, **kw)


VIEW, RECORD, CONFIRM, PLAN = Action.VIEW, Action.RECORD, Action.CONFIRM, Action.PLAN
IN_MARKET = {"pairing": "code"}  # the market pages take their pairing as ?pairing=

# The matrix: every URL pattern by name → its rule. Keep it in URL order.
RULES: dict[str, Rule] = {
    "set_language": public("switching the language needs no account", WRITE),
    "accounts:login": public("the sign-in page", READ_WRITE),
    "accounts:login-verify": public("the sign-in's second step; with no first step, sends back"),
    "accounts:logout": public("signing out is harmless for anyone", WRITE),
    "accounts:security": signed_in(),
    "accounts:totp-enrol": signed_in(),
    "accounts:totp-remove": signed_in(WRITE),
    "accounts:logout-everywhere": signed_in(WRITE),
    "accounts:password-change": signed_in(READ_WRITE),
    "accounts:password-change-done": signed_in(),
    "accounts:password-reset": public("asking for a reset link is for people who cannot sign in"),
    "accounts:password-reset-done": public("says a link was sent, whoever asked"),
    "accounts:password-reset-confirm": public(
        "the emailed link; a wrong token shows an error", args={"uidb64": "MQ", "token": "x-y"}
    ),
    "accounts:password-reset-complete": public("says the password was reset"),
    "core:health-live": public("load balancer probe; says only that the process runs"),
    "core:health-ready": public("load balancer probe; says only whether the database answers"),
    # ledger
    "ledger:timeline": scoped(),
    "ledger:record-create": scoped(READ_WRITE, RECORD, args={"kind": "visit"}),
    "ledger:record-quick": scoped(READ_WRITE, RECORD),
    "ledger:record-list": signed_in(args={"kind": "visit"}),
    "ledger:record-detail": scoped(),
    "ledger:record-edit": scoped(READ_WRITE, RECORD),
    "ledger:record-confirm": scoped(WRITE, CONFIRM),
    "ledger:record-query": scoped(WRITE, CONFIRM, data={"text": "请核实"}),
    "ledger:record-reply": scoped(WRITE, VIEW, data={"text": "已核实"}),
    "ledger:evidence-upload": scoped(WRITE, RECORD),
    "ledger:transaction-create": scoped(WRITE, RECORD),
    "ledger:evidence-file": scoped(args={"variant": "file"}),
    # indicators
    "indicators:overview": signed_in(),
    "indicators:progress": scoped(),
    "indicators:targets": scoped(READ_WRITE, PLAN, args={"year": 2023}),
    "indicators:targets-import": scoped(WRITE, PLAN, args={"year": 2023}),
    "indicators:targets-template": scoped(READ, PLAN, args={"year": 2023}),
    "indicators:assessment-move": scoped(WRITE, None, args={"year": 2023}),
    "indicators:indicator-records": scoped(args={"year": 2023, "indicator_code": "indicator"}),
    # reports: a job is its requester's alone
    "reports:job-create": scoped(WRITE, VIEW, args={"year": 2023}, data={"fmt": "json"}),
    "reports:job": scoped(READ, None, args={"job_id": "report_job_id"}, finds_b=False),
    "reports:job-file": scoped(READ, None, args={"job_id": "report_job_id"}, finds_b=False),
    "reports:annual": scoped(args={"year": 2023, "fmt": "json"}),
    # places
    "places:home": signed_in(),
    "places:pairing-tree": signed_in(),
    "places:pairing-detail": scoped(),
    "places:place-list": Rule(REFERENCE),
    "places:place-detail": Rule(REFERENCE),
    "places:organisation-list": Rule(REFERENCE),
    "places:organisation-detail": Rule(REFERENCE),
    # imports: a job is its uploader's alone
    "imports:upload": signed_in(READ_WRITE),
    "imports:job": scoped(READ, None, args={"job_id": "import_job_id"}, finds_b=False),
    "imports:job-status": scoped(READ, None, args={"job_id": "import_job_id"}, finds_b=False),
    "imports:job-mapping": scoped(WRITE, None, args={"job_id": "import_job_id"}),
    "imports:job-commit": scoped(WRITE, None, args={"job_id": "import_job_id"}),
    "imports:template": signed_in(args={"kind": "visits"}),
    "imports:export": scoped(args={"kind": "visits", "fmt": "csv"}, query={"pairing": "code"}),
    # labor
    "labor:home": signed_in(),
    "labor:love-posts": public("爱心岗位 are advertised to job seekers; jobs only, no workers"),
    "labor:overview": scoped(),
    "labor:worker-list": scoped(),
    "labor:worker-create": scoped(READ_WRITE, RECORD),
    "labor:due": scoped(),
    "labor:posting-list": scoped(),
    "labor:posting-create": scoped(READ_WRITE, RECORD),
    "labor:batch-list": scoped(),
    "labor:batch-create": scoped(READ_WRITE, RECORD),
    "labor:claim-list": scoped(),
    "labor:subsidies-compute": scoped(WRITE, RECORD),
    "labor:worker-detail": scoped(),
    "labor:worker-edit": scoped(READ_WRITE, RECORD),
    "labor:worker-reveal": scoped(WRITE, RECORD, data={"reason": "核对身份"}),
    "labor:worker-anonymise": scoped(READ_WRITE, RECORD, data={"reason": "本人申请"}),
    "labor:placement-create": scoped(READ_WRITE, RECORD),
    "labor:placement-end": scoped(READ_WRITE, RECORD),
    "labor:followup-create": scoped(READ_WRITE, RECORD),
    "labor:followup-quick": scoped(WRITE, RECORD),
    "labor:posting-edit": scoped(READ_WRITE, RECORD),
    "labor:batch-detail": scoped(),
    "labor:claim-move": scoped(WRITE, RECORD, data={"status": "claimed"}),
    "labor_matching:worker-matches": scoped(),
    "labor_matching:posting-candidates": scoped(),
    "labor_matching:assignment": scoped(READ, RECORD),
    "labor_matching:assignment-accept": scoped(WRITE, RECORD),
    # consumption
    "consumption:home": signed_in(),
    "consumption:supplier-list": signed_in(),
    "consumption:supplier-create": signed_in(READ_WRITE),
    "consumption:supplier-detail": scoped(),
    "consumption:supplier-edit": scoped(READ_WRITE, RECORD),
    "consumption:linkage-edit": scoped(READ_WRITE, RECORD),
    "consumption:product-create": scoped(READ_WRITE, RECORD),
    "consumption:product-detail": scoped(),
    "consumption:product-edit": scoped(READ_WRITE, RECORD),
    "consumption:certification-queue": signed_in(),
    "consumption:certification-apply": scoped(READ_WRITE, RECORD),
    "consumption:certification-detail": scoped(READ_WRITE, VIEW),
    "consumption:certification-evidence": scoped(finds_b=False),  # the step has no file
    "consumption:channel-list": signed_in(),
    "consumption:channel-create": signed_in(READ_WRITE),
    "consumption:channel-detail": scoped(),
    "consumption:channel-key-issue": scoped(
        READ_WRITE, PLAN, get_action=VIEW, data={"name": "新密钥"}
    ),
    "consumption:channel-key-revoke": scoped(WRITE, PLAN),
    "consumption:sale-create": scoped(READ_WRITE, RECORD),
    "consumption:sale-list": signed_in(),
    "consumption:flag-list": signed_in(),
    "consumption:flag-resolve": signed_in(
        WRITE, data={"flags": "flag_id", "resolution": "excluded", "note": "越权"}
    ),
    "consumption_market:dashboard": scoped(query=IN_MARKET),
    "consumption_market:quota-list": scoped(READ_WRITE, VIEW, query=IN_MARKET),
    "consumption_market:demand-list": scoped(query=IN_MARKET),
    "consumption_market:demand-create": scoped(READ_WRITE, RECORD, query=IN_MARKET),
    "consumption_market:demand-detail": scoped(READ_WRITE, VIEW),
    "consumption_market:guidance": scoped(query=IN_MARKET),
    "consumption_market:notice-create": scoped(READ_WRITE, RECORD, query=IN_MARKET),
    "consumption_market:producer": public(
        "growers read what the east will want; no buyer's name or price", finds_b=False
    ),
    # news
    "news:article-list": signed_in(),
    "news:article-add": signed_in(READ_WRITE),
    "news:article-detail": scoped(),
    "news:proposal-accept": scoped(WRITE, RECORD),
    "news:proposal-reject": scoped(WRITE, RECORD),
    "news:proposal-link": scoped(WRITE, RECORD, data={"record": "record_id"}),
    "news:proposal-reopen": scoped(WRITE, RECORD),
    # portal: public pages show only what an office published
    "portal:index": public("the public portal lists pairings that publish"),
    "portal:pairing": public("a pairing's published figures and news", finds_b=False),
    "portal:article": public("one published article; unpublished ones are 404", finds_b=False),
    "portal:manage": scoped(READ_WRITE, PUBLISH),
    # the sales API
    "api:openapi-json": public("the API's description, for channels' developers"),
    "api:openapi-view": public("the API's documentation page"),
    "api:api-root": public("the API's root answers 404 to anyone"),
    "api:push_sales": Rule(API, WRITE, None),
    "api:get_sale": Rule(API),
    "api:get_batch": Rule(API, args={"batch_id": "sales_batch_id"}),
    "api:list_products": Rule(API),
    "api:unknown_path": Rule(API, args={"rest": "v1/nothing"}, finds_b=False),
    "admin:login": public("the back office's sign-in page", READ_WRITE),
    "admin:logout": public("signing out is harmless for anyone", WRITE),
}
ADMIN_RULE = Rule(ADMIN, READ, None)  # every admin:* pattern: the admin site is staff-only


def rule_for(route: Route) -> Rule | None:
    if route.name in RULES:
        return RULES[route.name]
    if route.name.startswith("admin:") or route.route.startswith("admin/"):
        return ADMIN_RULE
    return None


# ---------------------------------------------------------------------------------------------
# The world, built once for the module

MODELS: list[type[Model]] = [
    model for model in apps.get_models() if model.__module__.startswith("shanhai.")
]


@pytest.fixture(scope="module")
def world(
    request: pytest.FixtureRequest,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        named = routes()
        outside = sum(1 for r in named if rule_for(r) is not ADMIN_RULE)
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\nauthorisation matrix: {len(named)} URL patterns ({outside} outside the "
                f"admin), {TALLY.requests} requests, {len(A_PEOPLE) + 2} kinds of people"
            )


@dataclass
class Tally:
    requests: int = 0


TALLY = Tally()


def fill(value: Any, tree: Tree, world: World) -> Any:
    if value == "indicator":
        return world.indicator_code
    if isinstance(value, str) and value in tree.ids:
        return tree.ids[value]
    return value


def url_for(route: Route, rule: Rule, tree: Tree, world: World) -> str:
    kwargs = {name: fill(rule.args.get(name, name), tree, world) for name in route.params}
    url = reverse(route.name, kwargs=kwargs)
    if rule.query:
        url += "?" + "&".join(f"{k}={fill(v, tree, world)}" for k, v in rule.query.items())
    return url


def body(rule: Rule, tree: Tree, world: World) -> dict[str, Any]:
    return {key: fill(value, tree, world) for key, value in rule.data.items()}


def sign_in(world: World, *names: str) -> dict[str, Client]:
    """Return a client for each person named, signed in (each sign-in writes an audit event,
    so sign everyone in before counting rows)."""
    clients = {}
    for name in names:
        clients[name] = client = Client()
        user = world.users[name]
        if user is not None:
            client.force_login(user)
    return clients


def ask(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    TALLY.requests += 1
    if method == GET:
        return client.get(url)
    return client.post(url, data or {})


def text_of(response: Any) -> str:
    content: bytes = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    return content.decode("utf-8", "replace")


def snapshot() -> dict[str, tuple[Any, ...]]:
    """Count, last id and last change of every table of the project's apps."""
    found = {}
    for model in MODELS:
        values: dict[str, Any] = {"n": Count("pk"), "last": Max("pk")}
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            values["changed"] = Max("updated_at")
        found[model._meta.label] = tuple(model._base_manager.aggregate(**values).values())
    return found


def pairing_of(tree: Tree, route: Route, rule: Rule) -> Any:
    """The pairing the object a URL names belongs to (suppliers and below: the town)."""
    names = {rule.args.get(p, p) for p in route.params} | set(rule.query.values())
    return (
        tree.town
        if names & {"supplier_id", "product_id", "certification_id", "step_id"}
        else (tree.county)
    )


def routes() -> list[Route]:
    return sorted(all_routes(), key=lambda r: r.name)


def matrix_routes(*kinds: str) -> list[Any]:
    chosen = [r for r in routes() if (rule := rule_for(r)) is not None and rule.kind in kinds]
    return [pytest.param(r, id=r.name) for r in chosen]


A_PEOPLE = [
    "no_grant",
    "office_east",
    "office_west",
    "department",
    "town_liaison",
    "viewer",
    "administrator",
]


# ---------------------------------------------------------------------------------------------
# The matrix covers the URL configuration


def test_every_url_pattern_of_the_site_has_a_rule_in_the_matrix():
    unknown = [r.name for r in routes() if rule_for(r) is None]
    stale = sorted(set(RULES) - {r.name for r in routes()})

    assert unknown == [], f"add these URL patterns to RULES: {unknown}"
    assert stale == [], f"these rules name no URL pattern any more: {stale}"
    assert all(rule.reason for rule in RULES.values() if rule.kind == PUBLIC)


# ---------------------------------------------------------------------------------------------
# Anonymous visitors


@pytest.mark.django_db
@pytest.mark.parametrize("route", matrix_routes(SIGNED_IN, REFERENCE, SCOPED))
def test_an_anonymous_visitor_is_sent_to_sign_in(route, world):
    rule = rule_for(route)
    assert rule is not None
    before = snapshot() if POST in rule.methods else None
    for method in rule.methods:
        url = url_for(route, rule, world.a, world)
        response = ask(Client(), method, url, body(rule, world.a, world))

        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse(settings.LOGIN_URL)), (method, url)
    if before is not None:
        assert snapshot() == before, url


@pytest.mark.django_db
@pytest.mark.parametrize("route", matrix_routes(PUBLIC))
def test_a_public_page_answers_anyone_and_never_shows_b_s_private_rows(route, world):
    rule = rule_for(route)
    assert rule is not None
    for tree in (world.a, world.b):
        url = url_for(route, rule, tree, world)
        for method in rule.methods:
            response = ask(Client(), method, url, body(rule, tree, world))

            assert response.status_code < 500, (method, url)
            if route.name.startswith("portal:"):
                assert MARKER not in text_of(response), url


@pytest.mark.django_db
@pytest.mark.parametrize("route", matrix_routes(ADMIN))
def test_the_admin_site_is_for_staff_only(route, world):
    url = _admin_url(route, world)
    outside_staff = ("anonymous", "no_grant", "administrator")  # the Administrator role too
    clients = sign_in(world, *outside_staff, "superuser")
    for who in outside_staff:
        response = ask(clients[who], GET, url)

        assert response.status_code == 302, (who, url)
        assert response["Location"].startswith(reverse("admin:login")), (who, url)
    assert ask(clients["superuser"], GET, url).status_code < 500, url


def _admin_url(route: Route, world: World) -> str:
    values = {"object_id": str(world.a.county.pk), "content_type_id": "1", "url": "x"}
    if "<unnamed" in route.name:
        url = "/" + route.route
        for name in route.params:
            url = re.sub(rf"<(\w+:)?{name}>|\(\?P<{name}>[^)]*\)", values.get(name, "1"), url)
        return url.rstrip("$")
    kwargs = {}
    for name in route.params:
        if name == "app_label":
            kwargs[name] = route.route.split("(?P<app_label>", 1)[1].split("|")[0].strip("()")
        else:
            kwargs[name] = values.get(name, "1")
    return reverse(route.name, kwargs=kwargs)


# ---------------------------------------------------------------------------------------------
# People of tree A


@pytest.mark.django_db
@pytest.mark.parametrize("route", matrix_routes(SCOPED))
def test_people_of_tree_a_are_refused_b_s_objects_and_change_nothing(route, world):
    rule = rule_for(route)
    assert rule is not None
    url = url_for(route, rule, world.b, world)
    data = body(rule, world.b, world)
    clients = sign_in(world, *A_PEOPLE)
    before = snapshot() if POST in rule.methods else None
    for who in A_PEOPLE:
        for method in rule.methods:
            response = ask(clients[who], method, url, data)

            assert response.status_code in DENIED, (who, method, url, response.status_code)
            assert MARKER not in text_of(response), (who, method, url)
    if before is not None:
        assert snapshot() == before, url


def _finds_b(param: Any) -> bool:
    rule = rule_for(param.values[0])
    return rule is not None and rule.finds_b and GET in rule.methods


@pytest.mark.django_db
@pytest.mark.parametrize("route", [p for p in matrix_routes(SCOPED) if _finds_b(p)])
def test_a_superuser_reaches_b_s_object_so_the_refusal_is_no_dead_link(route, world):
    rule = rule_for(route)
    assert rule is not None
    url = url_for(route, rule, world.b, world)
    client = sign_in(world, "superuser")["superuser"]

    assert ask(client, GET, url).status_code not in DENIED, url


@pytest.mark.django_db
@pytest.mark.parametrize("route", matrix_routes(SCOPED))
def test_people_of_tree_a_without_the_action_are_refused_a_s_objects(route, world):
    rule = rule_for(route)
    assert rule is not None
    url = url_for(route, rule, world.a, world)
    data = body(rule, world.a, world)
    pairing = pairing_of(world.a, route, rule)
    clients = sign_in(world, *A_PEOPLE)

    def may(who: str, method: str) -> bool:
        action = (rule.get_action if method == GET else None) or rule.action
        user = world.users[who]
        return action is None or (user is not None and user_can(user, pairing, action))

    before = snapshot() if POST in rule.methods else None
    for method in rule.methods:  # first the refusals, so nothing allowed hides what they did
        for who in [w for w in A_PEOPLE if not may(w, method)]:
            response = ask(clients[who], method, url, data)

            assert response.status_code in DENIED, (who, method, url, response.status_code)
    if before is not None:
        assert snapshot() == before, url
    for who in [w for w in A_PEOPLE if GET in rule.methods and may(w, GET)]:
        response = ask(clients[who], GET, url)

        assert response.status_code < 500, (who, url)
        assert MARKER not in text_of(response), (who, url)


@pytest.mark.django_db
@pytest.mark.parametrize("route", matrix_routes(SIGNED_IN, REFERENCE))
def test_pages_for_everyone_signed_in_never_list_b_s_rows_to_people_of_a(route, world):
    rule = rule_for(route)
    assert rule is not None
    trees = (world.a, world.b) if rule.kind == REFERENCE else (world.a,)
    clients = sign_in(world, *A_PEOPLE)
    before = snapshot()
    for tree in trees:
        url = url_for(route, rule, tree, world)
        data = body(rule, world.b, world)  # a write names B's rows, if it names any
        for who in A_PEOPLE:
            for method in rule.methods:
                response = ask(clients[who], method, url, data)

                assert response.status_code < 500, (who, method, url)
                assert MARKER not in text_of(response), (who, method, url)
    if rule.data:  # a write aimed at B's rows changes nothing
        assert snapshot() == before, route.name


# Forms that name B's objects in their body, posted to A's own URLs by A's office, who may
# write there: the form offers only what the person may see, so B's objects are refused.
# route → (the body, with B's objects by key, and what must still hold of B afterwards)
B_IN_THE_BODY: dict[str, tuple[dict[str, Any], Any]] = {
    "news:proposal-link": (
        {"record": "record_id"},
        lambda b: not Proposal.objects.filter(record_id=b.ids["record_id"]).exists(),
    ),
    "labor:placement-create": (
        {
            "posting": "posting_id",
            "started_on": "2024-05-01",
            "channel": "self_found",
            "work_place": "place_id",
        },
        lambda b: Placement.objects.filter(posting_id=b.ids["posting_id"]).count() == 1,
    ),
    "labor:batch-create": (
        {
            "workers": "worker_id",
            "departed_on": "2024-05-01",
            "organiser": "越权",
            "transport": "bus",
            "destination": "place_id",
        },
        lambda b: TransferBatch.objects.filter(workers=b.ids["worker_id"]).count() == 1,
    ),
    "portal:manage": (
        {"articles": "article_id"},
        lambda b: not Article.objects.filter(pk=b.ids["article_id"], is_public=True).exists(),
    ),
    "consumption:flag-resolve": (
        {"flags": "flag_id", "resolution": "excluded", "note": "越权"},
        lambda b: SaleFlag.objects.get(pk=b.ids["flag_id"]).status == SaleFlag.Status.OPEN,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(B_IN_THE_BODY))
def test_a_form_on_a_s_page_naming_b_s_objects_changes_nothing_of_b(name, world):
    data, still_holds = B_IN_THE_BODY[name]
    route = next(r for r in routes() if r.name == name)
    rule = rule_for(route)
    assert rule is not None
    url = url_for(route, rule, world.a, world)
    client = sign_in(world, "office_east")["office_east"]
    assert still_holds(world.b)

    response = ask(client, POST, url, {k: fill(v, world.b, world) for k, v in data.items()})

    assert response.status_code < 500, url
    assert MARKER not in text_of(response), url
    assert still_holds(world.b), url


# ---------------------------------------------------------------------------------------------
# The sales API


def _api(world: World, key: str | None, method: str, url: str, payload: Any = None) -> Any:
    client = Client()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    TALLY.requests += 1
    if method == GET:
        return client.get(url, headers=headers)
    return client.post(url, json.dumps(payload or {}), "application/json", headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize("route", matrix_routes(API))
def test_the_api_wants_a_channel_key_and_gives_a_channel_only_its_own_data(route, world):
    rule = rule_for(route)
    assert rule is not None
    method = rule.methods[0]
    for tree in (world.a, world.b):
        url = url_for(route, rule, tree, world)
        for key in (None, "sh_not-a-key"):
            assert _api(world, key, method, url).status_code == 401, (key, url)
        for who, client in sign_in(world, "office_east", "superuser").items():
            TALLY.requests += 1  # a session is no API key
            assert client.generic(method, url).status_code == 401, (who, url)

    url_b = url_for(route, rule, world.b, world)
    before = snapshot()
    response = _api(world, world.a_channel_key, method, url_b)

    assert MARKER not in text_of(response), url_b
    if route.params:
        assert response.status_code == 404, url_b
    if method == POST:
        assert response.status_code in {400, 404, 422}, url_b
        assert snapshot() == before
    url_a = url_for(route, rule, world.a, world)
    if method == GET and rule.finds_b:
        assert _api(world, world.a_channel_key, GET, url_a).status_code == 200, url_a
