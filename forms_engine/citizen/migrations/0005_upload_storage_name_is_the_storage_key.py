"""`Upload.storage_name` becomes the file's name in the "uploads" storage.

Before, it held only the random hex name and the code added the directory
(`<first 2>/<name>` under UPLOAD_ROOT); now it is the whole relative name the storage API
opens (`ab/ab12…`), so the same row reads from a shared volume or an object store. The
files stay where they are: the uploads storage's location is the old UPLOAD_ROOT layout.
"""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat, Substr


def names_with_their_directory(apps, schema_editor):
    Upload = apps.get_model("citizen", "Upload")
    Upload.objects.exclude(storage_name__contains="/").exclude(storage_name="").update(
        storage_name=Concat(Substr("storage_name", 1, 2), Value("/"), "storage_name")
    )


def names_without_their_directory(apps, schema_editor):
    Upload = apps.get_model("citizen", "Upload")
    Upload.objects.filter(storage_name__regex=r"^[0-9a-f]{2}/[0-9a-f]+$").update(
        storage_name=Substr("storage_name", 4)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("citizen", "0004_draft_parameter_values"),
    ]

    operations = [
        migrations.RunPython(names_with_their_directory, names_without_their_directory),
    ]
