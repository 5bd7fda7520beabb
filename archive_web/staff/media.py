"""The meeting's video for staff players, whatever the meeting's visibility.

The public media routes serve only public meetings; staff must be able to watch a draft or private meeting while
they set its chapters and correct its transcript, so this blueprint serves the meeting's own blobs to signed-in
staff. Playlists refer to their segments by relative names, so serving every key under the same URL prefix is
enough for hls.js to follow them.
"""

from __future__ import annotations

from flask import Response, abort, request, url_for

from storage.blobkeys import live_prefix, meeting_prefix
from storage.blobs import BlobNotFound, content_type_for

from .. import get_storage
from . import bp

# Where the streamer publishes a meeting's media (see streamer/publisher.py and streamer/vod.py).
LIVE_PLAYLIST = "live/{id}/master.m3u8"
VOD_PLAYLIST = "meetings/{id}/vod/index.m3u8"
MP4 = "meetings/{id}/media/meeting.mp4"


def player_source(storage, meeting) -> dict[str, str] | None:
    """``{"url", "type"}`` of what the staff player should load: the live playlist while live, else the VOD
    playlist or the MP4; None when nothing has been published yet."""
    candidates = ([(LIVE_PLAYLIST, "hls")] if meeting.is_live else []) + [(VOD_PLAYLIST, "hls"), (MP4, "mp4")]
    for pattern, kind in candidates:
        key = pattern.format(id=meeting.id)
        if storage.blobs.exists(key):
            return {"url": url_for("staff.media", meeting_id=meeting.id, key=key), "type": kind}
    return None


@bp.get("/media/<int:meeting_id>/<path:key>")
def media(meeting_id: int, key: str):
    if not key.startswith((meeting_prefix(meeting_id), live_prefix(meeting_id))):
        abort(404, "No such media for this meeting.")
    blobs = get_storage().blobs
    try:
        size = blobs.size(key)
    except (BlobNotFound, ValueError):
        abort(404, "No such media for this meeting; it may not have been recorded yet.")
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "no-store"}
    byte_range = request.range.range_for_length(size) if request.range else None
    if byte_range is None:
        return Response(blobs.open(key), content_type=content_type_for(key),
                        headers={**headers, "Content-Length": str(size)})
    start, stop = byte_range
    headers.update({"Content-Range": f"bytes {start}-{stop - 1}/{size}", "Content-Length": str(stop - start)})
    return Response(blobs.open(key, start, stop - 1), status=206, content_type=content_type_for(key), headers=headers)

