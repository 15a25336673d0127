from django.db import models
from django.utils.translation import gettext_lazy as _


class LearnedFeature(models.Model):
    """A piece of wording the moderators have judged: in how many tips they moved to the spam
    folder, and in how many they restored. The screening adds these counts, bounded, to the
    shipped classifier's (see `screening.classifier.lesson_shift`)."""

    # An n-gram as `screening.reading.grams` writes it: up to three characters or words.
    feature = models.CharField(_("feature"), max_length=64, unique=True)
    spam = models.PositiveIntegerField(_("marked spam"), default=0)
    real = models.PositiveIntegerField(_("restored"), default=0)

    class Meta:
        verbose_name = _("learned screening feature")
        verbose_name_plural = _("learned screening features")

    def __str__(self) -> str:
        return self.feature
