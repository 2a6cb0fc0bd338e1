"""Independent check of a cameo build with pyarrow and soundfile (not our own reader).

Usage: check_build.py BUILD_DIR. Prints 'ok N' or raises with what is wrong.
"""
import io
import json
import pathlib
import sys

import numpy as np
import pyarrow.parquet as pq
import soundfile as sf

build = pathlib.Path(sys.argv[1])
records = [json.loads(line) for line in (build / "metadata.jsonl").read_text(encoding="utf-8").splitlines()]
by_id = {r["file_id"]: r for r in records}
expected_columns = ["file_id", "audio", "emotion", "transcription", "speaker_id", "gender", "age",
                    "dataset", "language", "license", "duration", "source", "transcription_source"]
rows = 0
for shard in sorted((build / "data").glob("*.parquet")):
    table = pq.read_table(shard)
    assert table.column_names == expected_columns, table.column_names
    hf = json.loads(table.schema.metadata[b"huggingface"])
    assert hf["info"]["features"]["audio"] == {"sampling_rate": 16000, "_type": "Audio"}, hf
    assert str(table.schema.field("audio").type) == "struct<bytes: binary, path: string>"
    assert str(table.schema.field("duration").type) == "float"
    for row in table.to_pylist():
        record = by_id[row["file_id"]]
        for column in expected_columns:
            if column == "audio":
                assert row["audio"]["path"] == record["file_id"]
            elif column == "duration":
                assert abs(row["duration"] - record["duration"]) < 1e-6
            else:
                assert row[column] == record[column], (column, row[column], record[column])
        embedded, rate = sf.read(io.BytesIO(row["audio"]["bytes"]), dtype="int16")
        on_disk, _ = sf.read(build / record["audio"], dtype="int16")
        assert rate == 16000 and embedded.ndim == 1
        assert np.array_equal(embedded, on_disk)
        assert len(embedded) == round(record["duration"] * 16000)
        rows += 1
assert rows == len(records), (rows, len(records))
print("ok", rows)
