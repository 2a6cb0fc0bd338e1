"""cameo's Lhotse export read by Lhotse itself: every split's recordings and supervisions
manifests loaded, validated and joined into a CutSet; audio of some cuts loaded by Lhotse and
compared with the build's FLAC (its samples hash to the file_id).

Usage: check_lhotse.py BUILD_DIR MANIFEST_DIR. Raises with what is wrong; prints one JSON
object with what Lhotse read, for the Rust test to compare with the build.
"""
import hashlib
import json
import pathlib
import sys

import lhotse
import numpy as np
from lhotse import CutSet, RecordingSet, SupervisionSet, validate_recordings_and_supervisions

build = pathlib.Path(sys.argv[1]).resolve()
manifests = pathlib.Path(sys.argv[2])
records = {}
for line in (build / "metadata.jsonl").read_text(encoding="utf-8").splitlines():
    record = json.loads(line)
    records[record["file_id"][: -len(".flac")]] = record

summary = {"lhotse": lhotse.__version__, "splits": {}}
for path in sorted(manifests.glob("cameo_recordings_*.jsonl*")):
    split = path.name[len("cameo_recordings_"):].split(".")[0]
    recordings = RecordingSet.from_file(path)
    supervisions = SupervisionSet.from_file(manifests / path.name.replace("recordings", "supervisions"))
    validate_recordings_and_supervisions(recordings, supervisions)
    cuts = CutSet.from_manifests(recordings=recordings, supervisions=supervisions)
    emotions = {}
    loaded = 0
    for index, cut in enumerate(cuts):
        record = records[cut.recording_id]
        assert cut.recording.sources[0].source == str(build / record["audio"])
        assert cut.sampling_rate == 16000 and cut.num_channels == 1
        assert cut.num_samples == round(record["duration"] * 16000)
        [supervision] = cut.supervisions
        assert supervision.speaker == record["speaker_id"]
        assert supervision.gender == record["gender"]
        assert supervision.language == record["language"]
        assert supervision.text == record["transcription"]
        custom = supervision.custom
        assert custom["emotion"] == record["emotion"] and custom["split"] == split
        assert custom["dataset"] == record["dataset"] and custom["license"] == record["license"]
        assert custom["source"] == record["source"] and custom.get("age") == record["age"]
        assert custom.get("transcription_source") == record["transcription_source"]
        emotions[custom["emotion"]] = emotions.get(custom["emotion"], 0) + 1
        if index < 3:
            audio = cut.load_audio()
            assert audio.shape == (1, cut.num_samples), audio.shape
            pcm = np.round(audio[0].astype(np.float64) * 32768.0).astype("<i2")
            assert hashlib.sha256(pcm.tobytes()).hexdigest() + ".flac" == record["file_id"]
            loaded += 1
    summary["splits"][split] = {"cuts": len(cuts), "emotions": emotions, "audio_loaded": loaded}
print(json.dumps(summary, sort_keys=True))
