"""`manage.py notifications_digest`: the daily digest e-mail (run once a day from a timer)."""

from django.core.management.base import BaseCommand, CommandError

from intranet.notifications.digest import digest_send


class Command(BaseCommand):
    help = (
        "Envoie à chaque agent un courriel unique qui regroupe les notifications gardées pour son résumé "
        "quotidien. Peut être relancée : rien n'est envoyé deux fois ; après une interruption, elle reprend "
        "les agents restants."
    )

    def handle(self, *args, **options):
        result = digest_send()
        self.stdout.write(
            f"{result.mails} résumé(s) envoyé(s), {result.notifications} notification(s) regroupée(s), "
            f"{result.dropped} écartée(s) (courriel désactivé depuis)."
        )
        if result.failed:
            raise CommandError(
                f"{result.failed} résumé(s) non envoyé(s) : ils seront repris au prochain passage "
                "(voir le journal pour l'erreur)."
            )
