"""Settings from LEADBRIDGE_* environment variables and a .env file. Secrets are SecretStr: never logged."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All of leadbridge's settings. Each can be set as LEADBRIDGE_<NAME> or in .env."""

    model_config = SettingsConfigDict(env_prefix="LEADBRIDGE_", env_file=".env", extra="ignore")

    # Store: a SQLite file in the working directory unless a URL is given (postgresql+psycopg://...).
    database_url: str = "sqlite:///leadbridge.db"

    # Mappings and scoring model; empty means the shipped defaults.
    mapping: Path | None = None
    model: Path | None = None

    # HubSpot
    hubspot_access_token: SecretStr | None = None
    hubspot_base_url: str = "https://api.hubapi.com"
    hubspot_rate_limit: int = 100  # requests per rolling 10 seconds (100, 190 or 250 by plan)
    hubspot_app_id: str | None = None
    hubspot_client_secret: SecretStr | None = None

    # Salesforce
    salesforce_domain: str = "login"
    salesforce_instance_url: str | None = None
    salesforce_client_id: str | None = None
    salesforce_client_secret: SecretStr | None = None
    salesforce_username: str | None = None
    salesforce_password: SecretStr | None = None
    salesforce_security_token: SecretStr | None = None
    salesforce_private_key_file: Path | None = None
    salesforce_ca_bundle: Path | None = None
    salesforce_organization_id: str | None = None
    salesforce_api_version: str = "59.0"
    # Share of the org's daily API allocation a run may bring usage up to; the run stops there (resumable).
    salesforce_api_share: float = 0.9
    # Full reads of an object with more records than this go through Bulk API 2.0 (REST below it).
    salesforce_bulk_threshold: int = 50_000

    # Webhooks
    webhooks_public_url: str | None = None
    webhooks_secret: SecretStr | None = None
    webhooks_insecure: bool = False

    # HTTP
    request_timeout_s: float = 30.0


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
