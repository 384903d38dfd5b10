"""The one error tree of leadbridge.

Every error a user can cause or meet says what was wrong and what to do. The CLI turns a
``LeadbridgeError`` into a message and an exit code, never a traceback.

    LeadbridgeError
     ├── UserError                    (exit 2: the input or configuration is wrong; fix it and re-run)
     │    ├── ConfigError             a mapping or scoring YAML file is invalid (file, line, key, suggestion)
     │    ├── DataError               a CSV/JSONL input row is invalid (file, row, column)
     │    └── SettingsError           a LEADBRIDGE_* setting is missing or invalid
     ├── StoreError                   (exit 3: the local store cannot be opened or is out of date)
     └── CrmError                     (exit 4: the CRM said no; .kind decides what happens next)
          ├── FatalCrmError           stop the run: bad credentials, missing scope, unknown property
          ├── RetriableCrmError       back off and retry: 429, 5xx, lock contention, expired session
          ├── SkippableCrmError       record against the one record and go on: validation errors
          └── RunStoppedEarly         stop on purpose before finishing (API budget): the run is recorded
                                      ``partial``, its committed pages kept; the next run resumes
"""

from __future__ import annotations

from dataclasses import dataclass


class LeadbridgeError(Exception):
    """Root of every error leadbridge raises on purpose."""

    exit_code = 1


class UserError(LeadbridgeError):
    """The user's input or configuration is wrong: fix it and run again."""

    exit_code = 2


@dataclass(frozen=True)
class Location:
    """Where in a file a problem is: file path, 1-based line (or CSV row), and the key or column."""

    file: str
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
        if self.key:
            text += f": {self.key}"
        return text


class ConfigError(UserError):
    """A mapping or scoring-model YAML file is invalid."""

    def __init__(self, message: str, location: Location | None = None, suggestion: str | None = None):
        self.message = message
        self.location = location
        self.suggestion = suggestion
        super().__init__(self._render())

    def _render(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.suggestion:
            text += f" (did you mean '{self.suggestion}'?)"
        return text


class DataError(UserError):
    """A row of an input file (CSV/JSONL) cannot be read as the mapping describes."""

    def __init__(self, message: str, location: Location | None = None):
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class SettingsError(UserError):
    """A LEADBRIDGE_* setting is missing or invalid."""


class StoreError(LeadbridgeError):
    """The local store cannot be opened, is locked, or needs `leadbridge db upgrade`."""

    exit_code = 3


class CrmError(LeadbridgeError):
    """The CRM refused or failed a request."""

    exit_code = 4

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        self.status = status
        self.code = code
        super().__init__(message)


class FatalCrmError(CrmError):
    """Stop the run: credentials, scopes or configuration must be fixed first."""


class RetriableCrmError(CrmError):
    """Transient: back off (honouring Retry-After when given) and try again."""

    def __init__(
        self, message: str, status: int | None = None, code: str | None = None, retry_after: float | None = None
    ):
        super().__init__(message, status, code)
        self.retry_after = retry_after


class SkippableCrmError(CrmError):
    """The CRM rejected one record (validation): record it against that record and go on."""


class RunStoppedEarly(CrmError):
    """The run stopped on purpose before finishing (e.g. the share of the daily API allocation it may use is
    spent). What it committed is kept and its cursor is at the last committed page: the run is recorded as
    ``partial`` and the next run resumes from there. Still exit 4 on the command line."""

    #: The id of the run that stopped, once the sync has recorded it (None before).
    run_id: int | None = None
