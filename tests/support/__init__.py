"""What the tests share: helpers, scenarios, the browser, a mock identity provider and the
detection cache."""
