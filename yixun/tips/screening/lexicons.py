"""What the spam that reaches a public tip box in China is made of, family by family, and the
words of a person telling what happened.

Every phrase is written simplified and half-width, as `lib.text.normalise` leaves a tip. Chinese
phrases are looked for in the tip squeezed of spaces, punctuation and emoji (see
`reading.squeeze`), so "代 开 发 票" and "百.家.乐" match too; English ones as whole words ("_"
stands for a space). A hit is evidence, not a verdict: a fraud victim quotes 刷单 and 加微信, a
neighbour reports a 百家乐 den. The classifier weighs the hits against the rest of the text; the
family names are the reasons moderators see."""


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.replace("_", " ") for word in text.split())


# Adult-site SEO stuffing: site names, genre tags and "watch free" calls, rarely a sentence.
ADULT = _words("""
    成人 色情 黄片 a片 av 无码 有码 日韩 欧美 国产精品 精品国产 一区二区 二区三区 自拍 偷拍
    人妻 熟女 熟妇 少妇 萝莉 女优 番号 中文字幕 字幕 伦理片 伦理电影 三级片 毛片 一级片 午夜
    福利视频 福利姬 老司机 看片 免费看 在线观看 在线播放 高清 裸聊 约炮 约啪 同城约 楼凤 外围
    包夜 学生妹 啪啪 做爱 性爱 性感 激情 乱伦 乱码 18禁 禁漫 麻豆 传媒 果冻 天美 蜜桃 草榴
    1024 撸撸 撸管 超碰 色综合 色中色 色色 色狼 狼友 色吧 性吧 情趣 飞机杯 丝袜 制服诱惑 巨乳
    露点 大尺度 私房 黄瓜视频 丝瓜视频 香蕉视频 草莓视频 榴莲视频 秋葵视频 向日葵视频 芒果视频
    成人版 吃瓜 黑料 反差婊 里番 h动漫 无删减 未删减 限制级 男人的天堂 久久 一本道 精品视频
    视频流出 探花 天堂网 色情小说 黄色小说 黄色网站 黄色视频 免费黄 av天堂 国产自拍 18+ 男人都懂
    你懂的 懂的来 宅男 深夜 私密 同城 美女 主播
    porn xxx sex jav milf nude hot_girls singles
""")

GAMBLING = _words("""
    百家乐 龙虎斗 牛牛 炸金花 老虎机 荷官 发牌 首充 首存 彩金 体验金 返水 投注 下注 赔率 盘口
    滚球 竞猜 买球 赌球 足彩 竞彩 六合彩 特码 一肖 时时彩 pk10 北京赛车 幸运飞艇 快三 快3
    11选5 加拿大28 幸运28 pc蛋蛋 大小单双 计划群 带单 上岸 回血 网投 菠菜 博彩 棋牌 赢现金
    出款 存取款 澳门 新葡京 葡京 威尼斯人 金沙 永利 银河娱乐 美高梅 太阳城 申博 皇冠体育 沙巴
    ag真人 bbin 真人视讯 娱乐城 娱乐平台 赌场 轮盘 骰宝 德州扑克 扫雷 捕鱼 上分 下分 电子游艺
    拉霸 开户 提现
    casino baccarat slots roulette jackpot bonus betting win_big
""")

LOAN = _words("""
    贷款 借款 放款 下款 秒到账 秒到 秒批 秒下 无抵押 无担保 不看征信 不查征信 征信 黑户 白户
    口子 额度 提额 套现 代还 垫还 利息低 低息 日息 月息 网贷 小贷 信用贷 抵押 押车 急用钱 周转
    垫资 过桥 放贷 当天放款 身份证即可 凭身份证 洗白 停催 借呗 微粒贷 花呗 白条 经营贷 消费贷
    分期 到账 贷款中介 包装资料 疑难件 银行不批 负债 逾期 下卡 资金
    loan loans
""")

INVOICE = _words("""
    代开 发票 开票 专票 普票 增值税 进项 销项 票点 点数 税点 可验证 可查验 可验 验证后付款
    先验后付 验票 真票 代开票 收据 报销 定额发票 机打发票 税务筹划 代理记账
    invoice invoices
""")

CLICK_FARMING = _words("""
    兼职 刷单 补单 日结 日赚 日入 月入 一单一结 佣金 返利 返佣 垫付 本金 点赞员 点赞 关注员
    好评员 打字员 录入员 宝妈 学生可做 在家可做 在家赚钱 手机操作 动动手指 做任务 刷手 试单
    拉新 推广员 刷流量 高薪 急招 多劳多得 连单 做单
    earn per_day make_money from_home part_time part-time
""")

