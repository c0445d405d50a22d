"""Where webhooks may go: allow-listed hosts only, no internal addresses unless the
operator allow-lists that exact host, no redirects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from likeness.errors import InvalidInput
from likeness.integrations import keys, webhook_urls, webhooks
from likeness.models import WebhookAttempt
from likeness.platform.actor import CLI
from tests.integrations.webhooks.conftest import deliver_due

INTERNAL = [
    "127.0.0.1", "10.0.0.8", "192.168.1.20", "172.16.5.5", "169.254.169.254",
    "0.0.0.0",  # noqa: S104 (an address refused here, never bound)
    "100.64.0.1", "[::1]", "[fe80::1]", "[::ffff:127.0.0.1]", "[2606:4700::1111]", "localhost",
]


@pytest.mark.parametrize("host", INTERNAL)
def test_internal_addresses_and_ipv6_literals_are_refused(host):
    bare = host.strip("[]")
    with pytest.raises(InvalidInput, match="internal address|could not be found"):
        webhook_urls.check_url(f"http://{host}/hook", [host.lower(), bare], private_hosts=[])


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_an_internal_host_the_operator_allow_listed_is_accepted(host):
    webhook_urls.check_url(f"http://{host}:8080/hook", [f"{host.lower()}:8080"],
                           private_hosts=[host.strip("[]")])


def test_the_allow_list_is_per_exact_host():
    with pytest.raises(InvalidInput, match="internal address"):
        webhook_urls.check_url("http://127.0.0.2/hook", ["127.0.0.2"],
                               private_hosts=["127.0.0.1"])


@pytest.mark.parametrize("url", ["ftp://images.example.org/x", "http://user:pw@images.example.org/",
                                 "https://elsewhere.example.com/hook", "not a url", "http:///x"])
def test_other_schemes_hosts_and_credentials_are_refused(url):
    with pytest.raises(InvalidInput):
        webhook_urls.check_url(url, ["images.example.org"], private_hosts=[])


def test_a_public_address_on_the_allow_list_is_accepted():
    webhook_urls.check_url("https://93.184.215.14/hook", ["93.184.215.14"], private_hosts=[])


def test_an_admin_cannot_register_an_internal_endpoint(app, db, logged_in, client):
    integration = keys.create_integration("Bank", ["127.0.0.1:9"], actor=CLI)
    app.config["WEBHOOK_PRIVATE_HOSTS"] = ()
    with pytest.raises(InvalidInput, match="internal address"):
        webhooks.create_endpoint(integration.id, "http://127.0.0.1:9/hook", [], actor=CLI)
    assert webhooks.endpoints_of(integration.id) == []


def test_an_address_no_longer_allowed_at_delivery_is_not_contacted(app, db, integration,
                                                                   endpoint, receiver):
    from tests.integrations.webhooks.test_webhook_delivery import emit

    app.config["WEBHOOK_PRIVATE_HOSTS"] = ()  # the operator withdrew the exception
    emit(integration.id)
    deliver_due()
    (attempt,) = db.session.scalars(select(WebhookAttempt)).all()
    assert attempt.error == "refused_address" and attempt.status_code is None
    assert receiver.requests == 0
