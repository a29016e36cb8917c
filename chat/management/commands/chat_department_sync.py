from django.core.management.base import BaseCommand

from chat.actions import salon_department_sync


class Command(BaseCommand):
    help = (
        "Crée un salon par service et aligne ses participants sur les agents du service "
        "(à lancer après chaque synchronisation LDAP ; sans effet si rien n'a changé)."
    )

    def handle(self, *args, **options):
        report = salon_department_sync()
        self.stdout.write(
            f"Salons de service : {report['salons_created']} créé(s), "
            f"{report['members_added']} participation(s) ajoutée(s), {report['members_removed']} retirée(s), "
            f"{report['roles_changed']} rôle(s) modifié(s)."
        )
