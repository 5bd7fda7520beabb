"""A search request read from query-string arguments, with a clear message for each argument that is wrong.

The search words themselves are never wrong (the parser reads anything); only the filters can be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from werkzeug.datastructures import MultiDict

from storage.models import MAX_ID

MAX_PAGE = 1000
MAX_QUERY_ARG_CHARS = 2000
DEFAULT_PER_PAGE = 20


@dataclass
class SearchRequest:
    q: str = ""
    committee: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    meeting_id: int | None = None
    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: MultiDict) -> SearchRequest:
        request = cls(q=args.get("q", "")[:MAX_QUERY_ARG_CHARS], committee=args.get("committee", "").strip(),
                      sort="date" if args.get("sort") == "date" else "relevance",
                      raw={key: args.get(key, "") for key in ("from", "to")})
        request.date_from = request._date("from", "Date from")
        request.date_to = request._date("to", "Date to")
        if request.date_from and request.date_to and request.date_from > request.date_to:
            request.errors["to"] = "The ‘date to’ must be the same as or after the ‘date from’."
        request.page = request._number(args, "page", 1, 1, MAX_PAGE)
        request.per_page = request._number(args, "per_page", DEFAULT_PER_PAGE, 1, 50)
        if args.get("meeting_id"):
            request.meeting_id = request._number(args, "meeting_id", 0, 1, MAX_ID)
        return request

    def _date(self, key: str, label: str) -> date | None:
        value = self.raw[key].strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.errors[key] = f"{label} must be a real date written as YYYY-MM-DD, for example 2026-03-31."
            return None

    def _number(self, args: MultiDict, key: str, default: int, low: int, high: int) -> int:
        value = args.get(key, "").strip()
        if not value:
            return default
        if value.isdigit() and low <= int(value) <= high:
            return int(value)
        self.errors[key] = f"‘{key}’ must be a whole number from {low} to {high}."
        return default

    def search_arguments(self) -> dict:
        return {"committee": self.committee or None, "date_from": self.date_from, "date_to": self.date_to,
                "sort": self.sort, "page": self.page, "per_page": self.per_page, "meeting_id": self.meeting_id}

    def link_args(self, **changes) -> dict[str, str]:
        """The query-string arguments of this search, changed: for pagination and sort links."""
        args = {"q": self.q, "committee": self.committee, "from": self.raw.get("from", ""),
                "to": self.raw.get("to", ""), "sort": self.sort if self.sort != "relevance" else "",
                "per_page": self.per_page if self.per_page != DEFAULT_PER_PAGE else "", **changes}
        return {key: str(value) for key, value in args.items() if value not in ("", None)}
