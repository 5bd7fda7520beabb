"""Staff watch a meeting's video whatever its visibility, beside the chapter editor and the transcript."""

from __future__ import annotations

from staffkit import embedded_only

from storage.models import Meeting, Visibility

PLAYLIST = b"#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:2.0,\nseg00000.ts\n#EXT-X-ENDLIST\n"


def test_draft_meeting_video_plays_for_staff_only(clerk, staff_app, storage, world):
    with storage.db.session() as session:
        session.get(Meeting, world.meeting_id).visibility = Visibility.DRAFT
    storage.blobs.put_bytes(f"meetings/{world.meeting_id}/vod/index.m3u8", PLAYLIST)
    storage.blobs.put_bytes(f"meetings/{world.meeting_id}/vod/seg00000.ts", bytes(range(256)) * 40)
    base = f"/staff/media/{world.meeting_id}/meetings/{world.meeting_id}/vod/"
    page = clerk.get(f"/staff/meetings/{world.meeting_id}/chapters").data.decode()
    assert f'data-src="{base}index.m3u8"' in page and 'data-type="hls"' in page
    assert clerk.get(base + "index.m3u8").data == PLAYLIST
    part = clerk.get(base + "seg00000.ts", headers={"Range": "bytes=256-511"})
    assert part.status_code == 206 and part.data == bytes(range(256))
    assert part.headers["Content-Range"] == "bytes 256-511/10240"
    assert staff_app.test_client().get(base + "index.m3u8").status_code == 302  # signed-out: sign in first


@embedded_only
def test_media_of_another_meeting_cannot_be_reached_through_this_one(clerk, storage, world):
    storage.blobs.put_bytes("meetings/999/vod/index.m3u8", PLAYLIST)
    assert clerk.get(f"/staff/media/{world.meeting_id}/meetings/999/vod/index.m3u8").status_code == 404
    assert clerk.get(f"/staff/media/{world.meeting_id}/meetings/{world.meeting_id}/../999/x").status_code == 404
    page = clerk.get(f"/staff/meetings/{world.meeting_id}/transcript").data.decode()
    assert "No video yet" in page
