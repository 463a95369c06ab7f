"""Billing Meters and meter events (usage-based billing), which localstripe lacks.

- `POST /v1/billing/meters` (`display_name`, `event_name`, `default_aggregation[formula]` sum,
  count or last, optional `customer_mapping[event_payload_key]`/`[type]=by_id`,
  `value_settings[event_payload_key]`, `event_time_window`): a meter in the shape Stripe
  documents (`mtr_…`, `status` active). An `event_name` already used by an active meter is refused.
  Emits `billing.meter.created`.
- `GET /v1/billing/meters` (`limit`, `starting_after`, `status`), `GET /v1/billing/meters/{id}`.
- `POST /v1/billing/meters/{id}` (`display_name`, the one field Stripe lets change; `billing.meter.updated`
  with `previous_attributes`), `POST /v1/billing/meters/{id}/deactivate` (`status` inactive,
  `status_transitions.deactivated_at`; `billing.meter.deactivated`) and `/reactivate` (active again,
  refused while another active meter has its `event_name`; `billing.meter.reactivated`). Deactivating an
  inactive meter, or reactivating an active one, answers the meter unchanged and emits nothing.
- `POST /v1/billing/meter_events` (`event_name`, `payload[<customer key>]`, `payload[<value key>]`,
  `identifier`, `timestamp`): checked synchronously, and kept. A repeated `identifier` within 24 hours
  is refused as Stripe refuses it: HTTP 400, `invalid_request_error`, code `duplicate_meter_event`,
  "An event already exists with identifier …". Stripe reports a missing meter, an unknown customer,
  a bad value or a timestamp outside [now - 35 days, now + 5 minutes] asynchronously (meter error
  reports, with these codes); the sandbox refuses them at once with HTTP 400 and the same codes
  (`no_meter`, `archived_meter`, `meter_event_no_customer_defined`, `meter_event_customer_not_found`,
  `meter_event_value_not_found`, `meter_event_invalid_value`, `timestamp_too_far_in_past`,
  `timestamp_in_future`), so a test sees them.
- `GET /v1/billing/meters/{id}/event_summaries` (`customer`, `start_time`, `end_time`, minute-aligned,
  end exclusive): one `billing.meter_event_summary` with the meter's aggregate (sum, count or last).
  Stripe aggregates asynchronously; the sandbox answers at once.
- `GET /_sandbox/billing/meters/{id}/event_count` (`customer` optional): test mode, how many events
  the meter received (and their sum), and how many repeats were refused, so a test can assert that
  exactly N meter events arrived.

Meters are kept in localstripe's store under `billing_meter:<id>` and events under
`meter_event:<identifier>` (plain dicts, saved and loaded with the store, as `sandbox/disputes.py`
keeps disputes). docs/sandbox.md lists what is emulated and how far.
"""

from __future__ import annotations

import secrets
import time
from typing import Any, Final

from aiohttp import web

from sandbox.events import emit, new_id
from sandbox.routes import route

METER_PREFIX: Final = "billing_meter:"
EVENT_PREFIX: Final = "meter_event:"
FORMULAS: Final = frozenset({"sum", "count", "last"})
DEDUPE_WINDOW_SECONDS: Final = 24 * 3600
"""Stripe enforces an identifier's uniqueness within a rolling period of at least 24 hours."""
PAST_LIMIT_SECONDS: Final = 35 * 86_400
FUTURE_LIMIT_SECONDS: Final = 5 * 60
IDENTIFIER_MAX_LENGTH: Final = 100
EVENT_NAME_MAX_LENGTH: Final = 100
DUPLICATE_CODE: Final = "duplicate_meter_event"

_refused_repeats: dict[str, int] = {}
"""Per meter id: repeated identifiers refused (not persisted; for `event_count`)."""


def _user_error(status: int, message: str, param: str | None = None, code: str | None = None) -> Exception:
    from localstripe.errors import UserError  # a development dependency, as in sandbox.server

    contents: dict[str, Any] = {}
    if param is not None:
        contents["param"] = param
    if code is not None:
        contents["code"] = code
    return UserError(status, message, contents)  # type: ignore[no-any-return]


def _store() -> dict[str, Any]:
    from localstripe.resources import store

    return store  # type: ignore[no-any-return]


def _meters() -> list[dict[str, Any]]:
    return [value for key, value in _store().items() if key.startswith(METER_PREFIX)]


