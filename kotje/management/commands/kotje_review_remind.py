"""`manage.py kotje_review_remind`: notify the owners of guides whose review is due (run daily by a
systemd timer, see docs/kotje.md). Running it twice the same day sends nothing more."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kotje.actions import review_remind


class Command(BaseCommand):
    help = "Prévient les propriétaires des guides Kotje dont la date de relecture est passée."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Date du jour à prendre en compte (AAAA-MM-JJ), pour les essais.")

    def handle(self, *args, date=None, **options):
        if date:
            try:
                today = _parse(date)
            except ValueError:
                raise CommandError(f"Date invalide « {date} » : utilisez le format AAAA-MM-JJ.") from None
        else:
            today = timezone.localdate()
        sent = review_remind(today=today)
        for reminder in sent:
            self.stdout.write(
                f"Rappel envoyé : « {reminder.guide.title} » ({reminder.recipients} destinataire(s))"
            )
        self.stdout.write(self.style.SUCCESS(f"{len(sent)} rappel(s) de relecture envoyé(s)."))


def _parse(value: str) -> date:
    return date.fromisoformat(value)
