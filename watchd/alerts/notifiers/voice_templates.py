"""The vendors' rules for voice templates, checked when the configuration is loaded, and the cleaning
of the values that fill them.

Voice templates are approved in the vendor's console and cannot be edited afterwards; the channel's
configuration carries the approved text (`template_text`) so a template that would be refused, or
that does not match the variables the channel fills, stops start-up with its key path instead of
failing at 3 a.m.

- Aliyun (docs 153274, 414170): 1-1,000 characters; none of `# / : - % ¥ 【 】`, no IP address, no
  "http"; variables `${name}` start with a letter, are not one of the reserved names email, mobile,
  id, nick, site, and never stand next to each other; public mode (no number bought) allows at most
  two variables.
- Tencent VMS (doc 1128/51568): at most 350 characters; variables `{1}`, `{2}`, ... in order.
- Both: nothing from the prohibited fields (党政, 维权, ...).
"""

from __future__ import annotations

import re
from collections.abc import Collection

ALIYUN_BANNED = ("#", "/", ":", "-", "%", "¥", "【", "】")
ALIYUN_RESERVED = frozenset({"email", "mobile", "id", "nick", "site"})
ALIYUN_MAX = 1000
ALIYUN_PUBLIC_MAX_VARIABLES = 2
TENCENT_MAX = 350
# Words of the fields both vendors refuse in voice content (敏感领域: 党政、维权 ...).
PROHIBITED_WORDS = (
    "党",
    "政府",
    "政协",
    "人大",
    "纪委",
    "书记",
    "国务院",
    "中央",
    "维权",
    "信访",
    "上访",
    "选举",
)
_ALIYUN_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ALIYUN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,29}$")
_TENCENT_VARIABLE = re.compile(r"\{([0-9]+)\}")
_IP = re.compile(r"\b[0-9]{1,3}(?:\.[0-9]{1,3}){3}\b")
_CLOCK = re.compile(r"\b([0-9]{1,2}):([0-9]{2})\b")


def prohibited_words(text: str) -> list[str]:
    return [w for w in PROHIBITED_WORDS if w in text]


def aliyun_template_problems(text: str, variables: Collection[str], *, public_mode: bool) -> list[str]:
    """What Aliyun would refuse in `text`, or what does not match the `variables` the channel fills."""
    problems: list[str] = []
    if not 1 <= len(text) <= ALIYUN_MAX:
        problems.append(f"is {len(text)} characters long; Aliyun allows 1 to {ALIYUN_MAX}")
    fixed = _ALIYUN_VARIABLE.sub("", text)
    banned = sorted({c for c in ALIYUN_BANNED if c in fixed}, key=ALIYUN_BANNED.index)
    if banned:
        problems.append(
            f"contains {' '.join(banned)}; Aliyun refuses the characters {' '.join(ALIYUN_BANNED)}"
        )
    if "http" in fixed.lower() or _IP.search(fixed):
        problems.append("contains a link or an IP address; Aliyun refuses both in voice templates")
    names = _ALIYUN_VARIABLE.findall(text)
    for name in names:
        if not _ALIYUN_NAME.match(name):
            problems.append(f"variable ${{{name}}}: a name starts with a letter (letters, digits, _)")
        elif name.lower() in ALIYUN_RESERVED:
            problems.append(
                f"variable ${{{name}}} uses a reserved name ({', '.join(sorted(ALIYUN_RESERVED))})"
            )
    if re.search(r"\}\s*\$\{", text):
        problems.append("two variables stand next to each other; Aliyun wants fixed text between them")
    if public_mode and len(set(names)) > ALIYUN_PUBLIC_MAX_VARIABLES:
        problems.append(
            f"has {len(set(names))} variables; a public-mode voice notice (no called_show_number) allows "
            f"at most {ALIYUN_PUBLIC_MAX_VARIABLES}"
        )
    if set(names) != set(variables):
        problems.append(
            f"has the variables {sorted(set(names))} but tts_params fills {sorted(variables)}; they must be the same"
        )
    problems += [
        f"contains {w!r}: political content (党政) is refused by Aliyun" for w in prohibited_words(text)
    ]
    return problems


def tencent_template_problems(text: str, param_count: int) -> list[str]:
    problems: list[str] = []
    if not 1 <= len(text) <= TENCENT_MAX:
        problems.append(f"is {len(text)} characters long; Tencent allows at most {TENCENT_MAX}")
    numbers = [int(n) for n in _TENCENT_VARIABLE.findall(text)]
    if sorted(set(numbers)) != list(range(1, len(set(numbers)) + 1)):
        problems.append("variables must be {1}, {2}, ... without gaps")
    if len(set(numbers)) != param_count:
        problems.append(f"has {len(set(numbers))} variables but template_params lists {param_count}")
    problems += [
        f"contains {w!r}: political content (党政) is refused by Tencent" for w in prohibited_words(text)
    ]
    return problems


def problems_text(problems: list[str]) -> str:
    return "; ".join(problems)


def spoken_value(value: str) -> str:
    """A value made safe for a voice template: "22:41" → "22点41分", the banned characters and links
    out (a site named "3号井-东" is read "3号井 东")."""
    value = _CLOCK.sub(r"\1点\2分", value)
    value = re.sub(r"https?://\S+", "", value)
    for char in ALIYUN_BANNED:
        value = value.replace(char, " ")
    return re.sub(r"\s+", " ", value).strip()[:100]
