"""Public pages of the outcomes app (issue 4)."""

app_name = "outcomes"
urlpatterns = []
