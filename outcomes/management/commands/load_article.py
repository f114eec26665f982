"""Enter the source article (seeds/000_c3e61ec2ad4bbf73.txt) as the published demo data.

A byte-for-byte copy of the article lives in tests/outcomes/data/, where the tests check that
every quoted passage below is in it.

Every institution, enterprise, agreement, project, outcome and target of the article, each
figure with the exact passage it comes from. Running the command again changes nothing: every
record is found by a natural key, compared field by field, and saved (after `full_clean()`,
the one validation path) only when a field differs, so `updated_at` moves only for real changes.

The article has no publication date; figures it gives as "目前/已/累计" are cumulative snapshots
at the source's (unknown) date, so their `as_of` stays empty. Judgement calls about the
article's meaning are written beside the records they concern.
"""

import datetime
from collections import Counter
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from companies.choices import CertificationKind, RecognitionLevel, SpecialisedTier
from companies.models import (
    AgreementEnterprise,
    Certification,
    Enterprise,
    ProjectEnterprise,
    Sector,
)
from outcomes.choices import (
    Basis,
    EnterpriseCategory,
    OutcomeForm,
    OutcomeKind,
    PatentStatus,
    PatentType,
    StandardLevel,
    Unit,
)
from outcomes.models import Outcome, Target
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
from partnerships.models import (
    Agreement,
    AgreementParty,
    District,
    Institution,
    Project,
    ProjectParticipant,
    Source,
)

PUBLISHED = PublicationState.PUBLISHED

SOURCE_TITLE = (
    "省校合作凝智聚力 优势互补互惠双赢——小店区持续优化创新生态 奋力开拓全方位高质量发展新局面"
)
SOURCE_AUTHORS = "策划:王黄林;统筹:于清;采写:司勇、赵娟"
SOURCE_NOTE = (
    "原文未注明发表日期和刊载媒体,发表日期留空;文中最晚的事件是2021年9月,故发表不早于"
    "2021年9月(推断)。文中“目前/已/累计”的数字是截至发表之日的累计数,其截至日期因此同样"
    "未知。文末注明:图片由小店区委组织部提供。"
)


def year(value: int) -> dict:
    """A date known to the year, as the pair of model fields `<name>` and `<name>_precision`."""
    return {"date": datetime.date(value, 1, 1), "precision": DatePrecision.YEAR}


def month(value: int, month_: int) -> dict:
    return {"date": datetime.date(value, month_, 1), "precision": DatePrecision.MONTH}


def dated(name: str, when: dict) -> dict:
    return {name: when["date"], f"{name}_precision": when["precision"]}


# ---------------------------------------------------------------------------------------------
# Passages of the article, quoted exactly. The file breaks two words across lines (智/能电子黑板,
# 基层干/部); they are quoted here without the break.
# ---------------------------------------------------------------------------------------------

