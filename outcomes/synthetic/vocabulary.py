"""What synthetic rows are made of: words, weights, typical sizes, and figures as sources write.

Weights are percentages of rows (they need not add up to 100); word lists are written as
space-separated text to keep them readable.
"""

import datetime
import random

from companies.choices import CertificationKind, SpecialisedTier
from outcomes.choices import (
    ALLOWED_UNITS,
    OutcomeKind,
    PatentStatus,
    PatentType,
    StandardLevel,
    Unit,
)
from outcomes.synthetic.draws import Chooser
from partnerships.choices import (
    AgreementKind,
    AgreementStatus,
    DatePrecision,
    Field,
    InstitutionKind,
    PartyRole,
    ProjectKind,
    ProjectStatus,
    PublicationState,
    Qualifier,
)


def words(text: str) -> list[str]:
    return text.split()


# Identifiers must not claim a year the validators would call "in the future".
LAST_YEAR = 2024
# created_at runs from FIRST_STAMP to LAST_STAMP in id order: the registry's years of use.
FIRST_STAMP = datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC)
LAST_STAMP = datetime.datetime(2025, 6, 30, tzinfo=datetime.UTC)
SYNTHETIC_NOTE = "合成数据(manage.py generate_synthetic --seed {seed}),不是真实记录。"

# About one record in ten is not public, so every page and count must filter.
STATES = (
    (PublicationState.PUBLISHED, 90),
    (PublicationState.DRAFT, 5),
    (PublicationState.SUBMITTED, 3),
    (PublicationState.WITHDRAWN, 2),
)
STATE = Chooser(STATES)
PRECISION = Chooser(((DatePrecision.DAY, 45), (DatePrecision.MONTH, 40), (DatePrecision.YEAR, 15)))
QUALIFIER = Chooser(
    (
        (Qualifier.EXACT, 55),
        (Qualifier.MORE_THAN, 25),
        (Qualifier.ABOUT, 12),
        (Qualifier.NEARLY, 8),
    )
)

# --- Places and organisations --------------------------------------------------------------------

PLACES = words(
    "山西 太原 大同 晋中 长治 运城 临汾 忻州 吕梁 晋城 朔州 阳泉 中北 华北 北方 晋北 晋南 "
    "东方 黄河 太行 汾河 并州 三晋 龙城"
)
OTHER_PROVINCE_LOCATIONS = words("北京市 上海市 天津市 西安市 武汉市 南京市 杭州市")
DISCIPLINES = words(
    "理工 科技 师范 农业 医科 财经 工商 工程 交通 电力 能源 传媒 信息 艺术 体育 化工 建筑 林业 "
    "水利 外国语 中医药 机电 轻工 煤炭 冶金 警官 政法 旅游"
)
COLLEGES = words(
    "计算机与信息技术 数学科学 物理电子工程 化学化工 生命科学 环境与资源 经济与管理 法学 "
    "教育科学 外国语 文学 历史文化 哲学社会 体育 音乐 美术 电力与建筑 自动化与软件 "
    "材料科学与工程 机械工程 农学 园艺 动物科学 食品科学与工程 公共卫生 药学 护理 马克思主义"
)
LAB_TOPICS = words(
    "煤基低碳能源 量子光学与光量子器件 化学生物学与分子工程 生物技术 作物种质资源 智能信息处理 "
    "先进控制与装备智能化 新型碳材料 环境污染控制 黄土高原生态 功能农产品 药物分子设计 "
    "大数据智能 精密测量 先进镁基材料 盐碱地改良"
)
SCIENCE_PARKS = words("大学科技园 国家大学科技园 科技园创新中心")
# Fixed words, not the enums' translated labels: the rows must not depend on the language.
INSTITUTION_KIND_WORDS = {
    InstitutionKind.UNIVERSITY: "高等学校",
    InstitutionKind.COLLEGE: "二级学院",
    InstitutionKind.KEY_LABORATORY: "重点实验室",
    InstitutionKind.SCIENCE_PARK: "科技园",
    InstitutionKind.RESEARCH_INSTITUTE: "科研院所",
    InstitutionKind.TRAINING_BODY: "培训机构",
    InstitutionKind.SCHOOL: "中小学校",
    InstitutionKind.OTHER: "其他机构",
}
TOP_LEVEL_KINDS = Chooser(
    (
        (InstitutionKind.UNIVERSITY, 55),
        (InstitutionKind.RESEARCH_INSTITUTE, 20),
        (InstitutionKind.TRAINING_BODY, 10),
        (InstitutionKind.SCHOOL, 10),
        (InstitutionKind.OTHER, 5),
    )
)
SUB_UNIT_KINDS = Chooser(
    (
        (InstitutionKind.COLLEGE, 65),
        (InstitutionKind.KEY_LABORATORY, 28),
        (InstitutionKind.SCIENCE_PARK, 7),
    )
)
BRAND_CHARS = (
    "华鑫泰恒瑞德信诚源达盛兴隆昌丰汇通博创智远航明晋宏宇中正和安康科金润泽天海云星辰光新元方"
    "升凯嘉悦铭锐捷迅卓越领先优品佳美乐欣亿万合力伟峰川林森禾"
)
COMPANY_FORMS = Chooser((("有限公司", 70), ("股份有限公司", 15), ("有限责任公司", 15)))
ROADS = words("长风街 学府街 龙城大街 坞城路 体育路 南内环街 康宁街 真武路 许坦东街 亲贤北街")

