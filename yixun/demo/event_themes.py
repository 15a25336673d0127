"""What the demo county's events are about: the kinds it holds again and again, with their
titles, places, descriptions and the staff's summaries (Markdown), and the ones to come."""

import datetime as dt
from dataclasses import dataclass

from yixun.events.models import Audience, EventKind
from yixun.members.models import PartnerKind, Skill
from yixun.places.models import Site
from yixun.shifts.models import ShiftKind

Kind = EventKind
Partner = PartnerKind

OFFICE = ("协会办公室培训室", "示范县人民路 88 号县综治中心三楼")
MEETING_ROOM = ("协会办公室会议室", "示范县人民路 88 号县综治中心三楼")
CULTURE_CENTRE = ("县文化中心多功能厅", "示范县文化路 2 号")
BLOOD_HOUSE = ("县人民广场爱心献血屋", "示范县人民广场东侧")


@dataclass(frozen=True)
class Theme:
    """A kind of event the association holds again and again, and how it goes."""

    kind: str
    titles: tuple[str, ...]
    every: int  # days between two, roughly
    start: dt.time
    minutes: int
    audience: str
    capacity: int
    demand: tuple[float, float]  # registrations for each place: above 1, a waiting list
    place: str  # station, community, elderly, site, county, office, meeting, hall, blood, river
    description: str
    summary: str
    partners: tuple[str, ...] = ()
    weekend: bool = True
    reach: tuple[int, int] = (0, 0)  # people reached beyond the door (a stand on the street)
    grants_skill: str = ""
    grants_briefing: str = ""
    duty: int = 0  # people on its event-duty shift, when it has one
    who: str = "anyone"  # anyone, members, leaders