P_INTRO = (
    "近年来,小店区深入学习贯彻习近平总书记视察山西重要讲话重要指示精神,按照省委、省政府关"
    "于全方位推进经济社会高质量发展的决策部署,在区委“七区”战略引领下,紧抓省校战略合作机"
    "遇,围绕与高校共建“12大基地”目标任务,充分发挥省会南部窗口区位优势、保障综改示范区机"
    "遇优势、科技创新平台支撑优势、高校科研人才集聚优势、新兴产业加速发展优势“五大优势”"
    ",积极开展校地合作,努力以创新活力充分涌流、创业潜力有效激发、创造动力竞相迸发的一流创"
    "新生态激活全方位高质量发展新动能。"
)
P_SXU_AGREEMENT = "2017年5月,区政府与山西大学签订战略合作框架协议。"
P_SXU_PROJECT = (
    "2018年5月,设立产学研合作项目,并出台《小店区与山西大学产学研合作项目实施细则(暂行)》,"
    "将产学研合作项目专项资金列入区财政科技专项资金年度预算。"
)
P_SXU_FIELDS = (
    "依托山西大学建立的“有效对接校内科技创新资源与社会科技创新需求”的平台体系,在大数据"
    "和信息技术、生物技术、现代农业和节能环保等领域持续发力,推动创新资源集成、科技成果转"
    "化、科技创业孵化、创新人才培养和开放协同发展。"
)
P_SXU_RESULTS = (
    "目前,已培育出高新技术企业14家,科技型中小企业30个,新增知识产权48项,其中发明专利20项,"
    "实用新型专利9项,软件著作权19项,产生效益6800多万元。"
)
P_SXU_MODEL = (
    "政府、高校、企业和科技园“四位一体”进行“政产学研”创新合作的“小店模式”,已成为科"
    "技园进行成果转化的典型案例。"
)
P_SCIENCE_PARK = (
    "依托与山大科技园的深度合作,小店区众多成长型科技企业得到了高水平的科技支撑,有力提升了"
    "企业创新能力。"
)
P_PENGDUO_PROJECT = (
    "太原世纪朋多科技有限公司与山西大学计算智能与中文信息处理教育部重点实验室合作,研发智"
    "能互动双屏电子黑板,集电子显示设备、电子触控设备、计算机软件于一体,满足“方便、快捷、"
    "几分钟学会、不宜生疏”的产品使用原则,适用于各类教室、报告厅、会议室。"
)
P_PENGDUO_UNITS = "目前山西大学东山校区共使用189套智能电子黑板,价值约1000万元。"
P_PENGDUO_SPREAD = "同时已推广至省内外50余所高校及中小学使用。"
P_JICHUANG_PROJECT = (
    "山西集创科技有限公司与山西大学计算机学院合作研发的“微服务架构的高校一站式服务平台”"
    "项目,可以从根本上实现校园数据的层次化管理、校园服务的流程便捷化变革及集中的一站式服"
    "务管理。"
)
P_JICHUANG_RESULTS = (
    "目前该平台已推广至山西大学、山西财经大学、山西农业大学等20余所高校使用,通过“数据多"
    "跑腿、师生少跑路”有效服务了超过60万师生,线上流程服务有效使用次数超400万次,提升了师"
    "生校内活动的获得感和体验感,促进了所服务高校的教育治理能力和治理体系的现代化,目前已经"
    "实现营业收入700余万元。"
)
P_KETENG_PROFILE = (
    "山西科腾环保科技股份有限公司是由山大科技园孵化的高新技术企业,国家级、省级“专精特新"
    "”小巨人企业,市工业化与自动化示范企业。"
)
P_KETENG_PROJECT = (
    "该公司以核心技术研发为导向,积极开展产学研合作,与山西大学紧密合作研发固废资源综合利用"
    "及产业升级开发智能制造自动化生产线。"
)
P_KETENG_PATENTS = (
    "目前掌握拥有授权的发明专利7项、实用新型专利3项,尚有15项发明专利已在受理实质审查阶段,"
    "先后承担了科技部、省科技厅、市区科技局、工信局等科技项目的研发及科技成果转化工作。"
)
P_KETENG_NEEQ_REVENUE = (
    "该公司于2016年3月正式挂牌上市“新三板”,2018、2019年连续销售收入达到1亿元以上。"
)
P_TONGJI_BASE = (
    "“同济大学同创谷太原基地”是小店区按照太原市与同济大学全面战略合作有关部署,按照“国"
    "际知名、国内领先”的战略定位,以“创新引领”为主题,充分依托同济大学的学科优势及影响力"
    ",聚合智能制造、信息技术类新兴领域,建立科技创新体系,加快创新要素聚集的合作项目。"
)
P_TONGJI_AGREEMENTS = (
    "小店区于2019年3月和太原同济创业谷企业孵化器有限公司签订了“同创谷太原基地项目”合作"
    "框架协议,于2019年4月、5月分两期签订了《同济大学同创谷太原基地共建合作协议》,确定了项"
    "目内容、效益约定、项目保障、项目扶持、税收返还等扶持政策。"
)
P_TONGJI_SITE = (
    "项目位于太原南站西广场,总建筑面积约25000平方米,有现代式办公空间并配备国际路演中心、"
    "多功能会议室、党员之家、人才活动中心、员工餐厅、健身房、创意咖啡厅等配套设施。"
)
P_TONGJI_OPENING = (
    "该项目坚持“市校合作、引领三创、集聚人才、赋能产业”四大功能,自2019年6月揭牌运营以来"
    ",依托同济大学学科优势和全球产学研协同创新资源,致力于营造浓厚的三创氛围,引进优秀的高"
    "端人才、优质的高科技高成长型企业,构建大型资源型平台。"
)
P_TONGJI_PROJECTS = (
    "依托同济大学校友会资源,成功引进培育了滴滴出行、鲁班数城等一批高科技、高成长型项目60"
    "个,从业人员达300余人。"
)
P_TONGJI_TALENTS = (
    "通过引进入驻中路启明、中环鑫汇、令德生物等科技型企业,与同济大学、哈尔滨工业大学、长"
    "安大学等国内外诸多高校形成交流合作关系,柔性引进博士、硕士等人才60余人。"
)
P_TRAINING_LAUNCH = (
    "2021年7月,小店区依托与同创谷的战略合作,在全市率先启动新时代基层干部主题培训行动计划。"
)
P_TRAINING_DESIGN = (
    "培训以习近平新时代中国特色社会主义思想为指导,坚持政治导向、需求导向和实用导向,将同济"
    "大学、中国浦东干部学院、上海市委党校等名优高校近20名专家学者“请进来”,紧扣全区经济"
    "社会发展全局,立足基层干部岗位需要,精准设置了乡村振兴、城市基层治理、效能政府提升等3"
    "个专题班,共18个专项课程,突出对基层干部发展经济、改革创新、依法办事、化解矛盾、做群众"
    "工作等能力的综合培养。"
)
P_TRAINING_RESULTS = (
    "培训首次采用“现场教学+视频同步课堂”的授课方式,设置互动教学、案例教学、情景教学等环"
    "节,把培训变成知行同步、谋划发展的过程,实现区直部门、街道(乡镇)班子成员,村(社区)“两"
    "委”主干,引进到村(社区)的高层次人才“一课通、全覆盖”,累计培训近2000人次,实现了推动"
    "全区干部在理想信念上有新进步、能力本领上有新提升、干事创业上有新作为的培训目标,为小"
    "店区“七区”战略的深入推进打下了坚实的干部能力基础。"
)
P_JOINT_LABS = (
    "此外,小店区内企业也积极借助校企合作平台,不断提高企业科技含量和市场竞争能力。山西电机"
    "制造有限公司、华豹新材料公司、省电子工业科学研究所有限公司、太原航空仪表有限公司等一"
    "批辖区新基础产业企业,通过与清华大学、中国航空航天大学、北京理工大学、太原理工大学、"
    "沈阳工业大学、太原科技大学等一批国内外知名的业内领先大学深入合作,通过共建重点科技实"
    "验室、加快技术攻关与产品研发均产生了丰硕的研究成果,并转化出可观的经济效益。"
)
P_HONGXIN_PROFILE = (
    "太原市鸿新农产品有限公司位于小店区孙家寨村,是省内较大的农产品加工配送企业之一。"
)
P_HONGXIN_HONOUR = "2017年至2020年连续4年荣获农业产业化省级重点龙头企业称号。"
P_HONGXIN_SAAS = (
    "2021年,该公司与山西大学共同打造农产品大数据saas平台,充分运用互联网与大数据分析技术,"
    "对农产品采购、销售、库存、物流等数据进行分析,实现农产品产销智能化;"
)
P_HONGXIN_PATENT = (
    "与山西农业大学共同申报了“一种差压的果蔬箱”的实用性专利,已应用于果蔬生产运输过程中,"
    "实现了果蔬产品损耗率综合降低5%;"
)
P_HONGXIN_PRACTICE = (
    "2018年以来,鸿新农产品公司与山西财经大学合作,建立大学生实训基地,累计完成各类专业大学"
    "生实训500余人。"
)
P_HONGXIN_CATERING = (
    "该公司当前为30所大专院校、50所中小学、80所幼儿园提供校园团餐配送服务,主要配送蔬菜水"
    "果、粮油、肉蛋奶以及部分净菜预制菜产品。"
)
P_HONGXIN_SXU_DELIVERY = "2021年,为山西大学配送品类达80多种,月配送量约为35吨,月平均金额为20万元。"
P_SANAN_PROFILE = "山西三安科技公司是一家科技创新型农业公司。"
P_SANAN_STANDARDS = (
    "公司与中国农业大学农学院共同制订有机旱作农业谷子、高粱、藜麦、黍子、水稻种植技术规程"
    "省级地方标准,依托在多个示范基地通过标准化、全生物化种植,总结、整理制订出生产标准,为"
    "今后农业企业、合作社实施标准化种植提供依据,填补省级标准的空白。"
)
P_SANAN_BASE = (
    "该公司与山西农业大学园艺学院在部分地区建立有机旱作农业三安模式种植示范基地,通过公司"
    "提供标准操作规程、全生物化的生物制剂、肥料,园艺学院提供专业技术人员指导服务,进一步完"
    "善示范技术,实现农产品产量、质量双提升,助力农业发展、产业振兴、农民增收。"
)
P_EDUCATION_WINGS = (
    "通过与北京师范大学、华东师范大学共同努力,小店区教育领域校地合作的“双翼”模式已基本"
    "形成,围绕落实立德树人根本任务和“双减”政策,深化合作领域,细化合作内容,在教育理念变革"
    "、教育机制变革、课堂教学变革等方面取得实效,助推小店区义务教育质量稳中向好、持续向好"
    "。"
)
P_ECNU_AGREEMENT = "2021年9月,小店区政府与华东师范大学就区域教育合作发展签订合作协议。"
P_ECNU_TARGETS = (
    "未来两年,小店区将依托华东师大优质的教育资源和人才优势,通过导师帮带、精品讲座、课题研"
    "究、学术研讨、跟岗锻炼等多元形式,培养20名具有引领区域教学改革、教学影响力的“未来型"
    "”名校长,选育80名教育理论水平与实践能力出色的“领航型”教师。"
)
P_ECNU_GRADUATES = (
    "同时,小店区每年定向从华东师大引进高素质应届毕业生到全区高中、初中、小学和幼儿教师队"
    "伍中,打造教师人才集聚“强磁场”。"
)
P_BNU_LAUNCH = "2020年10月,小店区与北京师范大学合作的“小店区义务教育高质量发展促进工程”启动。"
P_BNU_PLAN = (
    "按照“一年分析和规划、两年改进和提升、三年总结和示范”的三年工作思路,以提升国家义务"
    "教育质量监测结果应用水平为着力点,以教育教学质量提高为主线,以促进校长专业发展,促进教"
    "师专业发展,促进学生全面发展为目标,进一步加强义务教育师资队伍队伍建设,提高学校的办学"
    "水平,提升学生发展质量,促进义务教育高质量发展。"
)
P_BNU_BACKBONE_TEACHERS = (
    "项目组为参训人员建立信息数据库,针对骨干教师培养、班主任提优、名师工作室建设、中小学"
    "校长办学治理能力及管理干部领导力等方面,围绕“提升骨干教师核心素养和核心能力”等主题,"
    "设立教育教学提质——“小店区骨干教师核心素养和核心能力提升项目”;"
)
P_BNU_HEAD_TEACHERS = (
    "围绕“带班育人是班主任的关键能力”“每个生命都值得温柔以待”“谈谈新时代中小学教师教"
    "育科研素养提升”等主题,设立育人能力提升——“小店区中小学优秀班主任立德树人能力提升"
    "工程”;"
)
P_BNU_STUDIOS = (
    "围绕“新技术创新思维”“跨学科探究学习”“健全立德树人落实机制推进新时代育人方式改革"
    "”等主题,设立名师辐射提优——“小店区名师工作室发展工程”;"
)
P_BNU_PRINCIPALS = (
    "围绕建设15个名师工作室,设立办学动力提高——“小店区中小名校校长办学治理能力现代化提升工程”;"
)
P_BNU_MANAGERS = (
    "围绕“管理干部沟通方法”“中华优秀传统文化与教育”“深化新时代教育评价改革”等主题,"
    "设立教育管理提档——“小店区管理干部领导力提升工程”。"
)
P_NEXT_STEPS = (
    "下一步,小店区将按照省委、省政府“立足山西、面向全国、放眼全球”定位,围绕深入实施“七"
    "区”战略,创先争优、领先领跑,在“十四五”期间,打造一批创新平台,建设一批区校合作示范点"
    ",聚集一批高层次人才,落地一批产业项目,打造省会人才中心和创新高地,力争实现招才引智质量"
    "规模大幅提升,带动全区创新动能进一步激发,创新生态进一步优化,推动实现创新主体高效联动"
    "、创新资源高效配置、科技成果迅速转化,进而推动发展方式转变、经济结构优化、增长动力转"
    "换,为全面再现“锦绣太原城”盛景贡献小店力量!"
)


# ---------------------------------------------------------------------------------------------
# Writing records
# ---------------------------------------------------------------------------------------------

ATTRIBUTION_MODELS = {
    Project: "project",
    Agreement: "agreement",
    Institution: "institution",
    Enterprise: "enterprise",
}