# --- Fields, agreements and projects -------------------------------------------------------------

# Per field of cooperation: words for enterprise names and the GB/T 4754 divisions they sit in.
FIELD_INDUSTRIES = {
    Field.BIG_DATA_IT: (words("信息技术 软件科技 数据科技 网络科技"), ("I65", "I64", "I63")),
    Field.BIOTECH: (words("生物科技 医药科技 生物工程"), ("C27", "M73")),
    Field.MODERN_AGRICULTURE: (words("农业科技 农业发展 食品 种业"), ("A01", "A05", "C13")),
    Field.ENERGY_ENVIRONMENT: (words("环保科技 节能科技 新能源"), ("N77", "D44", "M74")),
    Field.INTELLIGENT_MANUFACTURING: (words("智能装备 机械制造 电子科技"), ("C35", "C34", "C39")),
    Field.NEW_MATERIALS: (words("新材料 化工科技 碳材料"), ("C26", "C30", "C32")),
    Field.EDUCATION: (words("教育科技 教育咨询"), ("P83",)),
    Field.GOVERNANCE: (words("管理咨询 企业管理"), ("L72",)),
    Field.INNOVATION_SERVICES: (words("科技服务 孵化器管理 知识产权服务"), ("M75", "L72")),
    Field.OTHER: (words("商贸 文化传媒 物流"), ("F51", "R86", "G59")),
}
FIELD_WORDS = {
    Field.BIG_DATA_IT: "大数据",
    Field.BIOTECH: "生物技术",
    Field.MODERN_AGRICULTURE: "现代农业",
    Field.ENERGY_ENVIRONMENT: "节能环保",
    Field.INTELLIGENT_MANUFACTURING: "智能制造",
    Field.NEW_MATERIALS: "新材料",
    Field.EDUCATION: "基础教育",
    Field.GOVERNANCE: "干部培训",
    Field.INNOVATION_SERVICES: "创新创业",
    Field.OTHER: "综合",
}
FIELD = Chooser(zip(Field.values, (20, 12, 14, 10, 14, 8, 8, 5, 6, 3), strict=True))
AGREEMENT_KIND_WORDS = {
    AgreementKind.FRAMEWORK: "战略合作框架协议",
    AgreementKind.CO_BUILD: "共建协议",
    AgreementKind.COOPERATION: "合作协议",
    AgreementKind.TRAINING: "培训合作协议",
    AgreementKind.OTHER: "合作备忘录",
}
AGREEMENT_KIND = Chooser(zip(AgreementKind.values, (30, 20, 35, 10, 5), strict=True))
AGREEMENT_STATUS = Chooser(zip(AgreementStatus.values, (20, 40, 25, 5, 10), strict=True))
PROJECT_KIND_WORDS = {
    ProjectKind.RD_COOPERATION: "技术研发合作项目",
    ProjectKind.IUR_PROJECT: "产学研合作项目",
    ProjectKind.BASE_PLATFORM: "共建创新基地",
    ProjectKind.INCUBATOR: "科技企业孵化器",
    ProjectKind.JOINT_LAB: "联合实验室",
    ProjectKind.TRAINING_PROGRAMME: "人才培训项目",
    ProjectKind.PRACTICE_BASE: "实践教学基地",
    ProjectKind.DEMONSTRATION_BASE: "示范基地",
    ProjectKind.EDUCATION_PROGRAMME: "教育合作项目",
    ProjectKind.STANDARD_DRAFTING: "标准制定项目",
}
PROJECT_KIND = Chooser(zip(ProjectKind.values, (22, 30, 8, 4, 7, 10, 6, 5, 5, 3), strict=True))
PROJECT_STATUS = Chooser(zip(ProjectStatus.values, (5, 45, 35, 3, 12), strict=True))
# Kinds that are a place: they have an opening date and often a floor area.
PLACE_KINDS = frozenset(
    (
        ProjectKind.BASE_PLATFORM,
        ProjectKind.INCUBATOR,
        ProjectKind.PRACTICE_BASE,
        ProjectKind.DEMONSTRATION_BASE,
        ProjectKind.JOINT_LAB,
    )
)
FUNDING_NOTES = ("区财政科技专项资金", "校方自筹", "省级专项资金")
ENTERPRISE_ROLE = Chooser(
    (
        (PartyRole.ENTERPRISE, 60),
        (PartyRole.RESIDENT, 20),
        (PartyRole.OPERATOR, 10),
        (PartyRole.SPONSOR, 10),
    )
)

