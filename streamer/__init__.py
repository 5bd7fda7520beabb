"""Live ingest for Chamber: encoders publish over RTMP (nginx-rtmp in front) or SRT, or a meeting pulls a URL;
one supervised ffmpeg per live meeting writes live HLS for viewers and a crash-safe recording; at the end the
recording becomes a VOD playlist and an MP4 download, and a transcription job is queued.

Modules, by what they hold: ``ffmpeg`` (finding and running ffmpeg), ``probe`` (what a file or stream
contains), ``playlists`` (HLS playlist text), ``relay`` (the relay's ffmpeg command), ``endpoints`` (where encoders
connect), ``auth`` (who may publish), ``nginx`` (the RTMP front end), ``session`` (a live meeting's states and named
errors), ``recording`` (a meeting's recorded parts), ``publisher`` (segments into the blob store), ``supervisor``
(one relay kept running), ``vod`` (live to on-demand), ``importer`` (past recordings), ``simulate`` (a test
encoder), ``control`` (the HTTP endpoint nginx calls), ``service`` (``chamber ingest``).
"""


class StreamerError(RuntimeError):
    """Something the person running Chamber can fix; the message says what to do. The ``chamber`` command shows
    it as one line instead of a traceback."""
