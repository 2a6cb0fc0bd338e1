#!/usr/bin/env python3
"""Reference pipelines for scripts/bench, each doing the per-file job cameo does: decode,
downmix to mono, resample to 16 kHz, quantise to 16-bit, hash, write FLAC.

  list RAW LIST          write the input files (WAV, FLAC) of RAW, one per line, and print
                         their total duration in seconds
  soxr LIST OUT JOBS     soundfile + soxr ("HQ") + hashlib, one process per core, as users
                         write it with multiprocessing
  librosa LIST OUT       librosa.load(sr=16000) + soundfile.write, one process, as the
                         tutorials show it
"""
import hashlib
import multiprocessing
import os
import sys


def list_inputs(raw, list_path):
    import soundfile

    files = []
    for folder, _, names in os.walk(raw):
        for name in names:
            if name.lower().endswith((".wav", ".flac")):
                files.append(os.path.join(folder, name))
    files.sort()
    total = sum(soundfile.info(path).duration for path in files)
    with open(list_path, "w") as out:
        out.write("\n".join(files) + "\n")
    print(f"{total:.3f}")


def read_list(list_path):
    return [line.rstrip("\n") for line in open(list_path) if line.strip()]


def convert_soxr(job):
    import numpy
    import soundfile
    import soxr

    index, path, out = job
    audio, rate = soundfile.read(path, dtype="float64", always_2d=True)
    mono = audio.mean(axis=1)
    if rate != 16000:
        mono = soxr.resample(mono, rate, 16000, quality="HQ")
    pcm = numpy.clip(numpy.round(mono * 32768.0), -32768, 32767).astype("<i2")
    digest = hashlib.sha256(pcm.tobytes()).hexdigest()
    soundfile.write(os.path.join(out, f"{index:06d}.flac"), pcm, 16000, subtype="PCM_16")
    return digest


def run_soxr(list_path, out, jobs):
    files = read_list(list_path)
    os.makedirs(out, exist_ok=True)
    with multiprocessing.Pool(int(jobs)) as pool:
        digests = pool.map(convert_soxr, [(i, f, out) for i, f in enumerate(files)], chunksize=8)
    print(f"{len(digests)} files")


def run_librosa(list_path, out):
    import librosa
    import soundfile

    files = read_list(list_path)
    os.makedirs(out, exist_ok=True)
    for index, path in enumerate(files):
        audio, _ = librosa.load(path, sr=16000)
        soundfile.write(os.path.join(out, f"{index:06d}.flac"), audio, 16000, subtype="PCM_16")
    print(f"{len(files)} files")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"list": list_inputs, "soxr": run_soxr, "librosa": run_librosa}[command](*args)
