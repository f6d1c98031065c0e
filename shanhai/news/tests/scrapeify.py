"""Damage a clean article the way the content farm of the seed article did.

``scrapeify(text)`` simulates what ``shared/reference/scrape-artifacts.md`` describes: the farm
ran simplified text through a tool that converts it to traditional characters (OpenCC s2t) and
writes tone-marked pinyin in parentheses after some characters; where the tool read the trail
byte of one GBK character and the lead byte of the next as one character it wrote ``?`` plus
that character's pinyin and ``)``, lost the next lead byte and wrote shifted nonsense until it
fell back in step — either at a trail byte in the ASCII range (门 is ``E9 54``: a stray ``T``)
or by losing one more byte and writing ``?`` plus the pinyin of the character whose trail byte
went missing. The page then gets the farm's chrome: breadcrumb, ``(资料图片)``, ``关键词:``,
a related-news list with its own dates, an ICP number and a copyright line.

The input is an article as in ``articles/*.txt``: the title on the first line, then header
lines (date and source line, byline) up to the first blank line, then paragraphs separated by
blank lines. The farm copies the page's own date/source line and invents none. An article that
is cut off mid-sentence gives a page cut off too: no chrome after the body, and the last
character's pinyin group is cut after a letter or two (``张彤对(du``).

``python shanhai/news/tests/scrapeify.py`` rewrites the scraped versions of the corpus from
the settings in ``SCRAPED``; ``--check`` then runs ``shanhai.news.cleaning.clean`` on each and
compares its paragraphs with the clean article's.
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import opencc
from pypinyin import Style, pinyin

ARTICLES = Path(__file__).resolve().parent / "articles"

# The scraped versions in the corpus: stem → keyword arguments of scrapeify.
SCRAPED: dict[str, dict[str, Any]] = {
    "01-yuhang-congjiang": {"seed": 1, "byte_slips": 2},
    "02-beilun-butuo": {"seed": 2, "byte_slips": 2, "pinyin_rate": 0.1},
    "06-beichen-huanxian": {"seed": 6, "byte_slips": 3},
    "07-dongcheng-aershan": {"seed": 7, "byte_slips": 2},
    "08-fuzhou-guyuan": {"seed": 8, "byte_slips": 2, "pinyin_rate": 0.06},
    "10-minhang-yuanyang": {"seed": 10, "byte_slips": 3},
}

_CJK_RUN = re.compile("[\u3400-\u9fff]+")
_SENTENCE_END = re.compile(r"[。！？!?；;…”’」』）)]\s*$")
# Lines after the body that do not tell whether the text was cut: editors, credits.
_TRAILER = re.compile(r"^[（(]?\s*(?:责任编辑|编辑|审核|校对|文/图|图/文|作者)\s*[:：]")
_FARMS = ("亚洲资本网", "东方财讯网", "华夏热点网", "环球视野网", "中国产经资讯网", "今日看点网")
_SECTIONS = ("资讯", "科技", "财经", "综合", "社会", "热点")
_RELATED = (
    "8月15日太阳能组件概念股报跌，福斯特跌近5%",
    "周末两天河北雷雨天气来扰 承德秦皇岛等地有中到大雨",
    "江西樟树：特色农业助增收",
    "银行行长表示：若存款金额达到“这个数”，可以和银行谈利率",
    "3月8日沪深两市成交额突破1.2万亿元",
    "新能源汽车下乡活动启动 首批投放车型超100款",
    "某地举办秋季招聘会 提供岗位3000余个",
    "暑期档票房破50亿元 国产影片占比超八成",
)


@cache
def _converter(config: str) -> Any:
    return opencc.OpenCC(config)


def _to_traditional(line: str) -> str:
    converted = str(_converter("s2t").convert(line))
    if len(converted) == len(line):
        return converted
    # Phrase conversion changed the length: convert character by character instead.
    return "".join(str(_converter("s2t").convert(char)) for char in line)


def _readings(simplified: str) -> list[str | None]:
    """Return the tone-marked reading of each character (None where it has none)."""
    readings: list[str | None] = [None] * len(simplified)
    for run in _CJK_RUN.finditer(simplified):
        found = pinyin(run.group(0), style=Style.TONE, errors="ignore")
        if len(found) != len(run.group(0)):
            found = [pinyin(char, style=Style.TONE, errors="ignore")[0] for char in run.group(0)]
        for offset, choices in enumerate(found):
            if choices and choices[0]:
                readings[run.start() + offset] = choices[0]
    return readings


def _reading(char: str) -> str | None:
    found = pinyin(char, style=Style.TONE, errors="ignore")
    return found[0][0] if found and found[0] and found[0][0] else None


def _gbk(char: str) -> bytes | None:
    try:
        encoded = char.encode("gbk")
    except UnicodeEncodeError:
        return None
    return encoded if len(encoded) == 2 else None


def _misread(lead: int, trail: int) -> str | None:
    """Return the character GB18030 reads from two bytes (private-use ones included)."""
    try:
        char = bytes([lead, trail]).decode("gb18030")
    except UnicodeDecodeError:
        return None
    return char if len(char) == 1 else None


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"


@dataclass
class _Line:
    simplified: str
    traditional: str
    readings: list[str | None]
    is_body: bool


@dataclass
class _Slip:
    start: int  # index of the character whose trail byte is misread with the next lead byte
    end: int  # index just after the run (after the character the closing marker stands for)
    text: str  # what the tool wrote for characters start+1 .. end-1


def _plan_slip(line: _Line, start: int, length: int) -> _Slip | None:
    """Work out what the tool writes when it misreads across characters *start* and *start*+1.

    Return None where the tool would not produce a valid result: a byte pair that is no
    character, a misread character without pinyin, or a run that meets a one-byte character.
    """
    chars = line.traditional
    if start + 2 >= len(chars):
        return None
    encoded = [_gbk(char) for char in chars]
    first, second = encoded[start], encoded[start + 1]
    if first is None or second is None or first[1] < 0x80:
        return None
    wrong = _misread(first[1], second[0])
    if wrong is None or not _is_cjk(wrong) or _reading(wrong) is None:
        return None
    written = f"?{_reading(wrong)})"
    index = start + 1
    while True:
        current, following = encoded[index], encoded[index + 1] if index + 1 < len(chars) else None
        if current is None:
            return None
        if current[1] < 0x80:
            # The trail byte is an ASCII letter: the tool reads it alone and is back in step.
            return _Slip(start, index + 1, written + chr(current[1]))
        if index - start > length:
            # Back in step here: the trail byte of this character is lost.
            reading = line.readings[index]
            if not _is_cjk(chars[index]) or reading is None:
                return None
            return _Slip(start, index + 1, written + f"?{reading})")
        if following is None:
            return None
        char = _misread(current[1], following[0])
        if char is None:
            return None
        written += char
        index += 1


def _mark_pinyin(line: _Line, annotated: frozenset[str], skip: set[int]) -> list[str]:
    """Return each character followed by its pinyin group where the tool wrote one."""
    out = []
    for index, char in enumerate(line.traditional):
        reading = line.readings[index]
        if index not in skip and char in annotated and reading is not None:
            out.append(f"{char}({reading})")
        else:
            out.append(char)
    return out


def _annotated_characters(lines: list[_Line], seed: int, rate: float) -> frozenset[str]:
    """Choose the characters the tool annotates: the same ones every time, as in the seed.

    Characters that the conversion changed are three times as likely to be chosen.
    """
    chosen = set()
    for line in lines:
        for simplified, traditional in zip(line.simplified, line.traditional, strict=True):
            if not _is_cjk(traditional):
                continue
            digest = hashlib.sha256(f"{seed}:{traditional}".encode()).digest()
            draw = int.from_bytes(digest[:4], "big") / 2**32
            if draw < (min(1.0, 3 * rate) if simplified != traditional else rate / 2):
                chosen.add(traditional)
    return frozenset(chosen)


def _line(simplified: str, *, is_body: bool) -> _Line:
    traditional = _to_traditional(simplified)
    return _Line(simplified, traditional, _readings(simplified), is_body)


def _split_article(text: str) -> tuple[str, list[str], list[str]]:
    blocks = re.split(r"\n\s*\n", text.strip())
    head = [line.strip() for line in blocks[0].splitlines() if line.strip()]
    paragraphs = [" ".join(block.split("\n")).strip() for block in blocks[1:]]
    return head[0], head[1:], [paragraph for paragraph in paragraphs if paragraph]


def scrapeify(
    text: str,
    *,
    seed: int = 0,
    pinyin_rate: float = 0.08,
    byte_slips: int = 2,
    chrome: bool = True,
) -> bytes:
    """Return the UTF-8 bytes of the page a content farm would make of the article *text*."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not a secret
    title, header, paragraphs = _split_article(text)
    closing = [p for p in paragraphs if not _TRAILER.match(p)]
    is_cut = bool(closing) and not _SENTENCE_END.search(closing[-1])
    farm, section = rng.choice(_FARMS), rng.choice(_SECTIONS)

    page: list[tuple[str, bool]] = []  # (simplified line, is body); "" is a blank line
    if chrome:
        page.append((f"{farm} > {section} > 正文", False))
    page.append((title, False))
    page += [(line, False) for line in header]
    page.append(("", False))
    caption_after = rng.randrange(min(3, len(paragraphs))) if chrome and paragraphs else -1
    for number, paragraph in enumerate(paragraphs):
        page += [(paragraph, True), ("", False)]
        if number == caption_after:
            page += [("", False), ("(资料图片)", False), ("", False)]
    if chrome and not is_cut:
        keywords = " ".join(
            rng.sample(["东西部协作", "乡村振兴", "帮扶", "协作"], rng.randint(0, 2))
        )
        page += [(f"关键词:{keywords}", False), ("", False), ("专题新闻", False)]
        for item in rng.sample(_RELATED, 5):
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            dated = f"{item} {rng.randint(2019, 2024)}-{month:02d}-{day:02d}"
            page.append((f"  • {dated if rng.random() < 0.6 else item}", False))
        registration = f"{rng.randint(2015, 2023)}{rng.randint(10**5, 10**6 - 1)}"
        icp = f"京ICP备{registration}号-{rng.randint(1, 60)}"
        page += [("", False), (icp, False), ("", False)]
        mail = " ".join(str(rng.randint(10, 99)) for _ in range(4))
        page.append(
            (f"Copyright © 2011-2020  {farm}   All Rights Reserved. 联系网站:{mail} @qq.com", False)
        )

    lines = [_line(simplified, is_body=is_body) for simplified, is_body in page]
    annotated = _annotated_characters(lines, seed, pinyin_rate)
    slips = _choose_slips(lines, rng, byte_slips)

    out = []
    for number, line in enumerate(lines):
        line_slips = sorted((slip for at, slip in slips if at == number), key=lambda s: s.start)
        skip = {i for slip in line_slips for i in range(slip.start + 1, slip.end)}
        marked = _mark_pinyin(line, annotated, skip)
        for slip in reversed(line_slips):
            # Characters start+1 .. end-1 are replaced by the marker and the misread run.
            marked[slip.start + 1 : slip.end] = [slip.text]
        out.append("".join(marked))
    if is_cut:
        out = _cut_inside_last_group(out, lines, rng)
    return ("\n".join(out).rstrip("\n") + ("" if is_cut else "\n")).encode()