def attributed(*records) -> dict:
    """The four attribution fields of a figure, the unnamed ones cleared."""
    fields = dict.fromkeys(ATTRIBUTION_MODELS.values())
    for record in records:
        fields[ATTRIBUTION_MODELS[type(record)]] = record
    return fields


def _key_value(value):
    return value.pk if isinstance(value, models.Model) else value


class ArticleLoader:
    """Finds each record by its natural key and saves it only when a field differs."""

    def __init__(self):
        self.created: Counter = Counter()
        self.updated: Counter = Counter()
        self.unchanged: Counter = Counter()
        self._keys: set = set()

    def upsert(self, model, lookup: dict, **values):
        label = model._meta.label
        key = (label, tuple(sorted((name, _key_value(v)) for name, v in lookup.items())))
        if key in self._keys:
            # Two entries with one natural key would overwrite each other on every run.
            raise CommandError(f"{label} {lookup} is entered twice; make its key unique.")
        self._keys.add(key)
        record = model.objects.filter(**lookup).first()
        created = record is None
        if created:
            record = model(**lookup)
        changed = False
        for name, value in values.items():
            field = model._meta.get_field(name)
            current = getattr(record, field.attname)
            if current != _key_value(value):
                setattr(record, name, value)
                changed = True
        if created or changed:
            record.full_clean()
            record.save()
            (self.created if created else self.updated)[label] += 1
        else:
            self.unchanged[label] += 1
        return record

    # -- the article, section by section ------------------------------------------------------

    def load(self):
        self.load_places_and_source()
        self.load_institutions()
        self.load_agreements()
        self.load_projects()
        self.load_enterprises()
        self.load_certifications()
        self.load_participants()
        self.load_outcomes()
        self.load_targets()

    def load_places_and_source(self):
        self.upsert(District, {"code": "140000"}, name="山西省", name_en="Shanxi Province")
        self.upsert(District, {"code": "140100"}, name="太原市", name_en="Taiyuan")
        self.district = self.upsert(
            District, {"code": "140105"}, name="小店区", name_en="Xiaodian District"
        )
        self.source = self.upsert(
            Source,
            {"title": SOURCE_TITLE},
            publisher="",
            url="",
            published_on=None,
            authors=SOURCE_AUTHORS,
            note=SOURCE_NOTE,
        )

    # -- institutions ---------------------------------------------------------------------------

    def institution(self, name: str, *, parent=None, passage: str, **values) -> Institution:
        defaults = {
            "short_name": "",
            "school_code": "",
            "uscc": "",
            "ror_id": "",
            "description": "",
            "location": "",
        }
        return self.upsert(
            Institution,
            {"parent": parent, "name": name},
            district=self.district,
            state=PUBLISHED,
            source=self.source,
            source_passage=passage,
            **(defaults | values),
        )

    def load_institutions(self):
        university = InstitutionKind.UNIVERSITY
        self.sxu = self.institution(
            "山西大学",
            name_en="Shanxi University",
            kind=university,
            location="山西省太原市",
            school_code="4114010108",
            passage=P_SXU_AGREEMENT,
        )
        self.sxu_park = self.institution(
            "山西大学科技园",
            parent=self.sxu,
            name_en="Shanxi University Science Park",
            short_name="山大科技园",
            kind=InstitutionKind.SCIENCE_PARK,
            location="山西省太原市",
            passage=P_SCIENCE_PARK,
        )
        self.sxu_lab = self.institution(
            "计算智能与中文信息处理教育部重点实验室",
            parent=self.sxu,
            name_en=(
                "Key Laboratory of Computational Intelligence and Chinese Information "
                "Processing, Ministry of Education"
            ),
            kind=InstitutionKind.KEY_LABORATORY,
            location="山西省太原市",
            passage=P_PENGDUO_PROJECT,
        )
        self.sxu_computing = self.institution(
            "计算机学院",
            parent=self.sxu,
            name_en="School of Computer Science",
            kind=InstitutionKind.COLLEGE,
            location="山西省太原市",
            description="名称按原文“山西大学计算机学院”。",
            passage=P_JICHUANG_PROJECT,
        )
        self.tongji = self.institution(
            "同济大学",
            name_en="Tongji University",
            kind=university,
            location="上海市",
            passage=P_TONGJI_BASE,
        )
        self.sau = self.institution(
            "山西农业大学",
            name_en="Shanxi Agricultural University",
            kind=university,
            location="山西省晋中市",
            school_code="4114010113",
            passage=P_HONGXIN_PATENT,
        )
        self.sau_horticulture = self.institution(
            "园艺学院",
            parent=self.sau,
            name_en="College of Horticulture",
            kind=InstitutionKind.COLLEGE,
            location="山西省晋中市",
            passage=P_SANAN_BASE,
        )
        self.sufe = self.institution(
            "山西财经大学",
            name_en="Shanxi University of Finance and Economics",
            kind=university,
            location="山西省太原市",
            school_code="4114010125",
            passage=P_HONGXIN_PRACTICE,
        )
        self.cau = self.institution(
            "中国农业大学",
            name_en="China Agricultural University",
            kind=university,
            location="北京市",
            uscc="12100000400018162G",
            passage=P_SANAN_STANDARDS,
        )
        self.cau_agronomy = self.institution(
            "农学院",
            parent=self.cau,
            name_en="College of Agronomy and Biotechnology",
            kind=InstitutionKind.COLLEGE,
            location="北京市",
            passage=P_SANAN_STANDARDS,
        )
        self.ecnu = self.institution(
            "华东师范大学",
            name_en="East China Normal University",
            short_name="华东师大",
            kind=university,
            location="上海市",
            passage=P_ECNU_AGREEMENT,
        )
        self.bnu = self.institution(
            "北京师范大学",
            name_en="Beijing Normal University",
            kind=university,
            location="北京市",
            uscc="12100000400010056C",
            passage=P_BNU_LAUNCH,
        )
        self.lab_partners = [
            self.institution(
                "清华大学",
                name_en="Tsinghua University",
                kind=university,
                location="北京市",
                uscc="12100000400000624D",
                ror_id="03cve4549",
                passage=P_JOINT_LABS,
            ),
            self.institution(
                "中国航空航天大学",
                name_en="China University of Aeronautics and Astronautics (name as written)",
                kind=university,
                description=(
                    "名称按原文照录。没有以此为名的大学,原文可能指北京航空航天大学或南京航空"
                    "航天大学,无从判断,故不作更正,也不填所在地。"
                ),
                passage=P_JOINT_LABS,
            ),
            self.institution(
                "北京理工大学",
                name_en="Beijing Institute of Technology",
                kind=university,
                location="北京市",
                passage=P_JOINT_LABS,
            ),
            self.institution(
                "太原理工大学",
                name_en="Taiyuan University of Technology",
                kind=university,
                location="山西省太原市",
                school_code="4114010112",
                passage=P_JOINT_LABS,
            ),
            self.institution(
                "沈阳工业大学",
                name_en="Shenyang University of Technology",
                kind=university,
                location="辽宁省沈阳市",
                passage=P_JOINT_LABS,
            ),
            self.institution(
                "太原科技大学",
                name_en="Taiyuan University of Science and Technology",
                kind=university,
                location="山西省太原市",
                school_code="4114010109",
                passage=P_JOINT_LABS,
            ),
        ]
        self.hit = self.institution(
            "哈尔滨工业大学",
            name_en="Harbin Institute of Technology",
            kind=university,
            location="黑龙江省哈尔滨市",
            passage=P_TONGJI_TALENTS,
        )
        self.chd = self.institution(
            "长安大学",
            name_en="Chang'an University",
            kind=university,
            location="陕西省西安市",
            passage=P_TONGJI_TALENTS,
        )
        self.celap = self.institution(
            "中国浦东干部学院",
            name_en="China Executive Leadership Academy Pudong",
            kind=InstitutionKind.TRAINING_BODY,
            location="上海市",
            passage=P_TRAINING_DESIGN,
        )
        self.shanghai_party_school = self.institution(
            "上海市委党校",
            name_en="Party School of the CPC Shanghai Municipal Committee",
            kind=InstitutionKind.TRAINING_BODY,
            location="上海市",
            description="名称按原文;即中共上海市委党校。",
            passage=P_TRAINING_DESIGN,
        )

    # -- agreements -----------------------------------------------------------------------------

    def agreement(self, title: str, *, signed: dict, passage: str, **values) -> Agreement:
        defaults = {"part_of": None, "phase_number": None, "term_months": None, "summary": ""}
        return self.upsert(
            Agreement,
            {"district": self.district, "title": title},
            state=PUBLISHED,
            status=AgreementStatus.SIGNED,
            source=self.source,
            source_passage=passage,
            **dated("signed_on", signed),
            **(defaults | values),
        )

    def load_agreements(self):
        self.sxu_agreement = self.agreement(
            "小店区政府与山西大学战略合作框架协议",
            title_en=(
                "Strategic cooperation framework agreement between the Xiaodian District "
                "Government and Shanxi University"
            ),
            kind=AgreementKind.FRAMEWORK,
            signed=month(2017, 5),
            summary="原文:“区政府与山西大学签订战略合作框架协议”;协议的正式名称原文未给出。",
            summary_en="The article does not give the agreement's formal title.",
            passage=P_SXU_AGREEMENT,
        )
        self.tongji_framework = self.agreement(
            "“同创谷太原基地项目”合作框架协议",
            title_en=(
                "Cooperation framework agreement on the Tongchuang Valley Taiyuan Base project"
            ),
            kind=AgreementKind.FRAMEWORK,
            signed=month(2019, 3),
            summary=(
                "小店区与太原同济创业谷企业孵化器有限公司签订;同济大学同创谷太原基地及依托"
                "其战略合作开展的基层干部培训均以此为据。"
            ),
            summary_en=(
                "Signed by Xiaodian District and Taiyuan Tongji Entrepreneurship Valley "
                "Enterprise Incubator Co., Ltd.; the base and the cadre training rest on it."
            ),
            passage=P_TONGJI_AGREEMENTS,
        )
        phase_summary = (
            "《同济大学同创谷太原基地共建合作协议》于2019年4月、5月分两期签订,此为第{n}期"
            "(期次按签订月份编号)。两期协议确定了项目内容、效益约定、项目保障、项目扶持、"
            "税收返还等扶持政策;原文未分别说明每期的内容,也未重复写明签约对方,按同句上文"
            "推定为太原同济创业谷企业孵化器有限公司。"
        )
        phase_summary_en = (
            "The co-building agreement was signed in two phases, in April and May 2019; this is "
            "phase {n} (numbered by signing month). Together they set the project content, "
            "agreed benefits, guarantees, support and tax refunds; the article does not split "
            "the content between the phases."
        )
        self.tongji_phases = [
            self.agreement(
                f"同济大学同创谷太原基地共建合作协议({label})",
                title_en=(
                    "Co-building agreement for the Tongji University Tongchuang Valley "
                    f"Taiyuan Base (phase {n})"
                ),
                kind=AgreementKind.CO_BUILD,
                signed=month(2019, signed_month),
                part_of=self.tongji_framework,
                phase_number=n,
                summary=phase_summary.format(n=label[0]),
                summary_en=phase_summary_en.format(n=n),
                passage=P_TONGJI_AGREEMENTS,
            )
            for n, label, signed_month in ((1, "一期", 4), (2, "二期", 5))
        ]
        self.ecnu_agreement = self.agreement(
            "小店区政府与华东师范大学区域教育合作发展合作协议",
            title_en=(
                "Agreement between the Xiaodian District Government and East China Normal "
                "University on regional education cooperation and development"
            ),
            kind=AgreementKind.COOPERATION,
            signed=month(2021, 9),
            term_months=24,
            summary=(
                "就区域教育合作发展签订;“未来两年”内培养20名“未来型”名校长、选育80名"
                "“领航型”教师(见目标),并每年定向从华东师大引进应届毕业生。期限按“未来两年”"
                "记为24个月,起止日期原文未给出。"
            ),
            summary_en=(
                'Regional education cooperation; within "the next two years" 20 principals and '
                "80 teachers are to be trained (see targets). Term recorded as 24 months from "
                '"未来两年"; the article gives no start or end date.'
            ),
            passage=P_ECNU_AGREEMENT,
        )

    # -- projects -------------------------------------------------------------------------------

    def project(self, title: str, *, passage: str, **values) -> Project:
        defaults = {
            "agreement": None,
            "part_of": None,
            "status": ProjectStatus.UNKNOWN,
            "summary": "",
            "summary_en": "",
            "funding_note": "",
            "address": "",
        }
        return self.upsert(
            Project,
            {"district": self.district, "title": title},
            state=PUBLISHED,
            source=self.source,
            source_passage=passage,
            **(defaults | values),
        )

    def load_projects(self):
        self.sxu_project = self.project(
            "小店区与山西大学产学研合作项目",
            title_en="Xiaodian District–Shanxi University industry-university-research projects",
            kind=ProjectKind.IUR_PROJECT,
            field=Field.BIG_DATA_IT,
            status=ProjectStatus.ONGOING,
            agreement=self.sxu_agreement,
            **dated("starts_on", month(2018, 5)),
            funding_note=(
                "产学研合作项目专项资金列入区财政科技专项资金年度预算;依据《小店区与山西大学"
                "产学研合作项目实施细则(暂行)》。"
            ),
            summary=(
                "2018年5月设立,出台《小店区与山西大学产学研合作项目实施细则(暂行)》。依托"
                "山西大学的平台体系,在大数据和信息技术、生物技术、现代农业和节能环保等领域"
                "持续发力(领域取第一个);政府、高校、企业和科技园“四位一体”的“小店模式”。"
            ),
            summary_en=(
                "Set up in May 2018 under implementing rules; funded from the district's annual "
                "science budget. Fields: big data and IT (recorded), biotechnology, modern "
                "agriculture, energy saving and environmental protection."
            ),
            passage=P_SXU_PROJECT + P_SXU_FIELDS,
        )
        self.blackboard = self.project(
            "智能互动双屏电子黑板",
            title_en="Intelligent interactive dual-screen electronic blackboard",
            kind=ProjectKind.RD_COOPERATION,
            field=Field.BIG_DATA_IT,
            summary=(
                "太原世纪朋多科技有限公司与山西大学计算智能与中文信息处理教育部重点实验室合作"
                "研发,集电子显示设备、电子触控设备、计算机软件于一体,适用于各类教室、报告厅、"
                "会议室。"
            ),
            summary_en=(
                "Joint R&D of an electronic blackboard combining display, touch and software, "
                "for classrooms, lecture halls and meeting rooms."
            ),
            passage=P_PENGDUO_PROJECT,
        )
        self.one_stop = self.project(
            "微服务架构的高校一站式服务平台",
            title_en="Microservice-based one-stop service platform for universities",
            kind=ProjectKind.RD_COOPERATION,
            field=Field.BIG_DATA_IT,
            summary=(
                "山西集创科技有限公司与山西大学计算机学院合作研发;实现校园数据的层次化管理、"
                "校园服务的流程便捷化变革及集中的一站式服务管理。"
            ),
            summary_en="Joint R&D of a one-stop campus service platform on microservices.",
            passage=P_JICHUANG_PROJECT,
        )
        self.solid_waste = self.project(
            "固废资源综合利用及产业升级开发智能制造自动化生产线",
            title_en=(
                "Intelligent automated production line for the comprehensive use of solid "
                "waste and industrial upgrading"
            ),
            kind=ProjectKind.RD_COOPERATION,
            field=Field.ENERGY_ENVIRONMENT,
            summary=(
                "山西科腾环保科技股份有限公司与山西大学紧密合作研发。原文未说明该公司的专利"
                "是否出自本项目,故专利数计入企业而不计入本项目。"
            ),
            summary_en=(
                "Joint R&D with Shanxi University. The article does not say the company's "
                "patents came from it, so they are attributed to the company only."
            ),
            passage=P_KETENG_PROJECT,
        )
        self.tongji_base = self.project(
            "同济大学同创谷太原基地",
            title_en="Tongji University Tongchuang Valley Taiyuan Base",
            kind=ProjectKind.BASE_PLATFORM,
            field=Field.INNOVATION_SERVICES,
            status=ProjectStatus.ONGOING,
            agreement=self.tongji_framework,
            **dated("starts_on", month(2019, 6)),
            **dated("opened_on", month(2019, 6)),
            floor_area_m2=Decimal(25000),
            floor_area_qualifier=Qualifier.ABOUT,
            address="太原南站西广场",
            summary=(
                "按照太原市与同济大学全面战略合作有关部署建设,聚合智能制造、信息技术类新兴"
                "领域;总建筑面积约25000平方米,配备国际路演中心、多功能会议室、党员之家、人才"
                "活动中心、员工餐厅、健身房、创意咖啡厅等;坚持“市校合作、引领三创、集聚人才、"
                "赋能产业”四大功能;2019年6月揭牌运营(开始日期取揭牌运营之月)。"
            ),
            summary_en=(
                "A co-built innovation base of about 25,000 m² at the West Square of Taiyuan "
                "South Station, opened in June 2019; intelligent manufacturing and IT."
            ),
            passage=P_TONGJI_SITE + P_TONGJI_OPENING,
        )
        self.cadre_training = self.project(
            "新时代基层干部主题培训行动计划",
            title_en="New-era thematic training action plan for grassroots cadres",
            kind=ProjectKind.TRAINING_PROGRAMME,
            field=Field.GOVERNANCE,
            agreement=self.tongji_framework,
            **dated("starts_on", month(2021, 7)),
            summary=(
                "依托与同创谷的战略合作,在全市率先启动;设置乡村振兴、城市基层治理、效能政府"
                "提升3个专题班共18个专项课程,采用“现场教学+视频同步课堂”。"
            ),
            summary_en=(
                "Cadre training launched in July 2021 on the strength of the Tongchuang Valley "
                "cooperation: 3 thematic classes, 18 courses, on-site and video teaching."
            ),
            passage=P_TRAINING_LAUNCH + P_TRAINING_DESIGN,
        )
        self.joint_labs = self.project(
            "辖区企业与高校共建重点科技实验室",
            title_en=(
                "Key science and technology laboratories co-built by district enterprises "
                "and universities"
            ),
            kind=ProjectKind.JOINT_LAB,
            field=Field.OTHER,
            summary=(
                "山西电机制造有限公司、华豹新材料公司、省电子工业科学研究所有限公司、太原航空"
                "仪表有限公司等辖区新基础产业企业与清华大学、中国航空航天大学、北京理工大学、"
                "太原理工大学、沈阳工业大学、太原科技大学等共建重点科技实验室。原文没有说明"
                "哪家企业与哪所大学合作,也没有给出实验室名称或成果数字,故记为一个项目。"
            ),
            summary_en=(
                "Four district enterprises and six universities co-built key laboratories; the "
                "article does not pair them, name the laboratories or give figures."
            ),
            passage=P_JOINT_LABS,
        )
        self.saas = self.project(
            "农产品大数据SaaS平台",
            title_en="Big-data SaaS platform for agricultural products",
            kind=ProjectKind.RD_COOPERATION,
            field=Field.BIG_DATA_IT,
            **dated("starts_on", year(2021)),
            summary=(
                "太原市鸿新农产品有限公司与山西大学共同打造(原文写作“saas”),对农产品采购、"
                "销售、库存、物流等数据进行分析,实现农产品产销智能化。"
            ),
            summary_en="Big-data analysis of purchasing, sales, stock and logistics of produce.",
            passage=P_HONGXIN_SAAS,
        )
        self.fruit_box = self.project(
            "“一种差压的果蔬箱”专利合作",
            title_en="Joint patent: a differential-pressure fruit and vegetable box",
            kind=ProjectKind.RD_COOPERATION,
            field=Field.MODERN_AGRICULTURE,
            summary=(
                "太原市鸿新农产品有限公司与山西农业大学共同申报实用新型专利(原文作“实用性"
                "专利”),已应用于果蔬生产运输过程。"
            ),
            summary_en="A jointly filed utility-model patent, applied in produce transport.",
            passage=P_HONGXIN_PATENT,
        )
        self.practice_base = self.project(
            "鸿新农产品公司—山西财经大学大学生实训基地",
            title_en="Hongxin–Shanxi University of Finance and Economics student training base",
            kind=ProjectKind.PRACTICE_BASE,
            field=Field.EDUCATION,
            status=ProjectStatus.ONGOING,
            **dated("starts_on", year(2018)),
            summary="2018年以来,太原市鸿新农产品有限公司与山西财经大学合作建立大学生实训基地。",
            summary_en="A practical-training base for university students since 2018.",
            passage=P_HONGXIN_PRACTICE,
        )
        self.standards = self.project(
            "有机旱作农业种植技术规程省级地方标准制订",
            title_en="Drafting provincial local standards for organic dry-farming cultivation",
            kind=ProjectKind.STANDARD_DRAFTING,
            field=Field.MODERN_AGRICULTURE,
            summary=(
                "山西三安科技公司与中国农业大学农学院共同制订谷子、高粱、藜麦、黍子、水稻五项"
                "有机旱作农业种植技术规程省级地方标准。原文未给出标准编号,也未说明是否已发布。"
            ),
            summary_en=(
                "Five provincial local standards (millet, sorghum, quinoa, broomcorn millet, "
                "rice); the article gives no numbers and does not say they were issued."
            ),
            passage=P_SANAN_STANDARDS,
        )
        self.demo_base = self.project(
            "有机旱作农业三安模式种植示范基地",
            title_en="San'an-model organic dry-farming demonstration base",
            kind=ProjectKind.DEMONSTRATION_BASE,
            field=Field.MODERN_AGRICULTURE,
            summary=(
                "山西三安科技公司与山西农业大学园艺学院在部分地区建立;公司提供标准操作规程、"
                "全生物化的生物制剂和肥料,园艺学院提供专业技术人员指导服务。地点原文未给出。"
            ),
            summary_en=(
                "Demonstration sites in several areas: the company supplies procedures and "
                "inputs, the college technical guidance. Locations not given."
            ),
            passage=P_SANAN_BASE,
        )
        self.ecnu_project = self.project(
            "小店区与华东师范大学区域教育合作",
            title_en=(
                "Xiaodian District–East China Normal University regional education cooperation"
            ),
            kind=ProjectKind.EDUCATION_PROGRAMME,
            field=Field.EDUCATION,
            status=ProjectStatus.ONGOING,
            agreement=self.ecnu_agreement,
            **dated("starts_on", month(2021, 9)),
            summary=(
                "依托华东师大优质的教育资源和人才优势,通过导师帮带、精品讲座、课题研究、学术"
                "研讨、跟岗锻炼等多元形式培养名校长和教师;每年定向引进华东师大应届毕业生。"
            ),
            summary_en=(
                "Mentoring, lectures, research and placements to train principals and teachers; "
                "graduates recruited every year."
            ),
            passage=P_ECNU_AGREEMENT + P_ECNU_TARGETS,
        )
        self.bnu_project = self.project(
            "小店区义务教育高质量发展促进工程",
            title_en="Xiaodian compulsory education high-quality development programme",
            kind=ProjectKind.EDUCATION_PROGRAMME,
            field=Field.EDUCATION,
            status=ProjectStatus.ONGOING,
            **dated("starts_on", month(2020, 10)),
            summary=(
                "与北京师范大学合作,2020年10月启动;按照“一年分析和规划、两年改进和提升、三年"
                "总结和示范”的三年工作思路(结束日期原文未给出),下设五个项目。原文未提到"
                "合作协议,故不录协议。"
            ),
            summary_en=(
                "With Beijing Normal University from October 2020, a three-year plan (analysis, "
                "improvement, demonstration) with five sub-programmes. No agreement is named."
            ),
            passage=P_BNU_LAUNCH + P_BNU_PLAN,
        )
        sub_projects = (
            (
                "小店区骨干教师核心素养和核心能力提升项目",
                "Core literacy and competence programme for key teachers",
                "教育教学提质;主题如“提升骨干教师核心素养和核心能力”。",
                P_BNU_BACKBONE_TEACHERS,
            ),
            (
                "小店区中小学优秀班主任立德树人能力提升工程",
                "Moral-education capacity programme for outstanding head teachers",
                "育人能力提升;主题如“带班育人是班主任的关键能力”“每个生命都值得温柔以待”"
                "“谈谈新时代中小学教师教育科研素养提升”。",
                P_BNU_HEAD_TEACHERS,
            ),
            (
                "小店区名师工作室发展工程",
                "Master-teacher studio development programme",
                "名师辐射提优;主题如“新技术创新思维”“跨学科探究学习”“健全立德树人落实机制"
                "推进新时代育人方式改革”。",
                P_BNU_STUDIOS,
            ),
            (
                "小店区中小名校校长办学治理能力现代化提升工程",
                "School-governance modernisation programme for principals",
                "办学动力提高;原文写作“围绕建设15个名师工作室,设立”本工程,与名称不甚相符,"
                "“建设15个名师工作室”的目标因此记在上级工程下。",
                P_BNU_PRINCIPALS,
            ),
            (
                "小店区管理干部领导力提升工程",
                "Leadership programme for education administrators",
                "教育管理提档;主题如“管理干部沟通方法”“中华优秀传统文化与教育”“深化新时代"
                "教育评价改革”。",
                P_BNU_MANAGERS,
            ),
        )
        self.bnu_sub_projects = [
            self.project(
                title,
                title_en=title_en,
                kind=ProjectKind.EDUCATION_PROGRAMME,
                field=Field.EDUCATION,
                status=ProjectStatus.ONGOING,
                part_of=self.bnu_project,
                summary=summary,
                passage=passage,
            )
            for title, title_en, summary, passage in sub_projects
        ]

    # -- enterprises ----------------------------------------------------------------------------

    def enterprise(self, name: str, *, passage: str, sector: str = "", **values) -> Enterprise:
        defaults = {"incubator": None, "incubator_project": None, "address": "", "description": ""}
        return self.upsert(
            Enterprise,
            {"district": self.district, "name": name},
            state=PUBLISHED,
            sector=Sector.objects.get(code=sector) if sector else None,
            source=self.source,
            source_passage=passage,
            **(defaults | values),
        )

    def load_enterprises(self):
        self.incubator_company = self.enterprise(
            "太原同济创业谷企业孵化器有限公司",
            name_en="Taiyuan Tongji Entrepreneurship Valley Enterprise Incubator Co., Ltd.",
            sector="M7540",
            description="与小店区签订“同创谷太原基地项目”合作框架协议的孵化器公司。",
            passage=P_TONGJI_AGREEMENTS,
        )
        self.pengduo = self.enterprise(
            "太原世纪朋多科技有限公司",
            name_en="Taiyuan Shiji Pengduo Technology Co., Ltd.",
            passage=P_PENGDUO_PROJECT,
        )
        self.jichuang = self.enterprise(
            "山西集创科技有限公司",
            name_en="Shanxi Jichuang Technology Co., Ltd.",
            sector="I65",
            passage=P_JICHUANG_PROJECT,
        )
        self.keteng = self.enterprise(
            "山西科腾环保科技股份有限公司",
            name_en="Shanxi Keteng Environmental Protection Technology Co., Ltd.",
            incubator=self.sxu_park,
            description="由山大科技园孵化的高新技术企业。",
            passage=P_KETENG_PROFILE,
        )
        self.hongxin = self.enterprise(
            "太原市鸿新农产品有限公司",
            name_en="Taiyuan Hongxin Agricultural Products Co., Ltd.",
            sector="F51",
            address="小店区孙家寨村",
            description="省内较大的农产品加工配送企业之一;为学校提供校园团餐配送服务。",
            passage=P_HONGXIN_PROFILE,
        )
        self.sanan = self.enterprise(
            "山西三安科技公司",
            name_en="Shanxi San'an Technology Company",
            description="科技创新型农业公司。名称按原文,原文未给出全称。",
            passage=P_SANAN_PROFILE,
        )
        self.lab_enterprises = [
            self.enterprise(
                "山西电机制造有限公司",
                name_en="Shanxi Electric Motor Manufacturing Co., Ltd.",
                sector="C38",
                passage=P_JOINT_LABS,
            ),
            self.enterprise(
                "华豹新材料公司",
                name_en="Huabao New Materials Company",
                description="名称按原文,原文未给出全称。",
                passage=P_JOINT_LABS,
            ),
            self.enterprise(
                "省电子工业科学研究所有限公司",
                name_en="Provincial Electronic Industry Science Research Institute Co., Ltd.",
                description="名称按原文(“省”当指山西省),原文未给出全称。",
                passage=P_JOINT_LABS,
            ),
            self.enterprise(
                "太原航空仪表有限公司",
                name_en="Taiyuan Aviation Instrument Co., Ltd.",
                passage=P_JOINT_LABS,
            ),
        ]
        self.resident_enterprises = [
            self.enterprise(
                name,
                name_en=name_en,
                incubator_project=self.tongji_base,
                description=(
                    "引进入驻同济大学同创谷太原基地的科技型企业。原文只给出简称,全称、统一社会"
                    "信用代码和注册地均未给出;登记在基地所在的小店区。"
                ),
                passage=P_TONGJI_TALENTS,
            )
            for name, name_en in (
                ("中路启明", "Zhonglu Qiming"),
                ("中环鑫汇", "Zhonghuan Xinhui"),
                ("令德生物", "Lingde Biotech"),
            )
        ]

    # -- certifications -------------------------------------------------------------------------

    def certification(self, enterprise, kind, *, passage, tier="", level="", title="", **values):
        defaults = {"issued_on": None, "year": None, "last_year": None}
        return self.upsert(
            Certification,
            {"enterprise": enterprise, "kind": kind, "tier": tier, "level": level, "title": title},
            source=self.source,
            source_passage=passage,
            **(defaults | values),
        )

    def load_certifications(self):
        self.certification(self.keteng, CertificationKind.HIGH_TECH, passage=P_KETENG_PROFILE)
        for level in (RecognitionLevel.NATIONAL, RecognitionLevel.PROVINCIAL):
            self.certification(
                self.keteng,
                CertificationKind.SPECIALISED,
                tier=SpecialisedTier.LITTLE_GIANT,
                level=level,
                passage=P_KETENG_PROFILE,
            )
        self.certification(
            self.keteng,
            CertificationKind.HONOUR,
            level=RecognitionLevel.MUNICIPAL,
            title="市工业化与自动化示范企业",
            passage=P_KETENG_PROFILE,
        )
        self.certification(
            self.keteng,
            CertificationKind.NEEQ_LISTING,
            **dated("issued_on", month(2016, 3)),
            passage=P_KETENG_NEEQ_REVENUE,
        )
        self.certification(
            self.hongxin,
            CertificationKind.HONOUR,
            level=RecognitionLevel.PROVINCIAL,
            title="农业产业化省级重点龙头企业",
            year=2017,
            last_year=2020,
            passage=P_HONGXIN_HONOUR,
        )

    # -- participants and parties ---------------------------------------------------------------

    def participant(self, project, party, role, note=""):
        if isinstance(party, Enterprise):
            model, lookup = ProjectEnterprise, {"project": project, "enterprise": party}
        elif isinstance(party, District):
            model, lookup = ProjectParticipant, {"project": project, "district": party}
        else:
            model, lookup = ProjectParticipant, {"project": project, "institution": party}
        return self.upsert(model, lookup, role=role, note=note)

    def party(self, agreement, party, role, note=""):
        if isinstance(party, Enterprise):
            model, lookup = AgreementEnterprise, {"agreement": agreement, "enterprise": party}
        elif isinstance(party, District):
            model, lookup = AgreementParty, {"agreement": agreement, "district": party}
        else:
            model, lookup = AgreementParty, {"agreement": agreement, "institution": party}
        return self.upsert(model, lookup, role=role, note=note)

    def load_participants(self):
        government, partner = PartyRole.GOVERNMENT, PartyRole.PARTNER
        enterprise = PartyRole.ENTERPRISE
        district = self.district

        self.party(self.sxu_agreement, district, government, "小店区人民政府")
        self.party(self.sxu_agreement, self.sxu, partner)
        for agreement in (self.tongji_framework, *self.tongji_phases):
            self.party(agreement, district, government, "小店区")
        self.party(self.tongji_framework, self.incubator_company, partner)
        for phase in self.tongji_phases:
            self.party(phase, self.incubator_company, partner, "原文未重复写明,按同句上文推定")
        self.party(self.ecnu_agreement, district, government, "小店区人民政府")
        self.party(self.ecnu_agreement, self.ecnu, partner)

        self.participant(self.sxu_project, district, government, "设立项目并安排专项资金")
        self.participant(self.sxu_project, self.sxu, partner)
        self.participant(self.sxu_project, self.sxu_park, partner, "“四位一体”中的科技园")
        self.participant(self.blackboard, self.pengduo, enterprise)
        self.participant(self.blackboard, self.sxu_lab, partner)
        self.participant(self.one_stop, self.jichuang, enterprise)
        self.participant(self.one_stop, self.sxu_computing, partner)
        self.participant(self.solid_waste, self.keteng, enterprise)
        self.participant(self.solid_waste, self.sxu, partner)

        self.participant(self.tongji_base, district, government)
        self.participant(self.tongji_base, self.tongji, partner, "依托同济大学的学科优势及影响力")
        self.participant(
            self.tongji_base,
            self.incubator_company,
            PartyRole.OPERATOR,
            "框架协议的签约方;运营方身份为推定",
        )
        for university in (self.hit, self.chd):
            self.participant(self.tongji_base, university, partner, "形成交流合作关系")
        for resident in self.resident_enterprises:
            self.participant(self.tongji_base, resident, PartyRole.RESIDENT, "引进入驻")

        self.participant(self.cadre_training, district, government)
        for provider in (self.tongji, self.celap, self.shanghai_party_school):
            self.participant(self.cadre_training, provider, PartyRole.EXPERT_PROVIDER)

        for company in self.lab_enterprises:
            self.participant(self.joint_labs, company, enterprise)
        for university in self.lab_partners:
            self.participant(self.joint_labs, university, partner)

        self.participant(self.saas, self.hongxin, enterprise)
        self.participant(self.saas, self.sxu, partner)
        self.participant(self.fruit_box, self.hongxin, enterprise)
        self.participant(self.fruit_box, self.sau, partner)
        self.participant(self.practice_base, self.hongxin, enterprise)
        self.participant(self.practice_base, self.sufe, partner)
        self.participant(self.standards, self.sanan, enterprise)
        self.participant(self.standards, self.cau_agronomy, partner)
        self.participant(self.demo_base, self.sanan, enterprise)
        self.participant(self.demo_base, self.sau_horticulture, partner)

        self.participant(self.ecnu_project, district, government)
        self.participant(self.ecnu_project, self.ecnu, partner)
        self.participant(self.bnu_project, district, government)
        self.participant(self.bnu_project, self.bnu, partner)
        for sub_project in self.bnu_sub_projects:
            self.participant(sub_project, self.bnu, partner, "由项目组设立")

    # -- outcomes -------------------------------------------------------------------------------

    def outcome(
        self,
        kind,
        unit,
        quantity,
        *,
        to: tuple,
        description: str,
        reported_text: str,
        passage: str,
        qualifier=Qualifier.EXACT,
        period: dict | None = None,
        title: str = "",
        **values,
    ) -> Outcome:
        """A figure; without `period` it is cumulative at the source's (unknown) date."""
        if period is None:
            timing = {"basis": Basis.CUMULATIVE, "period_start": None, "period_end": None}
        else:
            timing = {"basis": Basis.INCREMENT} | dated("period_start", period)
            timing |= dated("period_end", period)
        defaults = {
            "form": OutcomeForm.REPORTED,
            "title_en": "",
            "patent_type": "",
            "patent_status": "",
            "standard_level": "",
            "enterprise_category": "",
        }
        return self.upsert(
            Outcome,
            {
                "district": self.district,
                "source": self.source,
                "kind": kind,
                "unit": unit,
                "description": description,
                "title": title,
            },
            state=PUBLISHED,
            quantity=Decimal(quantity),
            qualifier=qualifier,
            reported_text=reported_text,
            source_passage=passage,
            as_of=None,
            **timing,
            **attributed(*to),
            **(defaults | values),
        )

    def load_outcomes(self):
        self.load_shanxi_university_outcomes()
        self.load_tongji_outcomes()
        self.load_agriculture_outcomes()

    def load_shanxi_university_outcomes(self):
        more_than = Qualifier.MORE_THAN
        sxu = (self.sxu_project, self.sxu_agreement, self.sxu)
        # "目前,已培育出…新增知识产权48项": a running total since the cooperation began, so a
        # cumulative figure at the article's date. The 48 itself is not stored: it is the sum
        # of the three parts, and the honest totals add them up to 48.
        for category, quantity, text, label in (
            (EnterpriseCategory.HIGH_TECH, 14, "14家", "高新技术企业"),
            (EnterpriseCategory.TECH_SME, 30, "30个", "科技型中小企业"),
        ):
            self.outcome(
                OutcomeKind.ENTERPRISES_CULTIVATED,
                Unit.ENTERPRISE,
                quantity,
                to=sxu,
                description=f"校地合作培育出的{label}",
                reported_text=text,
                enterprise_category=category,
                passage=P_SXU_RESULTS,
            )
        for patent_type, quantity, label in (
            (PatentType.INVENTION, 20, "发明专利"),
            (PatentType.UTILITY_MODEL, 9, "实用新型专利"),
        ):
            self.outcome(
                OutcomeKind.PATENT,
                Unit.ITEM,
                quantity,
                to=sxu,
                description=f"校地合作新增知识产权(共48项)中的{label}",
                reported_text=f"{quantity}项",
                patent_type=patent_type,
                passage=P_SXU_RESULTS,
            )
        self.outcome(
            OutcomeKind.SOFTWARE_COPYRIGHT,
            Unit.ITEM,
            19,
            to=sxu,
            description="校地合作新增知识产权(共48项)中的软件著作权",
            reported_text="19项",
            passage=P_SXU_RESULTS,
        )
        self.outcome(
            OutcomeKind.ECONOMIC_BENEFIT,
            Unit.YUAN,
            68_000_000,
            to=sxu,
            description="校地合作产生的效益",
            reported_text="6800多万元",
            qualifier=more_than,
            passage=P_SXU_RESULTS,
        )

        blackboard = (self.blackboard, self.pengduo)
        self.outcome(
            OutcomeKind.UNITS_DEPLOYED,
            Unit.SET,
            189,
            to=blackboard,
            description="山西大学东山校区使用的智能电子黑板",
            reported_text="189套",
            passage=P_PENGDUO_UNITS,
        )
        self.outcome(
            OutcomeKind.SALES_VALUE,
            Unit.YUAN,
            10_000_000,
            to=blackboard,
            description="山西大学东山校区所用189套智能电子黑板的价值",
            reported_text="约1000万元",
            qualifier=Qualifier.ABOUT,
            passage=P_PENGDUO_UNITS,
        )
        self.outcome(
            OutcomeKind.INSTITUTIONS_SERVED,
            Unit.INSTITUTION,
            50,
            to=blackboard,
            description="推广使用智能电子黑板的省内外高校及中小学",
            reported_text="50余所",
            qualifier=more_than,
            passage=P_PENGDUO_SPREAD,
        )

        one_stop = (self.one_stop, self.jichuang)
        for kind, unit, quantity, description, text in (
            (
                OutcomeKind.INSTITUTIONS_SERVED,
                Unit.INSTITUTION,
                20,
                "推广使用该平台的高校(山西大学、山西财经大学、山西农业大学等)",
                "20余所",
            ),
            (OutcomeKind.USERS_SERVED, Unit.PERSON, 600_000, "平台服务的师生", "超过60万"),
            (
                OutcomeKind.SERVICE_USES,
                Unit.USE,
                4_000_000,
                "线上流程服务有效使用次数",
                "超400万次",
            ),
            (OutcomeKind.REVENUE, Unit.YUAN, 7_000_000, "平台实现的营业收入", "700余万元"),
        ):
            self.outcome(
                kind,
                unit,
                quantity,
                to=one_stop,
                description=description,
                reported_text=text,
                qualifier=more_than,
                passage=P_JICHUANG_RESULTS,
            )

        # The article does not say 科腾's patents came from the cooperation with Shanxi
        # University: they count for the enterprise only.
        for patent_type, status, quantity, description in (
            (PatentType.INVENTION, PatentStatus.GRANTED, 7, "拥有授权的发明专利"),
            (PatentType.UTILITY_MODEL, PatentStatus.GRANTED, 3, "拥有授权的实用新型专利"),
            (PatentType.INVENTION, PatentStatus.EXAMINATION, 15, "在受理实质审查阶段的发明专利"),
        ):
            self.outcome(
                OutcomeKind.PATENT,
                Unit.ITEM,
                quantity,
                to=(self.keteng,),
                description=description,
                reported_text=f"{quantity}项",
                patent_type=patent_type,
                patent_status=status,
                passage=P_KETENG_PATENTS,
            )
        for revenue_year in (2018, 2019):
            self.outcome(
                OutcomeKind.REVENUE,
                Unit.YUAN,
                100_000_000,
                to=(self.keteng,),
                description=f"{revenue_year}年销售收入",
                reported_text="1亿元以上",
                qualifier=more_than,
                period=year(revenue_year),
                passage=P_KETENG_NEEQ_REVENUE,
            )

    def load_tongji_outcomes(self):
        more_than, nearly = Qualifier.MORE_THAN, Qualifier.NEARLY
        base = (self.tongji_base,)
        self.outcome(
            OutcomeKind.PROJECTS_INTRODUCED,
            Unit.PROJECT,
            60,
            to=base,
            description=(
                "依托同济大学校友会资源引进培育的高科技、高成长型项目,包括滴滴出行、鲁班数城等"
            ),
            reported_text="60个",
            passage=P_TONGJI_PROJECTS,
        )
        self.outcome(
            OutcomeKind.EMPLOYEES,
            Unit.PERSON,
            300,
            to=base,
            description="引进培育项目的从业人员",
            reported_text="300余人",
            qualifier=more_than,
            passage=P_TONGJI_PROJECTS,
        )
        self.outcome(
            OutcomeKind.TALENTS,
            Unit.PERSON,
            60,
            to=base,
            description="柔性引进的博士、硕士等人才",
            reported_text="60余人",
            qualifier=more_than,
            passage=P_TONGJI_TALENTS,
        )

        training = (self.cadre_training,)
        self.outcome(
            OutcomeKind.EXPERTS,
            Unit.PERSON,
            20,
            to=training,
            description="“请进来”的同济大学、中国浦东干部学院、上海市委党校等名优高校专家学者",
            reported_text="近20名",
            qualifier=nearly,
            passage=P_TRAINING_DESIGN,
        )
        self.outcome(
            OutcomeKind.COURSES,
            Unit.CLASS,
            3,
            to=training,
            description="专题班(乡村振兴、城市基层治理、效能政府提升)",
            reported_text="3个",
            passage=P_TRAINING_DESIGN,
        )
        self.outcome(
            OutcomeKind.COURSES,
            Unit.COURSE,
            18,
            to=training,
            description="专项课程",
            reported_text="18个",
            passage=P_TRAINING_DESIGN,
        )
        self.outcome(
            OutcomeKind.TRAINEES,
            Unit.PERSON_TIME,
            2000,
            to=training,
            description="累计培训的区直部门、街道(乡镇)班子成员,村(社区)“两委”主干等",
            reported_text="近2000人次",
            qualifier=nearly,
            passage=P_TRAINING_RESULTS,
        )

    def load_agriculture_outcomes(self):
        more_than = Qualifier.MORE_THAN
        fruit_box = (self.fruit_box, self.hongxin)
        # 申报 = filed; 实用性专利 is the article's word for a utility model. No number is given.
        self.outcome(
            OutcomeKind.PATENT,
            Unit.ITEM,
            1,
            to=fruit_box,
            form=OutcomeForm.ITEM,
            title="一种差压的果蔬箱",
            title_en="A differential-pressure fruit and vegetable box",
            description="与山西农业大学共同申报的实用新型专利",
            reported_text="",
            patent_type=PatentType.UTILITY_MODEL,
            patent_status=PatentStatus.FILED,
            passage=P_HONGXIN_PATENT,
        )
        self.outcome(
            OutcomeKind.OTHER,
            Unit.PERCENT,
            5,
            to=fruit_box,
            description="果蔬产品损耗率综合降低(应用差压果蔬箱)",
            reported_text="5%",
            passage=P_HONGXIN_PATENT,
        )
        self.outcome(
            OutcomeKind.TRAINEES,
            Unit.PERSON,
            500,
            to=(self.practice_base, self.hongxin),
            description="2018年以来累计完成实训的各类专业大学生",
            reported_text="500余人",
            qualifier=more_than,
            passage=P_HONGXIN_PRACTICE,
        )
        for quantity, label in ((30, "大专院校"), (50, "中小学"), (80, "幼儿园")):
            self.outcome(
                OutcomeKind.INSTITUTIONS_SERVED,
                Unit.INSTITUTION,
                quantity,
                to=(self.hongxin,),
                description=f"接受校园团餐配送服务的{label}",
                reported_text=f"{quantity}所",
                passage=P_HONGXIN_CATERING,
            )
        # Deliveries to Shanxi University are a supply contract, not a cooperation project:
        # attributed to the enterprise, with the university named in the description.
        for kind, unit, quantity, description, text, qualifier in (
            (
                OutcomeKind.OTHER,
                Unit.VARIETY,
                80,
                "2021年为山西大学配送的品类",
                "80多种",
                more_than,
            ),
            (
                OutcomeKind.OTHER,
                Unit.TONNE_PER_MONTH,
                35,
                "2021年为山西大学月配送量",
                "约为35吨",
                Qualifier.ABOUT,
            ),
            (
                OutcomeKind.SALES_VALUE,
                Unit.YUAN_PER_MONTH,
                200_000,
                "2021年为山西大学配送的月平均金额",
                "20万元",
                Qualifier.EXACT,
            ),
        ):
            self.outcome(
                kind,
                unit,
                quantity,
                to=(self.hongxin,),
                description=description,
                reported_text=text,
                qualifier=qualifier,
                period=year(2021),
                passage=P_HONGXIN_SXU_DELIVERY,
            )

        for crop, crop_en in (
            ("谷子", "foxtail millet"),
            ("高粱", "sorghum"),
            ("藜麦", "quinoa"),
            ("黍子", "broomcorn millet"),
            ("水稻", "rice"),
        ):
            self.outcome(
                OutcomeKind.STANDARD,
                Unit.ITEM,
                1,
                to=(self.standards, self.sanan),
                form=OutcomeForm.ITEM,
                title=f"有机旱作农业{crop}种植技术规程",
                title_en=f"Technical code for organic dry-farming cultivation of {crop_en}",
                description="与中国农业大学农学院共同制订的省级地方标准(编号原文未给出)",
                reported_text="",
                standard_level=StandardLevel.LOCAL,
                passage=P_SANAN_STANDARDS,
            )

    # -- targets --------------------------------------------------------------------------------

    def target(
        self,
        kind,
        unit,
        quantity,
        *,
        to: tuple,
        description: str,
        reported_text: str,
        passage: str,
        due: dict | None = None,
        start: dict | None = None,
    ) -> Target:
        """A plan; quantity None means the source states no number."""
        return self.upsert(
            Target,
            {
                "district": self.district,
                "source": self.source,
                "kind": kind,
                "unit": unit,
                "description": description,
            },
            state=PUBLISHED,
            quantity=Decimal(quantity or 0),
            quantity_is_stated=quantity is not None,
            qualifier=Qualifier.EXACT,
            reported_text=reported_text,
            source_passage=passage,
            **dated("due_on", due or {"date": None, "precision": DatePrecision.DAY}),
            **dated("period_start", start or {"date": None, "precision": DatePrecision.DAY}),
            **attributed(*to),
        )

    def load_targets(self):
        platforms, facility = OutcomeKind.PLATFORMS_BUILT, Unit.FACILITY
        # The district's own goal under the province-university cooperation: no record owns it.
        self.target(
            platforms,
            facility,
            12,
            to=(),
            description="与高校共建的“12大基地”",
            reported_text="12大基地",
            passage=P_INTRO,
        )
        ecnu = (self.ecnu_agreement, self.ecnu_project)
        # "未来两年" from the signing month (2021-09): due 2023-09.
        for quantity, description, text in (
            (20, "培养具有引领区域教学改革、教学影响力的“未来型”名校长", "20名"),
            (80, "选育教育理论水平与实践能力出色的“领航型”教师", "80名"),
        ):
            self.target(
                OutcomeKind.TRAINEES,
                Unit.PERSON,
                quantity,
                to=ecnu,
                description=description,
                reported_text=text,
                start=month(2021, 9),
                due=month(2023, 9),
                passage=P_ECNU_TARGETS,
            )
        self.target(
            OutcomeKind.TALENTS,
            Unit.PERSON,
            None,
            to=ecnu,
            description="每年定向从华东师大引进到全区教师队伍的高素质应届毕业生",
            reported_text="",
            passage=P_ECNU_GRADUATES,
        )
        # The article writes "围绕建设15个名师工作室,设立…校长办学治理能力现代化提升工程",
        # which pairs the studios with the principals' programme rather than the studio
        # programme named just before it; the target goes to the parent programme, which both
        # readings support.
        self.target(
            platforms,
            facility,
            15,
            to=(self.bnu_project,),
            description="建设名师工作室",
            reported_text="15个",
            passage=P_BNU_STUDIOS + P_BNU_PRINCIPALS,
        )
        # 十四五 (2021–2025) plans without numbers: recorded, like the yearly graduate intake,
        # as targets whose quantity is not stated.
        five_year_plan = {"start": year(2021), "due": year(2025)}
        for kind, unit, description in (
            (platforms, facility, "“十四五”期间打造的创新平台"),
            (platforms, facility, "“十四五”期间建设的区校合作示范点"),
            (OutcomeKind.TALENTS, Unit.PERSON, "“十四五”期间聚集的高层次人才"),
            (OutcomeKind.PROJECTS_INTRODUCED, Unit.PROJECT, "“十四五”期间落地的产业项目"),
        ):
            self.target(
                kind,
                unit,
                None,
                to=(),
                description=description,
                reported_text="一批",
                passage=P_NEXT_STEPS,
                **five_year_plan,
            )


class Command(BaseCommand):
    help = (
        "Enter the source article on Xiaodian District's university partnerships as published "
        "demo data. Safe to run again: unchanged records are left alone."
    )

    def handle(self, *args, **options):
        loader = ArticleLoader()
        with transaction.atomic():
            loader.load()
        labels = sorted(set(loader.created) | set(loader.updated) | set(loader.unchanged))
        for label in labels:
            self.stdout.write(
                f"{label}: {loader.created[label]} created, {loader.updated[label]} updated, "
                f"{loader.unchanged[label]} unchanged"
            )
        total_changes = sum(loader.created.values()) + sum(loader.updated.values())
        self.stdout.write(self.style.SUCCESS(f"Article loaded; {total_changes} records written."))
