from django.db import models
from django.utils.translation import gettext_lazy as _


class Occupation(models.TextChoices):
    GOVERNMENT = "government", _("Government or public institution")
    TEACHER = "teacher", _("Teacher")
    MEDICAL = "medical", _("Doctor or nurse")
    VETERAN = "veteran", _("Veteran")
    BUSINESS = "business", _("Business owner")
    STUDENT = "student", _("Student")
    OTHER = "other", _("Other")


class Skill(models.TextChoices):
    FIRST_AID = "first_aid", _("First aid")
    DRIVING = "driving", _("Driving licence")
    LEGAL = "legal", _("Legal")
    MEDICAL = "medical", _("Medical")
    SWIMMING = "swimming", _("Swimming and water rescue")
    LANGUAGE = "language", _("Languages")
    PSYCHOLOGY = "psychology", _("Counselling and mediation")
    PHOTOGRAPHY = "photography", _("Photography and video")


class Availability(models.TextChoices):
    WEEKDAY_MORNING = "weekday_morning", _("Weekday mornings")
    WEEKDAY_DAYTIME = "weekday_daytime", _("Weekday daytime")
    WEEKDAY_EVENING = "weekday_evening", _("Weekday evenings")
    WEEKEND_DAYTIME = "weekend_daytime", _("Weekend daytime")
    WEEKEND_EVENING = "weekend_evening", _("Weekend evenings")
    NIGHT = "night", _("Nights")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
