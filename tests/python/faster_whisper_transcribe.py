#!/usr/bin/env python3
"""Transcribes WAV files with faster-whisper (CTranslate2), the reference the whisper.cpp path is
compared with: the settings cameo uses (greedy, temperature 0 without fallback, language forced,
no timestamps, no VAD, no previous-text conditioning), on CPU.

Usage: faster_whisper_transcribe.py MODEL_DIR JOBS.json [--threads N] [--repeat R] [--pad-features]
                                    [--compute-type float32|int8]
  JOBS.json: [{"wav": path of a 16 kHz mono 16-bit WAV, "language": "en"}, ...]
Prints a JSON object: {"texts": [...], "seconds": transcription time of the last repeat,
"audio_seconds": total audio duration}.

The WAVs are read with the standard library (no resampling), scaled by 1/32768 like whisper.cpp's
input, and handed to faster-whisper as arrays, so both engines see the same samples.

Padding: Whisper was trained on 30 s windows whose unused tail is the log-mel of silence (openai/
whisper pads the *audio* with zeros, and so does whisper.cpp). faster-whisper 1.x instead pads the
normalised log-mel *features* with zeros (audio.py `pad_or_trim`), which is not silence for the
encoder (see SYSTRAN/faster-whisper PR #1084). On short clips that changes what the model hears,
so by default each clip is padded here with zero samples to a whole number of 30 s windows: then
faster-whisper's feature windows are exactly those of Whisper and whisper.cpp. `--pad-features`
keeps faster-whisper's own behaviour (for the benchmark: faster-whisper as people run it).

Compute type: float32 (default) is the like-for-like reference of the tests; int8 is CTranslate2's
fastest CPU mode (int8 matrices, what the benchmark races against).
"""
import argparse
import json
import sys
import time
import wave

import numpy as np


def read_wav(path):
    with wave.open(path, "rb") as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (16000, 1, 2):
            sys.exit(f"{path}: expected 16 kHz mono 16-bit, got {w.getframerate()} Hz, {w.getnchannels()} ch, {8 * w.getsampwidth()} bit")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model_dir")
    parser.add_argument("jobs")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pad-features", action="store_true")
    parser.add_argument("--compute-type", choices=["float32", "int8"], default="float32")
    args = parser.parse_args()
    from faster_whisper import WhisperModel

    with open(args.jobs, encoding="utf-8") as f:
        jobs = json.load(f)
    audio = [read_wav(job["wav"]) for job in jobs]
    durations = [len(a) / 16000.0 for a in audio]
    if not args.pad_features:
        window = 30 * 16000
        audio = [np.pad(a, (0, -len(a) % window)) for a in audio]
    # CTranslate2 has no float16 on CPU: float32 widens the weights, int8 quantises them per row.
    model = WhisperModel(args.model_dir, device="cpu", compute_type=args.compute_type, cpu_threads=args.threads)
    for _ in range(args.repeat):
        start = time.perf_counter()
        texts = []
        for job, samples in zip(jobs, audio):
            segments, _info = model.transcribe(
                samples,
                language=job["language"],
                task="transcribe",
                beam_size=1,
                best_of=1,
                temperature=0.0,
                condition_on_previous_text=False,
                without_timestamps=True,
                vad_filter=False,
            )
            texts.append("".join(segment.text for segment in segments).strip())
        seconds = time.perf_counter() - start
    json.dump(
        {"texts": texts, "seconds": seconds, "audio_seconds": sum(durations)},
        sys.stdout,
        ensure_ascii=False,
    )
    print()


if __name__ == "__main__":
    main()
