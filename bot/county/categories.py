"""A county's finding categories (问题类别): names, aliases (a first word naming the category) and keywords (words
in a description that suggest it, matched by word, bot.domain.category_words).

A category that does not list `keywords` gets the default keywords of a category of the same name, less any word
the county itself gives to another category; so county files written before keywords existed keep loading.
"""
from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from bot.county.strict import StrictModel

FALLBACK_CATEGORY = "其他"
DEFAULT_CATEGORIES: list[tuple[str, list[str]]] = [
    ("安全稳定", ["安全", "消防", "校车", "防溺水", "周边安全", "交通安全"]),
    ("食品卫生", ["食堂", "食品", "饮水", "宿舍卫生", "卫生"]),
    ("教学常规", ["教学", "课堂", "课程", "备课", "教案"]),
    ("课业负担", ["双减", "作业", "体育锻炼", "睡眠"]),
    ("师德师风", ["师德", "有偿补课"]),
    ("党建工作", ["党建"]),
    ("校务管理", ["校务", "制度执行", "档案"]),
    ("招生收费", ["招生", "收费", "择校"]),
    ("校风学风", ["校风", "教风", "学风"]),
    ("办园行为", ["办园", "保育", "小学化"]),
    (FALLBACK_CATEGORY, []),
]
DEFAULT_KEYWORDS: dict[str, list[str]] = {
    # the common problems of school inspections, by category (measured on tests/data/categories.csv): a word here
    # is matched as a word of the description (bot.domain.category_words), the longest first
    "安全稳定": ["灭火器", "消火栓", "消防通道", "消防设施", "消防器材", "微型消防站", "安全出口", "疏散", "应急灯",
             "应急照明", "指示灯", "指示标志", "配电", "配电房", "配电箱", "电线", "线路", "插座", "插线板",
             "私拉乱接", "大功率电器", "电动车", "充电", "漏电", "护栏", "防护栏", "隔离护栏", "栏杆", "扶手", "楼梯",
             "楼道", "围墙", "危化品", "化学品", "药品柜", "实验室", "通风橱", "瓷砖", "墙皮", "吊顶", "脱落", "坍塌",
             "倾倒", "锈蚀", "松动", "裸露", "监控", "探头", "一键报警", "报警器", "报警", "门卫", "保安", "安保",
             "脱岗", "空岗", "值守", "值班", "护学岗", "来访", "登记制度", "隐患", "溺水", "游泳", "交通", "减速带",
             "交通标志", "头盔", "校车", "超员", "照管", "摊贩", "欺凌", "燃气", "燃气管道", "演练", "警示", "积水坑",
             "防冲撞", "查寝", "宿管员", "安全责任书", "攀爬", "杂物", "应急照明灯", "上锁", "未上锁", "门禁", "后门",
             "限速", "限速标志", "天台", "消控室", "宿管", "防盗", "应急预案", "预案", "防震", "防汛", "地质灾害",
             "防雷", "避雷", "坠落", "限位器", "井盖", "电梯", "锅炉", "管制刀具", "禁毒", "反诈", "防火", "火灾",
             "烟感", "喷淋", "用电", "电器", "电源", "私接", "乱拉", "接线板", "排插", "热得快", "电热毯", "安全教育",
             "安全检查", "巡查", "巡逻"],
    "食品卫生": ["留样", "后厨", "厨房", "操作间", "食材", "餐具", "消毒柜", "消毒", "健康证", "晨检", "晨午检",
             "饮用水", "直饮水", "饮水机", "饮水桶", "滤芯", "水质", "厕所卫生", "异味", "冲洗", "卫生间", "打扫",
             "灰尘", "脏乱", "脏乱差", "死角", "垃圾", "垃圾桶", "蚊蝇", "鼠患", "防鼠", "陪餐", "库房", "仓库",
             "防潮", "熟食间", "紫外线", "调味品", "砧板", "生熟", "冰箱", "排烟", "油污", "口罩", "指甲", "添加剂",
             "索证索票", "采购", "进货", "农药残留", "快检", "小卖部", "三无食品", "营养餐", "用餐", "配送", "洗手",
             "洗手液", "传染病", "疫情", "因病缺课", "卫生室", "校医", "保健", "体检", "近视", "照明", "采光", "反光",
             "心理健康", "咨询室", "工作服", "工作帽", "厨师", "炊事员", "食品安全", "米面", "粮油", "离地", "离墙",
             "餐厨", "泔水", "日产日清", "通风", "消杀", "病媒", "蟑螂", "老鼠", "苍蝇", "急救", "药品", "医务室",
             "保健室", "流感", "水痘", "诺如", "手足口", "疫苗", "接种", "垃圾食品", "零食", "辣条"],
    "教学常规": ["课表", "听课", "评课", "听评课", "教研", "校本教研", "备课", "集体备课", "作业批改", "批改", "评语",
             "实验课", "分组实验", "开出率", "开足", "开齐", "开设", "课时", "挪作他用", "上自习", "综合实践",
             "劳动教育", "试卷分析", "质量分析", "教学进度", "教学计划", "教学质量", "阅读课", "借阅", "教学方式",
             "新教师", "提前下课", "学业成绩", "国家规定课程", "视频代替", "美术课", "音乐课", "科学课", "书法课",
             "心理课", "课程表", "教研组", "备课组", "教学反思", "照本宣科", "公开课", "培优补差", "作业设计",
             "单元测试", "教学设计", "课程方案", "课程标准", "教材", "教具"],
    "课业负担": ["书面作业", "家庭作业", "书面家庭作业", "作业量", "作业总量", "课外作业", "假期作业", "寒暑假作业",
             "作业公示", "公示栏", "分层", "批改作业", "签字打卡", "体育活动", "大课间", "睡眠", "午休", "补课",
             "集中补课", "集中上课", "考试次数", "排名", "排座位", "早读", "到校", "在校时间", "教辅", "书包",
             "手机管理", "课后服务", "挤占", "节假日", "双减", "手机", "出教室", "周六", "周日", "星期六", "星期天",
             "双休日", "休息日", "课间操", "体质健康", "体测", "阳光体育", "晨读", "早自习", "晚自习", "作业时长",
             "超时", "就寝", "起床", "课外读物", "练习册"],
    "师德师风": ["有偿补课", "体罚", "变相体罚", "罚站", "侮辱", "冷嘲热讽", "歧视", "礼品", "财物", "索要", "兼职",
             "推销", "玩手机", "饮酒", "酒后", "私自调课", "不当言论", "师德失范", "师德承诺书", "推销教辅", "辱骂",
             "辱骂学生", "体罚学生", "打骂", "讽刺", "挖苦", "辅导班", "家教", "收受", "红包", "吃请", "宴请",
             "违规兼职", "猥亵", "性骚扰"],
    "党建工作": ["党组织", "党支部", "党员", "党费", "党日", "主题党日", "三会一课", "党务", "意识形态", "述职",
             "组织关系", "党组织会议", "换届", "支部", "党课", "发展党员", "入党", "党风廉政", "廉政", "廉洁",
             "组织生活会", "民主生活会", "谈心谈话"],
    "校务管理": ["章程", "校务公开", "学籍", "空挂学籍", "财务", "报销", "票据", "固定资产", "账实不符", "文书",
             "归档", "教职工大会", "教代会", "值日", "值周", "规章制度", "发展规划", "考勤", "绩效考核", "控辍保学",
             "隔断", "无隔断", "厕位", "灯管", "课桌椅", "桌椅", "床铺", "功能室", "设备", "闲置", "图书室", "图书",
             "生均", "校舍", "漏水", "渗水", "开裂", "屋顶", "操场", "跑道", "仪器", "多媒体", "热水", "网络", "断网",
             "办公用房", "家长委员会", "会议记录", "资助", "公众号", "周转房", "年久失修", "花名册", "印章", "档案盒",
             "门窗", "玻璃", "床板", "藏书", "图书馆", "蹲位", "设施", "设施设备", "维修", "档案柜", "财务公开",
             "信息公开", "预算", "经费", "公用经费", "资产", "合同", "人事", "职称", "评优", "教师培训", "继续教育",
             "办学条件", "设备老化"],
    "招生收费": ["资料费", "招生简章", "跨区域招生", "选拔", "收费公示", "代收费", "择校费", "借读费", "服务性收费",
             "阳光招生", "抢生源", "重点班", "快慢班", "校服", "班费", "乱收费", "保险", "住宿费", "补课费", "赞助费",
             "捐资助学", "收取", "乱收", "收费", "学杂费", "教辅费", "试卷费", "培训费", "伙食费", "押金", "入学",
             "划片", "就近入学", "学位", "转学", "插班"],
    "校风学风": ["校训", "纪律", "睡觉", "讲话", "早退", "吸烟", "仪容仪表", "校园文化", "文明礼仪", "手机游戏",
             "班级文化", "打架", "斗殴", "乱扔垃圾", "升旗仪式", "作弊", "追逐打闹", "早恋", "敷衍", "学风不浓",
             "迟到早退", "打瞌睡", "瞌睡", "喧哗", "大声喧哗", "追跑", "脏话", "不文明", "破坏公物", "抄作业",
             "课堂纪律", "厌学", "逃学", "旷课", "网吧", "夜不归宿"],
    "办园行为": ["幼儿园", "幼儿", "小学化", "拼音", "算术", "保育员", "保教", "午睡", "户外活动", "班额", "超班额",
             "境外教材", "兴趣班", "区角", "一日活动", "游戏活动", "家园共育", "小学教材", "小学内容", "玩具",
             "保健医", "入园晨检", "入园", "大班", "中班", "小班", "汉字", "写字", "识字", "幼师", "园长", "教玩具",
             "区域活动", "自主游戏"],
}


