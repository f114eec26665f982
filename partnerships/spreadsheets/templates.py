"""The spreadsheet template of each entity: model field → fixed Chinese column heading.

A government spreadsheet template has fixed headings, so these are plain Chinese strings, not
translations. The columns are in the order an export writes them; an import may leave columns
out (they are then not changed) but may not add unknown ones. docs/import.md documents every
column, and tests/test_import_export.py checks that the two agree.
"""

from companies.models import Enterprise
from outcomes.models import Outcome, Target
from partnerships.models import Agreement, Institution, Project, Source

ID_COLUMN = "编号"
DISTRICT = ("district", "所属区县代码")
SOURCE = (("source", "来源编号"), ("source_passage", "来源原文"))
STATE = ("state", "发布状态")

# The template of each entity: model field → column heading, in the order of the columns.
# docs/import.md documents each column; a test keeps the two in step.
TEMPLATES = {
    Source: dict(
        [
            ("id", ID_COLUMN),
            ("title", "标题"),
            ("publisher", "发布机构"),
            ("authors", "作者"),
            ("url", "网址"),
            ("published_on", "发布日期"),
            DISTRICT,
            ("note", "备注"),
        ]
    ),
    Institution: dict(
        [
            ("id", ID_COLUMN),
            ("name", "名称"),
            ("name_en", "英文名称"),
            ("short_name", "简称"),
            ("kind", "机构类型"),
            ("parent", "上级机构"),
            DISTRICT,
            ("location", "所在地"),
            ("school_code", "学校标识码"),
            ("uscc", "统一社会信用代码"),
            ("ror_id", "ROR标识"),
            ("website", "网站"),
            ("description", "简介"),
            *SOURCE,
            STATE,
        ]
    ),
    Agreement: dict(
        [
            ("id", ID_COLUMN),
            ("title", "协议名称"),
            ("title_en", "英文名称"),
            DISTRICT,
            ("kind", "协议类型"),
            ("status", "协议状态"),
            ("signed_on", "签订日期"),
            ("starts_on", "起始日期"),
            ("ends_on", "终止日期"),
            ("term_months", "期限（月）"),
            ("part_of", "所属协议编号"),
            ("phase_number", "期次"),
            ("summary", "摘要"),
            ("summary_en", "英文摘要"),
            *SOURCE,
            STATE,
        ]
    ),
    Project: dict(
        [
            ("id", ID_COLUMN),
            ("title", "项目名称"),
            ("title_en", "英文名称"),
            DISTRICT,
            ("agreement", "协议编号"),
            ("part_of", "所属项目编号"),
            ("kind", "项目类型"),
            ("field", "领域"),
            ("status", "项目状态"),
            ("starts_on", "开始日期"),
            ("ends_on", "结束日期"),
            ("opened_on", "揭牌日期"),
            ("floor_area_m2", "面积（平方米）"),
            ("floor_area_qualifier", "面积限定词"),
            ("address", "地址"),
            ("funding_yuan", "资金（元）"),
            ("funding_qualifier", "资金限定词"),
            ("funding_note", "资金说明"),
            ("summary", "摘要"),
            ("summary_en", "英文摘要"),
            *SOURCE,
            STATE,
        ]
    ),
    Enterprise: dict(
        [
            ("id", ID_COLUMN),
            ("name", "企业名称"),
            ("name_en", "英文名称"),
            ("uscc", "统一社会信用代码"),
            DISTRICT,
            ("sector", "行业代码"),
            ("founded_on", "成立日期"),
            ("incubator", "孵化机构"),
            ("incubator_project", "孵化项目编号"),
            ("address", "地址"),
            ("website", "网站"),
            ("description", "简介"),
            *SOURCE,
            STATE,
        ]
    ),
    Outcome: dict(
        [
            ("id", ID_COLUMN),
            DISTRICT,
            ("kind", "成果类型"),
            ("form", "记录形式"),
            ("description", "统计内容"),
            ("quantity", "数量"),
            ("unit", "单位"),
            ("qualifier", "限定词"),
            ("reported_text", "原文数字"),
            ("basis", "统计口径"),
            ("as_of", "截至日期"),
            ("period_start", "期间开始"),
            ("period_end", "期间结束"),
            ("project", "项目编号"),
            ("agreement", "协议编号"),
            ("institution", "机构"),
            ("enterprise", "企业编号"),
            ("title", "名称"),
            ("title_en", "英文名称"),
            ("patent_number", "专利申请号"),
            ("patent_type", "专利类型"),
            ("patent_status", "专利状态"),
            ("software_copyright_number", "软件著作权登记号"),
            ("standard_number", "标准号"),
            ("standard_level", "标准级别"),
            ("enterprise_category", "企业类别"),
            *SOURCE,
            STATE,
        ]
    ),
    Target: dict(
        [
            ("id", ID_COLUMN),
            DISTRICT,
            ("kind", "指标类型"),
            ("description", "统计内容"),
            ("quantity", "数量"),
            ("unit", "单位"),
            ("qualifier", "限定词"),
            ("reported_text", "原文数字"),
            ("quantity_is_stated", "有明确数字"),
            ("period_start", "期间开始"),
            ("due_on", "完成期限"),
            ("project", "项目编号"),
            ("agreement", "协议编号"),
            ("institution", "机构"),
            ("enterprise", "企业编号"),
            *SOURCE,
            STATE,
        ]
    ),
}