def _find_meter(meter_id: str) -> dict[str, Any]:
    meter = _store().get(METER_PREFIX + meter_id)
    if not isinstance(meter, dict):
        raise _user_error(404, f"No such billing meter: '{meter_id}'", "id", "resource_missing")
    return meter


_by_event_name: dict[str, str] = {}
"""event_name -> the id of its active meter: a cache of the store (a scan of the whole store per meter
event, which holds every event, made 10,000 events quadratic)."""


def _active_meter_for(event_name: str) -> dict[str, Any] | None:
    cached = _by_event_name.get(event_name)
    if cached is not None:
        meter = _store().get(METER_PREFIX + cached)
        if isinstance(meter, dict) and meter["event_name"] == event_name and meter["status"] == "active":
            return meter
    found = [meter for meter in _meters() if meter["event_name"] == event_name]
    active = [meter for meter in found if meter["status"] == "active"]
    if active:
        _by_event_name[event_name] = active[0]["id"]
    chosen = active or found
    return chosen[0] if chosen else None


def _required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise _user_error(400, f"Missing required param: {name}.", name, "parameter_missing")
    return value


def _integer(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _user_error(400, f"Invalid integer: {value}", name, "parameter_invalid_integer") from None


def new_meter(params: dict[str, Any], now: int | None = None) -> dict[str, Any]:
    """A meter as Stripe documents it, made from `POST /v1/billing/meters`'s parameters (checked)."""
    display_name = _required(params, "display_name")
    event_name = _required(params, "event_name")
    if len(event_name) > EVENT_NAME_MAX_LENGTH:
        raise _user_error(400, "event_name is at most 100 characters", "event_name")
    aggregation = params.get("default_aggregation")
    formula = aggregation.get("formula") if isinstance(aggregation, dict) else None
    if formula not in FORMULAS:
        raise _user_error(
            400, "Invalid default_aggregation[formula]: must be one of sum, count or last", "default_aggregation"
        )
    mapping = params.get("customer_mapping") or {}
    if not isinstance(mapping, dict) or mapping.get("type", "by_id") != "by_id":
        raise _user_error(400, "Invalid customer_mapping[type]: must be by_id", "customer_mapping")
    value_settings = params.get("value_settings") or {}
    if not isinstance(value_settings, dict):
        raise _user_error(400, "Invalid value_settings: must be a hash", "value_settings")
    window = params.get("event_time_window") or None
    if window not in (None, "day", "hour"):
        raise _user_error(400, "Invalid event_time_window: must be day or hour", "event_time_window")
    created = int(time.time()) if now is None else now
    return {
        "id": new_id("mtr"),
        "object": "billing.meter",
        "created": created,
        "customer_mapping": {
            "event_payload_key": str(mapping.get("event_payload_key") or "stripe_customer_id"),
            "type": "by_id",
        },
        "default_aggregation": {"formula": formula},
        "display_name": display_name,
        "event_name": event_name,
        "event_time_window": window,
        "livemode": False,
        "status": "active",
        "status_transitions": {"deactivated_at": None},
        "updated": created,
        "value_settings": {"event_payload_key": str(value_settings.get("event_payload_key") or "value")},
    }


@route("POST", r"/v1/billing/meters")
async def create_meter(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    meter = new_meter(params)
    taken = _active_meter_for(meter["event_name"])
    if taken is not None and taken["status"] == "active":
        raise _user_error(400, f"An active meter with event_name '{meter['event_name']}' already exists.", "event_name")
    _store()[METER_PREFIX + meter["id"]] = meter
    emit("billing.meter.created", dict(meter))
    return web.json_response(meter)


@route("POST", r"/v1/billing/meters/(?P<id>mtr_\w+)")
async def update_meter(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """`display_name`, the one field Stripe lets change; `billing.meter.updated` when it changed."""
    meter = _find_meter(match["id"])
    unknown = sorted(set(params) - {"display_name", "expand"})
    if unknown:
        raise _user_error(400, f"Received unknown parameter: {unknown[0]}", unknown[0], "parameter_unknown")
    display_name = params.get("display_name")
    if display_name is not None and display_name != meter["display_name"]:
        if not isinstance(display_name, str) or not display_name:
            raise _user_error(400, "display_name must be a non-empty string", "display_name")
        previous = {"display_name": meter["display_name"], "updated": meter["updated"]}
        meter["display_name"] = display_name
        meter["updated"] = int(time.time())
        emit("billing.meter.updated", dict(meter), previous)
    return web.json_response(meter)


@route("POST", r"/v1/billing/meters/(?P<id>mtr_\w+)/deactivate")
async def deactivate_meter(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """No more events are taken; `billing.meter.deactivated`."""
    meter = _find_meter(match["id"])
    if meter["status"] == "active":
        now = int(time.time())
        meter.update(status="inactive", status_transitions={"deactivated_at": now}, updated=now)
        _by_event_name.pop(meter["event_name"], None)
        emit("billing.meter.deactivated", dict(meter))
    return web.json_response(meter)


@route("POST", r"/v1/billing/meters/(?P<id>mtr_\w+)/reactivate")
async def reactivate_meter(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Active again (refused while another meter is active for its event name); `billing.meter.reactivated`."""
    meter = _find_meter(match["id"])
    if meter["status"] != "active":
        taken = _active_meter_for(meter["event_name"])
        if taken is not None and taken["status"] == "active":
            raise _user_error(
                400, f"An active meter with event_name '{meter['event_name']}' already exists.", "event_name"
            )
        meter.update(status="active", status_transitions={"deactivated_at": None}, updated=int(time.time()))
        emit("billing.meter.reactivated", dict(meter))
    return web.json_response(meter)


@route("GET", r"/v1/billing/meters/(?P<id>mtr_\w+)")
async def retrieve_meter(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    return web.json_response(_find_meter(match["id"]))


@route("GET", r"/v1/billing/meters")
async def list_meters(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Newest first, as Stripe lists; `status` filters, `limit` 1 to 100 (default 10)."""
    limit = _integer(params, "limit") or 10
    if not 1 <= limit <= 100:
        raise _user_error(400, "limit must be between 1 and 100", "limit")
    status = params.get("status")
    found = [meter for meter in reversed(_meters()) if status in (None, "", meter["status"])]
    after = params.get("starting_after")
    if after:
        ids = [meter["id"] for meter in found]
        if after not in ids:
            raise _user_error(400, f"No such billing meter: '{after}'", "starting_after")
        found = found[ids.index(after) + 1 :]
    page = found[:limit]
    return web.json_response(
        {"object": "list", "data": page, "has_more": len(found) > limit, "url": "/v1/billing/meters"}
    )


def _checked_value(raw: Any) -> int:
    """A meter event's value: Stripe takes a whole number (sent as a string), never negative here."""
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        raise _user_error(
            400, f"The value '{raw}' is not a valid whole number.", "payload", "meter_event_invalid_value"
        ) from None
    if value < 0:
        raise _user_error(400, "The value must not be negative.", "payload", "meter_event_invalid_value")
    return value


@route("POST", r"/v1/billing/meter_events")
async def create_meter_event(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    event_name = _required(params, "event_name")
    payload = params.get("payload")
    if not isinstance(payload, dict) or not payload:
        raise _user_error(400, "Missing required param: payload.", "payload", "parameter_missing")
    now = int(time.time())
    timestamp = _integer(params, "timestamp")
    timestamp = now if timestamp is None else timestamp
    if timestamp < now - PAST_LIMIT_SECONDS:
        raise _user_error(
            400, "The timestamp is more than 35 days in the past.", "timestamp", "timestamp_too_far_in_past"
        )
    if timestamp > now + FUTURE_LIMIT_SECONDS:
        raise _user_error(
            400, "The timestamp is more than 5 minutes in the future.", "timestamp", "timestamp_in_future"
        )
    identifier = params.get("identifier") or f"evt-{secrets.token_hex(12)}"
    if not isinstance(identifier, str) or len(identifier) > IDENTIFIER_MAX_LENGTH:
        raise _user_error(400, "identifier is at most 100 characters", "identifier")
    meter = _active_meter_for(event_name)
    if meter is None:
        raise _user_error(400, f"No active meter was found for event_name '{event_name}'.", "event_name", "no_meter")
    if meter["status"] != "active":
        raise _user_error(400, f"The meter for event_name '{event_name}' is inactive.", "event_name", "archived_meter")
    customer_key = meter["customer_mapping"]["event_payload_key"]
    customer = payload.get(customer_key)
    if not customer:
        raise _user_error(
            400, f"The payload has no '{customer_key}'.", f"payload[{customer_key}]", "meter_event_no_customer_defined"
        )
    if _store().get(f"customer:{customer}") is None:
        raise _user_error(
            400, f"No such customer: '{customer}'", f"payload[{customer_key}]", "meter_event_customer_not_found"
        )
    value_key = meter["value_settings"]["event_payload_key"]
    if meter["default_aggregation"]["formula"] != "count" or value_key in payload:
        if value_key not in payload:
            raise _user_error(
                400, f"The payload has no '{value_key}'.", f"payload[{value_key}]", "meter_event_value_not_found"
            )
        _checked_value(payload[value_key])
    earlier = _store().get(EVENT_PREFIX + identifier)
    if isinstance(earlier, dict) and earlier["created"] > now - DEDUPE_WINDOW_SECONDS:
        _refused_repeats[meter["id"]] = _refused_repeats.get(meter["id"], 0) + 1
        raise _user_error(400, f"An event already exists with identifier {identifier}.", "identifier", DUPLICATE_CODE)
    event = {
        "object": "billing.meter_event",
        "created": now,
        "event_name": event_name,
        "identifier": identifier,
        "livemode": False,
        "payload": {str(key): str(value) for key, value in payload.items()},
        "timestamp": timestamp,
        "meter": meter["id"],  # kept for the summaries; not part of Stripe's object
    }
    _store()[EVENT_PREFIX + identifier] = event
    return web.json_response({key: value for key, value in event.items() if key != "meter"})


def _events_of(meter: dict[str, Any], customer: str | None) -> list[dict[str, Any]]:
    key = meter["customer_mapping"]["event_payload_key"]
    return [
        value
        for name, value in _store().items()
        if name.startswith(EVENT_PREFIX)
        and value.get("meter") == meter["id"]
        and (customer is None or value["payload"].get(key) == customer)
    ]


def aggregate(meter: dict[str, Any], events: list[dict[str, Any]]) -> int:
    """The meter's formula over `events`: their sum, their count, or the latest one's value."""
    formula = meter["default_aggregation"]["formula"]
    if formula == "count":
        return len(events)
    key = meter["value_settings"]["event_payload_key"]
    if formula == "last":
        if not events:
            return 0
        latest = max(events, key=lambda event: (event["timestamp"], event["created"]))
        return int(latest["payload"].get(key, 0))
    return sum(int(event["payload"].get(key, 0)) for event in events)


@route("GET", r"/v1/billing/meters/(?P<id>mtr_\w+)/event_summaries")
async def list_event_summaries(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """One summary over [start_time, end_time) (no `value_grouping_window`), as Stripe answers it."""
    meter = _find_meter(match["id"])
    customer = _required(params, "customer")
    start, end = _integer(params, "start_time"), _integer(params, "end_time")
    if start is None or end is None:
        raise _user_error(400, "Missing required param: start_time and end_time.", "start_time", "parameter_missing")
    if start % 60 or end % 60:
        raise _user_error(400, "start_time and end_time must be aligned with minute boundaries.", "start_time")
    if end <= start:
        raise _user_error(400, "end_time must be after start_time.", "end_time")
    events = [event for event in _events_of(meter, customer) if start <= event["timestamp"] < end]
    summary = {
        "id": f"mtrusg_{secrets.token_hex(12)}",
        "object": "billing.meter_event_summary",
        "aggregated_value": aggregate(meter, events),
        "end_time": end,
        "livemode": False,
        "meter": meter["id"],
        "start_time": start,
    }
    url = f"/v1/billing/meters/{meter['id']}/event_summaries"
    return web.json_response({"object": "list", "data": [summary], "has_more": False, "url": url})


@route("GET", r"/_sandbox/billing/meters/(?P<id>mtr_\w+)/event_count")
async def event_count(request: web.Request, match: Any, params: dict[str, Any]) -> web.StreamResponse:
    """Test mode: the events the meter received (optionally of one customer), and the repeats it refused."""
    meter = _find_meter(match["id"])
    customer = params.get("customer") or None
    events = _events_of(meter, customer)
    return web.json_response(
        {
            "meter": meter["id"],
            "customer": customer,
            "count": len(events),
            "aggregated_value": aggregate(meter, events),
            "identifiers": len({event["identifier"] for event in events}),
            "refused_repeats": _refused_repeats.get(meter["id"], 0),
        }
    )
