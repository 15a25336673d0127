from django.urls import path

from yixun.members.views import me, officer, public, roster

app_name = "members"

urlpatterns = [
    # The public.
    path("join/", public.apply, name="apply"),
    path("join/check-id/", public.check_id, name="check_id"),
    path("join/<str:token>/", public.application_status, name="application_status"),
    path("rules/", public.rules, name="rules"),
    path("rules/<int:pk>/", public.rule, name="rule"),
    path("rules/<int:pk>/v<int:number>/", public.rule, name="rule_version"),
    # A member's own.
    path("me/membership/", me.membership, name="membership"),
    path("me/membership/data/", me.my_data, name="my_data"),
    path("me/membership/erase/", me.request_erasure, name="request_erasure"),
    path("notice/", me.notice, name="notice"),
    # Rosters.
    path("members/", roster.member_list, name="members"),
    path("members/export/", roster.member_export, name="export"),
    path("members/move/", roster.member_bulk_transfer, name="bulk_transfer"),
    path("members/import/", officer.roster_import, name="import"),
    path("members/import/template.xlsx", officer.import_template, name="import_template"),
    path("members/<int:pk>/", roster.member_detail, name="member"),
    path("members/<int:pk>/edit/", roster.member_edit, name="member_edit"),
    path("members/<int:pk>/photo/", roster.member_photo, name="member_photo"),
    path("members/<int:pk>/reveal-id/", roster.member_reveal_id, name="member_reveal_id"),
    path("members/<int:pk>/status/", roster.member_status, name="member_status"),
    path("members/<int:pk>/kind/", roster.member_kind, name="member_kind"),
    path("members/<int:pk>/transfer/", roster.member_transfer, name="member_transfer"),
    path("squads/", roster.squad_list, name="squads"),
    path("squads/new/", roster.squad_create, name="squad_create"),
    path("squads/<int:pk>/", roster.squad_detail, name="squad"),
    path("squads/<int:pk>/edit/", roster.squad_edit, name="squad_edit"),
    path("squads/<int:pk>/leader/", roster.squad_leader, name="squad_leader"),
    path("squads/<int:pk>/deputies/", roster.squad_deputies, name="squad_deputies"),
    # The officers' desk.
    path("applications/", officer.application_queue, name="applications"),
    path("applications/decide/", officer.application_bulk, name="applications_bulk"),
    path("applications/<int:pk>/", officer.application_detail, name="application"),
    path("applications/<int:pk>/photo/", officer.application_photo, name="application_photo"),
    path("applications/<int:pk>/approve/", officer.application_approve, name="application_approve"),
    path("applications/<int:pk>/reject/", officer.application_reject, name="application_reject"),
    path("applications/<int:pk>/ask/", officer.application_ask, name="application_ask"),
    path("rules/manage/", officer.rulebook_manage, name="rulebook_manage"),
    path("rules/<int:pk>/publish/", officer.rule_publish, name="rule_publish"),
    path("rules/<int:pk>/acceptance/", officer.notice_acceptance, name="notice_acceptance"),
    path("insurance/", officer.insurance_overview, name="insurance"),
    path("insurance/new/", officer.policy_new, name="policy_new"),
    path("insurance/<int:pk>/", officer.policy_detail, name="policy"),
    path("insurance/<int:pk>/cover/", officer.policy_cover, name="policy_cover"),
    path(
        "insurance/<int:pk>/uncover/<int:member_pk>/", officer.policy_uncover, name="policy_uncover"
    ),
    path("partners/", officer.partners, name="partners"),
    path("partners/<int:pk>/", officer.partner_edit, name="partner"),
    path("erasure-requests/", officer.erasure_requests, name="erasure_requests"),
    path("erasure-requests/<int:pk>/decide/", officer.erasure_decide, name="erasure_decide"),
]
