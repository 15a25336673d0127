"""The demo county's year of bulletins: a fraud warning every month, the season's safety advice,
the police's alerts of thefts in the towns, the association's notices, and one old man who went
missing and was found through a sighting. Each is written, reviewed and published by the demo's
own moderators, liaisons and officers through the bulletins' services, then dated back to when
it went out.

The services queue the fan-out for the worker; an old bulletin's inbox rows are written here in
bulk instead (the same audience, delivered when it went out, most of them read since), and its
queued fan-out is taken off the queue: otherwise `make run`'s worker would post a year of
bulletins to the squads' robots at once. Only the notice scheduled for next week stays queued,
as it would in a real county. The robots' addresses are under robot.invalid, which never
resolves."""

import datetime as dt
import functools
import random
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from yixun.accounts.models import User
from yixun.audit import services as audit
from yixun.audit.models import AuditEntry
from yixun.bulletins import services
from yixun.bulletins.channels import about, email, robots
from yixun.bulletins.models import (
    Bulletin,
    BulletinChange,
    InboxItem,
    Kind,
    Robot,
    Severity,
    Sighting,
    Subscriber,
)
from yixun.bulletins.tasks import fan_out
from yixun.members.models import Squad
from yixun.places.models import Area, Site
from yixun.tips.models import Outcome, Tip
from yixun.tips.services.intake import Report, submit_tip
from yixun.tips.tasks import announce_tip
from yixun.worker.models import Delivery

HOTLINE = "如已被骗，请立即拨打 110 报警，或到就近派出所报案。反诈咨询专线：96110。"

# A fraud warning a month, February's first and January's last: (title, what happens, advice).
FRAUD = [
    ("警惕冒充客服退款诈骗",
     "近期我县多名群众接到自称“电商平台客服”的电话，称所购商品有质量问题可以“双倍退款”，"
     "随后诱导下载会议软件、开启屏幕共享，趁机看到银行卡验证码并转走存款。",
     ["退款只通过购物平台官方渠道办理，不需要提供银行卡号和验证码；",
      "凡是要求开启屏幕共享、下载陌生软件的，都是诈骗。"]),
    ("警惕刷单返利诈骗",
     "有人在社交群里招募“兼职点赞、刷单”，前几单小额返利兑现，等受害人垫付大额资金后便以"
     "“任务未完成”“账户冻结”为由拒不返还。",
     ["所有刷单都是违法行为，所有刷单返利都是诈骗；", "不要轻信“动动手指、日赚几百”的广告。"]),
    ("警惕冒充公检法诈骗",
     "骗子冒充公安、检察院、法院工作人员，称受害人涉嫌洗钱、贩毒，出示伪造的“通缉令”，"
     "要求把钱转入“安全账户”接受审查。",
     ["公检法机关不会通过电话、视频办案，更没有“安全账户”；",
      "接到此类电话请直接挂断，拨打 110 核实。"]),
    ("警惕虚假投资理财诈骗",
     "骗子在网上“带单”“荐股”，把受害人拉进投资群，引导在虚假平台上充值，开始小赚，"
     "大额投入后平台便无法提现。",
     ["投资理财请选择正规金融机构；", "群里“老师”推荐的陌生平台、高额回报，一律不信。"]),
    ("警惕网络贷款诈骗",
     "骗子以“无抵押、低利息、秒到账”为诱饵，在受害人申请贷款后，以交纳“保证金”“解冻费”"
     "为由一再要求转账。",
     ["正规贷款放款前不收取任何费用；", "不要在陌生链接、陌生软件上申请贷款。"]),
    ("警惕冒充熟人、领导诈骗",
     "骗子盗用或仿冒熟人、单位领导的微信、QQ，以“不方便接电话”“帮忙转一笔钱”为由要求转账。",
     ["涉及转账，一定要当面或打电话核实；", "对方不让打电话、催得急的，更要提高警惕。"]),
    ("暑期警惕游戏装备交易诈骗",
     "暑假期间，有骗子在游戏里以“低价出售装备”“免费领皮肤”为名，诱导学生扫码、"
     "用家长手机转账。",
     ["请家长管好支付密码，和孩子讲清楚这类骗局；", "游戏交易只走官方平台。"]),
    ("警惕“注销校园贷”虚假征信诈骗",
     "骗子自称“金融监管部门”工作人员，称受害人大学时开过校园贷账户，不注销会影响征信，"
     "诱导在多个平台贷款后转入其指定账户。",
     ["征信记录无法通过个人转账修改；", "所谓“注销账户”“修复征信”都是诈骗。"]),
    ("警惕针对老年人的养老诈骗",
     "有人以“免费体检”“保健讲座”“以房养老”为名，向老年人推销高价保健品或骗取房产。",
     ["子女多关心家中老人，常回家看看；", "免费讲座送鸡蛋，背后往往是高价产品。"]),
    ("警惕快递丢失理赔诈骗",
     "骗子冒充快递客服，称受害人的快递丢失，要给予“三倍理赔”，再以开通理赔通道为由"
     "骗取银行卡信息和验证码。",
     ["快递理赔请在快递公司官方应用内办理；", "验证码不告诉任何人。"]),
    ("警惕网络交友婚恋诈骗",
     "骗子在婚恋、交友平台上包装成“成功人士”，取得信任后以投资、赌博网站“漏洞”为由，"
     "诱导受害人充值。",
     ["网上交友谈钱的，要格外小心；", "从未见面的“恋人”推荐投资，十有八九是诈骗。"]),
    ("春运期间警惕虚假购票、退改签诈骗",
     "春运期间，骗子以“航班取消”“车票改签补偿”为名发送短信，诱导拨打假客服电话并转账。",
     ["购票、退改签只通过 12306 和航空公司官方渠道；", "收到“航班取消”短信，请先向官方核实。"]),
]  # fmt: skip

