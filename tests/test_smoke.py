import pytest


@pytest.mark.django_db
def test_catalog_page_answers_in_german(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="de"' in response.content.decode()