class Category(StrictModel):
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _default_keywords(self) -> Category:
        if not self.listed:
            self.keywords = list(DEFAULT_KEYWORDS.get(self.name, []))
            self.model_fields_set.discard("keywords")  # still the defaults, not the county's own list
        return self

    @property
    def listed(self) -> bool:
        """Did the county list this category's keywords (else they are the defaults)?"""
        return "keywords" in self.model_fields_set


def default_categories() -> list[Category]:
    return [Category(name=n, aliases=a) for n, a in DEFAULT_CATEGORIES]


def unique_words(categories: list[Category]) -> list[Category]:
    """Each name, alias and listed keyword belongs to one category (else ValueError); default keywords another
    category claims are left out; the fallback category 其他 is always there."""
    owner: dict[str, str] = {}
    for cat in categories:
        listed = cat.keywords if cat.listed else []
        for word in (cat.name, *cat.aliases, *listed):
            if owner.setdefault(word, cat.name) != cat.name:
                raise PydanticCustomError("county_category_word_twice", "{word} belongs to two categories",
                                          {"word": word, "first": owner[word], "second": cat.name})
    for cat in categories:
        if not cat.listed:
            cat.keywords = [w for w in cat.keywords if owner.setdefault(w, cat.name) == cat.name]
    if FALLBACK_CATEGORY not in {c.name for c in categories}:
        categories = [*categories, Category(name=FALLBACK_CATEGORY)]
    return categories