# The season's safety advice, by calendar month: (title, text).
DROWNING = (
    "暑期防溺水安全提示",
    "天气炎热，中小学生溺水事故进入高发期。请家长做到“六不”：不私自下水游泳，不擅自与他人"
    "结伴游泳，不在无家长或教师带领的情况下游泳，不到无安全设施、无救援人员的水域游泳，"
    "不到不熟悉的水域游泳，不熟悉水性的学生不擅自下水施救。\n\n"
    "各中队巡逻时请重点关注河道、水库、池塘周边。",
)
FIRE = (
    "冬季防火安全提示",
    "冬季天干物燥，是火灾高发季节。请大家：\n\n"
    "- 不乱拉乱接电线，取暖器远离可燃物，人走断电；\n"
    "- 使用煤炉取暖要保持通风，谨防一氧化碳中毒；\n"
    "- 楼道、安全出口不堆放杂物。\n\n"
    "发现火情请立即拨打 119。",
)
E_BIKE = (
    "电动自行车充电安全提示",
    "电动自行车火灾多发生在充电时。请大家：\n\n"
    "- 不在楼道、楼梯间、安全出口和室内充电；\n"
    "- 使用原厂充电器，充满后及时断电，不过夜充电；\n"
    "- 不私自改装电池和线路。\n\n"
    "巡逻中发现“飞线充电”“入户充电”，请劝导并告知物业或社区。",
)
SPRING_FESTIVAL = (
    "春节期间防盗安全提示",
    "春节临近，外出走亲访友、返乡过年的家庭较多，入室盗窃案件容易高发。离家前请关好门窗、"
    "锁好防盗门，贵重物品不要放在家中显眼处；可请邻居帮忙照看。\n\n"
    "发现可疑人员在楼道、小区徘徊，请拨打 110。",
)
FLOOD = (
    "汛期安全提示",
    "我县进入主汛期，雨量大、雷电多。请勿在河边、桥下逗留，不要涉水过河；雷雨天气不要在"
    "大树下避雨。巡逻队员遇积水路段请绕行，注意自身安全。",
)
SCHOOL = (
    "开学季校园周边交通安全提示",
    "秋季开学，学校周边上下学时段车流、人流集中。请驾驶员减速慢行、礼让行人；家长接送"
    "孩子请按指定区域停车。各中队护学岗请准时到岗。",
)
TOMB_SWEEPING = (
    "清明节文明祭扫、森林防火提示",
    "清明节期间上山祭扫人员多，请文明祭扫，不在林区焚烧纸钱、燃放鞭炮，不携带火种进山。"
    "森林火警电话：12119。",
)
ADVICE = {
    1: SPRING_FESTIVAL, 2: FIRE, 3: E_BIKE, 4: TOMB_SWEEPING, 5: FLOOD, 6: DROWNING,
    7: DROWNING, 8: DROWNING, 9: SCHOOL, 10: E_BIKE, 11: FIRE, 12: FIRE,
}  # fmt: skip

