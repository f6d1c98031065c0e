"""One world for the authorisation matrix: two unrelated pairing trees, A and B, each holding an
object of every kind a URL can name, and the people who work in A.

Every confidential thing in B carries MARKER in its name, so a page that shows any of B's rows
can be caught by looking for the marker in the response. A's names never contain it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

from shanhai.accounts.models import Role, Side, User
from shanhai.accounts.tests.factories import UserFactory
from shanhai.consumption import services as consumption
from shanhai.consumption.models import Buyer, Channel, SaleFlag, Supplier
from shanhai.consumption.services import SaleInput
from shanhai.consumption.tests.conftest import certify
from shanhai.core.tests.factories import SourceFactory
from shanhai.imports.models import ImportJob
from shanhai.indicators.models import Indicator
from shanhai.labor import services as labor
from shanhai.labor.models import SubsidyClaim, SubsidyRule, TransferBatch
from shanhai.labor.tests.factories import posting, worker
from shanhai.ledger import services as ledger
from shanhai.ledger.tests.factories import VisitFactory, pdf_upload, person
from shanhai.news.models import Article, Proposal
from shanhai.places.models import Pairing, Place
from shanhai.places.tests.factories import OrganisationFactory, PairingFactory, PlaceFactory
from shanhai.reports.models import ReportJob

MARKER = "乙树机密"


# ---------------------------------------------------------------------------------------------
# The URL configuration, walked


@dataclass(frozen=True)
class Route:
    """One URL pattern: its namespaced name, its route as written, and the arguments it takes."""

    name: str
    route: str
    params: tuple[str, ...]


def _params(pattern: Any) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return tuple(pattern.regex.groupindex)
    return ()


def all_routes() -> list[Route]:
    """Return every URL pattern of the site, included ones and the API's, once each."""
    found: dict[str, Route] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str, params: tuple[str, ...]) -> None:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            here = (*params, *_params(entry.pattern))
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, route, inner, here)
            elif isinstance(entry, URLPattern):
                name = entry.name or f"<unnamed {route}>"
                full = f"{namespace}:{name}" if namespace else name
                found.setdefault(full, Route(full, route, here))

    walk(get_resolver(), "", "", ())
    return list(found.values())


# ---------------------------------------------------------------------------------------------
# The world


@dataclass
class Tree:
    """A county pairing with a town pairing below it, and one object of every kind in it."""

    county: Pairing
    town: Pairing
    east_county: Place
    west_town: Place
    recorder: User  # the east cooperation office that recorded everything here
    ids: dict[str, Any] = field(default_factory=dict)  # URL argument → this tree's value


@dataclass
class World:
    a: Tree
    b: Tree
    users: dict[str, User | None]  # who asks: None is anonymous
    a_channel_key: str  # a live API key of A's channel
    indicator_code: str


