"""An article's publish date, source outlet and authors, read from its page lines.

The publish date is the page's own date line (2023-08-20 08:37:43来源: …, 发布时间：2023年11月3日)
or a date line of the header; never a date of the related-news list, which cleaning has cut
off, nor one inside the body. The outlet is what 来源 names, else the site the title was cut
from. Authors are the reporters, writers and photographers of the byline (记者 张三 李四,
文/图：王五, （铁璘琪 文/图）), never editors, reviewers or proof-readers.
"""

from __future__ import annotations

import re
from datetime import date

from shanhai.news.cleaning import OUTLET_SUFFIX, CleanArticle

__all__ = ["authors", "outlet", "publish_date"]

_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)"
)
_SOURCE = re.compile(r"(?:来源|来自|出处)\s*[:：]\s*(?P<outlet>[^\s:：|｜丨/】\]]{2,30})")
# An e-paper's line names its paper: 《乌兰察布日报》2021年11月19日 第02版
_PAPER = re.compile(r"《(?P<outlet>[^》]{2,20}(?:报|刊|杂志))》")
_NOT_AUTHORS = re.compile(
    r"(?:责任编辑|责编|编辑|审核|审校|校对|监制|终审|二审|一审|签发|来源|浏览|阅读|点击)\s*[:：].*$"
)
_ROLES = re.compile(
    # the outlet before a reporter's title: 庄浪县融媒体中心记者, 团结报全媒体记者
    rf"[\u4e00-\u9fff]{{2,10}}?{OUTLET_SUFFIX}"
    r"(?=全媒体|融媒体|见习|特约|首席|记者|通讯员)"
    r"|本报讯|本报记者|特约记者|见习记者|融媒体记者|记者|通讯员|实习生|作者|撰稿|撰文|文\s*[/／、]\s*图"
    r"|图\s*[/／]\s*文|图文|摄影|供图|报道|全媒体|融媒体|[:：()（）□■｜|]"
    # 文, 图 and 摄 stand alone (张三 摄, 文｜王五); inside a name (李文) they are the name's.
    r"|(?:(?<=[\s/／:：(（｜|□])|^)[文图摄](?=[\s/／:：)）｜|]|$)"
)
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
# On a page's information line each label names one thing: 来源：毕节日报 作者：罗娟 刘洋.
_OTHER_LABEL = re.compile(
    r"(?:责任编辑|责编|编辑|审核|审校|校对|监制|终审|签发|来源|浏览|阅读|点击|发布时间|时间)"
    r"\s*[:：]\s*\S*"
)
_OUTLET_WORD = re.compile(rf"{OUTLET_SUFFIX}$")
_LEADING_BYLINE = re.compile(
    r"^\s*(?P<outlet>[\u4e00-\u9fff]{0,12}讯)?\s*[(（]\s*"
    r"(?P<byline>[^()（）]{0,12}?(?:记者|通讯员)[^()（）]{2,40})[)）]"
)
_NAMED_AUTHOR = re.compile(
    r"(?:作者|记者|通讯员|撰稿|撰文|文/图|文／图)\s*[:：]?\s*"
    r"(?P<names>[\u4e00-\u9fff·]{2,5}(?:[\s、，,]+(?:(?:记者|通讯员|实习生)\s*[:：]?\s*)?"
    r"[\u4e00-\u9fff·]{2,5}){0,4})"
)


def publish_date(article: CleanArticle) -> date | None:
    for line in [article.date_line, *article.meta]:
        found = _DATE.search(line)
        if found:
            try:
                return date(int(found["y"]), int(found["m"]), int(found["d"]))
            except ValueError:
                continue
    return None


def outlet(article: CleanArticle) -> str:
    for line in [article.date_line, *article.meta]:
        found = _SOURCE.search(line) or _PAPER.search(line)
        if found:
            return found["outlet"].strip("，,。")
    if article.paragraphs:  # 六盘水日报讯（记者 何晓梅）…
        leading = _LEADING_BYLINE.match(article.paragraphs[0])
        if leading and leading["outlet"] and leading["outlet"] not in ("本报讯", "讯"):
            return leading["outlet"].removesuffix("讯")
    return article.site


def _names(text: str) -> list[str]:
    text = _NOT_AUTHORS.sub("", text)
    names: list[str] = []
    for piece in re.split(r"[\s、，,;；]+", _ROLES.sub(" ", text)):
        if _NAME.match(piece) and not _OUTLET_WORD.search(piece) and piece not in names:
            names.append(piece)
    return names


def authors(article: CleanArticle) -> str:
    """The authors' names joined by a space: "张三 李四"; "" when the page names none."""
    names: list[str] = []
    pieces = [article.byline]
    for line in [article.date_line, *article.meta]:  # 来源：铜仁网 作者：田茂松
        pieces += [found["names"] for found in _NAMED_AUTHOR.finditer(_OTHER_LABEL.sub(" ", line))]
    if article.paragraphs:
        leading = _LEADING_BYLINE.match(article.paragraphs[0])
        if leading:
            pieces.append(leading["byline"])
    for piece in pieces:
        for name in _names(piece):
            if name not in names:
                names.append(name)
    return " ".join(names)
