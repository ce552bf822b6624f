"""The language of every message (fi, sv, en, or a Sámi language), learnt from our own NLU examples.

A Rasa NLU component (config.yml) that adds `language_id` to the parse data, from which
bot/language_policy.py sets the conversation's language inside Rasa:

    {"scores": {"fi": p, "sv": p, "en": p}, "sami": None | "sme" | "smn" | "sms"}

Three opinions are combined in log space: a character and word n-gram logistic regression trained on
the examples of nlu_data/<lang>/ (each intent block says its `language` in its metadata), langdetect
restricted to fi/sv/en (good on long text, poor on two words), and the short words of
bot/language_hints.yml ("moi", "hej", "thanks"). A message with a word of the Sámi lookup
(language_hints.yml `sami`) is Sámi: `sami` names the language and the intent becomes `sami_language`.
The hints are read when the model is loaded (not trained into it), so editing them needs no retraining.
"""

from __future__ import annotations

import json
import logging
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import langdetect_three

log = logging.getLogger(__name__)

LANGUAGES = ("fi", "sv", "en")
SAMI_LANGUAGES = ("sme", "smn", "sms")
SAMI_INTENT = "sami_language"
OUTPUT = "language_id"
DEFAULT_HINTS = Path(__file__).resolve().parent / "language_hints.yml"
MODEL_FILE = "language_id.skops"
LEXICON_FILE = "language_words.json"

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Placeholders, addresses, form codes and any token with a digit (a booking reference, a time) say
# nothing about the language; their letters would only mislead (bot/language_policy.py counts words the same way).
_NOISE = re.compile(r"<[A-Z_]+>|https?://\S+|\b[A-Z]{1,3} ?\d+[a-z]?\b|\S*\d\S*")
# Skolt Sámi marks palatalisation with a prime (U+02B9); people type an apostrophe, an acute accent
# (U+00B4, U+02CA) or nothing instead.
_PRIMES = re.compile("[\u02b9\u02bc\u02ca\u00b4'`\u2019]")


def fold(text: str) -> str:
    """Lower case without diacritics: what people type on a keyboard without the Nordic letters."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """The message's words in lower case, without placeholders, references and numbers."""
    return [w.lower() for w in _WORD.findall(_NOISE.sub(" ", text))]


def sami_key(text: str) -> str:
    """A phrase as the Sámi lookup compares it: folded, primes dropped, single spaces, padded."""
    return " " + " ".join(_WORD.findall(fold(_PRIMES.sub("", unicodedata.normalize("NFC", text))))) + " "


def uniform() -> dict[str, float]:
    """No opinion: every language equally likely."""
    return {lang: 1 / len(LANGUAGES) for lang in LANGUAGES}


def softmax(logits: dict[str, float]) -> dict[str, float]:
    """Probabilities from log scores."""
    top = max(logits.values())
    exp = {lang: math.exp(value - top) for lang, value in logits.items()}
    total = sum(exp.values())
    return {lang: exp[lang] / total for lang in logits}


class Hints:
    """The short words per language and the Sámi lookup of bot/language_hints.yml."""

    def __init__(self, data: dict[str, Any]):
        self.short_words = {
            lang: {str(w).lower() for w in data.get("short_words", {}).get(lang, [])} for lang in LANGUAGES
        }
        # Folded once here, not again for every hint and every word of every message.
        self.folded_short_words = {lang: {fold(w) for w in words} for lang, words in self.short_words.items()}
        self.neutral = {str(w).lower() for w in data.get("neutral_words") or []}
        sami = data.get("sami") or {}
        self.sami = {lang: [sami_key(phrase) for phrase in sami.get(lang, [])] for lang in SAMI_LANGUAGES}

    @classmethod
    def read(cls, path: Path) -> Hints:
        """The hints file, parsed."""
        import yaml

        with path.open(encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle) or {})

    def sami_language(self, text: str) -> str | None:
        """The Sámi language whose lookup words the text has most of (North Sámi first on a tie)."""
        key = sami_key(text)
        counts = {lang: sum(phrase in key for phrase in phrases) for lang, phrases in self.sami.items()}
        best = max(SAMI_LANGUAGES, key=lambda lang: counts[lang])
        return best if counts[best] else None

    def short_word_counts(self, words: list[str]) -> dict[str, int]:
        """How many of the words are short words of each language, also without diacritics or with one typo."""
        counts = dict.fromkeys(LANGUAGES, 0)
        for word in words:
            folded = fold(word)
            for lang, short in self.short_words.items():
                hints = self.folded_short_words[lang]
                if word in short or folded in hints or any(_one_typo_apart(folded, hint) for hint in hints):
                    counts[lang] += 1
        return counts


