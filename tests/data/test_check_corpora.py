"""`whisper-ser check-corpora` on replicas of real releases, one intact and one with a renamed and a corrupt file."""

import json
import subprocess
import sys
from pathlib import Path

from tests.fixtures.replicas import make_replica

CLI = Path(sys.executable).parent / "whisper-ser"


def run_check(folder: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict]:
    report = tmp_path / "report.json"
    done = subprocess.run(
        [str(CLI), "check-corpora", str(folder), "--json", str(report), "--cache-dir", str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done, json.loads(report.read_text()) if report.is_file() else {}


def test_intact_replicas_match_their_releases(tmp_path):
    corpora = tmp_path / "corpora"
    make_replica("savee", corpora)
    make_replica("jlcorpus", corpora)
    done, report = run_check(corpora, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 corpora checked; all match their release" in done.stdout
    found = {entry["corpus"]: entry for entry in report["corpora"]}
    assert set(found) == {"savee", "jlcorpus"} and found["savee"]["root"] == str(corpora / "savee")
    neutral = next(row for row in found["savee"]["emotions"] if row["emotion"] == "neutral")
    assert (neutral["clips"], neutral["release"], neutral["paper"]) == (120, 120, 120)
    assert sum(row["in_bounds"] for row in found["savee"]["emotions"]) == 467  # corpora.md: 467 of 480 in 2-13 s
    assert sum(row["in_bounds"] for row in found["jlcorpus"]["emotions"]) == 1583  # corpora.md: 1583 of 2400


def test_a_renamed_and_a_corrupt_file_are_reported(tmp_path):
    corpora = tmp_path / "corpora"
    root = make_replica("ravdess", corpora) / "audio" / "Audio_Speech_Actors_01-24"
    renamed = root / "Actor_12" / "03-01-05-01-02-01-12.wav"
    renamed.rename(renamed.with_name("03-01-05-01-02-01-12 (1).wav"))  # angry
    corrupt = root / "Actor_03" / "03-01-04-02-01-01-03.wav"  # sad
    corrupt.write_bytes(b"not a wav file at all" * 10)
    done, report = run_check(corpora, tmp_path)
    assert done.returncode == 1
    (ravdess,) = report["corpora"]
    assert ravdess["kept"] == 1438
    assert ravdess["skipped"] == {
        "file name outside the corpus' grammar": 1,
        "unreadable, truncated or empty audio": 1,
    }
    assert ravdess["examples"]["file name outside the corpus' grammar"] == ["Actor_12/03-01-05-01-02-01-12 (1).wav"]
    assert ravdess["examples"]["unreadable, truncated or empty audio"][0].startswith(
        "Actor_03/03-01-04-02-01-01-03.wav: "
    )
    assert sorted(ravdess["deviations"]) == [
        "angry: 191 clips, the release has 192",
        "sad: 191 clips, the release has 192",
    ]
    assert "DEVIATES: 2 classes" in done.stdout and "deviating: ['ravdess']" in done.stdout
    assert "Actor_12/03-01-05-01-02-01-12 (1).wav" in done.stdout


def test_nothing_found_is_a_non_zero_exit(tmp_path):
    (tmp_path / "empty").mkdir()
    done, report = run_check(tmp_path / "empty", tmp_path)
    assert done.returncode == 1 and "No corpus found" in done.stdout and report == {}
