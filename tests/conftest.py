"""Project-wide pytest configuration: shared fixture modules are registered here."""

pytest_plugins = ["tests.fixtures.radicale"]
