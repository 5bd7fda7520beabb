"""The OpenAPI 3 description of every ``/api/v1`` route, including the search and beacon routes that other
blueprints serve. Tests validate it and fuzz the API from it, so it must match what the code does."""

from __future__ import annotations

from functools import cache
from typing import Any

from storage.models import MAX_ID, MeetingStatus


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


URL = {"type": "string", "format": "uri"}
ERROR = _json(_ref("Error"), "What was wrong with the request, and what to do instead")
MEETING_ID = {"name": "meeting_id", "in": "path", "required": True, "description": "The meeting's id",
              "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}

SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"}}),
    "Committee": _object({
        "slug": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
        "archived": {"type": "boolean"}, "url": URL, "meetings": URL, "calendar": URL,
    }),
    "MeetingSummary": _object({
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "committee": _object({"slug": {"type": "string"}, "name": {"type": "string"}}),
        "scheduled_start": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": [s.value for s in MeetingStatus]},
        "live": {"type": "boolean", "description": "Being broadcast now"},
        "duration": _nullable({"type": "number", "description": "Length of the recording in seconds"}),
        "url": URL,
        "api_url": URL,
    }),
    "Paper": _object({
        "title": {"type": "string"}, "filename": {"type": "string"}, "content_type": {"type": "string"},
        "size": {"type": "integer", "description": "Bytes"}, "url": URL,
    }),
    "AgendaItem": _object({
        "number": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
        "start": _nullable({"type": "number", "description": "Where the item starts in the recording, seconds"}),
        "papers": {"type": "array", "items": _ref("Paper")},
    }),
    "TranscriptInfo": _object({
        "status": {"type": "string", "enum": ["none", "queued", "running", "ready", "failed"]},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100, "description": "Percentage done"},
        "vtt": _nullable(URL), "srt": _nullable(URL), "txt": _nullable(URL), "json": _nullable(URL),
        "segments": _nullable({**URL, "description": "The segments with word timings (/transcript.json)"}),
    }),
    "Meeting": {"allOf": [_ref("MeetingSummary"), _object({
        "description": {"type": "string"},
        "location": {"type": "string"},
        "started_at": _nullable({"type": "string", "format": "date-time"}),
        "ended_at": _nullable({"type": "string", "format": "date-time"}),
        "media": _object({
            "hls": _nullable({**URL, "description": "HLS playlist: the live stream while live, else the recording"}),
            "mp4": _nullable({**URL, "description": "The recording as one MP4 file"}),
            "mp4_size": _nullable({"type": "integer", "description": "Bytes"}),
        }),
        "transcript": _ref("TranscriptInfo"),
        "agenda_published": {"type": "boolean"},
        "agenda": {"type": "array", "items": _ref("AgendaItem")},
        "papers": {"type": "array", "items": _ref("Paper"), "description": "Papers not tied to one agenda item"},
        "calendar": URL,
    })]},
    "Word": _object({"start": {"type": "number"}, "end": {"type": "number"}, "word": {"type": "string"}}),
    "Segment": _object({
        "start": {"type": "number"}, "end": {"type": "number"}, "text": {"type": "string"},
        "speaker": _nullable({"type": "string"}),
        "corrected": {"type": "boolean", "description": "Checked and corrected by council staff"},
        "words": {"type": "array", "items": _ref("Word")},
    }),
    "SearchHit": _object({
        "start": _nullable({"type": "number", "description": "Seconds into the recording (transcript hits)"}),
        "end": _nullable({"type": "number"}),
        "snippet_html": {"type": "string", "description": "Escaped text with <mark> around the matches"},
        "url": {"type": "string", "description": "The meeting page at the moment of the hit"},
        "kind": {"type": "string", "description": "transcript, agenda or paper"},
        "speaker": _nullable({"type": "string"}),
    }, required=["start", "end", "snippet_html", "url"]),
    "SearchResults": _object({
        "total": {"type": "integer"},
        "took_ms": {"type": "number"},
        "messages": {"type": "array", "items": {"type": "string"},
                     "description": "Notes about how the words were read"},
        "results": {"type": "array", "items": _object({
            "meeting_id": {"type": "integer"}, "title": {"type": "string"}, "committee": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "hits": {"type": "array", "items": _ref("SearchHit")},
        })},
    }, required=["total", "took_ms", "results"]),
    "Beacon": {**_object({
        "meeting_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "session_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$",
                       "description": "A random id the player made up for this page view"},
        "seq": {"type": "integer", "minimum": 0, "maximum": 10_000_000,
                "description": "Counts up from 0 within the session"},
        "mode": {"type": "string", "enum": ["live", "on_demand"]},
        "position": {"type": "number", "minimum": 0, "maximum": 7 * 24 * 3600,
                     "description": "Playback position, seconds"},
        "played": {"type": "number", "minimum": 0, "maximum": 3600,
                   "description": "Seconds actually played since the previous beacon of this session"},
    }), "additionalProperties": False},
    "BeaconCredit": _object({"recorded": {"type": "boolean"}, "credited": {"type": "number"},
                             "duplicate": {"type": "boolean"}}, required=["recorded", "credited"]),
}


