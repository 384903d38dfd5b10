"""The worker against the Salesforce sandbox: outbound messages -> receiver -> inbox -> re-read through the
Salesforce adapter (HTTPS, simple-salesforce) -> the pipeline -> sObject Collections write-back."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import SecretStr

from connector.crm.salesforce import SalesforceSource
from connector.crm.salesforce_write import SalesforceDestination
from connector.sandbox.salesforce import SalesforceSandbox
from connector.sandbox.salesforce.outbound import OutboundSettings
from connector.sandbox.server import SandboxServer
from connector.sandbox.waiting import wait_until
from connector.store import Store, inbox
from tests.crm.salesforce_support import api_for, mapping, model
from webhooks.app import create_app
from webhooks.config import ReceiverConfig, WorkerConfig
from webhooks.crms import CrmLink
from webhooks.worker import Worker

SECRET = "salesforce-shared-secret"


def test_outbound_messages_requalify_leads_and_write_back(
    store: Store, salesforce_sandbox_factory: Callable[..., SalesforceSandbox]
) -> None:
    app = create_app(store, ReceiverConfig(salesforce_secret=SecretStr(SECRET)))
    with SandboxServer(app) as server:
        outbound = OutboundSettings(target=f"{server.url}/webhooks/salesforce/{SECRET}", time_scale=1000.0)
        sandbox = salesforce_sandbox_factory(people=300, outbound=outbound)
        app.state.receiver.config = ReceiverConfig(salesforce_secret=SecretStr(SECRET),
                                                   salesforce_organization_id=sandbox.org.organization_id)
        leads = [i for i in sandbox.ids("Lead") if not sandbox.record(i)["IsConverted"]][:8]
        for lead in leads:
            sandbox.touch(lead, {"Title": "VP Marketing (webhook test)"})
        assert sandbox.wait_outbound(10)
        assert all(d.acknowledged for d in sandbox.outbound.deliveries[-1:])
        with store.connect() as conn:
            events = inbox.listing(conn)
        assert {e.contact_key for e in events} == {f"salesforce:lead:{i}" for i in leads}

        api = api_for(sandbox)
        source = SalesforceSource(api, mapping())
        worker = Worker(store, model(), {"salesforce": CrmLink(source, mapping(), SalesforceDestination(source))},
                        config=WorkerConfig(first_retry_s=0.01, max_retry_s=0.05))

        def drained() -> bool:
            worker.run_once()
            # The sender first, then the inbox: a write-back queues a notification that may reach the inbox
            # between the two reads, and only this order sees it on one side or the other.
            sent = sandbox.outbound.pending == 0
            with store.connect() as conn:
                depth = inbox.depth(conn)
            return sent and depth["pending"] == depth["processing"] == 0

        assert wait_until(drained, 20, 0.02)
        with store.connect() as conn:
            assert {e.status for e in inbox.listing(conn)} == {"done"}
        for lead in leads:
            assert sandbox.record(lead)["LB_Score__c"] is not None
        api.close()
