"""langdetect limited to Finnish, Swedish and English: one restricted detector for the NLU identifier."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

LANGUAGES = ("fi", "sv", "en")


@functools.cache
def _factory() -> Any:
    """langdetect's factory with only our three profiles, built on first use (not at import)."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_json_profile([Path(PROFILES_DIRECTORY, lang).read_text(encoding="utf-8") for lang in LANGUAGES])
    factory.set_seed(0)  # the same message always gets the same answer
    return factory


def probabilities(text: str, prior: str | None = None) -> dict[str, float]:
    """langdetect's probability for each of fi, sv and en; {} when it finds nothing to go on.

    `prior` (a language) weighs the start of the detection towards it.
    """
    detector = _factory().create()
    if prior:
        detector.set_prior_map({lang: (0.6 if lang == prior else 0.2) for lang in LANGUAGES})
    detector.append(text)
    try:
        found = {str(p.lang): p.prob for p in detector.get_probabilities()}
    except Exception:  # langdetect raises on text with no letters it knows
        return {}
    return {lang: found.get(lang, 0.0) for lang in LANGUAGES}
