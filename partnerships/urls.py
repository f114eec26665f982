"""Public pages of the partnerships app (issue 4)."""

app_name = "partnerships"
urlpatterns = []
