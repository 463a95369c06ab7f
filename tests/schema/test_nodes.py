"""`schema.nodes`: every `Node` type of the schema is what `node_of` makes of its model's rows."""

from __future__ import annotations

from graphql import GraphQLObjectType

from resolvers.node import _NODE_TYPES
from schema import build_schema
from schema.nodes import _FROM_MODEL


def test_every_node_type_is_registered_for_its_model() -> None:
    schema = build_schema()
    node_types = {
        name
        for name, gql_type in schema._schema.type_map.items()
        if isinstance(gql_type, GraphQLObjectType) and any(i.name == "Node" for i in gql_type.interfaces)
    }
    registered = {model: from_model.__self__.__name__ for model, from_model in _FROM_MODEL.items()}
    assert set(registered.values()) == node_types
    # The model a global id's type name reads (resolvers/node.py) is the one its GraphQL type is made from.
    assert {name: registered[model] for name, (model, _) in _NODE_TYPES.items()} == {name: name for name in node_types}
