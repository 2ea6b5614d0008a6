"""Staff pages for assignments, positions, the pipeline board and the pipeline settings,
mounted at /staff/assignments/."""

from django.urls import path

from . import views

app_name = "assignments"
urlpatterns = [
    path("", views.assignment_list_view, name="list"),
    path("new/", views.assignment_create_view, name="create"),
    path("<uuid:assignment_id>/", views.assignment_detail_view, name="detail"),
    path("<uuid:assignment_id>/edit/", views.assignment_edit_view, name="edit"),
    path("<uuid:assignment_id>/release/", views.assignment_release_view, name="release"),
    path("<uuid:assignment_id>/end/", views.assignment_end_view, name="end"),
    path("<uuid:assignment_id>/positions/new/", views.position_add_view, name="position_add"),
    path("positions/<uuid:position_id>/edit/", views.position_edit_view, name="position_edit"),
    path(
        "positions/<uuid:position_id>/remove/", views.position_remove_view, name="position_remove"
    ),
    path("positions/<uuid:position_id>/board/", views.board_view, name="board"),
    path("positions/<uuid:position_id>/board/add/", views.board_add_view, name="board_add"),
    path(
        "positions/<uuid:position_id>/board/candidates/",
        views.board_candidates_view,
        name="board_candidates",
    ),
    path(
        "applications/<uuid:application_id>/move/",
        views.application_move_view,
        name="application_move",
    ),
    path("stages/", views.stages_view, name="stages"),
    path("stages/<uuid:stage_id>/rename/", views.stage_rename_view, name="stage_rename"),
    path("stages/<uuid:stage_id>/shift/", views.stage_shift_view, name="stage_shift"),
    path("stages/<uuid:stage_id>/archive/", views.stage_archive_view, name="stage_archive"),
]
