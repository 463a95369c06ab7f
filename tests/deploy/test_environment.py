"""Every variable a recipe in deploy/ sets is a setting the gateway reads (base/settings.py), or a listed exception."""

from __future__ import annotations

from base.settings import Settings
from tests.support.recipes import NON_SETTINGS, environment_names

SETTINGS = {name.upper() for name in Settings.model_fields}
"""pydantic-settings' variable names: the field names, upper-case (no aliases, no prefix)."""
REQUIRED_IN_PRODUCTION = {"DATABASE_URL", "REDIS_URL", "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", "GATEWAY_SECRET"}


def _unknown(names: dict[str, set[str]]) -> dict[str, list[str]]:
    """Per recipe, the names that are neither a setting nor a listed exception."""
    unknown = {recipe: sorted(found - SETTINGS - set(NON_SETTINGS)) for recipe, found in names.items()}
    return {recipe: found for recipe, found in unknown.items() if found}


def test_every_recipe_sets_only_settings() -> None:
    assert _unknown(environment_names()) == {}


def test_each_recipe_was_read() -> None:
    """An empty parse would pass the check above vacuously."""
    names = environment_names()
    assert names["Dockerfile ENV"] == {"GATEWAY_ENV"}
    assert names["compose environment"] == REQUIRED_IN_PRODUCTION | {"GATEWAY_ENV"}
    assert names["kubernetes/secret.yaml"] == REQUIRED_IN_PRODUCTION
    assert names["kubernetes/configmap.yaml"] == {"GATEWAY_ENV"}
    assert names["systemd/gateway.env.example"] == REQUIRED_IN_PRODUCTION | {"GATEWAY_ENV"}
    assert names["Procfile"] == {"PORT"}


def test_the_exceptions_are_not_settings() -> None:
    assert set(NON_SETTINGS).isdisjoint(SETTINGS)
    assert len(NON_SETTINGS) <= 2, "keep the list of non-settings tiny: a recipe should speak in settings"


def test_the_check_can_fail() -> None:
    names = {"compose environment": {"STRIPE_SECRET_KEY", "REDIS_URL"}, "Procfile": {"PORT", "WEB_CONCURRENCY"}}
    assert _unknown(names) == {"compose environment": ["STRIPE_SECRET_KEY"], "Procfile": ["WEB_CONCURRENCY"]}