def _choose_slips(lines: list[_Line], rng: random.Random, count: int) -> list[tuple[int, _Slip]]:
    """Pick *count* places in the body where the tool misreads, apart from each other."""
    candidates = [
        (number, start)
        for number, line in enumerate(lines)
        if line.is_body
        for start in range(len(line.traditional) - 2)
    ]
    rng.shuffle(candidates)
    chosen: list[tuple[int, _Slip]] = []
    for number, start in candidates:
        if len(chosen) >= count:
            break
        slip = _plan_slip(lines[number], start, rng.randint(1, 5))
        if slip is None:
            continue
        if any(at == number and _near(slip, other) for at, other in chosen):
            continue
        chosen.append((number, slip))
    return chosen


def _near(one: _Slip, other: _Slip) -> bool:
    return one.start < other.end + 2 and other.start < one.end + 2


def _cut_inside_last_group(out: list[str], lines: list[_Line], rng: random.Random) -> list[str]:
    """End the page inside the pinyin group of the last body character, as a crawl cut short."""
    last = max(number for number, line in enumerate(lines) if line.is_body)
    out = out[: last + 1]
    reading = lines[last].readings[-1] if lines[last].readings else None
    if reading is None:
        return out
    text = out[-1]
    # The group is cut after none, one or two of its letters: 对(, 对(d, 对(du.
    text = text[: -len(reading) - 1] if text.endswith(f"({reading})") else text + "("
    out[-1] = text + reading[: rng.randint(0, min(2, len(reading) - 1))]
    return out


