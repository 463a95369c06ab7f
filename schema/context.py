"""Strawberry's `Info` over the request context (`billing.request_context.Context`)."""

from __future__ import annotations

from typing import TypeAlias

import strawberry

from billing.request_context import Context

Info: TypeAlias = strawberry.Info[Context, None]