def _tree(tag: str, label: str, rule: SubsidyRule) -> Tree:
    east_county = PlaceFactory.create(name=f"{label}东区", level=Place.Level.COUNTY, side=Side.EAST)
    west_county = PlaceFactory.create(name=f"{label}西县", level=Place.Level.COUNTY, side=Side.WEST)
    east_town = PlaceFactory.create(name=f"{label}东镇", parent=east_county)
    west_town = PlaceFactory.create(name=f"{label}西镇", parent=west_county)
    village = PlaceFactory.create(name=f"{label}西村", level=Place.Level.VILLAGE, parent=west_town)
    county = PairingFactory.create(
        code=f"{tag}-county", east_place=east_county, west_place=west_county
    )
    town = PairingFactory.create(
        code=f"{tag}-town",
        kind=Pairing.Kind.TOWN,
        parent=county,
        east_place=east_town,
        west_place=west_town,
    )
    office = person(county, Role.COOPERATION_OFFICE, Side.EAST, display_name=f"{label}协作办")
    tree = Tree(county, town, east_county, west_town, office)
    secret = MARKER if tag == "b" else label  # only B's names carry the marker
    today = timezone.localdate()

    record = VisitFactory.create(pairing=county, recorded_by=office, title=f"{secret}-考察记录")
    evidence = ledger.attach_evidence(record=record, file=pdf_upload(), uploaded_by=office)

    person_ = worker(county, office, origin=west_town, serial=1 if tag == "a" else 2)
    person_.name = f"{secret}-劳动力"
    person_.save(update_fields=["name"])
    job = posting(
        county,
        office,
        work_place=east_county,
        title=f"{secret}-岗位",
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=60),
        employer=OrganisationFactory.create(name=f"{label}-用工企业", place=east_county),
    )
    batch = labor.record_transfer_batch(
        batch=TransferBatch(
            pairing=county,
            departed_on=today - timedelta(days=96),
            organiser=f"{secret}-人社局",
            transport="bus",
            destination=east_county,
        ),
        workers=[person_],
        recorded_by=office,
    )
    placement = labor.record_placement(
        worker=person_,
        posting=job,
        started_on=today - timedelta(days=95),
        work_place=east_county,
        channel="transfer",
        batch=batch,
        monthly_wage=5200,
        recorded_by=office,
    )
    labor.record_followup(
        placement=placement, checked_on=today - timedelta(days=5), is_employed=True,
        recorded_by=office,
    )  # fmt: skip
    labor.compute_subsidies(pairing=county, user=office)
    claim = SubsidyClaim.objects.get(placement=placement, rule=rule)

    supplier = consumption.register_supplier(
        pairing=town,
        recorded_by=office,
        name=f"{secret}-合作社",
        kind=Supplier.Kind.COOPERATIVE,
        place=village,
        registered_on=date(2021, 5, 1),
    )
    product = consumption.register_product(
        supplier=supplier,
        recorded_by=office,
        name=f"{secret}-猕猴桃",
        category="fruit",
        unit="箱",
        unit_kg=Decimal("2.5"),
        reference_price=Decimal("60"),
        capacity_quantity=Decimal("1000"),
        capacity_amount=Decimal("600000"),
    )
    certification = certify(product, office, number=f"{tag.upper()}-CERT")
    channel = consumption.register_channel(
        pairing=county, recorded_by=office, name=f"{secret}-消费帮扶馆", kind=Channel.Kind.PLATFORM
    )
    token, key = consumption.issue_channel_token(
        channel=channel, name=f"{secret}-密钥", issued_by=office
    )
    buyer = consumption.register_buyer(
        recorded_by=office, pairing=county, name=f"{label}-工会", kind=Buyer.Kind.UNION,
        side=Side.EAST,
    )  # fmt: skip
    outcome = consumption.ingest_sales(
        channel=channel,
        sales=[
            SaleInput(f"{tag.upper()}-ORDER-1", date(2023, 9, 1), product.pk, Decimal(1),
                      Decimal(60), buyer_id=buyer.pk),
            SaleInput(f"{tag.upper()}-ORDER-2", date(2023, 9, 2), product.pk, Decimal(1),
                      Decimal(6000), buyer_id=buyer.pk),
        ],
        entry_method="api",
        token=token,
    )  # fmt: skip
    assert outcome.batch is not None
    flag = SaleFlag.objects.filter(line__channel=channel).order_by("pk").first()
    assert flag is not None, "the overpriced sale is flagged"
    demand = consumption.post_demand(
        pairing=county,
        buyer=buyer,
        posted_by=office,
        category="fruit",
        product_name=f"{secret}-需求",
        quantity_kg=Decimal(12000),
        deliver_from=date(2023, 9, 1),
        deliver_to=date(2023, 10, 31),
    )

    article = Article.objects.create(
        source=SourceFactory.create(key=f"matrix-{tag}", title=f"{secret}-报道来源"),
        pairing=county,
        digest=f"{tag}" * 64,
        title=f"{secret}-内部报道",
        text=f"{secret}-报道正文",
        added_by=office,
    )
    proposal = Proposal.objects.create(
        article=article, position=0, kind="visit", values={"title": f"{secret}-建议记录"}
    )
    import_job = ImportJob.objects.create(
        kind="visits",
        pairing=county,
        file=ContentFile(b"PK", name=f"{tag}.xlsx"),
        file_name=f"{secret}-导入.xlsx",
        sha256=f"{tag}" * 64,
        created_by=office,
        status=ImportJob.Status.READY,
    )
    report_job = ReportJob.objects.create(
        pairing=county,
        year=2023,
        first_year=2023,
        fmt="json",
        requested_by=office,
        status=ReportJob.Status.DONE,
        progress=100,
        file=ContentFile(f'{{"title": "{secret}-年报"}}'.encode(), name=f"{tag}.json"),
        filename=f"{tag}-年报.json",
    )
    tree.ids = {
        "code": county.code,
        "record_id": record.pk,
        "evidence_id": evidence.pk,
        "worker_id": person_.pk,
        "placement_id": placement.pk,
        "posting_id": job.pk,
        "batch_id": batch.pk,
        "sales_batch_id": outcome.batch.pk,
        "flag_id": flag.pk,
        "claim_id": claim.pk,
        "supplier_id": supplier.pk,
        "product_id": product.pk,
        "certification_id": certification.pk,
        "step_id": certification.steps.order_by("pk").first().pk,  # type: ignore[union-attr]
        "channel_id": channel.pk,
        "token_id": token.pk,
        "demand_id": demand.pk,
        "article_id": article.pk,
        "proposal_id": proposal.pk,
        "import_job_id": import_job.pk,
        "report_job_id": report_job.pk,
        "order_id": f"{tag.upper()}-ORDER-1",
        "place_id": west_town.pk,
        "organisation_id": job.employer_id,
        "key": key,
    }
    return tree


def build_world() -> World:
    """Build trees A and B and everyone who asks; see the module's docstring."""
    rule = SubsidyRule.objects.create(
        code="matrix-transport", name="跨省交通补贴", kind="transport", amount=Decimal(800),
        valid_from=date(2020, 1, 1),
    )  # fmt: skip
    a = _tree("a", "甲树", rule)
    b = _tree("b", "乙树", rule)
    users: dict[str, User | None] = {
        "anonymous": None,
        "no_grant": UserFactory.create(username="no-grant", side=Side.EAST),
        "office_east": a.recorder,
        "office_west": person(a.county, Role.COOPERATION_OFFICE, Side.WEST),
        "department": person(a.county, Role.DEPARTMENT_LIAISON, Side.EAST),
        "town_liaison": person(a.town, Role.TOWN_LIAISON, Side.WEST),
        "viewer": person(a.county, Role.VIEWER, Side.EAST),
        "administrator": person(a.county, Role.ADMINISTRATOR, Side.EAST),
        "superuser": UserFactory.create(username="root", is_superuser=True, is_staff=True),
    }
    indicator = Indicator.objects.order_by("pk").first()
    return World(
        a=a,
        b=b,
        users=users,
        a_channel_key=a.ids["key"],
        indicator_code=indicator.code if indicator else "none",
    )
