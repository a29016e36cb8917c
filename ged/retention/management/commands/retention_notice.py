"""Tell every archivist how many documents are due for destruction (DUA passed, not held, on no open list), so
that one of them reviews and proposes a list (`retention_propose` or the « Archives » page), which then waits
for another person's visa. Weekly, by `intranet-retention-notice.timer`; nothing is sent when none is due."""

from django.core.management.base import BaseCommand

from ...actions import due_notice


class Command(BaseCommand):
    help = "Avertit les archivistes des documents dont la DUA est échue (liste d'élimination à proposer)."

    def handle(self, *args, **options):
        count = due_notice()
        self.stdout.write(f"{count} document(s) échu(s) signalé(s) aux archivistes.")
