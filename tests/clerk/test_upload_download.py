"""The clerk's download of an uploaded file (issue 7, observation 7): always an attachment,
named with the extension of the sniffed type, served as that type only (nosniff)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forms_engine.citizen.models import Upload
from forms_engine.citizen.uploads import upload_store
from tests.citizen.test_upload_hardening import PDF

pytestmark = pytest.mark.django_db


def attach(case, name):
    upload, _token = upload_store(
        file=SimpleUploadedFile(name, PDF),
        process_version=case.process_version,
        field_pointer="/sachkunde/nachweis",
        upload_spec={"media_types": ["application/pdf"]},
    )
    Upload.objects.filter(pk=upload.pk).update(case=case)
    return upload


def test_a_pdf_uploaded_as_hta_reaches_the_clerk_as_an_attached_pdf(hund_case, steuer_client):
    upload = attach(hund_case, "Sachkundenachweis.hta")

    response = steuer_client.get(reverse("clerk:upload", args=[hund_case.pk, upload.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="Sachkundenachweis.pdf"'
    assert b"".join(response.streaming_content) == PDF
    page = steuer_client.get(reverse("clerk:case", args=[hund_case.pk])).content.decode()
    assert "Sachkundenachweis.pdf" in page and "Sachkundenachweis.hta" not in page


def test_a_name_kept_before_the_fix_is_still_delivered_with_the_sniffed_extension(
    hund_case, steuer_client
):
    upload = attach(hund_case, "nachweis.pdf")
    Upload.objects.filter(pk=upload.pk).update(original_name="Sachkundenachweis.hta")

    response = steuer_client.get(reverse("clerk:upload", args=[hund_case.pk, upload.pk]))

    assert response["Content-Disposition"] == 'attachment; filename="Sachkundenachweis.pdf"'
