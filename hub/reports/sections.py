"""The monthly report's sections, as §6 of the notice names what the 书面材料 must hold:
"上阶段工作整体情况、取得的实效、经验做法以及存在的问题", and 下一步工作, which such reports
close with in practice. The first two are filled from the figures (hub.reports.figures) and
may carry an operator's words beside them; the others are the operators' text alone, kept per
month and section (hub.store.report_texts) until the month is filed.
"""

from dataclasses import dataclass

from hub.errors import UnknownSection

__all__ = ["SECTIONS", "TEXT_LIMIT", "Section", "section_named"]

TEXT_LIMIT = 20_000  # characters per section: several pages, not a file dump


@dataclass(frozen=True)
class Section:
    key: str  # as the API and the CLI name it
    title: str  # the heading printed in the report
    from_figures: bool  # the figures fill it; the text, if any, follows them


SECTIONS: tuple[Section, ...] = (
    Section("overall", "一、总体情况", True),
    Section("results", "二、工作成效", True),
    Section("practices", "三、经验做法", False),
    Section("problems", "四、存在问题", False),
    Section("next_steps", "五、下一步工作", False),
)


def section_named(key: str) -> Section:
    """The section called `key`; UnknownSection (listing the names) if there is none."""
    for section in SECTIONS:
        if section.key == key:
            return section
    raise UnknownSection([s.key for s in SECTIONS])