def _one_typo_apart(word: str, hint: str) -> bool:
    """Equal, or (both of five letters or more) one letter missing, extra or different ("thnks", "kiiitos")."""
    if word == hint:
        return True
    if min(len(word), len(hint)) < 5 or abs(len(word) - len(hint)) > 1:
        return False
    if len(word) == len(hint):
        return sum(a != b for a, b in zip(word, hint, strict=True)) == 1
    shorter, longer = sorted((word, hint), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


class LinearScorer:
    """The fitted pipeline's `predict_proba` for one text, computed from its fitted parts.

    The pipeline (a union of tf-idf vectorizers, then a multinomial logistic regression) is linear: a
    message's probabilities are a softmax of the classifier's weights summed over its n-grams' tf-idf
    values. scikit-learn's call checks and converts its input for every one-row call: the identifier took
    2.7 ms a message with it and 0.44 ms with this (bench/latency.py's twelve messages). The vectorizers'
    own analyzers cut the n-grams, and tests/bot/test_language_id.py checks the result against
    `predict_proba` on every example.
    """

    def __init__(self, pipeline: Any):
        union, classifier = pipeline.named_steps["features"], pipeline.named_steps["classifier"]
        self.classes = [str(lang) for lang in classifier.classes_]
        self._parts = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            # (analyzer, vocabulary, idf, column offset of this vectorizer's features in the union)
            self._parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset))
            offset += len(vectorizer.vocabulary_)
        self._weights = classifier.coef_.T  # one row per feature, one column per class
        self._intercept = classifier.intercept_

    @classmethod
    def of(cls, pipeline: Any) -> LinearScorer | None:
        """A scorer of the pipeline, or None when there is none or it has another shape."""
        return cls(pipeline) if pipeline is not None and cls.supports(pipeline) else None

    @staticmethod
    def supports(pipeline: Any) -> bool:
        """Whether the pipeline has the shape this scorer computes (as `train` builds it)."""
        try:
            union, classifier = pipeline.named_steps["features"], pipeline.named_steps["classifier"]
            vectorizers = [vectorizer for _, vectorizer in union.transformer_list]
        except (AttributeError, KeyError, TypeError):
            return False
        return (
            type(classifier).__name__ == "LogisticRegression"
            and len(classifier.classes_) > 2
            and classifier.multi_class in ("auto", "multinomial")
            and classifier.solver != "liblinear"
            and union.transformer_weights is None
            and all(
                type(v).__name__ == "TfidfVectorizer"
                and v.sublinear_tf
                and v.use_idf
                and v.norm == "l2"
                and not v.binary
                for v in vectorizers
            )
        )

    def probabilities(self, text: str) -> dict[str, float]:
        """Class -> probability, as `pipeline.predict_proba([text])[0]`."""
        columns: list[int] = []
        values: list[float] = []
        for analyze, vocabulary, idf, offset in self._parts:
            counts: dict[int, int] = {}
            for gram in analyze(text):
                index = vocabulary.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            # Sublinear tf times idf, then each vectorizer's part scaled to unit length.
            weights = [(1.0 + math.log(count)) * idf[index] for index, count in counts.items()]
            norm = math.sqrt(sum(w * w for w in weights))
            columns += [offset + index for index in counts]
            values += [w / norm for w in weights] if norm else weights
        logits = self._intercept + (np.asarray(values) @ self._weights[columns] if columns else 0.0)
        exp = np.exp(logits - logits.max())
        return dict(zip(self.classes, (exp / exp.sum()).tolist(), strict=True))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LanguageIdentifier(GraphComponent):
    """Scores fi/sv/en for every message and recognises Sámi (output property `language_id`)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Feature ranges and the weights of the three opinions; chosen on our examples, see the comments."""
        return {
            # Character n-grams inside word boundaries carry inflection (-ssa, -en, -ing) and letters
            # (ä/å/w); whole words carry short function words ("du", "the", "on").
            "char_ngram_min": 1,
            "char_ngram_max": 4,
            # Inverse regularisation of the logistic regression.
            "C": 4.0,
            # langdetect's profiles (built from Wikipedia) answer 1.0 for a wrong language on two or three
            # words, so it has no say up to `langdetect_from_letters` letters and its full weight from
            # `langdetect_full_at_letters` on, where it is reliable and knows words our examples lack.
            "langdetect_from_letters": 20,
            "langdetect_full_at_letters": 60,
            "langdetect_weight": 1.0,
            # Log-odds added per short word of a language (bot/language_hints.yml `short_words`).
            "short_word_bonus": 1.0,
            # Log-odds added per word that our examples use (almost) only in one language: at least
            # `lexicon_min_count` examples, `lexicon_min_share` of them in that language ("moikka",
            # "understand", "tack"; the English greetings include a "moikka" too). The classifier
            # alone weighs a frequent shared word ("no", "en", "i") as heavily as these. Words shorter
            # than `lexicon_min_letters` stay out: "en", "ja", "no", "se" are words in two languages
            # whatever our examples' shares say.
            "lexicon_bonus": 1.0,
            "lexicon_min_count": 2,
            "lexicon_min_share": 0.9,
            "lexicon_min_letters": 3,
            "hints_file": str(DEFAULT_HINTS),
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        pipeline: Any = None,
        lexicon: dict[str, str] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._pipeline = pipeline
        self._scorer = LinearScorer.of(pipeline)
        self._lexicon = lexicon or {}
        self._hints: Hints | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageIdentifier:
        """An untrained identifier."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageIdentifier:
        """The identifier as trained; without its file (an untrained graph) it answers from langdetect and hints."""
        import skops.io as sio

        pipeline, lexicon = None, None
        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / MODEL_FILE
                untrusted = sio.get_untrusted_types(file=path)
                if any(not name.startswith(("sklearn.", "numpy.", "scipy.")) for name in untrusted):
                    raise ValueError(f"unexpected types in {path}: {untrusted}")
                pipeline = sio.load(path, trusted=untrusted)
                lexicon = json.loads((model_dir / LEXICON_FILE).read_text(encoding="utf-8"))
        except (ValueError, OSError):
            log.warning("No trained language identifier in the model; langdetect and the hints decide alone.")
        return cls(config, model_storage, resource, pipeline, lexicon)

    # ---- training --------------------------------------------------------------------------------

    @staticmethod
    def labelled_examples(training_data: TrainingData) -> tuple[list[str], list[str]]:
        """Texts and languages of the examples whose intent block says its language."""
        texts, labels = [], []
        for message in training_data.intent_examples:
            intent_metadata = (message.get(METADATA) or {}).get(METADATA_INTENT) or {}
            language = intent_metadata.get("language") if isinstance(intent_metadata, dict) else None
            text = " ".join(words_of(message.get(TEXT) or ""))
            if language in LANGUAGES and text:
                texts.append(text)
                labels.append(language)
        return texts, labels

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the n-gram classifier on the labelled examples, also as typed without diacritics."""
        # scikit-learn 1.1 (Rasa's pin) has no type information.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, Pipeline

        texts, labels = self.labelled_examples(training_data)
        if len(set(labels)) < len(LANGUAGES):
            log.warning("Examples of fewer than three languages carry `language` metadata: no language model.")
            return self._resource
        # The same examples without ä, ö, å: customers often type "kiitos paljon" as "hyva paiva".
        folded = [(fold(text), label) for text, label in zip(texts, labels, strict=True) if fold(text) != text]
        texts += [text for text, _ in folded]
        labels += [label for _, label in folded]
        features = FeatureUnion(
            [
                (
                    "chars",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=(self._config["char_ngram_min"], self._config["char_ngram_max"]),
                        sublinear_tf=True,
                    ),
                ),
                ("words", TfidfVectorizer(analyzer="word", token_pattern=r"(?u)\b\w+\b", sublinear_tf=True)),
            ]
        )
        self._pipeline = Pipeline(
            [
                ("features", features),
                ("classifier", LogisticRegression(C=self._config["C"], max_iter=1000, class_weight="balanced")),
            ]
        )
        self._pipeline.fit(texts, labels)
        self._scorer = LinearScorer.of(self._pipeline)
        self._lexicon = {
            word: lang
            for word, lang in self.exclusive_words(
                texts, labels, self._config["lexicon_min_count"], self._config["lexicon_min_share"]
            ).items()
            if len(word) >= self._config["lexicon_min_letters"]
        }
        self.persist()
        return self._resource

    @staticmethod
    def exclusive_words(texts: list[str], labels: list[str], min_count: int, min_share: float) -> dict[str, str]:
        """Words whose examples are at least `min_share` in one language (and `min_count` there): word -> language."""
        counts: dict[str, dict[str, int]] = {}
        for text, label in zip(texts, labels, strict=True):
            for word in set(text.split()):
                by_language = counts.setdefault(word, {})
                by_language[label] = by_language.get(label, 0) + 1
        lexicon = {}
        for word, by_language in counts.items():
            lang = max(by_language, key=lambda name: by_language[name])
            if by_language[lang] >= min_count and by_language[lang] >= min_share * sum(by_language.values()):
                lexicon[word] = lang
        return lexicon

    def persist(self) -> None:
        """Save the fitted pipeline with skops (no pickle), as Rasa's own LogisticRegressionClassifier does."""
        import skops.io as sio  # untyped: see load()

        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self._pipeline, model_dir / MODEL_FILE)
            (model_dir / LEXICON_FILE).write_text(json.dumps(self._lexicon, ensure_ascii=False), encoding="utf-8")

    # ---- inference -------------------------------------------------------------------------------

    def hints(self) -> Hints:
        """The hints file, read once on first use."""
        if self._hints is None:
            path = Path(self._config["hints_file"])
            self._hints = Hints.read(path if path.exists() else DEFAULT_HINTS)
        return self._hints

    def scores(self, text: str) -> dict[str, float]:
        """fi/sv/en probabilities of one message (uniform when it has no words)."""
        # International words ("ok", "kela") say nothing; a message of only those is the page's to decide.
        words = [w for w in words_of(text) if w not in self.hints().neutral]
        if not words:
            return uniform()
        joined = " ".join(words)
        logits = dict.fromkeys(LANGUAGES, 0.0)
        for lang, p in self.classifier_probabilities(joined).items():
            logits[lang] += math.log(max(p, 1e-6))
        found = langdetect_three.probabilities(joined) if len(joined) > self._config["langdetect_from_letters"] else {}
        if found:
            letters = sum(len(w) for w in words)
            start, full = self._config["langdetect_from_letters"], self._config["langdetect_full_at_letters"]
            weight = self._config["langdetect_weight"] * min(1.0, max(0.0, (letters - start) / (full - start)))
            for lang in LANGUAGES:
                # Floored: langdetect's zero for a language must not veto the others' opinion.
                logits[lang] += weight * math.log(max(found[lang], 0.05))
        for lang, count in self.hints().short_word_counts(words).items():
            logits[lang] += self._config["short_word_bonus"] * count
        for word in words:
            exclusive = self._lexicon.get(word) or self._lexicon.get(fold(word))
            if exclusive in logits:
                logits[exclusive] += self._config["lexicon_bonus"]
        return softmax(logits)

    def classifier_probabilities(self, text: str) -> dict[str, float]:
        """The n-gram classifier's fi/sv/en probabilities of the message's words; none without a trained one."""
        if self._scorer is not None:
            return self._scorer.probabilities(text)
        if self._pipeline is None:
            return {}
        probabilities = self._pipeline.predict_proba([text])[0]
        return {str(lang): float(p) for lang, p in zip(self._pipeline.classes_, probabilities, strict=True)}

    def identify(self, text: str) -> dict[str, Any]:
        """The `language_id` of one message."""
        if not text or text.startswith("/"):
            return {"scores": uniform(), "sami": None}  # a button payload says nothing about language
        return {"scores": self.scores(text), "sami": self.hints().sami_language(text)}

    def process(self, messages: list[Message]) -> list[Message]:
        """Add `language_id` to every message; a Sámi message gets the intent `sami_language`."""
        for message in messages:
            found = self.identify(message.get(TEXT) or "")
            message.set(OUTPUT, found, add_to_output=True)
            if found["sami"]:
                self._set_sami_intent(message)
        return messages

    @staticmethod
    def _set_sami_intent(message: Message) -> None:
        """`sami_language` first with confidence 1.0; the classifier's guesses stay below it, halved.

        Halved so that FallbackClassifier's ambiguity check (top two within 0.05) can never read the
        lookup's certain answer as a near tie with the classifier's best guess.
        """
        ranking = [
            {**entry, "confidence": float(entry.get("confidence") or 0.0) / 2}
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get("name") != SAMI_INTENT
        ]
        intent = {"name": SAMI_INTENT, "confidence": 1.0}
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
