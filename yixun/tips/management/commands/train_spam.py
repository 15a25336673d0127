from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yixun.lib.text import normalise
from yixun.tips.screening import classifier
from yixun.tips.screening.reading import read
from yixun.tips.services import screening


class Command(BaseCommand):
    help = (
        "Retrain the spam classifier from the training part of the spam corpus and write "
        "yixun/tips/screening/spam_model.json. The same corpus always gives the same file; "
        "--check only says whether the shipped file is that one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", type=Path, default=classifier.CORPUS_PATH)
        parser.add_argument("--output", type=Path, default=classifier.MODEL_PATH)
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, corpus: Path, output: Path, check: bool, **options: Any) -> None:
        if not corpus.is_file():
            raise CommandError(f"no corpus at {corpus}")
        model = classifier.train_corpus(corpus)
        text = classifier.dumps(model)
        if check:
            if not output.is_file() or output.read_text(encoding="utf-8") != text:
                raise CommandError(f"{output} is not what {corpus} trains; run train_spam")
            self.stdout.write(f"{output} is what {corpus} trains")
            return
        output.write_text(text, encoding="utf-8")
        self.stdout.write(
            f"trained on {model.spam_docs} spam and {model.real_docs} real tips "
            f"({len(model.weights)} weighted features); wrote {output}"
        )
        self._report(corpus, model)

    def _report(self, corpus: Path, model: classifier.Model) -> None:
        """How the new model alone scores its own training tips (no screening lists, no
        lessons): a sanity check, not a measure. The held-out test is the measure."""
        caught = flagged = spam = real = 0
        for row in classifier.rows(corpus):
            text = normalise(row["text"])
            found = screening.judge(text, reading=read(text), terms=[], lessons={}, model=model)
            if row["spam"]:
                spam += 1
                caught += found.value >= 60
            else:
                real += 1
                flagged += found.value >= 60
        self.stdout.write(
            f"on the training part: {caught}/{spam} spam scored 60 or more, "
            f"{flagged}/{real} real tips did"
        )
