"""`shanhai audit verify`: prove the audit log has not been changed since it was written."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from shanhai.core.selectors import check_audit_chain


class Command(BaseCommand):
    help = "verify: walk the audit log's hash chain and report the first broken entry."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("verify", help="Check every entry; exit 1 at the first broken one.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        check = check_audit_chain()
        broken = check.first_break
        if broken is None:
            self.stdout.write(_("Audit log intact: %(count)d entries.") % {"count": check.length})
            return
        if broken.event_id is None:
            raise CommandError(_("Audit log broken: %(reason)s") % {"reason": broken.reason})
        when = timezone.localtime(broken.occurred_at) if broken.occurred_at else None
        raise CommandError(
            _("Audit log broken at entry id %(id)d (%(when)s, %(action)s): %(reason)s")
            % {
                "id": broken.event_id,
                "when": when.isoformat(timespec="seconds") if when else "",
                "action": broken.action,
                "reason": broken.reason,
            }
        )