# --- Certifications ------------------------------------------------------------------------------

CERTIFICATION_KIND = Chooser(zip(CertificationKind.values, (40, 30, 15, 5, 10), strict=True))
SPECIALISED_TIER = Chooser(zip(SpecialisedTier.values, (60, 30, 10), strict=True))
SPECIALISED_TIER_WORDS = {
    SpecialisedTier.INNOVATIVE_SME: "创新型中小企业",
    SpecialisedTier.SPECIALISED_SME: "专精特新中小企业",
    SpecialisedTier.LITTLE_GIANT: "专精特新“小巨人”企业",
}
HONOURS = words(
    "农业产业化省级重点龙头企业 省级企业技术中心 市级工程技术研究中心 省级科技企业孵化器 "
    "省级众创空间 市级瞪羚企业"
)

# --- Itemised outcomes ---------------------------------------------------------------------------

PATENT_OBJECTS = words(
    "果蔬分拣装置 土壤墒情监测系统 煤矸石综合利用方法 锂电池正极材料 智能巡检机器人 污水处理装置 "
    "中药提取工艺 光纤传感器 农产品冷链箱 数控机床夹具 石墨烯导热膜 作物病害识别方法 "
    "电力负荷预测方法 建筑垃圾再生骨料 小米深加工工艺"
)
PATENT_MANNERS = words("基于深度学习的 高效 低能耗 可调节的 便携式 模块化 自适应 多功能")
PATENT_TYPE = Chooser(zip(PatentType.values, (50, 40, 10), strict=True))
PATENT_STATUS = Chooser(zip(PatentStatus.values, (30, 25, 45), strict=True))
# Type digit of the application number: national filing first, PCT national phase second.
PATENT_DIGITS = {
    PatentType.INVENTION: ("1", "8"),
    PatentType.UTILITY_MODEL: ("2", "9"),
    PatentType.DESIGN: ("3", "3"),
}
PATENT_WORDS = {
    PatentType.INVENTION: "发明专利",
    PatentType.UTILITY_MODEL: "实用新型专利",
    PatentType.DESIGN: "外观设计专利",
}
SOFTWARE_DOMAINS = words(
    "智慧社区管理 校地合作项目管理 农产品溯源 企业孵化服务 干部在线培训 环境监测数据 "
    "科技成果转化 教学资源共享 园区能耗监测 中小企业知识产权"
)
SOFTWARE_CENTRES = ("BJ", "SH", "GD", "SX")
STANDARD_OBJECTS = words(
    "设施蔬菜 谷子 酿酒葡萄 中药材 数据中心 公共机构节能 智慧教室 科技企业孵化器 农产品冷链 "
    "老旧小区改造"
)
STANDARD_DOCUMENTS = words("技术规程 生产技术规程 服务规范 建设规范 评价规范")
STANDARD_LEVEL = Chooser(zip(StandardLevel.values, (5, 10, 50, 20, 15), strict=True))

# --- Reported figures ----------------------------------------------------------------------------

