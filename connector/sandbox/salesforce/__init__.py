"""A local Salesforce org for tests, benchmarks and the demo: REST, SOQL, sObject Collections, Bulk API 2.0,
logins with expiring sessions, API limits and outbound messages, over HTTPS for simple-salesforce.

The entry point is ``SalesforceSandbox`` (see connector/sandbox/salesforce/sandbox.py for how clients
connect). Modules: ``soql`` / ``soql_eval`` (the query language, pure), ``schema`` (objects and fields),
``dataset`` (synthetic people as Salesforce records), ``records`` (the org's data), ``query``,
``composite``, ``bulk``, ``auth``, ``outbound`` (one API concept each) and ``routes`` (the HTTP surface).
"""

from connector.sandbox.salesforce.auth import Credentials
from connector.sandbox.salesforce.outbound import OutboundSettings
from connector.sandbox.salesforce.records import DataSettings
from connector.sandbox.salesforce.sandbox import SalesforceSandbox, SalesforceSettings
from connector.sandbox.salesforce.schema import CustomField

__all__ = [
    "Credentials",
    "CustomField",
    "DataSettings",
    "OutboundSettings",
    "SalesforceSandbox",
    "SalesforceSettings",
]