def _get(summary: str, response: dict[str, Any], parameters: list | None = None, not_found: bool = False,
         bad_request: bool = False) -> dict[str, Any]:
    responses = {"200": response}
    if bad_request:
        responses["400"] = ERROR
    if not_found:
        responses["404"] = ERROR
    return {"get": {"summary": summary, "parameters": parameters or [], "responses": responses}}


def _query(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


@cache
def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Chamber open data",
            "version": "1.0.0",
            "description": "Council committee meetings: committees, meetings with agendas, papers, video and "
                           "captions, transcripts with word timings, and search. Only published meetings appear.",
        },
        "paths": {
            "/api/v1/committees": _get("All committees",
                                       _json(_object({"committees": {"type": "array", "items": _ref("Committee")}}),
                                             "Committees by name")),
            "/api/v1/meetings": _get(
                "Published meetings, newest first",
                _json({"type": "object", "required": ["meetings", "page", "per_page", "total"], "properties": {
                    "meetings": {"type": "array", "items": _ref("MeetingSummary")},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"},
                    "next": {**URL, "description": "The next page, if any"}}},
                      "One page of meetings"),
                [_query("status", "Only meetings in this state", {"type": "string",
                                                                  "enum": [s.value for s in MeetingStatus]}),
                 _query("committee", "Only this committee's meetings (its slug)", {"type": "string"}),
                 _query("page", "Page number", {"type": "integer", "minimum": 1, "default": 1}),
                 _query("per_page", "Meetings per page", {"type": "integer", "minimum": 1, "maximum": 100,
                                                          "default": 50})],
                bad_request=True),
            "/api/v1/meetings/{meeting_id}": _get("One meeting with its agenda, media and transcript links",
                                                  _json(_ref("Meeting"), "The meeting"), [MEETING_ID],
                                                  not_found=True),
            "/api/v1/meetings/{meeting_id}/transcript.json": _get(
                "The transcript's segments in order, with word timings",
                _json({"type": "array", "items": _ref("Segment")}, "Segments"), [MEETING_ID], not_found=True),
            "/api/v1/search": _get(
                "Search transcripts, agendas and papers of published meetings",
                _json(_ref("SearchResults"), "Meetings with matching moments"),
                [_query("q", "Words, a \"quoted phrase\", -excluded, or OR", {"type": "string"}),
                 _query("committee", "Only this committee (its slug)", {"type": "string"}),
                 _query("from", "Meetings on or after this date", {"type": "string", "format": "date"}),
                 _query("to", "Meetings on or before this date", {"type": "string", "format": "date"}),
                 _query("sort", "Best match first, or newest first", {"type": "string",
                                                                      "enum": ["relevance", "date"]}),
                 _query("page", "Page number", {"type": "integer", "minimum": 1, "maximum": 1000}),
                 _query("per_page", "Meetings per page", {"type": "integer", "minimum": 1, "maximum": 50})],
                bad_request=True),
            "/api/v1/meetings/{meeting_id}/search": _get(
                "Every matching moment of one meeting, in time order",
                _json(_object({"meeting_id": {"type": "integer"}, "total": {"type": "integer"},
                               "hits": {"type": "array", "items": _ref("SearchHit")}}), "Matching moments"),
                [MEETING_ID, _query("q", "Words or a \"quoted phrase\"", {"type": "string"})], not_found=True),
            "/api/v1/beacon": {"post": {
                "summary": "A player's heartbeat while a meeting is watched (counts the audience)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Beacon")}}},
                "responses": {
                    "202": _json(_ref("BeaconCredit"), "Counted: the seconds credited to the audience figures"),
                    "200": _json(_ref("BeaconCredit"), "Seen before (a resent beacon); nothing changed"),
                    "400": ERROR, "404": ERROR, "409": ERROR, "413": ERROR, "429": ERROR, "503": ERROR},
            }},
            "/api/v1/openapi.json": {"get": {"summary": "This document",
                                             "responses": {"200": {"description": "OpenAPI 3 document",
                                                                   "content": {"application/json": {}}}}}},
        },
        "components": {"schemas": SCHEMAS},
    }