# The police's alerts of what happened in one town, every six weeks or so.
ALERTS = [
    ("{town}近期连续发生盗窃电动车警情",
     "近一周，{town}的居民小区和农贸市场周边连续发生多起电动自行车被盗案件，作案时间多在"
     "凌晨。请大家把车停放在有监控的车棚，加装防盗锁；发现有人深夜撬锁、推车，请拨打 110。"),
    ("{town}发生多起入室盗窃警情",
     "{town}近日发生多起入室盗窃案件，嫌疑人趁住户外出，撬窗入室。请关好门窗，不在家中存放"
     "大量现金。巡逻队员请加强对老旧小区的夜间巡查。"),
    ("{town}夜间撬盗车内财物警情",
     "近期{town}路边停放的车辆多次被砸窗盗窃。请车主不要把包、手机、现金留在车内，尽量停放"
     "在有照明和监控的地方。"),
    ("谨防冒充燃气公司上门收费",
     "{town}有人冒充燃气公司工作人员上门“检查”，以“管道老化必须更换”为由收取高额费用。"
     "燃气公司上门会出示工作证，收费有正规票据，可拨打燃气公司客服电话核实。"),
    ("{town}发生“碰瓷”警情",
     "有人在{town}路口故意碰撞转弯车辆，以私了为由索要钱财。遇到此类情况请报警处理，"
     "保存行车记录仪视频，不要私下给钱。"),
    ("{town}发生盗窃耕牛、农机警情",
     "{town}几个村近期发生盗窃耕牛、农用机械案件。请村民夜间关好圈舍，农机具集中停放；"
     "夜巡队员请注意村道上的陌生货车。"),
    ("{town}发生假币使用警情",
     "{town}集市上发现有人使用百元假币购物，专挑老人的摊位。请摊主收款时注意辨别，"
     "发现可疑人员请记住体貌特征并报警。"),
    ("{town}学校周边发现可疑人员",
     "有家长反映{town}中心小学放学时段有陌生人搭讪学生。派出所已加强巡逻，请家长叮嘱孩子"
     "不跟陌生人走，护学岗队员请留意。"),
]  # fmt: skip
CORRECTION = "更正：作案时间多在凌晨 2 点至 4 点，而不是前一版写的晚上 10 点前后。"

# The association's notices: (days ago, title, text, for squads only).
NOTICES = [
    (330, "关于召开第四届会员大会暨理事会换届选举的通知",
     "经理事会研究，定于下月中旬召开第四届会员大会，选举新一届理事会和监事会。请各中队"
     "推荐理事候选人，并于本月底前把名单报协会办公室。", False),
    (260, "急救技能培训报名通知",
     "协会联合县红十字会举办心肺复苏和止血包扎培训，每期 40 人，考核合格者颁发救护员证。"
     "请有意参加的队员向中队长报名。", True),
    (200, "暑期夜间巡逻排班调整的通知",
     "暑期夜市人流大，自下周起夜间巡逻延长至 23:30，请各中队长重新安排排班，"
     "未成年队员不安排夜班。", False),
    (150, "志愿者意外险续保通知",
     "协会为核心队员统一投保的意外险即将到期，续保名单以本月在册队员为准。"
     "个人信息有变化的，请在“我的资料”中更新。", False),
    (95, "关于召开年度表彰大会的通知",
     "协会年度表彰大会定于本月下旬在县文化中心举行，表彰优秀中队、优秀队员和“平安之星”。"
     "请获表彰的队员准时参加，着队服。", False),
    (40, "春节期间巡逻安排",
     "春节期间各镇开展“平安过大年”联合巡逻，除夕至初七每晚 19:00 至 22:00。"
     "请报名参加的队员在日历上认领班次。", False),
    (12, "新队员入队培训通知",
     "本季度新入会的队员请参加入队培训：协会章程、巡逻规范、安全须知和报警流程。"
     "培训后颁发队员证。", True),
]  # fmt: skip
SCHEDULED = (
    "下周六应急演练通知",
    "下周六上午 9 点在县体育场开展防汛应急演练，请相关中队队员 8:30 到场签到，着队服、带好雨具。",
)