THEMES = {
    "open_day": Theme(
        Kind.OPEN_DAY,
        ("警营开放日：走进{station}", "“110宣传日”警营开放日", "亲子警营开放日：小小警察体验营"),
        120, dt.time(9, 0), 150, Audience.PUBLIC, 40, (0.9, 1.35), "station",
        "{station}邀请网友和市民走进警营，近距离了解民警的日常工作。\n\n"
        "**活动安排**\n\n"
        "- 参观户籍大厅、110 接处警指挥室和执勤装备\n"
        "- 观看警务技能和警犬搜爆演示\n"
        "- 民警讲解防诈骗、防盗窃知识，现场答疑\n\n"
        "请携带身份证，提前 15 分钟到场，凭电子票签到。未满 14 岁的孩子须由家长陪同。",
        "本次开放日共接待网友和市民 **{attended}** 人（其中现场登记 {walk_ins} 人）。"
        "民警带领大家参观了户籍大厅和 110 接处警指挥室，并进行了警务技能演示。\n\n"
        "活动结束后，有 {joined} 名网友当场咨询加入协会。",
        duty=3,
    ),
    "law_talk": Theme(
        Kind.TALK,
        ("法律进社区：民法典与百姓生活", "法律讲座：婚姻家庭与继承纠纷", "法律讲座：劳动合同与讨薪维权",
         "法律讲座：邻里纠纷怎么办", "法律讲座：农村土地承包与流转", "法律讲座：未成年人保护法解读"),
        100, dt.time(14, 30), 120, Audience.PUBLIC, 60, (0.5, 0.95), "community",
        "{partner}的律师走进社区，用身边的案例讲清楚日常生活中的法律问题。\n\n"
        "- 主讲：{partner}刘律师\n"
        "- 讲座后设免费法律咨询，欢迎带上您的问题和相关材料\n\n"
        "法律援助咨询电话：12348。",
        "{partner}刘律师结合身边案例进行了讲解，到场群众 **{attended}** 人。"
        "讲座后现场解答法律咨询 {questions} 件，其中 {referred} 件已转为法律援助。",
        partners=(Partner.LEGAL_AID,),
    ),
    "filial_talk": Theme(
        Kind.TALK,
        ("孝老爱亲：重阳节敬老讲座", "老年人防诈骗与孝老讲座", "“孝心润万家”家风讲座",
         "关爱空巢老人：健康与安全讲座"),
        120, dt.time(9, 0), 120, Audience.PUBLIC, 50, (0.5, 1.0), "elderly",
        "协会联合{partner}走进社区，为老年朋友和他们的子女举办讲座。\n\n"
        "- 讲一讲身边的孝老爱亲故事\n"
        "- 民警提醒：“免费体检”“保健讲座”“以房养老”等针对老人的骗局\n"
        "- 义工为老人免费量血压、理发\n\n"
        "欢迎子女陪同老人一起参加。",
        "到场老人和家属 **{attended}** 人。{partner}的义工为 {served} 位老人量了血压、理了发，"
        "民警讲解了针对老年人的常见骗局。",
        partners=(Partner.VOLUNTEERS,),
    ),
    "campaign": Theme(
        Kind.CAMPAIGN,
        ("全民反诈宣传进集市", "“守好钱袋子”反诈宣传进社区", "“6·26”国际禁毒日宣传",
         "“4·15”国家安全教育日宣传", "交通安全“一盔一带”宣传", "反诈宣传进校园"),
        75, dt.time(8, 30), 180, Audience.PUBLIC, 30, (0.3, 0.7), "site",
        "队员和民警在{place}设宣传点，向过往群众发放宣传资料、讲解身边的典型案例，"
        "并帮助群众安装“国家反诈中心”应用。\n\n"
        "现场设有奖问答：报名的朋友请到宣传台签到，领取答题卡。",
        "在{place}设宣传点 3 小时，发放宣传资料 {leaflets} 份，接受群众咨询 {questions} 人次，"
        "帮助 {installs} 位群众安装“国家反诈中心”应用。有奖问答 {attended} 人参加，"
        "共宣传群众约 **{reached}** 人。",
        reach=(200, 900),
        duty=4,
    ),
    "blood": Theme(
        Kind.CHARITY,
        ("“热血传递爱心”无偿献血", "世界献血者日无偿献血", "冬季无偿献血"),
        180, dt.time(8, 30), 240, Audience.PUBLIC, 60, (0.6, 1.0), "blood",
        "协会与{partner}、县中心血站联合组织无偿献血。\n\n"
        "**献血须知**\n\n"
        "- 年龄 18 至 60 周岁，体重男 50 公斤、女 45 公斤以上\n"
        "- 献血前一晚保证睡眠，当天吃清淡早餐，不要空腹\n"
        "- 请携带身份证\n\n"
        "血站工作人员现场体检，合格后献血。",
        "共有 **{attended}** 人到场，其中 {donors} 人体检合格并成功献血，献血总量 {ml} 毫升。"
        "感谢每一位献血的队员和市民！",
        partners=(Partner.BLOOD,),
        reach=(30, 120),
        duty=4,
    ),
    "river": Theme(
        Kind.CHARITY,
        ("“清洁家园”河道垃圾清理", "植树节义务植树", "“无废社区”垃圾分类宣传和清理"),
        180, dt.time(8, 0), 180, Audience.PUBLIC, 40, (0.5, 0.9), "river",
        "协会与{partner}一起动手，清理{place}的垃圾，顺便向周边居民宣传垃圾分类。\n\n"
        "请穿运动鞋、长袖衣裤；手套、夹子和垃圾袋由组织方提供。",
        "**{attended}** 名队员和市民参加，清理垃圾约 {bags} 袋，向周边居民发放垃圾分类宣传资料"
        " {leaflets} 份。",
        partners=(Partner.ENVIRONMENT,),
        reach=(50, 200),
    ),
    "venue_training": Theme(
        Kind.TRAINING,
        ("场所清查业务与安全培训",),
        180, dt.time(19, 0), 120, Audience.MEMBERS, 40, (0.7, 1.1), "office",
        "县公安局治安大队民警授课，讲解场所清查的流程、分工和自身安全。\n\n"
        "- 娱乐场所、旅馆、网吧清查时怎样配合民警\n"
        "- 遇到冲突时如何保护自己和群众\n"
        "- 案例分析\n\n"
        "参加培训并在门口签到的队员，即视为已阅读《场所清查安全须知》，可以认领场所清查班次。",
        "民警授课 2 小时，**{attended}** 名队员参加并完成签到，已记为阅读《场所清查安全须知》。",
        weekend=False,
        grants_briefing=ShiftKind.VENUE_CHECK,
        who="members",
    ),
    "newcomers": Theme(
        Kind.TRAINING,
        ("新队员入队培训",),
        120, dt.time(9, 0), 150, Audience.MEMBERS, 50, (0.5, 0.8), "office",
        "新入会的队员请参加入队培训：\n\n"
        "1. 协会章程和管理制度\n"
        "2. 巡逻规范：认领班次、签到签退、填写巡逻记录\n"
        "3. 安全须知和报警流程\n\n"
        "培训后领取队服和队员证。",
        "**{attended}** 名新队员参加培训，领取了队服和队员证。",
        who="members",
    ),
    "leaders": Theme(
        Kind.MEETING,
        ("分队长工作例会",),
        90, dt.time(19, 30), 90, Audience.MEMBERS, 45, (0.7, 0.95), "meeting",
        "请各分队长参加。\n\n"
        "**议程**\n\n"
        "1. 通报上季度的巡逻、线索和专项行动情况\n"
        "2. 下季度的排班和专项行动安排\n"
        "3. 各分队交流经验和困难",
        "{attended} 名分队长参加。会议通报了上季度的巡逻情况，部署了下季度的排班和专项行动。",
        weekend=False,
        who="leaders",
    ),
    "town_meeting": Theme(
        Kind.MEETING,
        ("{town}片区分队工作会",),
        180, dt.time(19, 30), 90, Audience.SQUADS, 60, (0.4, 0.7), "station",
        "{town}各分队的队员参加，{station}民警通报辖区治安情况，商量下一阶段的巡逻重点。",
        "{attended} 名队员参加。民警通报了辖区近期的警情，各分队调整了夜巡路线。",
        weekend=False,
        who="members",
    ),
}  # fmt: skip

