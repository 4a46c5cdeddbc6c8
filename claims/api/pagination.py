"""Pagination of every API list: keyset pages reached by a cursor, and the older page numbers.

A cursor page is the rows after (or, going back, before) the key of a row the client has already
seen, in a unique indexed order (`id`, or `(verdict_at, id)`): one index range read of
page_size + 1 rows, so the thousandth page costs what the first does, and rows added or removed
between two requests never make a row show twice or go missing. The cursor is signed, so a client
cannot forge one; a bad one is a 400.

`?page=N` stays for clients written before cursors: it counts every row the filters select and
skips the rows of the pages before it (OFFSET), so it slows down with the depth of the page and the
size of the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField, F, Field, Func, Q, QuerySet, Value
from django.utils.translation import gettext
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.utils import OpenApiParameter
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
PAGE_SIZE_PARAM = "page_size"
PAGE_PARAM = "page"
CURSOR_PARAM = "cursor"
# Cursors are signed with the secret key under this salt: a token signed for anything else is refused.
CURSOR_SALT = "factcheck.api.cursor"


def page_size_of(request) -> int:
    """`?page_size=`: a whole number from 1 (above MAX_PAGE_SIZE it is MAX_PAGE_SIZE), PAGE_SIZE when
    absent. Anything else is a 400 naming the parameter, not silently the default."""
    raw = request.query_params.get(PAGE_SIZE_PARAM, "").strip()
    if not raw:
        return PAGE_SIZE
    significant = raw.lstrip("0")
    if not re.fullmatch(r"[0-9]+", significant):  # also refuses 0, -1, 1.5 and abc
        raise ValidationError({PAGE_SIZE_PARAM: [gettext("Enter a whole number of at least 1.")]})
    # Converting a 5,000-digit number would itself fail: anything that long is simply the most.
    return MAX_PAGE_SIZE if len(significant) > 6 else min(int(significant), MAX_PAGE_SIZE)


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=`, with the total `count`: the older, slower way (OFFSET), kept for
    the clients written before cursors. An out-of-range page is a 404, as it always was."""

    page_size = PAGE_SIZE
    page_size_query_param = PAGE_SIZE_PARAM
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        return page_size_of(request)


class RowComparison(Func):
    """`(a, b) > (x, y)`. PostgreSQL answers a row comparison with one range of a composite index,
    where the equivalent `a > x OR (a = x AND b > y)` would be read from the start of the index."""

    template = "%(expressions)s"
    output_field = BooleanField()

    def __init__(self, columns: list[F], values: list[Value], operator: str):
        row = Field()  # a row of mixed types: no single field type describes it
        left = Func(*columns, function="ROW", output_field=row)
        right = Func(*values, function="ROW", output_field=row)
        super().__init__(left, right, arg_joiner=f" {operator} ")


@dataclass(frozen=True)
class Cursor:
    """A position in a list: the rows after `key` (or before it, `backwards`). No key going
    backwards is the end of the list: the last page."""

    key: tuple | None
    backwards: bool = False


