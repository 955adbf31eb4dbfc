"""`manage.py bundle_trust list | add SLUG NAME PUBLIC_KEY | revoke FINGERPRINT`: the trust
store of publisher keys."""

from django.core.management.base import BaseCommand, CommandError

from forms_engine.library.models import TrustedKey
from forms_engine.library.services import TrustError, trust_key_add, trust_key_revoke
from forms_engine.library.signing import display_fingerprint


class Command(BaseCommand):
    help = (
        "Vertrauensspeicher der Herausgeber-Schlüssel: auflisten, hinzufügen, widerrufen. / "
        "Trust store of publisher keys: list, add, revoke."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="auflisten / list")
        add = sub.add_parser("add", help="hinzufügen / add")
        add.add_argument("slug", help="Kennung des Herausgebers / publisher id")
        add.add_argument("name", help="Name des Herausgebers / publisher name")
        add.add_argument("public_key", help="öffentlicher Schlüssel (Base64) / public key")
        add.add_argument("--note", default="")
        revoke = sub.add_parser("revoke", help="widerrufen / revoke")
        revoke.add_argument("fingerprint", help="Fingerabdruck (Anfang genügt) / fingerprint")
        revoke.add_argument("--reason", default="")

    def handle(self, *args, action, **options):
        if action == "list":
            for key in TrustedKey.objects.all():
                state = "WIDERRUFEN / REVOKED" if key.is_revoked else "vertraut / trusted"
                self.stdout.write(
                    f"{key.publisher_slug}\t{key.publisher_name}\t"
                    f"{display_fingerprint(key.fingerprint)}\t{state}"
                )
            return
        if action == "add":
            try:
                key = trust_key_add(
                    publisher_slug=options["slug"],
                    publisher_name=options["name"],
                    public_key=options["public_key"],
                    note=options["note"],
                )
            except TrustError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"Vertraut / trusted: {key.publisher_name} ({key.publisher_slug}), "
                f"Fingerabdruck / fingerprint {display_fingerprint(key.fingerprint)}"
            )
            return
        prefix = options["fingerprint"].replace(" ", "").lower()
        matches = list(TrustedKey.objects.filter(fingerprint__startswith=prefix)) if prefix else []
        if len(matches) != 1:
            raise CommandError(
                "Der Fingerabdruck passt zu keinem oder zu mehreren Schlüsseln. / "
                "The fingerprint matches no key or several keys."
            )
        key = trust_key_revoke(key=matches[0], reason=options["reason"])
        self.stdout.write(f"Widerrufen / revoked: {key}")