MISSING = (
    "紧急寻人：{town}一名七十八岁老人走失",
    "**王大爷**，78 岁，身高约 1.65 米，偏瘦，头发花白，患有阿尔茨海默病，说话口齿不清。"
    "走失时穿深蓝色棉外套、灰色裤子、黑色布鞋，拄一根木拐杖。\n\n"
    "今天从{town}农贸市场附近走失，可能沿 307 国道方向步行。\n\n"
    "如有看到，请拨打 110，或在本页点击“我看到了”告诉我们在哪里看到。",
)
SEEN = "我在{town}307国道边的加油站看到一位老人，穿深蓝色棉外套，拄着木拐杖，和寻人启事上很像"
FOUND = "已找到，感谢大家"

SUBSCRIBERS = [
    "liu.fang@example.com", "chen.jing@example.com", "zhao.lei@example.net",
    "huang.min@example.org", "sun.li@example.com", "zhou.tao@example.net",
    "wu.xia@example.org", "xu.hui@example.com",
]  # fmt: skip
PROVIDERS = [Robot.Provider.WECOM, Robot.Provider.DINGTALK, Robot.Provider.FEISHU]
HOOKS = {
    Robot.Provider.WECOM: "https://robot.invalid/wecom/cgi-bin/webhook/send?key=demo-{n}",
    Robot.Provider.DINGTALK: "https://robot.invalid/dingtalk/robot/send?access_token=demo-{n}",
    Robot.Provider.FEISHU: "https://robot.invalid/feishu/open-apis/bot/v2/hook/demo-{n}",
}
SENT = '{"errcode":0,"errmsg":"ok"}'
FAILED = "HTTP Error 500: Internal Server Error"


@dataclass
class Cast:
    """Who writes and who reviews, from the demo's own people."""

    rng: random.Random
    police: list[User]
    moderators: list[User]
    officers: list[User]
    out: list[tuple[Bulletin, dt.datetime]] = field(default_factory=list)

    def pick(self, people: list[User]) -> User:
        return self.rng.choice(people)


def build(b: Any) -> dict[str, int]:
    """A year of bulletins, the robots of the squads, the public's subscriptions and a few days
    of the delivery log."""
    now = timezone.now()
    rng: random.Random = b.rng
    officer = b.patrollers[0]
    cast = Cast(
        rng=rng,
        police=list(b.police),
        moderators=list(b.moderator_users),
        officers=[officer, *b.patrollers[-(b.plan.officers - 1) :]],
    )
    towns: list[Area] = list(b.towns)
    for months in range(11, -1, -1):
        year_ago = now - dt.timedelta(days=30 * months)
        warned = year_ago - dt.timedelta(days=rng.randrange(3, 20))
        # By calendar month, so that the Spring Festival rush's warning (the list's last) falls
        # in January whenever the demo is built.
        month = timezone.localtime(now).month - months  # one of the twelve, each once
        fraud(cast, FRAUD[(month - 2) % 12], at=warned)
        at = year_ago - dt.timedelta(days=rng.randrange(1, 25), hours=rng.randrange(8))
        advice(cast, ADVICE[timezone.localtime(at).month], at=at)
    for index, (title, text) in enumerate(ALERTS):
        town = towns[index % len(towns)]
        at = now - dt.timedelta(days=8 + 45 * (len(ALERTS) - 1 - index), hours=rng.randrange(10))
        alert = police_alert(cast, title, text, town=town, at=at)
        if index == len(ALERTS) - 1:
            correct(cast, alert, at=at + dt.timedelta(hours=3))
    for days, title, text, for_squads in NOTICES:
        squads = rng.sample(list(b.all_squads), min(4, len(b.all_squads))) if for_squads else []
        notice(cast, title, text, squads=squads, at=now - dt.timedelta(days=days, hours=5))
    missing = missing_person(cast, town=towns[0], at=now - dt.timedelta(days=18, hours=3))
    schedule_notice(cast, squads=list(b.all_squads[:3]), at=now)
    inbox = write_inboxes(cast, now=now)
    # The worker fans out only the scheduled notice; the rest were written above. (The database
    # backend stores "no run_after" as the latest date there is, not as NULL: `ready()` knows.)
    DBTaskResult.objects.ready().filter(task_path=fan_out.module_path).delete()
    made = {"bulletins": Bulletin.objects.count(), "inbox_items": inbox}
    made["robots"] = make_robots(b.all_squads)
    made["subscribers"] = make_subscribers(rng, towns, now=now)
    made["deliveries"] = log_deliveries(cast, missing=missing, now=now)
    return made


