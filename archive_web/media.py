"""Serving meeting media from the blob store: live and VOD HLS, the MP4 download, captions and agenda papers.

Everything goes through one gate: the key must belong to a meeting the public may see (``storage.visibility``),
and it must name a file, never a folder. Playlists change while a meeting is live, so they are cached briefly;
segments never change once written, so browsers and CDNs may keep them for a year. With S3 storage and
``CHAMBER_S3_PUBLIC_URL`` set, viewers are redirected to the bucket (or the CDN in front of it), so video bytes
do not pass through the web app.

This module also says which media a meeting has (``meeting_media``), for the meeting page and the JSON API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Blueprint, Response, abort, redirect, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import ContentRange

from storage.blobkeys import caption_key, captions_prefix, live_master_key, mp4_key, vod_playlist_key
from storage.blobs import BlobNotFound, InvalidKey, check_key, content_type_for
from storage.models import MAX_ID, Document, Meeting
from storage.visibility import publicly_visible

from . import get_storage

bp = Blueprint("media", __name__)

CAPTION_FORMATS = ("vtt", "srt", "txt", "json")
# Ids are 32-bit in the database; a larger number in a URL names nothing (and must not reach the database).

_MEDIA_KEY = re.compile(r"(?P<area>live|meetings)/(?P<meeting_id>[0-9]{1,18})/(?P<rest>.+)")
_SEGMENT_SUFFIXES = (".ts", ".m4s", ".aac", ".mp4")
IMMUTABLE = "public, max-age=31536000, immutable"


def cache_control_for(key: str) -> str:
    """Live playlists change every segment; VOD playlists and captions may be rewritten (a re-run, a correction);
    segments (live, and the recording's that the VOD playlist lists as ``../recording/...``) are written once under
    a new name and never change."""
    area, _, rest = key.split("/", 2)
    if key.endswith(".m3u8"):
        return "no-cache" if area == "live" else "public, max-age=60"
    if (area == "live" or rest.startswith(("vod/", "recording/"))) and key.endswith(_SEGMENT_SUFFIXES):
        return IMMUTABLE
    if rest.startswith("captions/"):
        return "public, max-age=60"
    return "public, max-age=3600"


@dataclass
class MeetingMedia:
    """What can be played and downloaded for one meeting, as blob keys (None where not available yet)."""

    hls: str | None = None
    mp4: str | None = None
    mp4_size: int | None = None
    captions: dict[str, str] = field(default_factory=dict)


def meeting_media(storage, meeting: Meeting, transcript_ready: bool) -> MeetingMedia:
    """Look in the blob store for the meeting's playlists, MP4 and captions.

    A live meeting plays its live playlist; any other plays the VOD once the streamer has written it. Captions are
    offered only for a finished transcript, so a half-written file is never linked."""
    blobs = storage.blobs
    media = MeetingMedia()
    if meeting.is_live:
        media.hls = live_master_key(meeting.id) if blobs.exists(live_master_key(meeting.id)) else None
        return media
    if blobs.exists(vod_playlist_key(meeting.id)):
        media.hls = vod_playlist_key(meeting.id)
    try:
        media.mp4_size = blobs.size(mp4_key(meeting.id))
        media.mp4 = mp4_key(meeting.id)
    except BlobNotFound:
        pass
    if transcript_ready:
        present = set(blobs.list(captions_prefix(meeting.id)))
        media.captions = {fmt: caption_key(meeting.id, fmt) for fmt in CAPTION_FORMATS
                          if caption_key(meeting.id, fmt) in present}
    return media


def media_url(key: str | None, external: bool = False) -> str | None:
    return url_for("media.blob", key=key, _external=external) if key else None


def _public_meeting(session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id) if meeting_id <= MAX_ID else None
    if not publicly_visible(meeting):
        abort(404)
    return meeting


@bp.get("/media/<path:key>")
def blob(key: str):
    match = _MEDIA_KEY.fullmatch(key)
    if not match:
        abort(404)
    try:
        key = check_key(key)
    except InvalidKey:
        abort(404)
    if any(part.startswith(".") for part in key.split("/")):
        abort(404)  # temporary files of a write in progress, and the store's own probes
    meeting_id = int(match["meeting_id"])
    with get_storage().db.session() as session:
        meeting = _public_meeting(session, meeting_id)
        if match["rest"].startswith("documents/") and not meeting.agenda_published:
            abort(404)
    return blob_response(key, cache_control_for(key))


@bp.get("/meetings/<int:meeting_id>/papers/<int:document_id>")
def paper(meeting_id: int, document_id: int):
    """An agenda paper, under the name staff uploaded it with."""
    with get_storage().db.session() as session:
        meeting = _public_meeting(session, meeting_id)
        document = session.scalar(
            select(Document).where(Document.id == document_id, Document.meeting_id == meeting_id))
        if document is None or not meeting.agenda_published:
            abort(404)
        key, filename, content_type = document.blob_key, document.filename, document.content_type
    return blob_response(key, "public, max-age=3600", content_type=content_type, filename=filename)


SIGNED_URL_SECONDS = 6 * 3600
_HEAVY_SUFFIXES = (".ts", ".m4s", ".mp4", ".aac")


def _signed_media_url(blobs, key: str) -> str | None:
    """On S3 without a public URL, video bytes still come straight from the bucket: after the visibility check
    above, segments and the MP4 redirect to a short-lived signed URL. Playlists and captions stay small and are
    served here, so a private bucket never has to be opened to the public."""
    presign = getattr(blobs, "presigned_url", None)
    if presign is None or not key.endswith(_HEAVY_SUFFIXES):
        return None
    return presign(key, expires=SIGNED_URL_SECONDS, method=request.method)


def blob_response(key: str, cache_control: str, content_type: str | None = None,
                  filename: str | None = None) -> Response:
    """Serve one blob: a redirect to the public bucket URL where there is one, else the bytes, honouring a single
    HTTP byte range (browsers seek in an MP4 with them)."""
    blobs = get_storage().blobs
    public = blobs.public_url(key) or _signed_media_url(blobs, key)
    if public:
        response = redirect(public, code=302)
        response.headers["Cache-Control"] = "private, max-age=60"
        return response
    try:
        size = blobs.size(key)
    except (BlobNotFound, InvalidKey):
        abort(404)

    start, stop, status = 0, size, 200
    if request.range and request.range.units == "bytes" and len(request.range.ranges) == 1:
        wanted = request.range.range_for_length(size)
        if wanted is None:
            response = Response(status=416)
            response.headers["Content-Range"] = f"bytes */{size}"
            return response
        (start, stop), status = wanted, 206

    body = [] if request.method == "HEAD" or stop == start else blobs.open(key, start, stop - 1)
    response = Response(body, status=status, mimetype=content_type or content_type_for(key),
                        direct_passthrough=True)
    response.content_length = stop - start
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    if status == 206:
        response.content_range = ContentRange("bytes", start, stop, size)
    if filename:
        ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
        response.headers["Content-Disposition"] = (f"inline; filename=\"{ascii_name}\"; "
                                                   f"filename*=UTF-8''{quote(filename)}")
    return response
