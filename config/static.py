"""Which static files `collectstatic` gathers for production (INSTALLED_APPS names this config
in place of django.contrib.staticfiles).

STATICFILES_DIRS exposes Apache ECharts' whole dist/ folder, but the pages use only
echarts.min.js. Its other builds and source maps are 50 MB that whitenoise would hash and
compress with gzip and brotli on every deployment (over three minutes on two cores); leaving
them out keeps `collectstatic` to seconds. Only collecting is affected: finders, and so
`runserver` and the tests' live server, still see every file.
"""

from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig

UNUSED_ECHARTS_FILES = [
    "echarts.js",
    "echarts.js.map",
    "echarts.esm.*",
    "echarts.common.*",
    "echarts.simple.*",
    "extension",
    "package.json",
]


class StaticFilesConfig(DjangoStaticFilesConfig):
    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, *UNUSED_ECHARTS_FILES]
