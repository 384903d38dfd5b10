"""The webhook receiver and worker: near-real-time qualification.

    receiver (``app``)   verify -> parse -> store in the durable inbox -> 2xx within milliseconds
    worker (``worker``)  claim due events -> coalesce per contact -> re-read from the CRM -> the same pipeline
                         as sync -> write back -> mark done (retries with backoff, dead after N attempts)

Modules: ``config`` (receiver and worker settings), ``errors`` (why a request is refused),
``hubspot_signature`` and ``hubspot_events`` (HubSpot v3 batches), ``salesforce_messages`` (Outbound
Message SOAP), ``body`` (size and content-type limits), ``metrics`` (Prometheus text), ``app`` (the
Starlette app), ``server`` (uvicorn with TCP_NODELAY), ``checkpoint`` (SQLite WAL checkpoints off the
request path), ``crms`` (the adapters the worker re-reads through), ``worker``. The inbox table lives with
the rest of the store in ``connector.store.inbox``; the commands in ``connector.commands.webhooks``.
"""
