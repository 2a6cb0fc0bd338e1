"""A cameo build read by the Hugging Face tools themselves: `datasets` (parquet shards and the
folder with its card, audio decoded by datasets' own decoder) and `huggingface_hub`'s card
parser. Offline: HF_DATASETS_OFFLINE=1 and HF_HUB_OFFLINE=1 must be set.

Usage: check_hub.py BUILD_DIR. Raises with what is wrong; prints one JSON object with what
the tools read, for the Rust test to compare with the build.
"""
import glob
import hashlib
import json
import os
import pathlib
import sys

assert os.environ.get("HF_DATASETS_OFFLINE") == "1" and os.environ.get("HF_HUB_OFFLINE") == "1", "run offline"

import datasets
import huggingface_hub
import numpy as np
import soundfile as sf
from datasets import Audio, Features, Value, load_dataset
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard, DatasetCardData
from huggingface_hub.repocard import metadata_load

build = pathlib.Path(sys.argv[1]).resolve()
records = [json.loads(line) for line in (build / "metadata.jsonl").read_text(encoding="utf-8").splitlines()]
splits = {}
for record in records:
    splits.setdefault(record["audio"].split("/")[1], []).append(record)

COLUMNS = ["file_id", "audio", "emotion", "transcription", "speaker_id", "gender", "age",
           "dataset", "language", "license", "duration", "source", "transcription_source"]
EXPECTED = Features({
    name: Audio(sampling_rate=16000) if name == "audio" else Value("float32") if name == "duration" else Value("string")
    for name in COLUMNS
})


def check_types(dataset):
    """Every column's feature type, in order, and the Arrow types under them."""
    assert list(dataset.features) == COLUMNS, list(dataset.features)
    assert dataset.features == EXPECTED, dataset.features
    arrow = {field.name: str(field.type) for field in dataset.data.schema}
    assert arrow["audio"] == "struct<bytes: binary, path: string>", arrow
    assert arrow["duration"] == "float", arrow
    assert all(arrow[c] == "string" for c in COLUMNS if c not in ("audio", "duration")), arrow


def check_rows(dataset, split):
    """Every value against metadata.jsonl; the embedded audio against the FLAC file."""
    raw = dataset.cast_column("audio", Audio(decode=False))
    assert raw.num_rows == len(splits[split])
    for row, record in zip(raw, splits[split]):
        for column in COLUMNS:
            if column == "audio":
                assert row["audio"]["path"] == record["file_id"]
                assert row["audio"]["bytes"] == (build / record["audio"]).read_bytes()
            elif column == "duration":
                assert row["duration"] == np.float32(record["duration"]), (row["duration"], record["duration"])
            else:
                assert row[column] == record[column], (column, row[column], record[column])


def check_decoding(dataset, split):
    """datasets' decoder (torchcodec) gives our canonical PCM: 16 kHz mono, the same samples as
    libsndfile reads from our FLAC, hashing to the file_id."""
    decoded = 0
    for index in sorted({0, len(dataset) // 2, len(dataset) - 1}):
        record = splits[split][index]
        audio = dataset[index]["audio"]
        samples = audio.get_all_samples()
        assert samples.sample_rate == 16000, samples.sample_rate
        data = samples.data.numpy()
        assert data.shape == (1, round(record["duration"] * 16000)), data.shape
        pcm = np.round(data[0].astype(np.float64) * 32768.0).astype(np.int16)
        flac, rate = sf.read(build / record["audio"], dtype="int16")
        assert rate == 16000 and np.array_equal(pcm, flac), split
        assert hashlib.sha256(pcm.astype("<i2").tobytes()).hexdigest() + ".flac" == record["file_id"]
        decoded += 1
    return decoded


# 1. The parquet shards alone.
data_files = {split: sorted(glob.glob(str(build / "data" / f"{split}-*.parquet"))) for split in splits}
from_parquet = load_dataset("parquet", data_files=data_files)
assert sorted(from_parquet) == sorted(splits), list(from_parquet)
decoded = 0
for split, dataset in from_parquet.items():
    check_types(dataset)
    check_rows(dataset, split)
    decoded += check_decoding(dataset, split)

# 2. The folder, configured by its card (configs, dataset_info); datasets checks num_examples.
from_folder = load_dataset(str(build))
assert list(from_folder) == list(splits), list(from_folder)
card_sizes = {}
for split, dataset in from_folder.items():
    check_types(dataset)
    assert dataset.num_rows == len(splits[split])
    assert dataset[0]["file_id"] == splits[split][0]["file_id"]
    recorded = dataset.info.splits[split]
    card_sizes[split] = {"num_examples": recorded.num_examples, "num_bytes": recorded.num_bytes}

# 3. The card's metadata through huggingface_hub's parser and datasets' readers of it.
card = DatasetCard.load(build / "README.md")
assert isinstance(card.data, DatasetCardData)
metadata = metadata_load(build / "README.md")
assert metadata == card.data.to_dict(), "metadata_load and DatasetCard disagree"
configs = MetadataConfigs.from_dataset_card_data(card.data)
infos = DatasetInfosDict.from_dataset_card_data(card.data)
info = infos["default"]
assert info.features == EXPECTED, info.features

print(json.dumps({
    "versions": {"datasets": datasets.__version__, "huggingface_hub": huggingface_hub.__version__},
    "parquet_rows": {split: dataset.num_rows for split, dataset in from_parquet.items()},
    "decoded": decoded,
    "folder_splits": card_sizes,
    "card": {
        "pretty_name": card.data.pretty_name,
        "language": card.data.language,
        "license": card.data.license,
        "task_categories": card.data.task_categories,
        "task_ids": card.data.task_ids,
        "size_categories": card.data.size_categories,
        "data_files": configs["default"]["data_files"],
        "splits": {name: {"num_examples": s.num_examples, "num_bytes": s.num_bytes} for name, s in info.splits.items()},
        "download_size": info.download_size,
        "dataset_size": info.dataset_size,
    },
}, sort_keys=True))