# Contact handles and calls to act: the ad's one purpose is that you reach the sender.
CONTACT = _words("""
    加微 加v 加我 微信号 微信同号 同号 wxid qq群 q群 加q 扫码 扫一扫 二维码 进群 加群 私聊 私信
    私我 联系我 详聊 详谈 详询 咨询 客服 朋友圈 公众号 备注 领取 免费领 名额有限 先到先得 仅限
    惊喜 了解更多 有意者 欢迎来电 欢迎咨询 电话同号 添加微信 添加客服 客户经理 专属 福利群
    红包群 人满即止 找我 联系方式
    vx wx tg telegram whatsapp contact click join_now link_in dm_me add_me
""")

# Everything else a box gets: fake papers, locksmiths, detectives, remedies, black services.
OTHER_AD = _words("""
    办证 刻章 开锁 侦探 代孕 壮阳 延时 高价回收 回收 高仿 一比一 代购 招商 加盟 招代理 一件代发
    微商 减肥 瘦身 祛斑 丰胸 迷药 听话水 催情 黑客 盗号 删帖 代考 包过 代练 出售 货到付款
    隐私发货 秘方 包好 无效退款 定位 监控软件 快速排名 聊天记录 不被发现 远程查看 查开房
    seo
""")

# The sales pitch shared by every family, and the bank's or the platform's polite phishing.
PITCH = _words("""
    免费 优惠 注册 下载 官网 正规 信誉 诚信 稳赚 包赢 保真 量大从优 价格优惠 长期有效 长期合作
    全国 24小时 立即 点击 送 福利 每日更新 每天 赚钱 不收 零投入 日入过 最高 全网 安全 靠谱
    不骗 秒回 只需 即可 马上 点击进入 收藏 绝对 您好 您的 尊敬的 退订 过期作废 失效 待领取
    必备 专业 专做 保密 有需要 需要的 想要的 都有 欢迎
    free now
""")

# A person telling what happened: who, what they saw, what it cost them, what they ask.
NARRATIVE = _words("""
    我 我们 我家 被骗 骗了 骗子 诈骗 报警 报案 110 派出所 民警 警察 看到 看见 发现 听到 听说
    怀疑 希望 请 帮忙 昨天 今天 昨晚 刚才 刚刚 晚上 早上 下午 有人 对方 他说 她说 让我 现在
    已经 怎么办 不知道 担心 害怕 冒充 自称 被 一个 好几 经常 每天晚上 邻居 老人 孩子 小孩
    村里 小区 门口 附近 旁边 路口 楼下 楼道 打架 偷 丢了 走失 着火 受伤 危险 吵 骂 打电话
    转了 损失 截图 号码 能不能 是不是 了 举报 反映 投诉 违法 非法 变相 涉嫌 管一管 管管
    查一查 查处 取缔 他们 一伙 一帮 镇上 县里 店里 家里 这个 那个 就是 谢谢
    i my we our there someone scammed stolen police please help
""")

FAMILIES: dict[str, tuple[str, ...]] = {
    "adult": ADULT,
    "gambling": GAMBLING,
    "loan": LOAN,
    "invoice": INVOICE,
    "click_farming": CLICK_FARMING,
    "contact_ad": CONTACT,
    "other_ad": OTHER_AD,
    # PITCH and NARRATIVE name no reason: they only feed the classifier.
    "pitch": PITCH,
    "narrative": NARRATIVE,
}
REASONS = ("adult", "gambling", "loan", "invoice", "click_farming", "contact_ad", "other_ad")

# Spellings that dodge a word filter, made plain again in the squeezed text.
VARIANTS = (
    ("薇信", "微信"), ("威信", "微信"), ("徽信", "微信"), ("维信", "微信"), ("v信", "微信"),
    ("wei信", "微信"), ("微芯", "微信"), ("加薇", "加微"), ("加威", "加微"), ("加徽", "加微"),
    ("佳微", "加微"), ("+薇", "加微"), ("+威", "加微"), ("+微", "加微"), ("+v", "加v"),
    ("+q", "加q"), ("扣扣", "qq"), ("企鹅", "qq"), ("发漂", "发票"), ("发飘", "发票"),
    ("百家樂", "百家乐"), ("兼值", "兼职"),
)  # fmt: skip
