"""A stored monthly report as titled tables: what the page, the XLSX sheets and the CSV all show.

Everything is read from a snapshot's ``content`` (never recomputed), in the reader's language
(the words are lazy strings, turned into text here in the language current at the call).
Durations are shown in minutes (time held in hours) and rates in per cent, rounded to 1 place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from helpdesk.tickets.labels import CHANNEL_LABELS, TYPE_LABELS
from helpdesk.tickets.states import Channel, TicketType

Cell = str | int | float | None

REJECT_LABELS = {
    "out_of_scope": _l("対応範囲外"),
    "insufficient_information": _l("情報不足"),
    "duplicate": _l("重複"),
    "not_reproducible": _l("再現しない"),
    "other": _l("その他"),
}


@dataclass(frozen=True)
class Table:
    """One section's figures: ``key`` names it (sheet order, chart placement), ``title`` is shown."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]


def percent(ratio: Mapping[str, Any]) -> float | None:
    """A stored ratio's rate in per cent (1 place), None when nothing was measured."""
    rate = ratio.get("rate")
    return None if rate is None else round(float(rate) * 100, 1)


def minutes(seconds: int | None) -> float | None:
    """Seconds as minutes, 1 place."""
    return None if seconds is None else round(seconds / 60, 1)


def reference_name(item: Mapping[str, Any], locale: str) -> str:
    """A site's, service's or party's name in the reader's language; "none" for tickets without one."""
    if not item.get("key"):
        return str(_l("（未設定）"))
    name = item.get("name_en") if locale == "en" and item.get("name_en") else item.get("name_ja")
    return str(name or item["key"])


def _enum_label(labels: Mapping[Any, Any], enum: Any, key: str) -> str:
    try:
        return str(labels[enum(key)])
    except (ValueError, KeyError):
        return key


def _when(value: str | None) -> str:
    """``2026-10-05T09:12:00+09:00`` → ``2026-10-05 09:12`` (the stored times are Japan time)."""
    return value[:16].replace("T", " ") if value else ""


def build_tables(content: Mapping[str, Any], *, locale: str) -> list[Table]:
    """Every section of a stored report as a table, in the order the report reads."""
    intake, fcr, p1 = content["intake"], content["first_contact"], content["p1_restorations"]
    count = str(_l("件数"))

    def counts(key: str, title: Any, label: Any, items: list[dict[str, Any]], name: Any) -> Table:
        return Table(key, str(title), [str(label), count], [[name(i), int(i["count"])] for i in items])

    tables = [
        counts("intake_type", _l("受付件数（種別）"), _l("種別"), intake["by_type"],
               lambda i: _enum_label(TYPE_LABELS, TicketType, i["key"])),
        counts("intake_channel", _l("受付件数（受付経路）"), _l("受付経路"), intake["by_channel"],
               lambda i: _enum_label(CHANNEL_LABELS, Channel, i["key"])),
        counts("intake_site", _l("受付件数（拠点）"), _l("拠点"), intake["by_site"],
               lambda i: reference_name(i, locale)),
        counts("intake_service", _l("受付件数（サービス）"), _l("サービス"), intake["by_service"],
               lambda i: reference_name(i, locale)),
        Table("first_contact", str(_l("一次解決率")),
              [str(_l("対象")), str(_l("一次解決")), str(_l("受付件数")), str(_l("一次解決率（%）"))],
              [[str(_l("電話受付")), fcr["phone"]["numerator"], fcr["phone"]["denominator"],
                percent(fcr["phone"])],
               [str(_l("全経路")), fcr["all_channels"]["numerator"], fcr["all_channels"]["denominator"],
                percent(fcr["all_channels"])]]),
        Table("compliance", str(_l("SLA達成状況（優先度別）")),
              [str(_l("優先度")), str(_l("初動 達成")), str(_l("初動 未達")), str(_l("初動 達成率（%）")),
               str(_l("解決・復旧 達成")), str(_l("解決・復旧 未達")), str(_l("解決・復旧 達成率（%）"))],
              [[c["priority"],
                c["response"]["numerator"], c["response"]["denominator"] - c["response"]["numerator"],
                percent(c["response"]),
                c["resolution"]["numerator"], c["resolution"]["denominator"] - c["resolution"]["numerator"],
                percent(c["resolution"])] for c in content["compliance"]]),
        Table("p1_summary", str(_l("P1 障害の1時間以内復旧")),
              [str(_l("復旧件数")), str(_l("1時間以内")), str(_l("1時間以内の率（%）"))],
              [[p1["within"]["denominator"], p1["within"]["numerator"], percent(p1["within"])]]),
        Table("p1_list", str(_l("P1 障害の復旧一覧")),
              [str(_l("管理番号")), str(_l("件名")), str(_l("検知")), str(_l("復旧")), str(_l("所要（分）")),
               str(_l("1時間以内"))],
              [[i["number"], i["subject"], _when(i["detected_at"]), _when(i["restored_at"]), i["minutes"],
                str(_l("はい")) if i["is_within_target"] else str(_l("いいえ"))] for i in p1["items"]]),
        Table("serious_incidents", str(_l("重大障害")),
              [str(_l("管理番号")), str(_l("件名")), str(_l("検知")), str(_l("復旧")), str(_l("所要（分）")),
               str(_l("登録理由"))],
              [[i["number"], i["title"], _when(i["detected_at"]), _when(i["restored_at"]), i["minutes"],
                i["reason"]] for i in content["serious_incidents"]]),
        Table("parties", str(_l("事業者別の状況")),
              [str(_l("事業者")), str(_l("受けた引継ぎ")), str(_l("応答件数")),
               str(_l("応答時間 中央値（分）")), str(_l("応答時間 90%（分）")), str(_l("応答期限超過")),
               str(_l("保持時間（時間）")),
               str(_l("差戻し（理由別）")), str(_l("応答目標 達成率（%）")), str(_l("保持目標 達成率（%）"))],
              [[reference_name({"key": p["code"], **p}, locale), p["handoffs_received"], p["acks_decided"],
                minutes(p["ack_p50_seconds"]), minutes(p["ack_p90_seconds"]), p["acks_missed"],
                round(p["held_seconds"] / 3600, 1),
                "、".join(f"{_enum_text(reason)} {n}" for reason, n in p["rejections"].items()),
                percent(p["acknowledge_target"]), percent(p["hold_target"])] for p in content["parties"]]),
        Table("satisfaction", str(_l("満足度")), [str(_l("評価")), count],
              [[str(rating), n] for rating, n in sorted(content["satisfaction"]["distribution"].items())]),
        counts("backlog_priority", _l("月末の未完了（優先度別）"), _l("優先度"),
               content["backlog"]["by_priority"],
               lambda i: str(i["key"])),
        counts("backlog_party", _l("月末の未完了（担当事業者別）"), _l("事業者"),
               content["backlog"]["by_party"],
               lambda i: reference_name(i, locale)),
    ]
    return tables


def _enum_text(reason: str) -> str:
    label = REJECT_LABELS.get(reason)
    return str(label) if label is not None else reason
