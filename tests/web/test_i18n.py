from flask.testing import FlaskClient


def test_language_follows_the_browser(client: FlaskClient):
    dutch = client.get("/", headers={"Accept-Language": "nl-NL,nl;q=0.9"}).get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<html lang="nl">' in dutch
    assert "Mijn toestemming beheren" in dutch
    assert "Manage my consent" in english


def test_switcher_overrides_the_browser(client: FlaskClient):
    client.get("/lang/nl?next=/request")
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "Manage my consent" not in html
    client.get("/lang/en")
    assert "Manage my consent" in client.get("/").get_data(as_text=True)
