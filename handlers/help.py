"""#帮助 [命令], and the answer to a #word we do not know."""
from __future__ import annotations

from bot.domain.permissions import what_they_may_do
from bot.handling import CommandContext, Reply, UserError
from bot.parsing import commands as c
from bot.parsing.parser import COMMAND_WORDS

TOPICS = ("问题", "整改", "验收", "撤销", "延期", "查询", "清单", "到校", "统计", "导出", "绑定", "本群",
          "自查", "月报", "汇总", "开学检查", "周报", "通报", "请假", "销假")


async def help_(cmd: c.Help, ctx: CommandContext) -> list[Reply]:
    topic = COMMAND_WORDS.get(cmd.topic or "", cmd.topic)
    if topic == "销号":
        topic = "验收"
    if topic and topic not in TOPICS:
        raise UserError("help/unknown_topic.j2", topic=topic, topics=list(TOPICS))
    if topic:
        return [Reply("help/topic.j2", {"topic": topic})]
    return [Reply("help/overview.j2", dict(who=what_they_may_do(ctx.actor), bot=ctx.settings.bot_name))]


async def unknown(cmd: c.Unknown, ctx: CommandContext) -> list[Reply]:
    return [Reply("help/unknown_command.j2", dict(word=cmd.word))]
