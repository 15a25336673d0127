from django.urls import path

from yixun.shifts.views import calendar, plan

app_name = "shifts"

urlpatterns = [
    path("calendar/", calendar.week, name="week"),
    path("calendar/month/", calendar.month, name="month"),
    path("calendar/feed/<str:token>", calendar.feed, name="feed"),
    path("shifts/new/", plan.shift_edit, name="shift_new"),
    path("shifts/<int:pk>/", calendar.shift_detail, name="shift"),
    path("shifts/<int:pk>/edit/", plan.shift_edit, name="shift_edit"),
    path("shifts/<int:pk>/claim/", calendar.claim, name="claim"),
    path("shifts/<int:pk>/leave-waitlist/", calendar.leave_waitlist, name="leave_waitlist"),
    path("shifts/<int:pk>/fill/", plan.fill, name="fill"),
    path("shifts/<int:pk>/invite/", plan.invite, name="invite"),
    path("shifts/<int:pk>/unreserve/", plan.unreserve, name="unreserve"),
    path("shifts/<int:pk>/cancel/", plan.cancel, name="cancel"),
    path("claims/<int:pk>/release/", calendar.release, name="release"),
    path("me/patrols/", calendar.my_patrols, name="mine"),
    path("me/patrols/feed/", calendar.my_feed, name="my_feed"),
    path("invitations/<str:token>/", calendar.invitation, name="invitation"),
    path("briefings/<str:kind>/", calendar.briefing, name="briefing"),
    path("squad-plan/", plan.squad_plan, name="squad_plan"),
    path("squad-plan/reserve/", plan.reserve, name="reserve"),
    path("squad-plan/feed/", plan.squad_feed, name="squad_feed"),
    path("planning/", plan.planning_home, name="planning"),
    path("planning/templates/new/", plan.template_edit, name="template_new"),
    path("planning/templates/<int:pk>/", plan.template_edit, name="template_edit"),
    path("planning/templates/<int:pk>/regenerate/", plan.regenerate, name="regenerate"),
    path("planning/<str:what>/add/", plan.term_add, name="term_add"),
    path("planning/<str:what>/<int:pk>/delete/", plan.term_delete, name="term_delete"),
    path("planning/briefings/new/", plan.briefing_new, name="briefing_new"),
    path("planning/rules/", plan.rules, name="rules"),
    path("coverage/", plan.coverage_view, name="coverage"),
    path("police-patrols/", plan.police_patrols, name="police"),
    path("police-patrols/<int:pk>/", plan.police_patrols, name="police_edit"),
]
