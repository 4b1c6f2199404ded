"""The office's documents on demand: #周报, #通报 (the text draft, `#通报 文档`: the Word document — both 草稿,
never with a 文号 —, or `#通报 列表`: the 通报 issued), #考核 (the 责任督学考核 workbook). Issuing is
handlers/bulletins.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.contract import CommandContext, Reply, UserError
from bot.domain.permissions import Action
from bot.parsing.normalize import split_words
from bot.parsing.periods import PeriodError, parse_period
from bot.reports.assessment import assessment
from bot.reports.bulletin import BULLETIN_TEMPLATE, bulletin_values
from bot.reports.issued import listing
from bot.reports.weekly_digest import WEEKLY_TEMPLATE, last_full_week, weekly_digest_values
from bot.routing import Router, Usage
from handlers.steps.asked_period import month_asked, not_before_the_first_record, period_asked
from handlers.steps.lookup import need
from handlers.steps.reach import shows_all
from handlers.steps.scope import district_named
from handlers.steps.views import export_path

router = Router("documents")
KINDS = {"周报": "weekly", "通报": "bulletin"}
DOCUMENT_WORDS = {"文档", "word", "docx", "文件", "公文"}
LIST_WORDS = {"列表", "已印发", "清单"}


@dataclass(frozen=True)
class Digest:
    """#周报 / #通报 on demand; `#通报 文档 [2024-03]` for the Word document."""

    kind: str  # weekly / bulletin / issued (the list of 通报 issued)
    document: bool = False
    month: str = ""  # the month asked for, as written ("": this month)


def parse_digest(word: str, rest: str) -> Digest:
    words = split_words(rest)
    if word == "通报" and len(words) == 1 and words[0] in LIST_WORDS:
        return Digest(kind="issued")
    document = any(w.lower() in DOCUMENT_WORDS for w in words)
    month = " ".join(w for w in words if w.lower() not in DOCUMENT_WORDS)
    return Digest(kind=KINDS[word], document=document and word == "通报", month=month)


@router.command(Digest, "周报", "通报", parse=parse_digest, action=Action.DIGEST,
                help={"周报": "help/weekly.j2", "通报": "help/bulletin.j2"},
                usage=Usage("#周报 / #通报", "生成周报、通报草稿（#通报 文档：Word 文档，#通报 列表：已印发的）",
                            example="#周报"))
async def digest(cmd: Digest, ctx: CommandContext) -> list[Reply]:
    """#周报 / #通报: the weekly digest, or the month's 通报 — the text draft, or the Word document as a file (the
    office, in its room or privately)."""
    need(ctx, Action.DIGEST)
    if not shows_all(ctx):
        raise UserError("digests/office_room_only.j2")
    if cmd.kind == "issued":
        return [Reply("digests/bulletins_issued.j2", dict(rows=await listing(ctx.session, ctx.roster)))]
    if cmd.kind == "weekly":
        monday = _week(ctx, cmd.month)
        await not_before_the_first_record(ctx, monday, monday + timedelta(days=6), f"{monday:%Y}年第"
                                           f"{monday.isocalendar()[1]}周")
        return [Reply(WEEKLY_TEMPLATE, await weekly_digest_values(ctx.session, ctx.roster, ctx.now, monday))]
    month = month_asked(ctx, cmd.month, strict=cmd.document)
    await not_before_the_first_record(ctx, month.first, month.last, month.label)
    if not cmd.document:
        return [Reply(BULLETIN_TEMPLATE, await bulletin_values(ctx.session, ctx.roster, ctx.now, month.first))]
    # imported here: python-docx/openpyxl cost the running bot ~15 MB for what is asked once a month
    from bot.reports.bulletin_doc import TemplateUnusable, bulletin_doc_values, write_bulletin_doc

    values = await bulletin_doc_values(ctx.session, ctx.roster, ctx.now, month.first)
    path = export_path(ctx, f"{ctx.roster.county}{month.label}督导通报", ".docx")
    try:
        write_bulletin_doc(values, path, ctx.settings.bulletin_template)
    except TemplateUnusable as err:
        raise UserError("digests/bulletin_template_bad.j2", **err.values()) from None
    return [Reply("digests/bulletin_document.j2", dict(label=month.label, name=path.name), files=(str(path),))]


def _week(ctx: CommandContext, text: str) -> date:
    """The Monday of the week asked for: this week so far when none, 上周, 第38周, or any span that is one ISO week."""
    if not text:
        return ctx.today - timedelta(days=ctx.today.weekday())
    if text in ("上周", "上一周"):
        return last_full_week(ctx.today)
    try:
        period = parse_period(text, ctx.today, ctx.roster.terms)
    except PeriodError as err:
        raise UserError("errors/period_bad.j2", **err.values(ctx.roster.terms)) from None
    if period.first.weekday() != 0 or period.last - period.first != timedelta(days=6):
        raise UserError("digests/weekly_period.j2", text=text[:20])
    return period.first


@dataclass(frozen=True)
class Assess:
    """#考核 [责任区] [2024-03 | 9月 | 上周 | 第38周 | 9月1日-9月30日 | 2024-03~2024-06 | 本学期 | 学期名称 | 2024 |
    去年]: a district named in words (第一责任区, 一区) narrows it to that district's supervisors."""

    words: tuple[str, ...] = ()  # as written (none: the county, this month)


@router.command(Assess, "考核", parse=lambda word, rest: Assess(words=split_words(rest)),
                action=Action.ASSESS, help={"考核": "help/assessment.j2"},
                usage=Usage("#考核 [时间] [责任区]", "责任督学考核表（Excel）", example="#考核 本学期"))
async def assess(cmd: Assess, ctx: CommandContext) -> list[Reply]:
    """#考核: the 责任督学考核 workbook for any period parse_period reads (default this month) — sent
    where the office asked when that room may show every school, else privately."""
    need(ctx, Action.ASSESS)
    named = [(w, district_named(ctx, w)) for w in cmd.words]
    districts = [d for _, d in named if d is not None]
    if len({d.id for d in districts}) > 1:
        raise UserError("digests/assessment_one_district.j2", names=[d.name for d in districts])
    district = districts[0] if districts else None
    period = period_asked(ctx, " ".join(w for w, d in named if d is None))
    from bot.reports.assessment_book import write_assessment  # openpyxl only when asked (memory)

    await not_before_the_first_record(ctx, period.first, period.last, period.label)
    found = await assessment(ctx.session, ctx.roster, period, ctx.now,
                             districts=frozenset({district.id}) if district is not None else None)
    slug = f"{district.name}-{period.slug}" if district is not None else period.slug
    path = export_path(ctx, f"责任督学考核-{slug}", ".xlsx")
    write_assessment(found, path, ctx.local(ctx.now))
    reply = Reply("digests/assessment_sent.j2", dict(label=period.label, people=len(found.rows), name=path.name,
                                                    until=found.until, last=found.period.last,
                                                    district=district.name if district is not None else ""),
                  files=(str(path),))
    if shows_all(ctx):
        return [reply]
    return [Reply("digests/assessment_private.j2"), Reply(reply.template, reply.values, to=ctx.actor.chat_id,
                                                         files=reply.files)]
