"""Remove a staff member's authenticator app (lost phone): the next sign-in sets up a new one."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from forms_engine.core.staff_auth import second_factor_reset


class Command(BaseCommand):
    help = (
        "Entfernt die Authenticator-App eines Kontos; bei der nächsten Anmeldung wird eine "
        "neue eingerichtet. / Removes an account's authenticator app; the next sign-in sets "
        "up a new one."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username})
        if not user.exists():
            raise CommandError(f"Kein Konto {username!r} / no account {username!r}.")
        removed = second_factor_reset(user=user.get())
        self.stdout.write(f"{username}: {removed} Gerät(e) entfernt / device(s) removed.")
