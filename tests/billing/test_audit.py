"""The audit entry's shape: which objects of a response it names, and its columns' lengths."""

from __future__ import annotations

import uuid

from base.ids import parse_global_id
from billing.audit import Entry, entry_values, object_ids_of, outcome_of


def test_object_ids_name_every_mirror_row_a_mutation_answers_with() -> None:
    rows = {key: {"id": str(uuid.uuid4())} for key in ("customer", "payment", "refund", "dispute")}
    response = {**rows, "clientSecret": "pi_x_secret_y", "userErrors": []}
    named = {parse_global_id(global_id) for global_id in object_ids_of(response)}
    assert {(type_name, str(raw)) for type_name, raw in named} == {
        ("Customer", rows["customer"]["id"]),
        ("Payment", rows["payment"]["id"]),
        ("Refund", rows["refund"]["id"]),
        ("Dispute", rows["dispute"]["id"]),
    }
    assert outcome_of(response) == "ok"
    assert outcome_of({"userErrors": [{"code": "NOT_FOUND"}]}) == "NOT_FOUND"


def test_an_entry_is_cut_to_its_columns_and_gets_an_id_and_a_time() -> None:
    entry = Entry(principal="p" * 200, operation="o" * 100, outcome="x" * 50, object_ids=["a"])
    values = entry_values(entry)
    assert (len(values["principal"]), len(values["operation"]), len(values["outcome"])) == (128, 64, 32)
    assert values["object_ids"] == ["a"] and values["object_ids"] is not entry.object_ids
    assert values["id"] != entry_values(entry)["id"] and values["occurred_at"].tzinfo is not None
