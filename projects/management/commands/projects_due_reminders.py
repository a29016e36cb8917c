from django.core.management.base import BaseCommand

from projects.notices import due_reminders


class Command(BaseCommand):
    help = (
        "Prévient les agents des cartes qui leur sont confiées et arrivent à échéance dans "
        "PROJECTS_DUE_REMINDER_DAYS jours (2 par défaut). Relancée, elle ne prévient pas deux fois "
        "pour la même "
        "carte et la même échéance (minuteur systemd quotidien)."
    )

    def handle(self, *args, **options):
        sent = due_reminders()
        self.stdout.write(f"due reminders: {sent} notification(s) created")
