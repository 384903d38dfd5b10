"""The Salesforce emulator's HTTP surface: a Starlette app over the org, sessions, queries and jobs.

Every ``/services/data`` call checks the session first (401 INVALID_SESSION_ID), then counts against the
org's rolling 24-hour API allocation (403 REQUEST_LIMIT_EXCEEDED once spent), and answers with the
``Sforce-Limit-Info: api-usage=N/M`` header (REST API Developer Guide, "Limit Info Header" and "Status Codes
and Error Responses"). Errors have Salesforce's shape: a JSON list of ``{"message", "errorCode"}``.

Logins are served twice: at the instance (``/services/oauth2/token``, ``/services/Soap/u/<v>``) for clients
given an instance URL, and under ``/<name>.salesforce.com/...`` so that simple-salesforce's ``domain=``
logins reach the sandbox unmodified: it builds ``https://{domain}.salesforce.com/...``, so
``domain="localhost:<port>/login"`` becomes ``https://localhost:<port>/login.salesforce.com/services/...``.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connector.sandbox.salesforce.auth import soap_login_answer, token_answer
from connector.sandbox.salesforce.bulk import BulkError
from connector.sandbox.salesforce.composite import CollectionError, retrieve_records, update_records
from connector.sandbox.salesforce.dataset import INTEGRATION_USER
from connector.sandbox.salesforce.ids import make_id, to18
from connector.sandbox.salesforce.query import QueryError
from connector.sandbox.salesforce.records import json_record
from connector.sandbox.salesforce.routes_control import control_routes
from connector.sandbox.salesforce.soql import SoqlError
from connector.sandbox.server import emulator_middleware

if TYPE_CHECKING:
    from connector.sandbox.salesforce.sandbox import SalesforceSandbox

JSON_TYPE = "application/json;charset=UTF-8"
Handler = Callable[..., Awaitable[Response]]


class ApiError(Exception):
    """Answer ``status`` with Salesforce's error list."""

    def __init__(self, status: int, error_code: str, message: str, fields: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields


def error_response(status: int, error_code: str, message: str, fields: list[str] | None = None) -> Response:
    body: dict[str, Any] = {"message": message, "errorCode": error_code}
    if fields is not None:
        body["fields"] = fields
    return json_response([body], status)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status_code=status, media_type=JSON_TYPE)


def injected_error_body(status: int, kind: str) -> tuple[bytes, dict[str, str]]:
    """The body of a fault the sandbox injects, in Salesforce's error shape."""
    if kind == "429":
        code, message = "REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests (Concurrent API Requests) Limit exceeded."
    elif status == 503:
        code, message = "SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later."
    else:
        code, message = (
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you "
            "contact support: 1234567890-12345 (-1234567890)",
        )
    return json.dumps([{"message": message, "errorCode": code}]).encode(), {}


def build_app(sf: SalesforceSandbox) -> Starlette:
    """The ASGI app of one sandbox org."""
    api = _Api(sf)
    routes = control_routes(sf) + [
        Route("/services/oauth2/token", api.token, methods=["POST"]),
        Route("/services/Soap/u/{version}", api.soap_login, methods=["POST"]),
        Route("/services/Soap/u/{version}/", api.soap_login, methods=["POST"]),
        Route("/{domain}.salesforce.com/services/oauth2/token", api.token, methods=["POST"]),
        Route("/{domain}.salesforce.com/services/Soap/u/{version}", api.soap_login, methods=["POST"]),
        Route("/services/data", api.versions, methods=["GET"]),
        Route("/services/data/", api.versions, methods=["GET"]),
        Route("/services/data/{rest:path}", api.dispatch, methods=["GET", "POST", "PATCH", "DELETE", "PUT"]),
    ]
    return Starlette(routes=routes, middleware=emulator_middleware(sf.log, sf.faults, render=injected_error_body))  # type: ignore[arg-type]


