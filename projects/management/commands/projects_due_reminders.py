from django.core.management.base import BaseCommand

from projects.notices import due_reminders, milestone_reminders


class Command(BaseCommand):
    help = (
        "Prévient les agents des cartes qui leur sont confiées et arrivent à échéance dans "
        "PROJECTS_DUE_REMINDER_DAYS jours (2 par défaut), et les responsables et personnes chargées des "
        "jalons ouverts qui tombent dans ce délai ou sont en retard. Relancée, elle ne prévient pas deux "
        "fois pour la même carte ou le même jalon à la même date (minuteur systemd quotidien)."
    )

    def handle(self, *args, **options):
        sent = due_reminders()
        self.stdout.write(f"due reminders: {sent} notification(s) created")
        sent = milestone_reminders()
        self.stdout.write(f"milestone reminders: {sent} notification(s) created")
