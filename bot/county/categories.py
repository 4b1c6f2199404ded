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
    "安全稳定": ["灭火器", "消火栓", "消防通道", "安全出口", "疏散", "应急灯", "配电", "配电房", "配电箱", "电线",
             "线路", "插座", "漏电", "护栏", "栏杆", "扶手", "楼梯", "围墙", "危化品", "化学品", "实验室", "瓷砖",
             "墙皮", "吊顶", "脱落", "监控", "门卫", "隐患", "溺水", "交通"],
    "食品卫生": ["留样", "后厨", "食材", "餐具", "消毒", "健康证", "晨检", "饮用水", "厕所", "卫生间", "垃圾",
             "蚊蝇", "鼠患"],
    "教学常规": ["课表", "听课", "教研", "作业批改"],
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