def publish(
    cast: Cast,
    *,
    writer: User,
    approver: User | None,
    at: dt.datetime,
    expires_after: dt.timedelta | None = None,
    **fields: Any,
) -> Bulletin:
    """Write, send for review and approve (or, an urgent alert, send at once), then date it all
    back to `at`, as if it had gone out then."""
    bulletin = services.save_bulletin(actor=writer, **fields)
    if approver is None:
        bulletin = services.send_at_once(actor=writer, bulletin=bulletin)
    else:
        services.submit_bulletin(actor=writer, bulletin=bulletin)
        bulletin = services.approve_bulletin(actor=approver, bulletin=bulletin)
    written = at - dt.timedelta(minutes=cast.rng.randrange(20, 240))
    Bulletin.objects.filter(pk=bulletin.pk).update(
        written_at=written,
        approved_at=at if approver else None,
        published_at=at,
        expires_at=at + expires_after if expires_after else None,
    )
    date(bulletin, "written", written)
    date(bulletin, "submitted", written + dt.timedelta(minutes=5))
    date(bulletin, "published", at)
    date(bulletin, "sent_unreviewed", at)
    bulletin.refresh_from_db()
    cast.out.append((bulletin, at))
    return bulletin


def date(bulletin: Bulletin, verb: str, at: dt.datetime) -> None:
    """Move the bulletin's audit entries of one kind to when they happened."""
    AuditEntry.objects.filter(
        target_type="bulletins.bulletin",
        target_id=str(bulletin.pk),
        action=f"bulletins.bulletin.{verb}",
    ).update(at=at)


def fraud(cast: Cast, warning: tuple[str, str, list[str]], *, at: dt.datetime) -> Bulletin:
    """The police write it and an officer approves it, or a moderator passes it on and the
    police approve it."""
    title, story, tips = warning
    body = f"{story}\n\n**防范提示：**\n\n" + "\n".join(f"- {t}" for t in tips) + f"\n\n{HOTLINE}"
    by_police = cast.rng.random() < 0.5
    return publish(
        cast,
        writer=cast.pick(cast.police if by_police else cast.moderators),
        approver=cast.pick(cast.officers if by_police else cast.police),
        at=at,
        expires_after=dt.timedelta(days=60),
        kind=Kind.ALERT,
        title=title,
        body=body,
        to_public=True,
        cap={"severity": Severity.MODERATE, "urgency": "Expected", "certainty": "Likely"},
    )


def advice(cast: Cast, advice: tuple[str, str], *, at: dt.datetime) -> Bulletin:
    title, body = advice
    return publish(
        cast,
        writer=cast.pick(cast.moderators),
        approver=cast.pick(cast.officers + cast.police),
        at=at,
        expires_after=dt.timedelta(days=45),
        kind=Kind.ADVICE,
        title=title,
        body=body,
        to_public=True,
    )


def police_alert(cast: Cast, title: str, text: str, *, town: Area, at: dt.datetime) -> Bulletin:
    return publish(
        cast,
        writer=cast.pick(cast.police),
        approver=cast.pick(cast.officers),
        at=at,
        expires_after=dt.timedelta(days=21),
        kind=Kind.ALERT,
        title=title.format(town=town.name),
        body=text.format(town=town.name),
        to_public=True,
        areas=[town],
        cap={
            "severity": Severity.MODERATE,
            "urgency": "Expected",
            "certainty": "Observed",
            "area_description": town.name,
        },
    )


