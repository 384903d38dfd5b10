"""leadbridge: one shared lead qualification core for HubSpot, Salesforce and CSV exports.

``import connector`` gives the model (``connector.model``), the core (``connector.qualify``) and, as they
land, the pipeline (``connector.sync``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("leadbridge")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
