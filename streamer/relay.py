"""The relay's ffmpeg command: one live input in, live HLS renditions out (the source rendition is the recording).

Renditions, each in its own folder under the run's output folder:
- ``src``: the encoder's video and audio, stream-copied when they are H.264/AAC (what browsers play), otherwise
  re-encoded to H.264/AAC. Its segments are the recording, so they are kept at source quality.
- one folder per rung of the optional transcode ladder (``720p``, ``480p``, ...), x264 with keyframes every
  segment so every rung cuts at the same times.
- ``audio``: audio only, for listeners on a weak connection.
ffmpeg writes each segment under a temporary name and renames it when complete (``temp_file``), so a segment file
that exists is whole; a crash loses at most the segment being written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg as ffmpeg_python

from .ffmpeg import compile_command
from .probe import MediaInfo

SOURCE_RENDITION = "src"
AUDIO_RENDITION = "audio"
MASTER_PLAYLIST = "master.m3u8"
VARIANT_PLAYLIST = "index.m3u8"
# ffmpeg's own playlists are only read by the publisher, which reads them within moments of each segment (the
# files are local); 10 entries leave it 20 s to catch up after a stall while keeping each read short.
WORK_PLAYLIST_SIZE = 10

LADDER = {  # rung -> (height, video bitrate)
    "1080p": (1080, "5000k"),
    "720p": (720, "2800k"),
    "480p": (480, "1400k"),
    "360p": (360, "800k"),
    "240p": (240, "400k"),
}


class UnsupportedInput(ValueError):
    """The encoder sends something the relay will not put in front of viewers; the message says what to change."""


@dataclass(frozen=True)
class RelayPlan:
    input_url: str
    output_dir: Path
    segment_seconds: int
    segment_type: str = "mpegts"  # or "fmp4"
    transcode_video: bool = False
    transcode_audio: bool = False
    has_audio: bool = True
    ladder: tuple[str, ...] = ()
    input_options: dict = field(default_factory=dict)

    @property
    def renditions(self) -> list[str]:
        return [SOURCE_RENDITION, *self.ladder] + ([AUDIO_RENDITION] if self.has_audio else [])

    @property
    def segment_extension(self) -> str:
        return "m4s" if self.segment_type == "fmp4" else "ts"


def plan_relay(input_url: str, output_dir: Path, settings, media: MediaInfo | None = None,
               input_options: dict | None = None) -> RelayPlan:
    """What the relay should do with this input. Without ``media`` (the input has not been seen yet) it assumes
    H.264/AAC, what nearly every encoder sends; the supervisor re-plans once ffmpeg has reported the input."""
    transcode_video = transcode_audio = False
    has_audio = True
    ladder = tuple(settings.transcode_ladder)
    if media is not None:
        if media.video is None:
            raise UnsupportedInput(f"the encoder sends no video ({media.describe()}); send H.264 video with AAC "
                                   "audio")
        transcode_video = not media.video_copyable
        transcode_audio = media.audio is not None and not media.audio_copyable
        has_audio = media.audio is not None
        if media.video.height:
            ladder = tuple(r for r in ladder if LADDER[r][0] < media.video.height)
    return RelayPlan(input_url=input_url, output_dir=output_dir, segment_seconds=settings.hls_segment_seconds,
                     segment_type=settings.hls_segment_type, transcode_video=transcode_video,
                     transcode_audio=transcode_audio, has_audio=has_audio, ladder=ladder,
                     input_options=dict(input_options or {}))


def _x264(seconds: int, bitrate: str | None = None) -> dict:
    """x264 settings for live HLS: a keyframe at every segment boundary, no scene-cut keyframes in between."""
    options = {"c": "libx264", "preset": "veryfast", "tune": "zerolatency", "pix_fmt": "yuv420p",
               "sc_threshold": 0, "force_key_frames": f"expr:gte(t,n_forced*{seconds})"}
    if bitrate:
        options.update(b=bitrate, maxrate=bitrate, bufsize=f"{int(bitrate[:-1]) * 2}k")
    else:
        options.update(crf=21, maxrate="6000k", bufsize="12000k")
    return options


def _per_stream(kind: str, index: int, options: dict) -> dict:
    return {f"{key}:{kind}:{index}": value for key, value in options.items()}


def relay_command(plan: RelayPlan) -> list[str]:
    """The ffmpeg command line for a plan."""
    source = ffmpeg_python.input(plan.input_url, **plan.input_options)
    audio_options = {"c": "aac", "b": "128k", "ar": 48000} if plan.transcode_audio else {"c": "copy"}
    streams, codecs, variants = [], {}, []
    audio_index = 0

    def add_audio() -> str:
        nonlocal audio_index
        streams.append(source.audio)
        codecs.update(_per_stream("a", audio_index, audio_options))
        audio_index += 1
        return f"a:{audio_index - 1}"

    for video_index, rendition in enumerate([SOURCE_RENDITION, *plan.ladder]):
        if rendition == SOURCE_RENDITION:
            streams.append(source.video)
            video = _x264(plan.segment_seconds) if plan.transcode_video else {"c": "copy"}
        else:
            height, bitrate = LADDER[rendition]
            streams.append(source.video.filter("scale", -2, height))
            video = _x264(plan.segment_seconds, bitrate)
        codecs.update(_per_stream("v", video_index, video))
        members = [f"v:{video_index}"] + ([add_audio()] if plan.has_audio else [])
        variants.append(",".join(members + [f"name:{rendition}"]))
    if plan.has_audio:
        variants.append(f"{add_audio()},name:{AUDIO_RENDITION}")

    out = plan.output_dir
    output = ffmpeg_python.output(
        *streams, str(out / "%v" / VARIANT_PLAYLIST), format="hls", hls_time=plan.segment_seconds,
        hls_list_size=WORK_PLAYLIST_SIZE, hls_segment_type=plan.segment_type,
        hls_flags="temp_file+program_date_time+independent_segments",
        hls_segment_filename=str(out / "%v" / f"%05d.{plan.segment_extension}"),
        hls_fmp4_init_filename="init.mp4", master_pl_name=MASTER_PLAYLIST, var_stream_map=" ".join(variants),
        max_muxing_queue_size=1024, **codecs)
    return compile_command(output, "-loglevel", "info", "-nostats")
