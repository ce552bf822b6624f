"""NLU 5-fold cross-validation per language; prints macro-F1 of intents for fi, sv and en.

Run in the Rasa environment from the repository root:  .venv-rasa/bin/python bench/nlu_cross_validation.py
Each language is cross-validated on its own examples (plus the shared regexes) with config.yml. Rasa shuffles
the folds with numpy's global random state and no seed, so one run differs from the next by a few tenths of a
point; `--seed` (default 0) seeds it, which makes a figure repeatable and two configurations comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
# Rasa's CLI in-process after seeding numpy: StratifiedKFold(shuffle=True) in rasa.nlu.test takes no seed.
SEEDED_RASA = (
    "import sys, numpy; numpy.random.seed(int(sys.argv[1])); "
    "from rasa.__main__ import main; sys.argv = ['rasa', *sys.argv[2:]]; main()"
)


def cross_validate(lang: str, folds: int, out: Path, config: str, seed: int) -> tuple[float, float, int]:
    """Run `rasa test nlu --cross-validation` on one language; (macro-F1, accuracy, seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp, "nlu")
        shutil.copytree(ROOT / "nlu_data" / lang, data / lang)
        shutil.copytree(ROOT / "nlu_data" / "common", data / "common")
        started = time.monotonic()
        subprocess.run(
            [
                str(PYTHON),
                "-c",
                SEEDED_RASA,
                str(seed),
                "test",
                "nlu",
                "--nlu",
                str(data),
                "--config",
                config,
                "--cross-validation",
                "--folds",
                str(folds),
                "--out",
                str(out),
            ],
            cwd=ROOT,
            check=True,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seconds = int(time.monotonic() - started)
    report = json.loads((out / "intent_report.json").read_text())
    return report["macro avg"]["f1-score"], report["accuracy"], seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--languages", default="fi,sv,en")
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--seed", type=int, default=0, help="seed of the folds' shuffle")
    parser.add_argument("--min-f1", type=float, default=0.93, help="exit 1 when a language is below")
    args = parser.parse_args()
    below = []
    print(f"{'lang':<5}{'macro-F1':>10}{'accuracy':>10}{'seconds':>9}")
    for lang in args.languages.split(","):
        f1, accuracy, seconds = cross_validate(lang, args.folds, ROOT / "results" / "cv" / lang, args.config, args.seed)
        print(f"{lang:<5}{f1:>10.3f}{accuracy:>10.3f}{seconds:>9}", flush=True)
        if f1 < args.min_f1:
            below.append(lang)
    if below:
        print(f"below {args.min_f1}: {', '.join(below)} (per-intent reports in results/cv/<lang>/)")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
