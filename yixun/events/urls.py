from django.urls import path

from yixun.events.views import door, manage, pages

app_name = "events"

urlpatterns = [
    # Anyone: the list, an event, registering, a ticket, the calendars.
    path("events/", pages.event_list, name="list"),
    path("events/events.ics", pages.list_calendar, name="list_calendar"),
    path("events/<int:pk>/", pages.detail, name="detail"),
    path("events/<int:pk>/event.ics", pages.calendar, name="calendar"),
    path("events/<int:pk>/photos/<int:photo>.jpg", pages.photo, name="photo"),
    path("events/<int:pk>/register/", pages.register, name="register"),
    path("events/<int:pk>/register/code/", pages.send_code, name="send_code"),
    path("events/tickets/<str:token>/", pages.ticket, name="ticket"),
    path("events/tickets/<str:token>/cancel/", pages.cancel, name="cancel"),
    path("events/tickets/<str:token>/check-in/", pages.check_in, name="check_in"),
    # The door: staff check tickets in by code and add walk-ins.
    path("events/<int:pk>/door/", door.door, name="door"),
    path("events/<int:pk>/door/walk-in/", door.walk_in, name="walk_in"),
    # Officers and staff: planning, the attendance, the report.
    path("events/new/", manage.new, name="new"),
    path("events/<int:pk>/edit/", manage.edit, name="edit"),
    path("events/<int:pk>/cancel/", manage.cancel_event, name="cancel_event"),
    path("events/<int:pk>/attendance/", manage.attendance, name="attendance"),
    path("events/<int:pk>/attendance.xlsx", manage.attendance_export, name="attendance_export"),
    path("events/<int:pk>/report/", manage.report, name="report"),
    path("events/<int:pk>/photos/", manage.photos, name="photos"),
    path("events/<int:pk>/duty-shift/", manage.duty_shift, name="duty_shift"),
]