class KeysetPagination(pagination.BasePagination):
    """`?cursor=` (keyset pages, each answer's `next` and `previous` links) and `?page_size=`; or
    `?page=N` (PageNumberPagination, with `count`) for older clients. A cursor answer has no `count`:
    counting the rows would read all of them, which is what cursors are there to avoid.

    `ordering` is the list's order: fields of the model, not null, all ascending or all descending,
    ending with `id` so that it is unique; the key of a row is its values of them. Give
    a list another order with a subclass (and an index on those fields, in that order).
    """

    ordering: tuple[str, ...] = ("id",)
    display_page_controls = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        directions = {name.startswith("-") for name in cls.ordering}
        if len(directions) != 1 or cls.ordering[-1].lstrip("-") != "id":
            raise TypeError(f"{cls.__name__}.ordering must go one way and end with id")

    # --- reading a page ------------------------------------------------------------------------

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list:
        self.request = request
        self.numbered: PageNumberPagination | None = None
        if PAGE_PARAM in request.query_params:
            if request.query_params.get(CURSOR_PARAM, "").strip():
                message = gettext("Give either a cursor or a page number, not both.")
                raise ValidationError({CURSOR_PARAM: [message], PAGE_PARAM: [message]})
            self.numbered = PageNumberPagination()
            return self.numbered.paginate_queryset(queryset.order_by(*self.ordering), request, view)
        size = page_size_of(request)
        self.model = queryset.model
        self.cursor = self.decode(request.query_params.get(CURSOR_PARAM, "").strip())
        backwards = self.cursor.backwards
        rows = queryset.order_by(*(self._flip(name) for name in self.ordering) if backwards else self.ordering)
        if self.cursor.key is not None:
            rows = rows.filter(self._beyond(self.cursor.key, backwards))
        page = list(rows[: size + 1])
        self.more = len(page) > size  # past the page, in the direction read
        page = page[:size]
        if backwards:
            page.reverse()
        self.first_key = self.key_of(page[0]) if page else None
        self.last_key = self.key_of(page[-1]) if page else None
        return page

    def _fields(self) -> list[Field]:
        return [self.model._meta.get_field(name.lstrip("-")) for name in self.ordering]

    @staticmethod
    def _flip(name: str) -> str:
        return name[1:] if name.startswith("-") else "-" + name

    def _beyond(self, key: tuple, backwards: bool) -> Q | RowComparison:
        """The rows after `key` in the list's order (before it, `backwards`)."""
        descending = self.ordering[0].startswith("-")
        operator = "<" if descending != backwards else ">"
        fields = self._fields()
        if len(fields) == 1:
            return Q(**{f"{fields[0].attname}__{'lt' if operator == '<' else 'gt'}": key[0]})
        columns = [F(field.attname) for field in fields]
        values = [Value(value, output_field=field) for field, value in zip(fields, key, strict=True)]
        return RowComparison(columns, values, operator)

    def key_of(self, row) -> tuple:
        return tuple(getattr(row, field.attname) for field in self._fields())

    # --- cursors -------------------------------------------------------------------------------

    def encode(self, cursor: Cursor) -> str:
        payload: dict = {"o": ",".join(self.ordering)}
        if cursor.key is not None:
            # a date and time as ISO 8601 text (with its offset); Field.to_python reads it back
            payload["k"] = [value.isoformat() if hasattr(value, "isoformat") else value for value in cursor.key]
        if cursor.backwards:
            payload["b"] = 1
        return signing.Signer(salt=CURSOR_SALT).sign_object(payload)

    def decode(self, token: str) -> Cursor:
        """The position a `?cursor=` names; none (blank) is the first page. A token this list did not
        make (edited, truncated, from a list in another order, signed with an older secret key) is a 400."""
        if not token:
            return Cursor(key=None)
        try:
            payload = signing.Signer(salt=CURSOR_SALT).unsign_object(token)
            if payload.get("o") != ",".join(self.ordering):
                raise ValueError("made for another order")
            raw = payload.get("k")
            backwards = payload.get("b") == 1
            if raw is None:
                if not backwards:
                    raise ValueError("no key")
                return Cursor(key=None, backwards=True)
            fields = self._fields()
            if not isinstance(raw, list) or len(raw) != len(fields):
                raise ValueError("not a key of this order")
            key = tuple(field.to_python(value) for field, value in zip(fields, raw, strict=True))
            for field, value in zip(fields, key, strict=True):
                field.run_validators(value)  # an id within the column's range
        except (signing.BadSignature, DjangoValidationError, ValueError, TypeError, AttributeError):
            message = gettext(
                "This cursor is not valid: follow the next and previous links of a page, or start again without one."
            )
            raise ValidationError({CURSOR_PARAM: [message]}) from None
        return Cursor(key=key, backwards=backwards)

    # --- the answer ----------------------------------------------------------------------------

    def _link(self, cursor: Cursor | None) -> str:
        url = self.request.build_absolute_uri()
        if cursor is None:
            return remove_query_param(url, CURSOR_PARAM)
        return replace_query_param(url, CURSOR_PARAM, self.encode(cursor))

    def get_next_link(self) -> str | None:
        if self.numbered is not None:
            return self.numbered.get_next_link()
        if self.last_key is not None:
            # Going back from a key, the rows from the key on are after the page (none after the last page).
            more_after = self.cursor.key is not None if self.cursor.backwards else self.more
            return self._link(Cursor(key=self.last_key)) if more_after else None
        if self.cursor.backwards and self.cursor.key is not None:
            # Nothing before the key: the rows from it on are the whole list, the first page.
            return self._link(None)
        return None

    def get_previous_link(self) -> str | None:
        if self.numbered is not None:
            return self.numbered.get_previous_link()
        if self.first_key is not None:
            more_before = self.more if self.cursor.backwards else self.cursor.key is not None
            return self._link(Cursor(key=self.first_key, backwards=True)) if more_before else None
        if not self.cursor.backwards and self.cursor.key is not None:
            # Nothing after the key: the rows up to it are the whole list, read from its end.
            return self._link(Cursor(key=None, backwards=True))
        return None

    def get_paginated_response(self, data) -> Response:
        if self.numbered is not None:
            return self.numbered.get_paginated_response(data)
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    # --- the OpenAPI schema --------------------------------------------------------------------

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return paginated_schema(schema)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            build_parameter_type(name=p.name, schema=p.type, location=p.location, description=p.description)
            for p in PAGINATION_PARAMETERS
        ]


def _link_schema(description: str) -> dict:
    return {"type": "string", "nullable": True, "format": "uri", "description": description}


def paginated_schema(results: dict) -> dict:
    """The schema of one page of a list whose items have the schema `results`."""
    return {
        "type": "object",
        "required": ["next", "previous", "results"],
        "properties": {
            "count": {
                "type": "integer",
                "description": "Every row the filters select: only in answers to `?page=`.",
            },
            "next": _link_schema("The next page (null on the last)."),
            "previous": _link_schema("The page before (null on the first)."),
            "results": results,
        },
    }


PAGINATION_PARAMETERS = [
    OpenApiParameter(
        CURSOR_PARAM,
        {"type": "string"},
        OpenApiParameter.QUERY,
        description="Where the page starts: take it from a page's `next` or `previous` link (it is opaque and "
        "signed; an edited one is a 400). Absent: the first page.",
    ),
    OpenApiParameter(
        PAGE_PARAM,
        {"type": "integer"},
        OpenApiParameter.QUERY,
        description="The older way: a page number, with the `count` of every row. It reads the rows of the pages "
        "before it, so deep pages are slow; prefer the cursor links. Not with `cursor`.",
    ),
    OpenApiParameter(
        PAGE_SIZE_PARAM,
        {"type": "integer", "minimum": 1},
        OpenApiParameter.QUERY,
        description=f"Rows per page, {PAGE_SIZE} unless given; at most {MAX_PAGE_SIZE}.",
    ),
]
