"""Public pages of the companies app (issue 4)."""

app_name = "companies"
urlpatterns = []
