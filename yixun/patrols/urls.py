from django.urls import path

from yixun.patrols.views import approvals, duty, lead, now

app_name = "patrols"

urlpatterns = [
    path("duty/", duty.duty, name="duty"),
    path("duty/sw.js", duty.service_worker, name="service_worker"),
    path("duty/scan/<str:token>/", duty.scan, name="scan"),
    path("duty/claims/<int:pk>/check-in/", duty.check_in_here, name="check_in"),
    path("duty/claims/<int:pk>/manual-check-in/", lead.manual_check_in, name="manual_check_in"),
    path("duty/<int:pk>/check-out/", duty.check_out, name="check_out"),
    path("duty/<int:pk>/hours-correction/", lead.ask_correction, name="ask_correction"),
    path("duty/shifts/<int:pk>/", lead.shift_log, name="shift_log"),
    path("duty/shifts/<int:pk>/inspections/", duty.record_inspection, name="inspection"),
    path("duty/shifts/<int:pk>/incidents/", duty.record_incident, name="incident"),
    path("duty/shifts/<int:pk>/photos/", duty.add_photo, name="photo_add"),
    path("duty/shifts/<int:pk>/summary/", lead.summary, name="summary"),
    path("duty/<str:what>/<int:pk>/correct/", lead.correct, name="correct"),
    path("duty/photos/<int:pk>.jpg", duty.photo, name="photo"),
    path("duty/hours/", lead.hours, name="hours"),
    path("duty/logs/", approvals.to_approve, name="logs_to_approve"),
    path("duty/logs/approve/", approvals.approve_many, name="approve_logs"),
    path("duty/hours/corrections/<int:pk>/decide/", lead.decide, name="decide"),
    path("duty/now/", now.now, name="now"),
    path("duty/rules/", lead.rules, name="rules"),
]