OUTCOME_KIND = Chooser(
    zip(
        OutcomeKind.values,
        # patent, software, standard, revenue, benefit, sales, trainees, talents, experts,
        # enterprises, projects, employees, units, institutions, users, uses, courses,
        # platforms, other
        (24, 12, 3, 8, 5, 3, 10, 5, 3, 5, 2, 3, 2, 2, 3, 3, 3, 2, 2),
        strict=True,
    )
)
# Typical size of a reported figure (median, spread of its logarithm); money in 10,000 yuan.
MAGNITUDES = {
    OutcomeKind.PATENT: (6, 0.9),
    OutcomeKind.SOFTWARE_COPYRIGHT: (5, 0.9),
    OutcomeKind.STANDARD: (2, 0.6),
    OutcomeKind.REVENUE: (800, 1.4),
    OutcomeKind.ECONOMIC_BENEFIT: (500, 1.4),
    OutcomeKind.SALES_VALUE: (120, 1.2),
    OutcomeKind.TRAINEES: (150, 1.2),
    OutcomeKind.TALENTS: (12, 1.0),
    OutcomeKind.EXPERTS: (8, 0.8),
    OutcomeKind.ENTERPRISES_CULTIVATED: (10, 0.9),
    OutcomeKind.PROJECTS_INTRODUCED: (5, 0.8),
    OutcomeKind.EMPLOYEES: (60, 1.1),
    OutcomeKind.UNITS_DEPLOYED: (30, 1.0),
    OutcomeKind.INSTITUTIONS_SERVED: (12, 0.9),
    OutcomeKind.USERS_SERVED: (2000, 1.3),
    OutcomeKind.SERVICE_USES: (5000, 1.3),
    OutcomeKind.COURSES: (8, 0.8),
    OutcomeKind.PLATFORMS_BUILT: (3, 0.6),
    OutcomeKind.OTHER: (20, 1.0),
}
# What is counted, in a source's words.
DESCRIPTIONS = {
    OutcomeKind.PATENT: words("新增专利 授权专利 申请专利"),
    OutcomeKind.SOFTWARE_COPYRIGHT: words("登记软件著作权 新增软件著作权"),
    OutcomeKind.STANDARD: words("主持或参与制定标准"),
    OutcomeKind.REVENUE: words("实现营业收入 实现产值"),
    OutcomeKind.ECONOMIC_BENEFIT: words("产生经济效益 新增效益"),
    OutcomeKind.SALES_VALUE: words("配送农产品 销售产品"),
    OutcomeKind.TRAINEES: words("培训基层干部 开展大学生实训 培训新型职业农民"),
    OutcomeKind.TALENTS: words("引进高层次人才 引进博士"),
    OutcomeKind.EXPERTS: words("聘请专家教授 组建专家团队"),
    OutcomeKind.ENTERPRISES_CULTIVATED: words("培育企业 孵化企业"),
    OutcomeKind.PROJECTS_INTRODUCED: words("引进项目 落地转化项目"),
    OutcomeKind.EMPLOYEES: words("带动就业 吸纳就业"),
    OutcomeKind.UNITS_DEPLOYED: words("部署智能设备 安装监测终端"),
    OutcomeKind.INSTITUTIONS_SERVED: words("服务学校 覆盖医疗机构"),
    OutcomeKind.USERS_SERVED: words("服务群众 惠及居民"),
    OutcomeKind.SERVICE_USES: words("提供检测服务 开放共享仪器"),
    OutcomeKind.COURSES: words("开设培训班 开发课程"),
    OutcomeKind.PLATFORMS_BUILT: words("建成创新平台 建立工作室"),
    OutcomeKind.OTHER: words("其他成效"),
}
UNIT_WORDS = {
    Unit.YUAN: "万元",
    Unit.YUAN_PER_MONTH: "万元/月",
    Unit.ITEM: "项",
    Unit.PERSON: "人",
    Unit.PERSON_TIME: "人次",
    Unit.ENTERPRISE: "家",
    Unit.PROJECT: "个",
    Unit.SET: "套",
    Unit.INSTITUTION: "所",
    Unit.USE: "次",
    Unit.CLASS: "班",
    Unit.COURSE: "门",
    Unit.FACILITY: "个",
    Unit.VARIETY: "种",
    Unit.TONNE_PER_MONTH: "吨/月",
    Unit.PERCENT: "%",
}
# Units in a stable order per kind (ALLOWED_UNITS holds sets); the first is the usual one.
KIND_UNITS = {
    kind: sorted(units, key=lambda unit: Unit.values.index(unit))
    for kind, units in ALLOWED_UNITS.items()
}
KIND_UNITS[OutcomeKind.TRAINEES] = [Unit.PERSON_TIME, Unit.PERSON]
KIND_UNITS[OutcomeKind.OTHER] = [Unit.PERCENT, *(u for u in Unit.values if u != Unit.PERCENT)]


def round_figure(quantity: int, unit: str) -> int:
    """A figure a source qualifies (约, 多, 近) is round: 2,867 becomes 2,900, 37 becomes 40."""
    scale = 10_000 if unit in Unit.money else 1
    number = quantity // scale
    if number >= 100:
        step = 10 ** (len(str(number)) - 2)
    elif number >= 20:
        step = 10
    else:
        return quantity
    return round(number / step) * step * scale


def figure_text(quantity: int, unit: str, qualifier: str, rng: random.Random) -> str:
    """The figure as a Chinese source writes it: 约300人次, 6800多万元, 近2000人, 8家以上."""
    word = UNIT_WORDS[unit]
    number = f"{quantity // 10_000}" if unit in Unit.money else f"{quantity}"
    if qualifier == Qualifier.ABOUT:
        return f"约{number}{word}"
    if qualifier == Qualifier.NEARLY:
        return f"近{number}{word}"
    if qualifier == Qualifier.MORE_THAN:
        # 多 and 余 follow round numbers (20余家); after any other number a source says 以上.
        style = rng.random() if number.endswith("0") else 1
        if style < 0.4:
            return f"{number}多{word}"
        if style < 0.7:
            return f"{number}余{word}"
        return f"{number}{word}以上"
    return f"{number}{word}"
