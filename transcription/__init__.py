"""Speech to text for Chamber: the transcription worker, the faster-whisper engine, audio extraction and the
caption formats.

``transcribe_file`` serves ``chamber transcribe``; ``worker.handle_transcribe_job`` serves ``chamber worker``.
"""

from .audio import MediaError, TranscriptionError
from .standalone import transcribe_file

__all__ = ["MediaError", "TranscriptionError", "transcribe_file"]