class _Api:
    def __init__(self, sf: SalesforceSandbox):
        self.sf = sf
        # (method, pattern relative to /services/data/vXX.X, handler); trailing slashes are ignored.
        self.table: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r""), self.resources),
            ("GET", re.compile(r"/limits"), self.limits),
            ("GET", re.compile(r"/sobjects"), self.describe_global),
            ("GET", re.compile(r"/sobjects/(?P<sobject>\w+)/describe"), self.describe),
            ("GET", re.compile(r"/sobjects/(?P<sobject>\w+)"), self.sobject_info),
            ("GET", re.compile(r"/sobjects/(?P<sobject>\w+)/(?P<record_id>\w+)"), self.get_record),
            ("PATCH", re.compile(r"/sobjects/(?P<sobject>\w+)/(?P<record_id>\w+)"), self.patch_record),
            ("DELETE", re.compile(r"/sobjects/(?P<sobject>\w+)/(?P<record_id>\w+)"), self.delete_record),
            ("GET", re.compile(r"/(?P<resource>query|queryAll)"), self.query),
            ("GET", re.compile(r"/(?P<resource>query|queryAll)/(?P<locator>[\w-]+)"), self.query_more),
            ("PATCH", re.compile(r"/composite/sobjects"), self.update_collection),
            ("GET", re.compile(r"/composite/sobjects/(?P<sobject>\w+)"), self.retrieve_collection),
            ("POST", re.compile(r"/composite/sobjects/(?P<sobject>\w+)"), self.retrieve_collection),
            ("POST", re.compile(r"/jobs/query"), self.create_job),
            ("GET", re.compile(r"/jobs/query"), self.list_jobs),
            ("GET", re.compile(r"/jobs/query/(?P<job_id>\w+)"), self.get_job),
            ("PATCH", re.compile(r"/jobs/query/(?P<job_id>\w+)"), self.abort_job),
            ("DELETE", re.compile(r"/jobs/query/(?P<job_id>\w+)"), self.delete_job),
            ("GET", re.compile(r"/jobs/query/(?P<job_id>\w+)/results"), self.job_results),
        ]

    # ------------------------------------------------------------------------------------ logins

    async def token(self, request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        fields = {k: v[0] for k, v in form.items()}
        basic = _basic_auth(request.headers.get("authorization"))
        status, body = token_answer(
            self.sf.credentials, fields, basic, self.sf.sessions, self.sf.url, int(time.time() * 1000)
        )
        return json_response(body, status)

    async def soap_login(self, request: Request) -> Response:
        status, xml = soap_login_answer(
            self.sf.credentials, await request.body(), self.sf.sessions, self.sf.url, request.path_params["version"]
        )
        return Response(xml, status_code=status, media_type="text/xml; charset=utf-8")

    async def versions(self, request: Request) -> Response:
        # "List Available REST API Versions": needs no session.
        version = self.sf.settings.api_version
        return json_response([{"label": "Winter '24", "url": f"/services/data/v{version}", "version": version}])

    # ------------------------------------------------------------------------------------ dispatch

    async def dispatch(self, request: Request) -> Response:
        match = re.fullmatch(r"v(\d+\.\d)(/.*)?", request.path_params["rest"])
        if match is None:
            return error_response(404, "NOT_FOUND", "The requested resource does not exist")
        version, rest = match.group(1), (match.group(2) or "").rstrip("/")
        handler = None
        params: dict[str, str] = {}
        allowed: list[str] = []
        for method, pattern, candidate in self.table:
            found = pattern.fullmatch(rest)
            if found is None:
                continue
            allowed.append(method)
            if method == request.method:
                handler, params = candidate, found.groupdict()
                break
        if handler is None:
            if allowed:
                return error_response(
                    405,
                    "METHOD_NOT_ALLOWED",
                    f"HTTP Method '{request.method}' not allowed. Allowed are {','.join(allowed)}",
                )
            return error_response(404, "NOT_FOUND", "The requested resource does not exist")
        decision = None
        if self.sf.sessions.use(_bearer(request.headers.get("authorization"))):
            decision = self.sf.usage.acquire()  # only calls made with a live session count
        if decision is None:
            response = error_response(401, "INVALID_SESSION_ID", "Session expired or invalid")
        elif not decision.allowed:
            response = error_response(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        else:
            try:
                response = await handler(request, version, **params)
            except ApiError as exc:
                response = error_response(exc.status, exc.error_code, exc.message, exc.fields)
            except (SoqlError, QueryError, CollectionError) as exc:
                response = error_response(400, exc.error_code, exc.message)
            except BulkError as exc:
                response = error_response(exc.status, exc.error_code, exc.message)
        response.headers["Sforce-Limit-Info"] = self.sf.limit_info()
        return response

    # ------------------------------------------------------------------------------------ resources

    async def resources(self, request: Request, version: str) -> Response:
        base = f"/services/data/v{version}"
        names = ("sobjects", "query", "queryAll", "composite", "jobs", "limits")
        return json_response({name: f"{base}/{name}" for name in names})

    async def limits(self, request: Request, version: str) -> Response:
        usage = self.sf.usage.peek()
        return json_response(
            {
                "DailyApiRequests": {"Max": usage.limit, "Remaining": usage.remaining},
                "DailyBulkV2QueryJobs": {"Max": 10_000, "Remaining": 10_000 - len(self.sf.bulk.all())},
            }
        )

    async def describe_global(self, request: Request, version: str) -> Response:
        sobjects = []
        for spec in self.sf.org.schema.objects.values():
            described = spec.describe(version)
            sobjects.append(
                {
                    k: described[k]
                    for k in (
                        "name",
                        "label",
                        "labelPlural",
                        "keyPrefix",
                        "custom",
                        "queryable",
                        "createable",
                        "updateable",
                        "deletable",
                        "urls",
                    )
                }
            )
        return json_response({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})

    async def describe(self, request: Request, version: str, sobject: str) -> Response:
        return json_response(self._spec(sobject).describe(version))

    async def sobject_info(self, request: Request, version: str, sobject: str) -> Response:
        described = self._spec(sobject).describe(version)
        described.pop("fields")
        return json_response({"objectDescribe": described, "recentItems": []})

    def _spec(self, sobject: str) -> Any:
        spec = self.sf.org.schema.object(sobject)
        if spec is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return spec

    def _row(self, sobject: str, record_id: str) -> tuple[Any, int]:
        spec = self._spec(sobject)
        normalized = to18(record_id)
        located = self.sf.org.locate(normalized) if normalized else None
        if located is None or located[0].name != spec.name:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if located[0].deleted[located[1]]:
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return located

    async def get_record(self, request: Request, version: str, sobject: str, record_id: str) -> Response:
        table, seq = self._row(sobject, record_id)
        wanted = request.query_params.get("fields")
        if wanted:
            paths = []
            for name in wanted.split(","):
                spec = table.spec.field(name.strip())
                if spec is None:
                    raise ApiError(
                        400, "INVALID_FIELD", f"No such column '{name.strip()}' on sobject of type {table.name}"
                    )
                paths.append((spec.name,))
        else:
            paths = [(spec.name,) for spec in table.spec.fields.values()]
        with self.sf.org.lock:
            return json_response(json_record(self.sf.org, table, seq, paths, version))

    async def patch_record(self, request: Request, version: str, sobject: str, record_id: str) -> Response:
        table, seq = self._row(sobject, record_id)
        body = await _json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object of field values")
        errors = self.sf.org.update(table, seq, body, user=INTEGRATION_USER, lock_check=self.sf.lock_check)
        if errors:
            return json_response(
                [{"message": e.message, "errorCode": e.status_code, "fields": list(e.fields)} for e in errors], 400
            )
        return Response(status_code=204)

    async def delete_record(self, request: Request, version: str, sobject: str, record_id: str) -> Response:
        table, seq = self._row(sobject, record_id)
        self.sf.org.delete(table, seq)
        return Response(status_code=204)

    # ------------------------------------------------------------------------------------ queries

    async def query(self, request: Request, version: str, resource: str) -> Response:
        body = self.sf.queries.run(
            request.query_params.get("q"), resource == "queryAll", version, request.headers.get("sforce-query-options")
        )
        return json_response(body)

    async def query_more(self, request: Request, version: str, resource: str, locator: str) -> Response:
        return json_response(self.sf.queries.more(locator, version))

    # ------------------------------------------------------------------------------------ collections

    async def update_collection(self, request: Request, version: str) -> Response:
        body = await _json_body(request)
        return json_response(update_records(self.sf.org, body, INTEGRATION_USER, self.sf.lock_check))

    async def retrieve_collection(self, request: Request, version: str, sobject: str) -> Response:
        if request.method == "POST":
            body = await _json_body(request)
            ids = body.get("ids") if isinstance(body, dict) else None
            fields = body.get("fields") if isinstance(body, dict) else None
            if not isinstance(ids, list) or not isinstance(fields, list):
                raise ApiError(400, "JSON_PARSER_ERROR", 'The body must be {"ids": [...], "fields": [...]}')
        else:
            ids = [i for i in request.query_params.get("ids", "").split(",") if i]
            fields = [f for f in request.query_params.get("fields", "").split(",") if f]
        return json_response(
            retrieve_records(self.sf.org, sobject, [str(i) for i in ids], [str(f) for f in fields], version)
        )

    # ------------------------------------------------------------------------------------ bulk 2.0

    async def create_job(self, request: Request, version: str) -> Response:
        job = self.sf.bulk.create(await _json_body(request), version, make_id("005", INTEGRATION_USER))
        return json_response(job.info())

    async def list_jobs(self, request: Request, version: str) -> Response:
        jobs = [job.info() for job in self.sf.bulk.all()]
        return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})

    async def get_job(self, request: Request, version: str, job_id: str) -> Response:
        return json_response(self.sf.bulk.poll(job_id).info())

    async def abort_job(self, request: Request, version: str, job_id: str) -> Response:
        body = await _json_body(request)
        state = body.get("state") if isinstance(body, dict) else None
        return json_response(self.sf.bulk.abort(job_id, state).info())

    async def delete_job(self, request: Request, version: str, job_id: str) -> Response:
        self.sf.bulk.delete(job_id)
        return Response(status_code=204)

    async def job_results(self, request: Request, version: str, job_id: str) -> Response:
        body, locator, count = self.sf.bulk.results(
            job_id, request.query_params.get("locator"), request.query_params.get("maxRecords")
        )
        return Response(
            body,
            media_type="text/csv; charset=UTF-8",
            headers={"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(count)},
        )


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body is not valid JSON") from None


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    # "Authorization: Bearer <token>"; the older "OAuth <token>" scheme is still accepted by Salesforce.
    return token.strip() if scheme.lower() in ("bearer", "oauth") else None


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return user, password
