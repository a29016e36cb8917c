"""`manage.py notifications_digest`: the daily digest e-mail (run once a day from a timer)."""

from django.core.management.base import BaseCommand, CommandError

from intranet.notifications.digest import digest_send


class Command(BaseCommand):
    help = (
        "Envoie à chaque agent un courriel unique qui regroupe les notifications gardées pour son résumé "
        "quotidien, par la file des opérations externes : un envoi en échec est retenté par "
        "« outbox_worker ». "
        "Peut être relancée : rien n'est envoyé deux fois."
    )

    def handle(self, *args, **options):
        result = digest_send()
        self.stdout.write(
            f"{result.mails} résumé(s) envoyé(s), {result.notifications} notification(s) regroupée(s), "
            f"{result.dropped} écartée(s) (courriel désactivé depuis), "
            f"{result.waiting} en attente d'un nouvel essai par « outbox_worker »."
        )
        if result.failed:
            raise CommandError(
                f"{result.failed} résumé(s) non envoyé(s) : ils restent dans les opérations externes en "
                "attente et seront retentés par « outbox_worker » (l'erreur y est affichée)."
            )