# Once-a-year events, on the days the bulletins announced them: (days ago, theme, title, place).
FIRST_AID = Theme(
    Kind.TRAINING, ("应急救护培训：心肺复苏与止血包扎",), 365, dt.time(9, 0), 420, Audience.MEMBERS,
    40, (1.0, 1.3), "office",
    "协会联合县红十字会举办应急救护培训，每期 40 人。\n\n"
    "- 心肺复苏（CPR）和 AED 的使用\n"
    "- 止血、包扎、固定和搬运\n"
    "- 气道异物梗阻的急救\n\n"
    "考核合格者颁发救护员证，并记入队员的技能。",
    "**{attended}** 名队员参加培训，全部通过考核，取得救护员证。",
    grants_skill=Skill.FIRST_AID, who="members",
)  # fmt: skip
ASSEMBLY = Theme(
    Kind.MEETING, ("第四届会员大会暨理事会换届选举",), 0, dt.time(14, 0), 180, Audience.MEMBERS,
    400, (0.5, 0.6), "hall",
    "全体会员参加。\n\n"
    "1. 审议第三届理事会工作报告和财务报告\n"
    "2. 修改协会章程\n"
    "3. 选举第四届理事会和监事会\n\n"
    "请着队服，提前 20 分钟入场签到。",
    "应到会员 {capacity} 人，实到 **{attended}** 人，超过半数，大会有效。大会审议通过了工作报告、"
    "财务报告和章程修正案，选举产生了第四届理事会和监事会。",
    who="members",
)  # fmt: skip
HONOURS = Theme(
    Kind.MEETING, ("{year}年度表彰大会",), 0, dt.time(14, 30), 120, Audience.MEMBERS, 300,
    (0.6, 0.8), "hall",
    "表彰{year}年度的优秀分队、优秀队员和“平安之星”。县公安局领导出席并讲话。\n\n"
    "获表彰的队员请着队服，提前 30 分钟到场彩排。",
    "**{attended}** 名队员参加。大会表彰了优秀分队 5 个、优秀队员 30 名、“平安之星” 10 名。",
    who="members",
)  # fmt: skip
FIXED = ((610, FIRST_AID), (245, FIRST_AID), (300, ASSEMBLY), (440, HONOURS), (75, HONOURS))

# Where each campaign sets up its stand: the market on market day, the square, the bus station…
CAMPAIGN_SITES = {
    "全民反诈宣传进集市": Site.Kind.MARKET,
    "“守好钱袋子”反诈宣传进社区": Site.Kind.PARK,
    "“6·26”国际禁毒日宣传": Site.Kind.PARK,
    "“4·15”国家安全教育日宣传": Site.Kind.STATION,
    "交通安全“一盔一带”宣传": Site.Kind.MARKET,
    "反诈宣传进校园": Site.Kind.SCHOOL,
}

VENUE_BRIEFING = (
    "场所清查安全须知",
    "- 听从带队民警的指挥，不单独进入包间、客房\n"
    "- 只做登记、引导和秩序维护，不搜查、不扣押\n"
    "- 发现违法犯罪线索，报告带队民警，不擅自处置\n"
    "- 遇到冲突先保护自己和群众，及时撤离并报警\n"
    "- 不拍摄、不外传清查现场的人员信息",
)
# What is coming: (days ahead, theme, title). The open day is the first public one.
COMING = (
    (3, "open_day", "警营开放日：走进{station}"),
    (8, "newcomers", "新队员入队培训"),
    (13, "law_talk", "法律讲座：反电信网络诈骗法解读"),
    (21, "blood", "“热血传递爱心”无偿献血"),
)
TRAFFIC_TRAINING = (
    "交通劝导安全培训",
    "交警大队民警授课：路口劝导的站位、手势和夜间安全，以及遇到交通事故时怎样设置警示、保护现场。"
    "\n\n参加培训并在门口签到的队员，即视为已阅读《交通整治安全须知》，可以认领交通整治班次。",
)
PLANNED = (
    "第三季度分队长工作例会",
    "请各分队长参加。议程待定，请提前把本分队的议题报协会办公室。",
)