def correct(cast: Cast, bulletin: Bulletin, *, at: dt.datetime) -> None:
    services.correct_bulletin(
        actor=bulletin.written_by, bulletin=bulletin, title=bulletin.title,
        body=bulletin.body.replace("凌晨", "凌晨 2 点至 4 点"), note=CORRECTION,
    )  # fmt: skip
    BulletinChange.objects.filter(bulletin=bulletin).update(at=at)
    date(bulletin, "corrected", at)


def notice(cast: Cast, title: str, text: str, *, squads: list[Squad], at: dt.datetime) -> Bulletin:
    """The association's: a moderator or an officer writes it, another officer approves it."""
    writer = cast.pick(cast.moderators + cast.officers)
    return publish(
        cast,
        writer=writer,
        approver=cast.pick([o for o in cast.officers if o != writer]),
        at=at,
        kind=Kind.NOTICE,
        title=title,
        body=text,
        to_members=not squads,
        squads=squads,
    )


def schedule_notice(cast: Cast, *, squads: list[Squad], at: dt.datetime) -> Bulletin:
    """Approved now, going out next week: its fan-out waits in the queue."""
    goes_out = (at + dt.timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    title, body = SCHEDULED
    writer, approver = cast.officers[0], cast.officers[-1]
    bulletin = services.save_bulletin(
        actor=writer, kind=Kind.NOTICE, title=title, body=body, squads=squads, publish_at=goes_out
    )
    services.submit_bulletin(actor=writer, bulletin=bulletin)
    return services.approve_bulletin(actor=approver, bulletin=bulletin)


def missing_person(cast: Cast, *, town: Area, at: dt.datetime) -> Bulletin:
    """A liaison sends it at once; an officer reviews it after; a driver sees him two hours
    later through the alert's page; he is home by the afternoon, and the alert is withdrawn."""
    site = Site.objects.filter(area__path__startswith=town.path).order_by("pk").first()
    point = site.point if site else (30.27, 113.92)
    title, body = MISSING
    liaison = cast.police[0]
    bulletin = publish(
        cast,
        writer=liaison,
        approver=None,
        at=at,
        kind=Kind.URGENT,
        title=title.format(town=town.name),
        body=body.format(town=town.name),
        to_public=True,
        areas=[town],
        # Two hours before the liaison sent the alert: the family looked for him first.
        last_seen_at=at - dt.timedelta(hours=2),
        last_seen_place=f"{town.name}农贸市场附近",
        cap={
            "severity": Severity.SEVERE,
            "urgency": "Immediate",
            "certainty": "Observed",
            "area_description": f"{town.name}及307国道沿线",
            "circle_latitude": point[0],
            "circle_longitude": point[1],
            "circle_radius_km": 5.0,
        },
    )
    officer = cast.officers[0]
    services.review_sent(actor=officer, bulletin=bulletin)
    Bulletin.objects.filter(pk=bulletin.pk).update(approved_at=at + dt.timedelta(minutes=25))
    date(bulletin, "reviewed", at + dt.timedelta(minutes=25))

    seen_at = at + dt.timedelta(hours=2, minutes=10)
    tip = submit_tip(
        report=Report(
            category=Tip.Category.MISSING_PERSON,
            text=SEEN.format(town=town.name),
            place=f"{town.name}307国道加油站",
            point=point,
            is_happening_now=True,
        ),
        address="192.0.2.18",
        key=uuid.uuid5(uuid.NAMESPACE_URL, f"yixun-demo/sighting/{bulletin.pk}"),
    )
    # Taken at once by a moderator, passed to the station, and closed when he was found.
    moderator = cast.moderators[0]
    Tip.objects.filter(pk=tip.pk).update(
        created_at=seen_at,
        ack_due_at=seen_at + dt.timedelta(minutes=15),
        resolve_due_at=seen_at + dt.timedelta(days=7),
        area=town,
        station=town.police_station(),
        assigned_to=moderator,
        assigned_at=seen_at + dt.timedelta(minutes=1),
        acknowledged_at=seen_at + dt.timedelta(minutes=2),
        forwarded_at=seen_at + dt.timedelta(minutes=4),
        forward_summary=f"紧急寻人线索：{town.name}307国道加油站见到疑似走失老人",
        accepted_at=seen_at + dt.timedelta(minutes=6),
        accepted_by=liaison,
        status=Tip.Status.CLOSED,
        outcome=Outcome.CHECKED,
        outcome_at=seen_at + dt.timedelta(minutes=50),
        closed_at=seen_at + dt.timedelta(minutes=50),
        public_answer="老人已经找到，安全到家。非常感谢您的线索！",
    )
    AuditEntry.objects.filter(target_type="tips.tip", target_id=str(tip.pk)).update(at=seen_at)
    # The worker would announce a tip that was dealt with weeks ago: not in the demo.
    DBTaskResult.objects.filter(task_path=announce_tip.module_path).delete()
    Sighting.objects.create(bulletin=bulletin, tip=tip, created_at=seen_at)

    found_at = seen_at + dt.timedelta(hours=1, minutes=30)
    services.withdraw_bulletin(actor=liaison, bulletin=bulletin, note=FOUND)
    Bulletin.objects.filter(pk=bulletin.pk).update(withdrawn_at=found_at)
    BulletinChange.objects.filter(bulletin=bulletin).update(at=found_at)
    date(bulletin, "withdrawn", found_at)
    bulletin.refresh_from_db()
    return bulletin


def write_inboxes(cast: Cast, *, now: dt.datetime) -> int:
    """Each bulletin's inbox rows, for the audience the fan-out would have found, delivered when
    it went out (its latest change, for one corrected or withdrawn) and most of them read."""
    everyone: list[int] | None = None
    written = 0
    for bulletin, at in cast.out:
        if bulletin.to_public or bulletin.to_members:
            if everyone is None:
                everyone = list(services.audience(bulletin).values_list("pk", flat=True))
            people = everyone
        else:
            people = list(services.audience(bulletin).values_list("pk", flat=True))
        change = bulletin.changes.order_by("-revision").first()
        delivered = change.at if change else at
        age = now - delivered
        share_read = (
            0.9 if age > dt.timedelta(days=14) else 0.6 if age > dt.timedelta(days=3) else 0.3
        )
        rows = []
        for pk in people:
            read = None
            if cast.rng.random() < share_read:
                read = min(
                    now, delivered + dt.timedelta(minutes=cast.rng.randrange(3, 4 * 24 * 60))
                )
            rows.append((pk, bulletin.pk, bulletin.revision, delivered, read))
        insert_inbox(rows)
        written += len(rows)
        record_delivered(bulletin, reached=len(people), at=delivered)
    return written


def insert_inbox(rows: list[tuple[int, int, int, dt.datetime, dt.datetime | None]]) -> None:
    """Write inbox rows with one statement per batch: the ORM's bulk_create spends about 0.1 ms
    of Python on each row, eight seconds for the full county's 80,000. A row the fan-out wrote
    already (the test suite runs tasks at once) takes these dates."""
    adapt = functools.cache(connection.ops.adapt_datetimefield_value)
    table = connection.ops.quote_name(InboxItem._meta.db_table)
    # The table's own name, quoted; the values are parameters.
    sql = (
        f"INSERT INTO {table} (user_id, bulletin_id, revision, delivered_at, read_at) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (user_id, bulletin_id) DO UPDATE SET "
        "revision = excluded.revision, delivered_at = excluded.delivered_at, "
        "read_at = excluded.read_at"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(
                sql,
                [
                    (user, bulletin, revision, adapt(delivered), read and adapt(read))
                    for user, bulletin, revision, delivered, read in rows[start : start + 5000]
                ],
            )


def record_delivered(bulletin: Bulletin, *, reached: int, at: dt.datetime) -> None:
    """The fan-out's own trace, as the worker leaves it."""
    done = AuditEntry.objects.filter(
        target_type="bulletins.bulletin",
        target_id=str(bulletin.pk),
        action="bulletins.bulletin.delivered",
    )
    if not done.exists():
        audit.record(
            actor=None,
            action="bulletins.bulletin.delivered",
            target=bulletin,
            data={"revision": bulletin.revision, "reached": reached, "robots": 0, "email": 0},
        )
    done.update(at=at)


def make_robots(squads: list[Squad]) -> int:
    """A chat group robot per squad, the providers taken in turn; signing on for the
    DingTalk and Feishu ones."""
    robots_made = []
    for n, squad in enumerate(squads, start=1):
        provider = PROVIDERS[(n - 1) % len(PROVIDERS)]
        robots_made.append(
            Robot(
                name=f"{squad.name}群",
                provider=provider,
                url=HOOKS[provider].format(n=n),
                secret="" if provider == Robot.Provider.WECOM else f"SECdemo{n:04d}",
                squad=squad,
            )
        )
    return len(Robot.objects.bulk_create(robots_made))


def make_subscribers(rng: random.Random, towns: list[Area], *, now: dt.datetime) -> int:
    """Members of the public who follow the bulletins by e-mail: most confirmed, some for a town
    or two or for fraud warnings only, one who never confirmed and one who stopped."""
    made = 0
    for index, address in enumerate(SUBSCRIBERS):
        since = now - dt.timedelta(days=rng.randrange(10, 300))
        subscriber = Subscriber.objects.create(
            email=address,
            token=secrets.token_urlsafe(32),
            kinds=[Kind.ALERT, Kind.URGENT] if index % 3 == 2 else [],
            created_at=since,
            confirmed_at=None if index == 6 else since + dt.timedelta(minutes=7),
            unsubscribed_at=now - dt.timedelta(days=5) if index == 7 else None,
        )
        if index % 2:
            subscriber.areas.set(rng.sample(towns, min(2, len(towns))))
        made += 1
    return made


def log_deliveries(cast: Cast, *, missing: Bulletin, now: dt.datetime) -> int:
    """What the worker's log shows for the last bulletins: the robots' posts and the
    subscribers' mails, one post that went through on its second try after a 500, and one that
    failed for good and waits for an officer to send it again."""
    recent = [b for b, at in cast.out if now - at < dt.timedelta(days=15) and b.pk != missing.pk]
    subscribers = list(
        Subscriber.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
    )
    rows: list[Delivery] = []
    for bulletin in [*recent, missing]:
        sent = bulletin.published_at or now
        rows.extend(
            Delivery(
                key=robots.key_for(bulletin, 0, robot.pk),
                channel=Delivery.Channel.ROBOT,
                recipient=f"{robot.name} (https://robot.invalid)",
                about=about(bulletin),
                status=Delivery.Status.SENT,
                attempts=1,
                last_answer=SENT,
                created_at=sent,
                attempted_at=sent + dt.timedelta(seconds=2),
                sent_at=sent + dt.timedelta(seconds=3),
            )
            for robot in robots.robots_for(bulletin).order_by("pk")
        )
        rows.extend(
            Delivery(
                key=f"bulletin-{bulletin.pk}-r0-email-subscriber-{subscriber.pk}",
                channel=Delivery.Channel.EMAIL,
                recipient=email.mask(subscriber.email),
                about=about(bulletin),
                status=Delivery.Status.SENT,
                attempts=1,
                created_at=sent,
                attempted_at=sent + dt.timedelta(seconds=5),
                sent_at=sent + dt.timedelta(seconds=6),
            )
            for subscriber in (subscribers if bulletin.to_public else [])
        )
    retried, failed = rows[0], rows[1]
    # The first robot answered 500, and took the post on the retry 30 seconds later.
    retried.attempts, retried.retry = 2, 1
    retried.attempted_at = retried.sent_at = retried.created_at + dt.timedelta(seconds=33)
    # The second answered 500 every time: failed for good, in the bulletin's trail too.
    failed.status, failed.attempts, failed.retry = Delivery.Status.FAILED, 4, 4
    failed.last_answer, failed.sent_at = FAILED, None
    failed.attempted_at = failed.created_at + dt.timedelta(minutes=13)
    Delivery.objects.bulk_create(rows, batch_size=500)
    gave_up = next(b for b in [*recent, missing] if about(b) == failed.about)
    audit.record(
        actor=None,
        action="bulletins.bulletin.robot_failed",
        target=gave_up,
        data={"robot": failed.recipient, "tries": 4, "error": FAILED},
    )
    date(gave_up, "robot_failed", failed.attempted_at)
    return len(rows)