def main(argv: list[str]) -> int:
    for stem, options in SCRAPED.items():
        text = (ARTICLES / f"{stem}.txt").read_text(encoding="utf-8")
        (ARTICLES / f"{stem}.scraped.txt").write_bytes(scrapeify(text, **options))
        print(f"wrote {stem}.scraped.txt")
    if "--check" in argv:
        return _check()
    return 0


def _check() -> int:
    """Clean each scraped version; compare with the clean article and with its cleaning."""
    from shanhai.news.cleaning import clean

    mismatches = 0
    for stem in SCRAPED:
        source = (ARTICLES / f"{stem}.txt").read_text(encoding="utf-8")
        title, _header, paragraphs = _split_article(source)
        want = [p for p in paragraphs if not _TRAILER.match(p) or "编辑" not in p]
        scraped = clean((ARTICLES / f"{stem}.scraped.txt").read_bytes())
        plain = clean(source)
        got = list(scraped.paragraphs)
        if scraped.byline and got and want and got[-1] + scraped.byline == want[-1]:
            got[-1] += scraped.byline  # the byline the cleaner split off the last paragraph
        same = sum(1 for paragraph in want if paragraph in got)
        same_as_plain = sum(
            1 for a, b in zip(scraped.paragraphs, plain.paragraphs, strict=False) if a == b
        )
        print(
            f"{stem}: {same}/{len(want)} body paragraphs found verbatim; "
            f"{same_as_plain}/{len(plain.paragraphs)} equal to clean(plain); "
            f"title {scraped.title == title}, date line {scraped.date_line == plain.date_line}, "
            f"byline {scraped.byline == plain.byline}, repaired {scraped.repaired}, "
            f"removed {len(scraped.removed)}"
        )
        for paragraph in want:
            if paragraph not in got:
                mismatches += 1
                near = max(got, key=lambda g: _common_prefix(g, paragraph), default="")
                at = _common_prefix(near, paragraph)
                print(f"  want …{paragraph[max(0, at - 15) : at + 25]}")
                print(f"  got  …{near[max(0, at - 15) : at + 25]}")
        for paragraph in got:
            if paragraph not in want:
                print(f"  extra paragraph: {paragraph[:60]}")
    return 1 if mismatches else 0


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
