"""Where encoders connect, and where the relay reads from.

RTMP: one nginx port for every meeting; the stream key in the URL says which meeting.
SRT: ffmpeg's SRT listener serves one connection with one passphrase, so each live-able meeting gets its own port,
``CHAMBER_SRT_PORT + (meeting id mod 100)``. The ports are fixed per meeting so the URL staff copy into the
encoder days before the meeting stays right.
"""

from __future__ import annotations

from urllib.parse import quote

from storage.meetings import srt_port

SRT_LATENCY_MS = 400  # SRT's retransmission window: enough for a council's uplink, small next to HLS latency


def connect_host(host: str) -> str:
    """An address to connect to for a listening address (``0.0.0.0`` means this machine)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "*", "") else host


def srt_listen_url(settings, meeting_id: int, passphrase: str) -> str:
    """The relay's SRT input: listen for the meeting's encoder, refusing any other passphrase."""
    return (f"srt://{settings.ingest_host}:{srt_port(settings, meeting_id)}?mode=listener"
            f"&passphrase={quote(passphrase, safe='')}&pbkeylen=16&latency={SRT_LATENCY_MS * 1000}")


def srt_publish_url(settings, meeting_id: int, passphrase: str, host: str | None = None) -> str:
    host = host or connect_host(settings.ingest_host)
    return (f"srt://{host}:{srt_port(settings, meeting_id)}?mode=caller"
            f"&passphrase={quote(passphrase, safe='')}&pbkeylen=16&latency={SRT_LATENCY_MS * 1000}")


def rtmp_publish_url(settings, stream_key: str, host: str | None = None) -> str:
    host = host or connect_host(settings.ingest_host)
    return f"rtmp://{host}:{settings.rtmp_port}/live/{stream_key}"
