"""Writes a stand-in for the published CAMEO release from a cameo build, with pyarrow, for
tests/compare.rs: only the ten published columns in another order, another file_id scheme, shard
files named by dataset display name, transcriptions in NFD, audio re-rendered from the original
source files by SoX's resampler (another resampler than cameo's), and the changes the test asks
for (rows left out, one emotion and one transcription changed, foreign rows added).

Usage: make_reference.py PLAN.json. PLAN holds build, raw, out, remove (file_ids), emotion and
transcription ({file_id: new value}), foreign ([{id, dataset, seconds, seed}]). Prints one JSON
object: per reference row its id, the build file_id it stands for, whether its decoded PCM equals
the build's sample for sample (numpy), and correlation and SNR over the common length.
"""
import io
import json
import pathlib
import subprocess
import sys
import tempfile
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import soundfile as sf

plan = json.loads(pathlib.Path(sys.argv[1]).read_text(encoding="utf-8"))
build = pathlib.Path(plan["build"])
raw = pathlib.Path(plan["raw"])
out = pathlib.Path(plan["out"])
records = [json.loads(line) for line in (build / "metadata.jsonl").read_text(encoding="utf-8").splitlines()]
scratch = pathlib.Path(tempfile.mkdtemp())


def sox_render(record):
    """The source re-rendered by SoX to 16 kHz mono 16-bit FLAC, or None when SoX cannot."""
    source = record["source"]
    if "#" in source or not source.lower().endswith(".wav"):
        return None
    split = record["audio"].split("/")[1]
    target = scratch / (record["file_id"] + ".sox.flac")
    done = subprocess.run(
        ["sox", str(raw / split / source), "-r", "16000", "-c", "1", "-b", "16", str(target)],
        capture_output=True,
    )
    if done.returncode != 0:
        return None
    return target.read_bytes()


def likeness(build_pcm, ref_pcm):
    n = min(len(build_pcm), len(ref_pcm))
    b = build_pcm[:n].astype(np.float64)
    r = ref_pcm[:n].astype(np.float64)
    energy = np.dot(b, b) * np.dot(r, r)
    # Silence has no correlation (as in cameo; such rows are identical ones anyway).
    correlation = float(np.dot(b, r) / np.sqrt(energy)) if energy > 0 else 0.0
    noise = float(np.dot(b - r, b - r))
    snr = None if noise == 0 else float(10 * np.log10(np.dot(b, b) / noise))
    return correlation, snr


rows = []
report = []
for index, record in enumerate(records):
    if record["file_id"] in plan["remove"]:
        continue
    build_pcm, _ = sf.read(build / record["audio"], dtype="int16")
    audio = sox_render(record)
    how = "sox"
    if audio is None:
        audio = (build / record["audio"]).read_bytes()
        how = "build flac"
    ref_pcm, rate = sf.read(io.BytesIO(audio), dtype="int16")
    assert rate == 16000 and ref_pcm.ndim == 1
    ref_id = f"{record['dataset']}/{index:05d}.flac"
    transcription = plan["transcription"].get(record["file_id"], record["transcription"])
    row = {
        "file_id": ref_id,
        "audio": {"bytes": audio, "path": ref_id},
        "emotion": plan["emotion"].get(record["file_id"], record["emotion"]),
        "transcription": None if transcription is None else unicodedata.normalize("NFD", transcription),
        "speaker_id": record["speaker_id"],
        "gender": record["gender"],
        "age": record["age"],
        "dataset": record["dataset"],
        "language": record["language"],
        "license": record["license"],
    }
    rows.append(row)
    correlation, snr = likeness(build_pcm, ref_pcm)
    report.append({
        "reference_id": ref_id,
        "file_id": record["file_id"],
        "split": record["audio"].split("/")[1],
        "rendered_by": how,
        "identical_pcm": bool(len(build_pcm) == len(ref_pcm) and np.array_equal(build_pcm, ref_pcm)),
        "correlation": correlation,
        "snr_db": snr,
        "frames": [len(build_pcm), len(ref_pcm)],
    })

by_dataset = {r["dataset"]: r for r in records}
for foreign in plan["foreign"]:
    generator = np.random.default_rng(foreign["seed"])
    noise = (generator.standard_normal(round(foreign["seconds"] * 16000)) * 3000).astype(np.int16)
    buffer = io.BytesIO()
    sf.write(buffer, noise, 16000, format="FLAC", subtype="PCM_16")
    model = by_dataset[foreign["dataset"]]
    rows.append({
        "file_id": foreign["id"],
        "audio": {"bytes": buffer.getvalue(), "path": foreign["id"]},
        "emotion": "neutral",
        "transcription": None,
        "speaker_id": None,
        "gender": None,
        "age": None,
        "dataset": foreign["dataset"],
        "language": model["language"],
        "license": model["license"],
    })

# Another column order than a cameo build's, and no duration, source or transcription_source.
columns = ["audio", "dataset", "file_id", "emotion", "language", "transcription", "speaker_id", "gender", "age",
           "license"]
audio_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
schema = pa.schema([(c, audio_type if c == "audio" else pa.string()) for c in columns])
groups = {}
for row in rows:
    groups.setdefault(row["dataset"], []).append(row)
(out / "data").mkdir(parents=True, exist_ok=True)
shards = 0
for dataset, group in sorted(groups.items()):
    # The largest dataset goes into two shards, the rest into one each.
    parts = 2 if len(group) == max(len(g) for g in groups.values()) else 1
    size = (len(group) + parts - 1) // parts
    for part in range(parts):
        chunk = group[part * size:(part + 1) * size]
        table = pa.Table.from_pylist(chunk, schema=schema)
        pq.write_table(table, out / "data" / f"{dataset}-{part:05d}-of-{parts:05d}.parquet", row_group_size=7)
        shards += 1
# What pyarrow reads back is what was meant.
read_rows = sum(pq.read_table(p).num_rows for p in (out / "data").glob("*.parquet"))
assert read_rows == len(rows), (read_rows, len(rows))
assert pq.read_table(next((out / "data").glob("*.parquet"))).column_names == columns
print(json.dumps({"rows": report, "shards": shards, "reference_rows": read_rows}))
