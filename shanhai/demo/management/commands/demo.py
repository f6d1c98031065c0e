"""`shanhai demo`: load the Songjiang–Weixin demo (again) and print the accounts to log in with."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from shanhai.demo import consumption, labor, ledger, news, places
from shanhai.indicators.catalogue import SHIPPED, load_catalogue, read_catalogue_file


class Command(BaseCommand):
    help = "Load the Songjiang–Weixin demo data; safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        # The shipped indicator catalogue, brought up to date if it changed since the migration.
        load_catalogue(data=read_catalogue_file(SHIPPED / "2021.json"))
        users = places.load()
        summary = ledger.load(users)
        labor_summary = labor.load(users)
        consumption_summary = consumption.load(users)
        news_summary = news.load(users)
        self.stdout.write(self.style.SUCCESS(_("Demo data loaded.")))
        self.stdout.write(
            _("Ledger: %(total)d demo records (%(created)d new this time).")
            % {"total": summary.total, "created": summary.created}
        )
        self.stdout.write(
            _(
                "Labor: %(workers)d illustrative workers, %(placements)d placements, "
                "%(batches)d organised transfers."
            )
            % {
                "workers": labor_summary.workers,
                "placements": labor_summary.placements,
                "batches": labor_summary.batches,
            }
        )
        self.stdout.write(consumption_summary.message())
        self.stdout.write(
            _(
                "News: the founding article, %(proposals)d proposed records — %(linked)d "
                "already in the ledger and linked, %(to_review)d to review."
            )
            % {
                "proposals": news_summary.proposals,
                "linked": news_summary.linked,
                "to_review": news_summary.to_review,
            }
        )
        self.stdout.write(
            _("Demo accounts (password: %(password)s):") % {"password": places.DEMO_PASSWORD}
        )
        for user in users:
            grants = ", ".join(
                f"{grant.pairing.code} ({grant.get_role_display()})"
                for grant in user.role_grants.select_related("pairing")
            )
            grants = grants or _("all pairings (administrator)")
            self.stdout.write(f"  {user.username:<10} {user.display_name}  {grants}")
