"""Demo content for the Helpdesk application (pure data, standard library only).

The data describes a fictitious Japanese ministry whose LAN serves 5,000+ staff
at headquarters (本省), external sites (外部拠点), regional bureaus (地方支分局)
and a disaster-recovery centre (DRセンター).  Staff contact the help desk /
call centre (party ``helpdesk``); the LAN itself is run by a separate
operations vendor (``operations``) with its security team (``security``).
There is also a terminal (PC) maintenance vendor (``terminal_vendor``), the
line carrier (``carrier``) and the ministry's IT office (``ministry``).

Contents:

* ``SITES``, ``DEPARTMENTS``, ``PARTIES``, ``SERVICES``: reference data.
* ``PEOPLE``: demo users.  The first person of each role in the list is the
  demo login for that role.
* ``TICKET_SCENARIOS``: hand-written ticket scenarios in natural Japanese.
  Text may contain the placeholders ``{site}``, ``{floor}``, ``{device}``,
  ``{time}`` and ``{extension}`` (the requester's internal phone number).
* ``generate_ticket_specs()``: expands the scenarios into a deterministic list
  of ticket specifications with every placeholder filled in.

Nothing here touches a database or the Flask application; the seeding code
maps these plain dictionaries onto models.  All names, addresses and numbers
are fictitious (``example.go.jp`` / ``example.co.jp`` domains).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Literal, NotRequired, TypedDict

__all__ = [
    "DEPARTMENTS",
    "JST",
    "PARTIES",
    "PEOPLE",
    "REFERENCE_NOW",
    "SERVICES",
    "SITES",
    "TICKET_SCENARIOS",
    "ConversationStep",
    "Department",
    "Party",
    "Person",
    "Scenario",
    "Service",
    "Site",
    "SpecStep",
    "TicketSpec",
    "generate_ticket_specs",
]

# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------

SiteKind = Literal["hq", "external", "regional", "dr"]
Role = Literal["requester", "agent", "supervisor", "vendor", "security", "admin"]
Locale = Literal["ja", "en"]
ServiceCategory = Literal[
    "communication", "infrastructure", "endpoint", "security", "account"
]
TicketType = Literal["inquiry", "fault", "request", "security"]
Impact = Literal["person", "division", "site", "ministry"]
Urgency = Literal["low", "medium", "high"]
Channel = Literal["portal", "phone", "mail"]
Outcome = Literal[
    "first_line",
    "escalate_operations",
    "escalate_terminal_vendor",
    "escalate_security",
    "pending_requester",
    "open",
]
StepKind = Literal["public_reply", "internal_note", "phone_call", "requester_reply"]
StepBy = Literal["agent", "requester", "vendor"]


class Site(TypedDict):
    code: str
    name_ja: str
    name_en: str
    kind: SiteKind


class Department(TypedDict):
    code: str
    name_ja: str
    name_en: str
    site: str


class Party(TypedDict):
    code: str
    name_ja: str
    name_en: str
    is_24x7: bool


class Service(TypedDict):
    code: str
    name_ja: str
    name_en: str
    category: ServiceCategory
    default_party: str


class Person(TypedDict):
    email: str
    family_name: str
    given_name: str
    family_kana: str
    given_kana: str
    role: Role
    party: str | None
    is_lead: bool
    site: str
    department: str | None
    extension: str
    locale: Locale


class ConversationStep(TypedDict):
    kind: StepKind
    by: StepBy
    body: str


class Scenario(TypedDict):
    type: TicketType
    service: str
    impact: Impact
    urgency: Urgency
    subject: str
    description: str
    outcome: Outcome
    conversation: list[ConversationStep]
    resolution: str
    channel_weights: NotRequired[dict[Channel, int]]
    # Restricts the requester to sites of these kinds (e.g. WAN line faults
    # make no sense at headquarters).  Absent means "any site".
    requester_site_kinds: NotRequired[list[SiteKind]]


class SpecStep(TypedDict):
    kind: StepKind
    by: StepBy
    body: str
    minutes_after_open: int


class TicketSpec(TypedDict):
    type: TicketType
    service: str
    impact: Impact
    urgency: Urgency
    channel: Channel
    requester: str
    subject: str
    description: str
    opened_minutes_ago: int
    outcome: Outcome
    conversation: list[SpecStep]
    resolution: str


# ---------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------

SITES: list[Site] = [
    {
        "code": "hq",
        "name_ja": "本省庁舎",
        "name_en": "Headquarters Main Building",
        "kind": "hq",
    },
    {
        "code": "hq-annex",
        "name_ja": "本省別館",
        "name_en": "Headquarters Annex",
        "kind": "hq",
    },
    {
        "code": "ext-minato",
        "name_ja": "港分室",
        "name_en": "Minato Branch Office",
        "kind": "external",
    },
    {
        "code": "ext-tachikawa",
        "name_ja": "立川防災分室",
        "name_en": "Tachikawa Disaster Management Office",
        "kind": "external",
    },
    {
        "code": "ext-makuhari",
        "name_ja": "幕張研修センター",
        "name_en": "Makuhari Training Centre",
        "kind": "external",
    },
    {
        "code": "reg-hokkaido",
        "name_ja": "北海道地方局",
        "name_en": "Hokkaido Regional Bureau",
        "kind": "regional",
    },
    {
        "code": "reg-kanto",
        "name_ja": "関東地方局",
        "name_en": "Kanto Regional Bureau",
        "kind": "regional",
    },
    {
        "code": "reg-kinki",
        "name_ja": "近畿地方局",
        "name_en": "Kinki Regional Bureau",
        "kind": "regional",
    },
    {
        "code": "reg-kyushu",
        "name_ja": "九州地方局",
        "name_en": "Kyushu Regional Bureau",
        "kind": "regional",
    },
    {
        "code": "dr-center",
        "name_ja": "西日本DRセンター",
        "name_en": "West Japan Disaster Recovery Centre",
        "kind": "dr",
    },
]

DEPARTMENTS: list[Department] = [
    {
        "code": "somu",
        "name_ja": "大臣官房総務課",
        "name_en": "General Affairs Division, Minister's Secretariat",
        "site": "hq",
    },
    {
        "code": "jinji",
        "name_ja": "大臣官房人事課",
        "name_en": "Personnel Division, Minister's Secretariat",
        "site": "hq",
    },
    {
        "code": "kaikei",
        "name_ja": "大臣官房会計課",
        "name_en": "Accounts Division, Minister's Secretariat",
        "site": "hq",
    },
    {
        "code": "kokusai",
        "name_ja": "大臣官房国際課",
        "name_en": "International Affairs Division, Minister's Secretariat",
        "site": "hq",
    },
    {
        "code": "johoka",
        "name_ja": "情報化推進室",
        "name_en": "IT Promotion Office",
        "site": "hq",
    },
    {
        "code": "seisaku",
        "name_ja": "総合政策局政策課",
        "name_en": "Policy Division, Policy Bureau",
        "site": "hq",
    },
    {
        "code": "chiiki",
        "name_ja": "地域振興局企画課",
        "name_en": "Planning Division, Regional Development Bureau",
        "site": "hq-annex",
    },
    {
        "code": "tokei",
        "name_ja": "統計調査部統計企画課",
        "name_en": "Statistics Planning Division, Statistics Department",
        "site": "hq-annex",
    },
    {
        "code": "renkei",
        "name_ja": "産業連携推進室",
        "name_en": "Industry Collaboration Office",
        "site": "ext-minato",
    },
    {
        "code": "bousai",
        "name_ja": "防災対策室",
        "name_en": "Disaster Preparedness Office",
        "site": "ext-tachikawa",
    },
    {
        "code": "kenshu",
        "name_ja": "研修センター教務課",
        "name_en": "Training Affairs Division, Training Centre",
        "site": "ext-makuhari",
    },
    {
        "code": "hkd-somu",
        "name_ja": "北海道地方局総務課",
        "name_en": "General Affairs Division, Hokkaido Regional Bureau",
        "site": "reg-hokkaido",
    },
    {
        "code": "knt-somu",
        "name_ja": "関東地方局総務課",
        "name_en": "General Affairs Division, Kanto Regional Bureau",
        "site": "reg-kanto",
    },
    {
        "code": "knk-somu",
        "name_ja": "近畿地方局総務課",
        "name_en": "General Affairs Division, Kinki Regional Bureau",
        "site": "reg-kinki",
    },
    {
        "code": "kys-somu",
        "name_ja": "九州地方局総務課",
        "name_en": "General Affairs Division, Kyushu Regional Bureau",
        "site": "reg-kyushu",
    },
    {
        "code": "dr-kanri",
        "name_ja": "西日本DRセンター管理課",
        "name_en": "Administration Division, West Japan DR Centre",
        "site": "dr-center",
    },
]

PARTIES: list[Party] = [
    {
        "code": "helpdesk",
        "name_ja": "ヘルプデスク（コールセンター）",
        "name_en": "Help Desk / Call Centre",
        "is_24x7": False,
    },
    {
        "code": "operations",
        "name_ja": "LAN運用保守事業者",
        "name_en": "LAN Operations Vendor",
        "is_24x7": True,
    },
    {
        "code": "security",
        "name_ja": "セキュリティ監視チーム",
        "name_en": "Security Operations Team",
        "is_24x7": True,
    },
    {
        "code": "terminal_vendor",
        "name_ja": "端末保守事業者",
        "name_en": "Terminal (PC) Maintenance Vendor",
        "is_24x7": False,
    },
    {
        "code": "carrier",
        "name_ja": "回線事業者",
        "name_en": "Line Carrier",
        "is_24x7": False,
    },
    {
        "code": "ministry",
        "name_ja": "情報化推進室",
        "name_en": "Ministry IT Promotion Office",
        "is_24x7": False,
    },
]

SERVICES: list[Service] = [
    {
        "code": "mail",
        "name_ja": "電子メール",
        "name_en": "E-mail",
        "category": "communication",
        "default_party": "operations",
    },
    {
        "code": "fileserver",
        "name_ja": "ファイルサーバ",
        "name_en": "File server",
        "category": "infrastructure",
        "default_party": "operations",
    },
    {
        "code": "network",
        "name_ja": "庁内LAN（有線ネットワーク）",
        "name_en": "Office LAN (wired network)",
        "category": "infrastructure",
        "default_party": "operations",
    },
    {
        "code": "wifi",
        "name_ja": "無線LAN",
        "name_en": "Wireless LAN",
        "category": "infrastructure",
        "default_party": "operations",
    },
    {
        "code": "wan",
        "name_ja": "拠点間回線（WAN）",
        "name_en": "Inter-site line (WAN)",
        "category": "infrastructure",
        "default_party": "carrier",
    },
    {
        "code": "vpn",
        "name_ja": "リモートアクセス（VPN・テレワーク）",
        "name_en": "Remote access (VPN / telework)",
        "category": "infrastructure",
        "default_party": "operations",
    },
    {
        "code": "auth",
        "name_ja": "認証基盤・アカウント",
        "name_en": "Authentication and accounts",
        "category": "account",
        "default_party": "operations",
    },
    {
        "code": "printer",
        "name_ja": "プリンタ・複合機",
        "name_en": "Printers and multifunction devices",
        "category": "endpoint",
        "default_party": "terminal_vendor",
    },
    {
        "code": "pc",
        "name_ja": "業務用端末（PC）",
        "name_en": "Office PCs",
        "category": "endpoint",
        "default_party": "terminal_vendor",
    },
    {
        "code": "groupware",
        "name_ja": "グループウェア・ポータル",
        "name_en": "Groupware and portal",
        "category": "communication",
        "default_party": "operations",
    },
    {
        "code": "webconf",
        "name_ja": "Web会議",
        "name_en": "Web conferencing",
        "category": "communication",
        "default_party": "operations",
    },
    {
        "code": "infosec",
        "name_ja": "情報セキュリティ（ウイルス・不審メール等）",
        "name_en": "Information security (malware, phishing, loss)",
        "category": "security",
        "default_party": "security",
    },
]

# ---------------------------------------------------------------------------
# People.  The FIRST person of each role is the demo login for that role.
# ---------------------------------------------------------------------------

PEOPLE: list[Person] = [
    # --- requesters (ordinary staff, party None) ---------------------------
    {
        "email": "misaki.sato@example.go.jp",
        "family_name": "佐藤",
        "given_name": "美咲",
        "family_kana": "サトウ",
        "given_kana": "ミサキ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "hq",
        "department": "somu",
        "extension": "2314",
        "locale": "ja",
    },
    {
        "email": "kentaro.takahashi@example.go.jp",
        "family_name": "髙橋",
        "given_name": "健太郎",
        "family_kana": "タカハシ",
        "given_kana": "ケンタロウ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "hq",
        "department": "jinji",
        "extension": "2471",
        "locale": "ja",
    },
    {
        "email": "akiko.yamazaki@example.go.jp",
        "family_name": "山﨑",
        "given_name": "亜希子",
        "family_kana": "ヤマザキ",
        "given_kana": "アキコ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "hq-annex",
        "department": "tokei",
        "extension": "4125",
        "locale": "ja",
    },
    {
        "email": "daisuke.suzuki@example.go.jp",
        "family_name": "鈴木",
        "given_name": "大輔",
        "family_kana": "スズキ",
        "given_kana": "ダイスケ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "hq",
        "department": "kaikei",
        "extension": "2536",
        "locale": "ja",
    },
    {
        "email": "mari.watanabe@example.go.jp",
        "family_name": "渡邊",
        "given_name": "真理",
        "family_kana": "ワタナベ",
        "given_kana": "マリ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "hq",
        "department": "kaikei",
        "extension": "2540",
        "locale": "ja",
    },
    {
        "email": "sho.onodera@example.go.jp",
        "family_name": "小野寺",
        "given_name": "翔",
        "family_kana": "オノデラ",
        "given_kana": "ショウ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "hq",
        "department": "kokusai",
        "extension": "2682",
        "locale": "en",
    },
    {
        "email": "haruka.igarashi@example.go.jp",
        "family_name": "五十嵐",
        "given_name": "遥",
        "family_kana": "イガラシ",
        "given_kana": "ハルカ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "hq-annex",
        "department": "chiiki",
        "extension": "4318",
        "locale": "ja",
    },
    {
        "email": "emily.brown@example.go.jp",
        "family_name": "ブラウン",
        "given_name": "エミリー",
        "family_kana": "ブラウン",
        "given_kana": "エミリー",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "hq",
        "department": "kokusai",
        "extension": "2685",
        "locale": "en",
    },
    {
        "email": "makoto.hasegawa@example.go.jp",
        "family_name": "長谷川",
        "given_name": "誠",
        "family_kana": "ハセガワ",
        "given_kana": "マコト",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "ext-minato",
        "department": "renkei",
        "extension": "71203",
        "locale": "ja",
    },
    {
        "email": "sayaka.shoji@example.go.jp",
        "family_name": "東海林",
        "given_name": "沙耶香",
        "family_kana": "ショウジ",
        "given_kana": "サヤカ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "ext-minato",
        "department": "renkei",
        "extension": "71208",
        "locale": "ja",
    },
    {
        "email": "takashi.teshigawara@example.go.jp",
        "family_name": "勅使河原",
        "given_name": "隆",
        "family_kana": "テシガワラ",
        "given_kana": "タカシ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "ext-tachikawa",
        "department": "bousai",
        "extension": "72110",
        "locale": "ja",
    },
    {
        "email": "yui.miyagi@example.go.jp",
        "family_name": "宮城",
        "given_name": "結衣",
        "family_kana": "ミヤギ",
        "given_kana": "ユイ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "ext-makuhari",
        "department": "kenshu",
        "extension": "73021",
        "locale": "ja",
    },
    {
        "email": "takumi.sugawara@example.go.jp",
        "family_name": "菅原",
        "given_name": "拓海",
        "family_kana": "スガワラ",
        "given_kana": "タクミ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "reg-hokkaido",
        "department": "hkd-somu",
        "extension": "51104",
        "locale": "ja",
    },
    {
        "email": "megumi.sasaki@example.go.jp",
        "family_name": "佐々木",
        "given_name": "恵",
        "family_kana": "ササキ",
        "given_kana": "メグミ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "reg-hokkaido",
        "department": "hkd-somu",
        "extension": "51117",
        "locale": "ja",
    },
    {
        "email": "naoki.kobayashi@example.go.jp",
        "family_name": "小林",
        "given_name": "直樹",
        "family_kana": "コバヤシ",
        "given_kana": "ナオキ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "reg-kanto",
        "department": "knt-somu",
        "extension": "52203",
        "locale": "ja",
    },
    {
        "email": "chihiro.arai@example.go.jp",
        "family_name": "新井",
        "given_name": "千尋",
        "family_kana": "アライ",
        "given_kana": "チヒロ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "reg-kanto",
        "department": "knt-somu",
        "extension": "52218",
        "locale": "ja",
    },
    {
        "email": "masato.hattori@example.go.jp",
        "family_name": "服部",
        "given_name": "正人",
        "family_kana": "ハットリ",
        "given_kana": "マサト",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "reg-kinki",
        "department": "knk-somu",
        "extension": "53305",
        "locale": "ja",
    },
    {
        "email": "nao.tsujimoto@example.go.jp",
        "family_name": "辻本",
        "given_name": "奈緒",
        "family_kana": "ツジモト",
        "given_kana": "ナオ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "reg-kinki",
        "department": "knk-somu",
        "extension": "53321",
        "locale": "ja",
    },
    {
        "email": "ryo.higa@example.go.jp",
        "family_name": "比嘉",
        "given_name": "亮",
        "family_kana": "ヒガ",
        "given_kana": "リョウ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "reg-kyushu",
        "department": "kys-somu",
        "extension": "54402",
        "locale": "ja",
    },
    {
        "email": "kazuko.zaitsu@example.go.jp",
        "family_name": "財津",
        "given_name": "和子",
        "family_kana": "ザイツ",
        "given_kana": "カズコ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "reg-kyushu",
        "department": "kys-somu",
        "extension": "54415",
        "locale": "ja",
    },
    {
        "email": "eita.ichinose@example.go.jp",
        "family_name": "一ノ瀬",
        "given_name": "瑛太",
        "family_kana": "イチノセ",
        "given_kana": "エイタ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "dr-center",
        "department": "dr-kanri",
        "extension": "55010",
        "locale": "ja",
    },
    {
        "email": "hina.nakamura@example.go.jp",
        "family_name": "中村",
        "given_name": "陽菜",
        "family_kana": "ナカムラ",
        "given_kana": "ヒナ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "hq",
        "department": "seisaku",
        "extension": "2751",
        "locale": "ja",
    },
    {
        "email": "satoshi.saotome@example.go.jp",
        "family_name": "早乙女",
        "given_name": "聡",
        "family_kana": "サオトメ",
        "given_kana": "サトシ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "hq-annex",
        "department": "chiiki",
        "extension": "4322",
        "locale": "ja",
    },
    {
        "email": "shinya.ueno@example.go.jp",
        "family_name": "上野",
        "given_name": "慎也",
        "family_kana": "ウエノ",
        "given_kana": "シンヤ",
        "role": "requester",
        "party": None,
        "is_lead": False,
        "site": "hq",
        "department": "seisaku",
        "extension": "2763",
        "locale": "ja",
    },
    # --- help-desk agents (contractor) -------------------------------------
    {
        "email": "mayumi.ishikawa@helpdesk.example.co.jp",
        "family_name": "石川",
        "given_name": "真由美",
        "family_kana": "イシカワ",
        "given_kana": "マユミ",
        "role": "agent",
        "party": "helpdesk",
        "is_lead": False,
        "site": "hq-annex",
        "department": None,
        "extension": "4101",
        "locale": "ja",
    },
    {
        "email": "hikaru.araki@helpdesk.example.co.jp",
        "family_name": "荒木",
        "given_name": "光",
        "family_kana": "アラキ",
        "given_kana": "ヒカル",
        "role": "agent",
        "party": "helpdesk",
        "is_lead": False,
        "site": "hq-annex",
        "department": None,
        "extension": "4102",
        "locale": "ja",
    },
    {
        "email": "kotone.hosoya@helpdesk.example.co.jp",
        "family_name": "細谷",
        "given_name": "琴音",
        "family_kana": "ホソヤ",
        "given_kana": "コトネ",
        "role": "agent",
        "party": "helpdesk",
        "is_lead": False,
        "site": "hq-annex",
        "department": None,
        "extension": "4103",
        "locale": "ja",
    },
    {
        "email": "yuma.owada@helpdesk.example.co.jp",
        "family_name": "大和田",
        "given_name": "悠真",
        "family_kana": "オオワダ",
        "given_kana": "ユウマ",
        "role": "agent",
        "party": "helpdesk",
        "is_lead": False,
        "site": "hq-annex",
        "department": None,
        "extension": "4104",
        "locale": "ja",
    },
    {
        "email": "satomi.jonouchi@helpdesk.example.co.jp",
        "family_name": "城之内",
        "given_name": "里美",
        "family_kana": "ジョウノウチ",
        "given_kana": "サトミ",
        "role": "agent",
        "party": "helpdesk",
        "is_lead": False,
        "site": "hq-annex",
        "department": None,
        "extension": "4105",
        "locale": "ja",
    },
    {
        "email": "takuya.kinjo@helpdesk.example.co.jp",
        "family_name": "金城",
        "given_name": "拓也",
        "family_kana": "キンジョウ",
        "given_kana": "タクヤ",
        "role": "agent",
        "party": "helpdesk",
        "is_lead": False,
        "site": "hq-annex",
        "department": None,
        "extension": "4106",
        "locale": "ja",
    },
    # --- help-desk supervisors ----------------------------------------------
    {
        "email": "yasuhiro.tsutsumi@helpdesk.example.co.jp",
        "family_name": "堤",
        "given_name": "康弘",
        "family_kana": "ツツミ",
        "given_kana": "ヤスヒロ",
        "role": "supervisor",
        "party": "helpdesk",
        "is_lead": True,
        "site": "hq-annex",
        "department": None,
        "extension": "4100",
        "locale": "ja",
    },
    {
        "email": "aya.mizuno@helpdesk.example.co.jp",
        "family_name": "水野",
        "given_name": "綾",
        "family_kana": "ミズノ",
        "given_kana": "アヤ",
        "role": "supervisor",
        "party": "helpdesk",
        "is_lead": False,
        "site": "hq-annex",
        "department": None,
        "extension": "4107",
        "locale": "ja",
    },
    # --- vendors: LAN operations (3) and terminal maintenance (1) -----------
    {
        "email": "daichi.kiryu@ops.example.co.jp",
        "family_name": "桐生",
        "given_name": "大地",
        "family_kana": "キリュウ",
        "given_kana": "ダイチ",
        "role": "vendor",
        "party": "operations",
        "is_lead": True,
        "site": "hq",
        "department": None,
        "extension": "2901",
        "locale": "ja",
    },
    {
        "email": "osamu.onizuka@ops.example.co.jp",
        "family_name": "鬼塚",
        "given_name": "修",
        "family_kana": "オニヅカ",
        "given_kana": "オサム",
        "role": "vendor",
        "party": "operations",
        "is_lead": False,
        "site": "dr-center",
        "department": None,
        "extension": "55090",
        "locale": "ja",
    },
    {
        "email": "miho.ashida@ops.example.co.jp",
        "family_name": "芦田",
        "given_name": "美穂",
        "family_kana": "アシダ",
        "given_kana": "ミホ",
        "role": "vendor",
        "party": "operations",
        "is_lead": False,
        "site": "hq",
        "department": None,
        "extension": "2902",
        "locale": "ja",
    },
    {
        "email": "koji.kanda@pc.example.co.jp",
        "family_name": "神田",
        "given_name": "浩二",
        "family_kana": "カンダ",
        "given_kana": "コウジ",
        "role": "vendor",
        "party": "terminal_vendor",
        "is_lead": False,
        "site": "hq",
        "department": None,
        "extension": "2950",
        "locale": "ja",
    },
    # --- security team (operations vendor) ---------------------------------
    {
        "email": "wataru.mitarai@ops.example.co.jp",
        "family_name": "御手洗",
        "given_name": "航",
        "family_kana": "ミタライ",
        "given_kana": "ワタル",
        "role": "security",
        "party": "security",
        "is_lead": True,
        "site": "hq",
        "department": None,
        "extension": "2910",
        "locale": "ja",
    },
    {
        "email": "ayaka.yagyu@ops.example.co.jp",
        "family_name": "柳生",
        "given_name": "彩花",
        "family_kana": "ヤギュウ",
        "given_kana": "アヤカ",
        "role": "security",
        "party": "security",
        "is_lead": False,
        "site": "hq",
        "department": None,
        "extension": "2911",
        "locale": "ja",
    },
    # --- ministry IT office (admins) ----------------------------------------
    {
        "email": "shunsuke.koga@example.go.jp",
        "family_name": "古賀",
        "given_name": "俊介",
        "family_kana": "コガ",
        "given_kana": "シュンスケ",
        "role": "admin",
        "party": "ministry",
        "is_lead": False,
        "site": "hq",
        "department": "johoka",
        "extension": "2801",
        "locale": "ja",
    },
    {
        "email": "rie.sakakibara@example.go.jp",
        "family_name": "榊原",
        "given_name": "理恵",
        "family_kana": "サカキバラ",
        "given_kana": "リエ",
        "role": "admin",
        "party": "ministry",
        "is_lead": False,
        "site": "hq",
        "department": "johoka",
        "extension": "2802",
        "locale": "ja",
    },
]

# ---------------------------------------------------------------------------
# Ticket scenarios
# ---------------------------------------------------------------------------

_PHONE_HEAVY: dict[Channel, int] = {"phone": 55, "portal": 30, "mail": 15}
_PORTAL_HEAVY: dict[Channel, int] = {"portal": 70, "mail": 25, "phone": 5}

TICKET_SCENARIOS: list[Scenario] = [
    # ======================================================================
    # Inquiries (問い合わせ)
    # ======================================================================
    {
        "type": "inquiry",
        "service": "mail",
        "impact": "person",
        "urgency": "low",
        "subject": "課の代表メールアドレスをOutlookに表示させたい",
        "description": (
            "お世話になっております。"
            "今月から当課の代表アドレス宛てのメールを私も確認する担当になりました。"
            "上長からは権限の設定は済んでいると聞いておりますが、"
            "Outlookのどこに表示されるのか分かりません。"
            "表示させる手順を教えていただけますでしょうか。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "代表アドレスのメールボックスは、権限設定後にOutlookを再起動すると、"
                    "左側のフォルダー一覧の下部に自動で表示されます。"
                    "表示されない場合は、［ファイル］→［アカウント設定］→［変更］→"
                    "［詳細設定］→［追加］から代表アドレスを入力してください。"
                    "お試しのうえ、結果をお知らせいただけますと幸いです。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": (
                    "ご案内ありがとうございます。Outlookを再起動したところ、"
                    "フォルダー一覧に代表アドレスが表示されました。助かりました。"
                ),
            },
        ],
        "resolution": (
            "Outlookの再起動で代表アドレスのメールボックスが表示されることを案内し、"
            "表示を確認いただいた。"
        ),
    },
    {
        "type": "inquiry",
        "service": "auth",
        "impact": "person",
        "urgency": "low",
        "subject": "ﾊﾟｽﾜｰﾄﾞの有効期限が近いという通知が出ます",
        "description": (
            "ﾛｸﾞｲﾝするたびに「パスワードの有効期限があと３日で切れます」と表示されます。"
            "変更のやり方がよくわからないので教えてください〜。"
            "変更したあと、ｽﾏﾎやVPNのほうも何かする必要がありますか？"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "パスワードの変更は、PCで［Ctrl］＋［Alt］＋［Delete］キーを同時に押し、"
                    "「パスワードの変更」を選択して行っていただけます。"
                    "新しいパスワードは12文字以上で、英大文字・英小文字・数字・記号のうち"
                    "3種類以上を含めてください。"
                    "VPN（テレワーク）も同じパスワードに自動で切り替わりますので、"
                    "別途の操作は不要です。"
                    "公用スマートフォンのメールアプリは、次回起動時に表示される画面で"
                    "新しいパスワードを入力してください。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "変更できました！ありがとうございました。",
            },
        ],
        "resolution": (
            "Ctrl+Alt+Deleteからのパスワード変更手順と変更後の注意点を案内し、"
            "変更完了を確認した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "vpn",
        "impact": "person",
        "urgency": "medium",
        "subject": "来週から初めてテレワークを行うため、VPN接続の手順を確認したい",
        "description": (
            "来週の月曜日から週2日のテレワークを開始することになりました。"
            "モバイルPC（{device}）は先日受け取りましたが、"
            "自宅でVPNに接続する手順が分からず不安です。"
            "事前に庁内で接続の練習をすることは可能でしょうか。"
        ),
        "outcome": "first_line",
        "channel_weights": {"phone": 50, "portal": 40, "mail": 10},
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。来週からテレワーク開始予定とのこと。"
                    "VPN接続手順書（ポータル＞テレワーク＞利用手順）の場所を案内し、"
                    "庁内LANに接続した状態ではVPN接続の練習ができない旨を説明。"
                    "自宅で接続できない場合の連絡先（ヘルプデスク直通番号）も伝えた。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お電話ありがとうございました。先ほどご案内した手順書は、"
                    "ポータル＞テレワーク＞「リモートアクセス利用手順（第3版）」に"
                    "掲載しております。ご自宅で接続できない場合は、受付時間内"
                    "（平日8時30分〜18時15分）にヘルプデスクまでご連絡ください。"
                ),
            },
        ],
        "resolution": (
            "VPN接続手順書の掲載場所と、自宅で接続できない場合の連絡先を案内した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "vpn",
        "impact": "person",
        "urgency": "medium",
        "subject": "スマートフォンの機種変更後、ワンタイムパスワードが表示されない",
        "description": (
            "先週末に個人のスマートフォンを機種変更したところ、"
            "認証アプリにテレワーク用のワンタイムパスワードが表示されなくなりました。"
            "明後日にテレワークの予定があるため、それまでに使えるようにしたいです。"
            "どのような手続きが必要でしょうか。"
        ),
        "outcome": "pending_requester",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "機種変更をされた場合、認証アプリの再登録が必要です。"
                    "恐れ入りますが、ポータルの申請メニューから"
                    "「多要素認証 再登録申請」をご提出ください"
                    "（所属課長の承認が必要です）。"
                    "承認後、当日中に再登録用のQRコードをお送りいたします。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "申請の提出待ち。承認後に運用事業者へ再登録を依頼予定。"
                    "明後日テレワーク予定のため、明日午前に申請状況を確認すること。"
                ),
            },
        ],
        "resolution": "",
    },
    {
        "type": "inquiry",
        "service": "printer",
        "impact": "person",
        "urgency": "medium",
        "subject": "複合機で両面印刷とホチキス留めを同時に設定したい",
        "description": (
            "会議資料を30部、両面・左上ホチキス留めで印刷したいのですが、"
            "印刷画面のどこで設定するのか分かりません。"
            "{floor}の{device}を使用しています。"
            "本日15時の会議で使用する予定です。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "印刷画面で［プリンターのプロパティ］を開き、［基本］タブの"
                    "「両面印刷」を「長辺とじ」に、［フィニッシング］タブの"
                    "「ステープル」を「左上1か所」に設定してください。"
                    "設定後、まず1部だけ試し印刷していただくことをお勧めいたします。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": (
                    "ご案内のとおり設定したところ、問題なく印刷できました。"
                    "ありがとうございました。"
                ),
            },
        ],
        "resolution": (
            "プリンタードライバーの両面印刷・ステープル設定の場所を案内し、"
            "印刷できたことを確認した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "printer",
        "impact": "person",
        "urgency": "low",
        "subject": "スキャンしたデータがどこに保存されたのか分からない",
        "description": (
            "{time}に{floor}の{device}で紙の資料をスキャンしました。"
            "画面上は「送信完了」と表示されたのですが、"
            "どこに保存されたのか分からず困っています。"
            "保存先の確認方法を教えてください。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。スキャン先に「共有スキャン」を選択して"
                    "いたことを確認。Sドライブ（スキャン共有）のフロア別フォルダに"
                    "保存される旨を案内し、該当ファイルを確認いただいた。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お電話にてご案内いたしましたとおり、複合機からスキャンしたデータは"
                    "「Sドライブ（スキャン共有）＞フロア別フォルダ」に保存されます。"
                    "保存から7日を経過したファイルは自動的に削除されますので、"
                    "必要なファイルは課の共有フォルダへ移動してください。"
                ),
            },
        ],
        "resolution": (
            "スキャンデータの保存先（Sドライブのフロア別フォルダ）を案内し、"
            "ファイルを確認いただいた。"
        ),
    },
    {
        "type": "inquiry",
        "service": "fileserver",
        "impact": "division",
        "urgency": "medium",
        "subject": "共有フォルダのExcelファイルを誤って上書き保存してしまった",
        "description": (
            "お疲れ様です。課の共有フォルダにある予算集計用のExcelファイルを、"
            "誤って古いデータで上書き保存してしまいました。"
            "{time}より前の状態に戻したいのですが、可能でしょうか。"
            "至急ご教示いただけますと助かります。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。上書き保存したファイルの復元について。"
                    "エクスプローラーで対象ファイルを右クリック→"
                    "［以前のバージョンの復元］から、"
                    "本日7時または前日12時時点のバージョンを確認いただくよう案内。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": (
                    "教えていただいた方法で、本日7時時点のファイルを別名で保存できました。"
                    "差分は手で修正します。ありがとうございました。"
                ),
            },
        ],
        "resolution": (
            "「以前のバージョン」機能による復元手順を案内し、"
            "本日7時時点のファイルを取り出していただいた。"
        ),
    },
    {
        "type": "inquiry",
        "service": "fileserver",
        "impact": "person",
        "urgency": "medium",
        "subject": "異動後、新しい所属の共有フォルダが開けない",
        "description": (
            "先週付けで現在の課に異動してまいりました。"
            "課内の方から共有フォルダの場所を教えていただいたのですが、"
            "開こうとすると「アクセスが拒否されました」と表示されます。"
            "前の課のフォルダは今でも開けるようです。"
        ),
        "outcome": "pending_requester",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "共有フォルダのアクセス権は、各課のフォルダ管理者様からの申請に"
                    "基づき設定しております。恐れ入りますが、所属課のフォルダ管理者様"
                    "（通常は庶務担当の方）から、ポータルの「共有フォルダ権限変更申請」を"
                    "ご提出いただくようお伝えください。"
                    "なお、前所属のフォルダ権限につきましても、"
                    "前所属の管理者様からの削除申請が必要となります。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": (
                    "承知しました。庶務担当に申請をお願いしましたので、"
                    "提出まで少しお待ちください。"
                ),
            },
        ],
        "resolution": "",
    },
    {
        "type": "inquiry",
        "service": "fileserver",
        "impact": "division",
        "urgency": "medium",
        "subject": "共有フォルダに保存しようとすると「空き領域が不足」と表示される",
        "description": (
            "課の共有フォルダにファイルを保存しようとすると"
            "「ディスクの空き領域が不足しています」と表示され、保存できません。"
            "課内の他の職員も同じ状況のようです。"
            "容量を増やしていただくことはできますでしょうか。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。確認いたしましたところ、"
                    "貴課の共有フォルダは割当容量（200GB）の上限に達しております。"
                    "容量の追加には情報化推進室への申請が必要となりますが、"
                    "まずは不要なファイルの削除や、過年度の資料のアーカイブフォルダへの"
                    "移動をお願いしております。"
                    "容量の大きいファイルの一覧を添付いたしますので、整理の参考に"
                    "なさってください。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": (
                    "一覧ありがとうございます。過年度の動画ファイルを削除したところ、"
                    "保存できるようになりました。"
                ),
            },
        ],
        "resolution": (
            "割当容量の上限到達を説明し、容量の大きいファイル一覧を提供して"
            "整理いただいたことで解消した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "groupware",
        "impact": "person",
        "urgency": "low",
        "subject": "上司のスケジュールを代理で登録できるようにしたい",
        "description": (
            "課長のスケジュール管理を担当することになりました。"
            "グループウェアで課長の予定を代理で登録・変更できるようにするには、"
            "どのような設定が必要でしょうか。"
        ),
        "outcome": "first_line",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "代理登録の設定は、課長ご本人のアカウントでグループウェアにログインし、"
                    "［個人設定］→［スケジュール］→［代理人の設定］から"
                    "ご担当者様を追加していただく必要がございます。"
                    "課長ご本人の操作が難しい場合はお知らせください。"
                    "お電話で操作をご案内いたします。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": (
                    "課長に設定していただき、代理で登録できることを確認しました。"
                    "ありがとうございました。"
                ),
            },
        ],
        "resolution": "グループウェアの代理人設定の手順を案内し、設定完了を確認した。",
    },
    {
        "type": "inquiry",
        "service": "groupware",
        "impact": "person",
        "urgency": "low",
        "subject": "会議室の予約を取り消したいが、取消ボタンが表示されない",
        "description": (
            "{site}の会議室を来週分で予約していましたが、会議が中止になりました。"
            "ポータルの施設予約画面から取り消そうとしたところ、"
            "取消ボタンが表示されません。"
            "予約は前任者の名前で登録されているようです。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。施設予約は、予約を登録したご本人または"
                    "各施設の管理者のみ取消が可能です。"
                    "前任者の方が異動済みの場合は、施設管理者である総務担当の方に"
                    "取消をご依頼いただくようお願いいたします。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "総務担当に依頼し、取り消していただきました。",
            },
        ],
        "resolution": (
            "予約の取消権限について説明し、施設管理者に取消を依頼いただいて解決した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "webconf",
        "impact": "person",
        "urgency": "low",
        "subject": "Web会議に外部の有識者を招待する方法を教えてください",
        "description": (
            "来週、外部の有識者の方3名を招いたWeb会議を開催する予定です。"
            "庁外の方を招待する場合の手順と、事前に注意すべき点があれば"
            "教えてください。"
        ),
        "outcome": "first_line",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "Web会議の予約画面で［外部参加を許可する］にチェックを入れて"
                    "会議を作成すると、外部の方向けの参加URLが発行されます。"
                    "参加URLとパスコードは、別々のメールでお送りいただくよう"
                    "お願いいたします。また、外部の方はいったん待合室に入りますので、"
                    "開始時に主催者が入室を許可してください。"
                ),
            },
        ],
        "resolution": (
            "外部参加URLの発行方法と、待合室・パスコードの運用上の注意点を案内した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "webconf",
        "impact": "person",
        "urgency": "high",
        "subject": "Web会議で画面共有ボタンがグレーになり押せない",
        "description": (
            "{time}から参加しているWeb会議で、資料を画面共有しようとしたところ、"
            "共有ボタンがグレーになっていて押せません。"
            "主催者は別の課の方です。会議中のため、至急対処方法を教えてください。"
        ),
        "outcome": "first_line",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。会議中のため至急とのこと。"
                    "画面共有は主催者または共同主催者のみ可能な設定のため、"
                    "主催者に［参加者］一覧から共同主催者に変更してもらうよう案内。"
                    "その場で共有できたことを確認。"
                ),
            },
        ],
        "resolution": (
            "主催者に共同主催者の権限を付与してもらうよう案内し、"
            "画面共有できることを確認した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "mail",
        "impact": "person",
        "urgency": "medium",
        "subject": "外部に容量の大きいファイルを送付したい",
        "description": (
            "取引先に図面データ（約45MB）を送付する必要がありますが、"
            "メールに添付すると「添付ファイルのサイズが上限を超えています」と"
            "表示され、送信できません。"
            "庁内で認められている送付方法を教えてください。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "10MBを超えるファイルを庁外へ送付する場合は、ポータルの"
                    "「ファイル転送サービス」をご利用ください。"
                    "アップロード時にダウンロード期限（最長7日）とパスワードを設定し、"
                    "ダウンロード用URLとパスワードは別々のメールで先方へお知らせください。"
                    "なお、要機密情報を含むファイルの送付には所属課長の承認が必要です。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "ファイル転送サービスで送付できました。ありがとうございます。",
            },
        ],
        "resolution": (
            "ファイル転送サービスの利用方法と運用ルールを案内し、送付完了を確認した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "mail",
        "impact": "person",
        "urgency": "medium",
        "subject": "庁内の別の職員に誤ってメールを送ってしまった",
        "description": (
            "{time}に、同姓の別の職員の方へ誤ってメールを送信してしまいました。"
            "内容は課内の打合せ日程の調整で、機密情報は含まれていません。"
            "送信を取り消すことはできますでしょうか。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。Outlookの［メッセージの取り消し］機能は、"
                    "相手の方がまだメールを開いていない場合に限り有効で、"
                    "確実に取り消せるものではございません。"
                    "今回は機密情報を含まないとのことですので、誤送信先の方へ"
                    "削除をお願いするご連絡をしていただくのが確実です。"
                    "なお、個人情報や要機密情報を含む誤送信の場合は、"
                    "情報セキュリティ事案として直ちにヘルプデスクまでお電話ください。"
                ),
            },
        ],
        "resolution": (
            "メッセージ取り消し機能の制約を説明し、"
            "誤送信先へ削除を依頼していただくよう案内した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "mail",
        "impact": "person",
        "urgency": "low",
        "subject": "取引先からのメールが迷惑メールフォルダに振り分けられる",
        "description": (
            "特定の取引先からのメールが、毎回迷惑メールフォルダに入ってしまいます。"
            "先日は締切の連絡を見落としそうになりました。"
            "振り分けられないように設定する方法はありますでしょうか。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "Outlookで該当のメールを右クリックし、［迷惑メール］→"
                    "［差出人のドメインを［信頼できる差出人のリスト］に追加］を"
                    "選択してください。なお、件名の先頭に［SPAM］と付いている場合は"
                    "メールゲートウェイ側の判定のため、この設定では改善いたしません。"
                    "その際は改めてご連絡ください。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "設定しました。その後に届いたメールは受信トレイに入りました。",
            },
        ],
        "resolution": (
            "信頼できる差出人のリストへの追加手順を案内し、"
            "受信トレイに届くようになったことを確認した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "pc",
        "impact": "person",
        "urgency": "high",
        "subject": "会議室のプロジェクターにPCの画面が映らない",
        "description": (
            "{floor}の会議室で、{device}をプロジェクターにHDMIケーブルで接続しましたが、"
            "「信号がありません」と表示されて映りません。"
            "30分後に会議が始まるため、急ぎで対処方法を教えてください。"
        ),
        "outcome": "first_line",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。［Windows］キー＋［P］キーで"
                    "「複製」を選択するよう案内したところ、プロジェクターに表示された。"
                ),
            },
        ],
        "resolution": (
            "表示切替（Windows＋P）で「複製」を選択するよう案内し、"
            "投影できることを確認した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "pc",
        "impact": "person",
        "urgency": "low",
        "subject": "PDF編集ソフトをインストールしたい",
        "description": (
            "業務でPDFの差し替えやページの結合を行う機会が増えたため、"
            "PDF編集ソフトを使用したいと考えております。"
            "自分でインストールしようとしたところ、管理者パスワードを求められました。"
            "どのような手続きが必要でしょうか。"
        ),
        "outcome": "pending_requester",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "業務用PCへのソフトウェア導入は、「ソフトウェア利用申請」により"
                    "情報化推進室の承認を得たうえで、端末保守事業者がインストールを"
                    "行います。PDF編集ソフトは庁内ライセンスに在庫がございますので、"
                    "申請書に使用目的と端末番号（PC-から始まる番号）をご記入のうえ"
                    "ご提出ください。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": (
                    "ありがとうございます。課内で決裁を取ってから申請しますので、"
                    "少しお時間をください。"
                ),
            },
        ],
        "resolution": "",
    },
    {
        "type": "inquiry",
        "service": "pc",
        "impact": "person",
        "urgency": "low",
        "subject": "「再起動が必要です」という更新プログラムの通知について",
        "description": (
            "数日前から画面右下に「更新プログラムを適用するため再起動が必要です」"
            "という通知が表示されています。"
            "作業中のファイルが多く、再起動してよいのか判断がつきません。"
            "再起動しないとどうなるのでしょうか。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "セキュリティ更新プログラム適用のため、作業中のファイルを保存のうえ、"
                    "本日中に再起動をお願いいたします。"
                    "通知から7日を経過すると、夜間（22時）に自動で再起動されます。"
                    "その際、保存していないファイルは失われる可能性がございますので"
                    "ご注意ください。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "昼休みに再起動しました。通知は消えました。",
            },
        ],
        "resolution": (
            "更新プログラム適用のための再起動の必要性と自動再起動のルールを案内し、"
            "再起動いただいた。"
        ),
    },
    {
        "type": "inquiry",
        "service": "wifi",
        "impact": "person",
        "urgency": "medium",
        "subject": "会議室で無線LANに接続する方法を知りたい",
        "description": (
            "{floor}の会議室で{device}を無線LANに接続しようとしていますが、"
            "SSIDがいくつも表示されて、どれを選べばよいか分かりません。"
            "有線のケーブルがないため、無線で接続したいです。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。業務用PCは、SSID「GOV-LAN」を選択して"
                    "いただくと、端末に配布済みの証明書で自動的に接続されます。"
                    "「GOV-GUEST」は来庁者用で、庁内のシステムには接続できませんので"
                    "ご注意ください。「GOV-LAN」に接続できない場合は、"
                    "端末番号を添えてご連絡ください。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "GOV-LANで接続できました。ありがとうございます。",
            },
        ],
        "resolution": (
            "業務用SSIDと来庁者用SSIDの違いを案内し、"
            "業務用SSIDで接続できることを確認した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "wifi",
        "impact": "person",
        "urgency": "low",
        "subject": "来庁者用の無線LANを外部委員に使ってもらいたい",
        "description": (
            "来月、{site}で外部の委員を招いた検討会を開催します。"
            "委員の方が持参するノートPCでインターネットに接続したいとの"
            "ご要望がありました。"
            "来庁者用の無線LANを利用する場合の手続きを教えてください。"
        ),
        "outcome": "first_line",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "来庁者用無線LAN（GOV-GUEST）は、開催日の3営業日前までにポータルの"
                    "「来庁者用無線LAN利用申請」をご提出いただくと、"
                    "当日有効なID・パスワードを人数分発行いたします。"
                    "一部の拠点では来庁者用のアクセスポイントが未設置のため、"
                    "申請時に会議室名をご記入ください。"
                ),
            },
        ],
        "resolution": (
            "来庁者用無線LANの利用申請手順と発行までのリードタイムを案内した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "auth",
        "impact": "person",
        "urgency": "high",
        "subject": "職員証（ICカード）を自宅に忘れてPCにログインできない",
        "description": (
            "本日、職員証を自宅に忘れてしまい、PCにICカードでログインできません。"
            "午前中に提出しなければならない資料があり困っています。"
            "臨時でログインする方法はありますでしょうか。"
        ),
        "outcome": "first_line",
        "channel_weights": {"phone": 85, "portal": 5, "mail": 10},
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。職員証を自宅に忘れたとのこと。"
                    "所属の庶務担当を通じて総務課から臨時カード（当日限り有効）の"
                    "貸与を受けるよう案内。臨時カードの紐付けはヘルプデスクで"
                    "即時対応できる旨を説明。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "臨時カード（T-0012）を本人のアカウントに紐付け、"
                    "有効期限を本日23時59分に設定。"
                    "ログインできたことを電話で確認済み。"
                ),
            },
        ],
        "resolution": (
            "臨時ICカードをアカウントに紐付け、当日限りでログインできるようにした。"
        ),
    },
    {
        "type": "inquiry",
        "service": "auth",
        "impact": "person",
        "urgency": "low",
        "subject": "出向に伴うアカウントとメールの取扱いについて",
        "description": (
            "来月1日付けで外部の機関へ出向することになりました。"
            "出向期間中、庁内のアカウントやメールアドレスはどうなるのでしょうか。"
            "受信したメールの転送設定などが必要か、あらかじめ確認させてください。"
        ),
        "outcome": "first_line",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "出向期間中のアカウントは、人事課からの異動情報に基づき、"
                    "出向日の前日夜に利用停止となります。"
                    "メールアドレスは出向期間中も保持されますが、"
                    "庁外アドレスへの自動転送は規程上認められておりません。"
                    "出向前に、担当業務のメールの引継ぎ先を関係者へお知らせいただくとともに、"
                    "必要に応じて自動応答メッセージを設定してください。"
                ),
            },
        ],
        "resolution": (
            "出向時のアカウント停止のタイミングとメールの取扱い（自動転送不可）を"
            "案内した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "vpn",
        "impact": "person",
        "urgency": "low",
        "subject": "テレワーク中、ファイルサーバのファイルを開くのに時間がかかる",
        "description": (
            "自宅からVPNで接続して業務をしていますが、ファイルサーバ上のExcelファイルを"
            "開くのに数分かかることがあります。"
            "特に朝の9時台と昼休み明けが遅いように感じます。"
            "何か改善方法はありますでしょうか。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。朝9時台と13時台はテレワーク利用者の接続が"
                    "集中するため、VPN経由の通信が混み合う傾向にございます。"
                    "大きなファイルは一度モバイルPCのデスクトップにコピーしてから編集し、"
                    "作業後にファイルサーバへ戻していただくと待ち時間を短縮できます。"
                    "作業後は、コピーしたファイルの削除をお忘れなくお願いいたします。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "コピーして作業するようにしたら、だいぶ快適になりました。",
            },
        ],
        "resolution": (
            "VPNの混雑時間帯を説明し、ファイルをコピーしてから作業する方法を案内した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "mail",
        "impact": "person",
        "urgency": "low",
        "subject": "私物のスマートフォンで庁内メールを確認できるか",
        "description": (
            "出張が多いため、私物のスマートフォンで庁内メールを確認できると便利なの"
            "ですが、設定することは可能でしょうか。"
            "可能であれば設定方法を教えてください。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "情報セキュリティポリシーにより、私物のスマートフォンから"
                    "庁内メールへの接続は認められておりません。"
                    "出張時にメールを確認される場合は、公用スマートフォンの貸出"
                    "（各課の庶務担当にて管理）またはモバイルPCのVPN接続を"
                    "ご利用ください。"
                ),
            },
        ],
        "resolution": (
            "私物端末からの接続は不可である旨を説明し、"
            "公用スマートフォン・モバイルPCの利用方法を案内した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "groupware",
        "impact": "division",
        "urgency": "low",
        "subject": "ポータルの課のお知らせ掲示板に投稿できない",
        "description": (
            "当課のお知らせをポータルの掲示板に掲載したいのですが、"
            "［新規投稿］ボタンが表示されません。"
            "前任者は投稿できていたと聞いています。"
            "投稿できるように設定していただけますでしょうか。"
        ),
        "outcome": "escalate_operations",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "掲示板の投稿権限は前任者様のアカウントに個別に付与されていたため、"
                    "異動に伴い解除されたものと思われます。"
                    "権限の付与は運用事業者での作業となりますので、"
                    "作業日が決まり次第ご連絡いたします。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "掲示板「課のお知らせ」の投稿者グループへの追加が必要。"
                    "運用事業者へ作業を依頼。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。ご依頼の掲示板の投稿者グループに登録いたしました。"
                    "ポータルを再読み込みいただくと［新規投稿］ボタンが表示されます。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "投稿できました。ありがとうございました。",
            },
        ],
        "resolution": (
            "運用事業者が掲示板の投稿者グループに登録し、投稿できるようになった。"
        ),
    },
    {
        "type": "inquiry",
        "service": "printer",
        "impact": "person",
        "urgency": "medium",
        "subject": "複合機で「部門コードを入力してください」と表示されコピーできない",
        "description": (
            "{floor}の{device}でコピーしようとしたところ、"
            "「部門コードを入力してください」と表示されました。"
            "これまでは職員証をかざすだけで使えていたので、"
            "何を入力すればよいのか分かりません。"
        ),
        "outcome": "first_line",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。職員証が読み取られていなかった可能性が"
                    "あるため、操作パネル右側のカードリーダーに1秒程度しっかり"
                    "かざすよう案内。再度かざしたところ認証され、コピーできたとのこと。"
                ),
            },
        ],
        "resolution": (
            "カードリーダーへのかざし方を案内し、職員証で認証できることを確認した。"
        ),
    },
    {
        "type": "inquiry",
        "service": "webconf",
        "impact": "person",
        "urgency": "low",
        "subject": "Web会議用のヘッドセットを借りたい",
        "description": (
            "明日の午後、{site}からWeb会議で説明を行う予定です。"
            "自席のPCにはマイクがないため、ヘッドセットを貸していただくことは"
            "可能でしょうか。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。ヘッドセットは各拠点の総務担当で"
                    "貸出用を管理しております。本省の場合は、別館1階の"
                    "ヘルプデスク窓口でもお貸出しが可能です。"
                    "USB接続のものはPCに挿すだけで自動的に認識されます。"
                    "ご利用後は貸出元へのご返却をお願いいたします。"
                ),
            },
        ],
        "resolution": "ヘッドセットの貸出窓口と利用方法を案内した。",
    },
    {
        "type": "inquiry",
        "service": "pc",
        "impact": "division",
        "urgency": "low",
        "subject": "PC更改時のデータ移行について確認したい",
        "description": (
            "来月、当課のPCが新しいものに更改されると聞きました。"
            "デスクトップに保存しているファイルやブラウザのお気に入りは、"
            "新しいPCに自動で引き継がれるのでしょうか。"
            "事前に準備しておくことがあれば教えてください。"
        ),
        "outcome": "first_line",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "PC更改時は、端末保守事業者が「ドキュメント」「デスクトップ」フォルダと"
                    "ブラウザのお気に入りを移行いたします。"
                    "ただし、Outlookの個人用フォルダ（PSTファイル）や、独自に追加した"
                    "フォントなどは移行の対象外です。対象外のデータがある場合は、"
                    "更改日の前日までに課の共有フォルダ等へ退避をお願いいたします。"
                ),
            },
        ],
        "resolution": "PC更改時のデータ移行の対象範囲と事前準備を案内した。",
    },
    {
        "type": "inquiry",
        "service": "webconf",
        "impact": "division",
        "urgency": "low",
        "subject": "約300名が参加する説明会をWeb会議で配信できるか",
        "description": (
            "来月中旬に、全国の地方支分局の担当者向けの説明会をオンラインで"
            "開催する予定です。参加者は約300名を見込んでいますが、"
            "現在のWeb会議システムで対応できますでしょうか。"
            "録画の可否についてもあわせて教えてください。"
        ),
        "outcome": "open",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "通常のWeb会議は最大100名までとなっております。"
                    "300名規模の場合はウェビナー機能の利用が必要となり、"
                    "ライセンスの割当てを伴うため、運用事業者に利用可否と手順を"
                    "確認しております。確認が取れ次第ご連絡いたします。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "ウェビナーライセンスの空き状況と、地方支分局側での同時視聴による"
                    "拠点回線の帯域への影響について、運用事業者に照会中。"
                ),
            },
        ],
        "resolution": "",
    },
    {
        "type": "inquiry",
        "service": "groupware",
        "impact": "division",
        "urgency": "low",
        "subject": "電子決裁の承認ルートを変更したい",
        "description": (
            "課内の体制変更に伴い、電子決裁（ワークフロー）の承認ルートに"
            "課長補佐を追加したいと考えております。"
            "どこから設定を変更できますでしょうか。"
        ),
        "outcome": "pending_requester",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "承認ルートの変更は、各課のワークフロー管理者様の権限で行って"
                    "いただけます。貴課の管理者様が現在未登録となっておりますので、"
                    "管理者として登録する職員の氏名と職員番号をお知らせいただけます"
                    "でしょうか。登録後、設定手順をご案内いたします。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "課のワークフロー管理者が前任者の異動により空席。"
                    "申請者からの管理者情報の回答待ち。"
                ),
            },
        ],
        "resolution": "",
    },
    {
        "type": "inquiry",
        "service": "mail",
        "impact": "division",
        "urgency": "low",
        "subject": "代表アドレスから送るメールの差出人名を課名にしたい",
        "description": (
            "課の代表アドレスからメールを送信すると、受け取った方には"
            "私の個人名が差出人として表示されてしまいます。"
            "課名で表示されるようにしたいのですが、設定できますでしょうか。"
        ),
        "outcome": "open",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "差出人を課名で表示するには、代表アドレスに対する"
                    "「送信者として送信」の権限が必要となります。"
                    "貴課の代表アドレスの権限設定を運用事業者に確認しておりますので、"
                    "今しばらくお待ちください。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "代表アドレスへの「送信者として送信」権限の付与可否を"
                    "運用事業者に確認中。"
                ),
            },
        ],
        "resolution": "",
    },
    # ======================================================================
    # Faults (障害)
    # ======================================================================
    {
        "type": "fault",
        "service": "network",
        "impact": "division",
        "urgency": "high",
        "subject": "{floor}の複数のPCでネットワークに接続できない",
        "description": (
            "{time}から、{floor}の当課のPCがすべてネットワークに接続できなくなりました。"
            "メールもファイルサーバも使えません。隣の課も同じ状況のようです。"
            "至急確認をお願いいたします。"
        ),
        "outcome": "escalate_operations",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。{floor}の複数課で一斉にネットワーク断との"
                    "申告。PCのネットワークアイコンに「インターネットなし」と表示されて"
                    "いることを確認。同フロアの別の内線からも同様の申告あり（計3件）。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "フロアスイッチ障害の可能性が高いため、運用事業者へ電話で"
                    "エスカレーション済み。申告者には、復旧見込みが分かり次第"
                    "連絡する旨を伝えた。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。{floor}のフロアスイッチの電源ユニット故障を"
                    "確認いたしました。予備機に交換し、通信の復旧を確認しております。"
                    "ご不便をおかけし申し訳ございませんでした。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。フロアスイッチの交換により復旧いたしました。"
                    "まだ接続できないPCがございましたら、一度再起動をお試しのうえ、"
                    "改めてご連絡ください。"
                ),
            },
        ],
        "resolution": "運用事業者がフロアスイッチを予備機に交換し、通信が復旧した。",
    },
    {
        "type": "fault",
        "service": "mail",
        "impact": "person",
        "urgency": "medium",
        "subject": "Outlookが起動しない（Cannot start Microsoft Outlook）",
        "description": (
            "朝PCを起動してOutlookを開こうとすると、「Cannot start Microsoft Outlook. "
            "Cannot open the set of folders.」という英語のメッセージが出て"
            "起動できません。昨日の夕方までは普通に使えていました。"
            "Webメールでは受信できているようです。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。Outlook起動時にエラー、Webメールは利用可能。"
                    "リモート操作でOutlookのプロファイルを新規作成し、既定のプロファイルに"
                    "設定したところ正常に起動した。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お電話ありがとうございました。Outlookのプロファイルを再作成し、"
                    "正常に起動することを確認いたしました。"
                    "メールの同期が完了するまで30分程度かかる場合がございます。"
                ),
            },
        ],
        "resolution": "Outlookのプロファイルを再作成し、正常に起動することを確認した。",
    },
    {
        "type": "fault",
        "service": "pc",
        "impact": "person",
        "urgency": "high",
        "subject": "PCの電源は入るが、画面が真っ暗なまま起動しない",
        "description": (
            "{device}の電源ボタンを押すとランプは点灯しますが、"
            "画面が真っ暗なまま何も表示されません。"
            "電源ケーブルとディスプレイのケーブルは挿し直してみました。"
            "本日中に作成しなければならない資料があり、困っております。"
        ),
        "outcome": "escalate_terminal_vendor",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。電源ボタン長押しによる強制終了と放電"
                    "（電源ケーブルを抜いて1分放置）を案内したが改善せず。"
                    "ハードウェア故障の可能性が高い。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "端末保守事業者へオンサイト対応を依頼。代替機の手配もあわせて依頼済み。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "端末保守事業者です。本日訪問し、マザーボードの故障を確認いたしました。"
                    "代替機に交換し、ドキュメントフォルダ等のデータを移行いたしました。"
                    "故障機は持ち帰って修理いたします。"
                ),
            },
        ],
        "resolution": (
            "端末保守事業者がマザーボードの故障を確認し、代替機への交換とデータ移行を"
            "行った。"
        ),
    },
    {
        "type": "fault",
        "service": "pc",
        "impact": "person",
        "urgency": "medium",
        "subject": "キーボードの一部のキーが反応しない",
        "description": (
            "{device}のキーボードで、「5」「6」「T」「Y」のキーを押しても"
            "反応しなくなりました。飲み物をこぼしたなどの心当たりはありません。"
            "入力作業が多いため、交換していただけますでしょうか。"
        ),
        "outcome": "escalate_terminal_vendor",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。キーボードの一部のキーが反応しない。"
                    "USBの挿し直しでも改善せず。予備キーボードの在庫がないため、"
                    "端末保守事業者へ交換を依頼する旨を説明。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": "端末保守事業者へキーボード交換を依頼（翌営業日に訪問予定）。",
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "端末保守事業者です。本日、キーボードを新品に交換いたしました。"
                    "全てのキーの入力を確認済みです。"
                ),
            },
        ],
        "resolution": "端末保守事業者がキーボードを交換し、全キーの入力を確認した。",
    },
    {
        "type": "fault",
        "service": "pc",
        "impact": "person",
        "urgency": "high",
        "subject": "ログイン時に「The trust relationship ... failed」と表示される",
        "description": (
            "長期出張から戻ってPCを起動したところ、ログイン画面で"
            "「The trust relationship between this workstation and the primary "
            "domain failed.」と表示され、ログインできません。"
            "1か月ほどPCの電源を入れていませんでした。"
        ),
        "outcome": "escalate_terminal_vendor",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。長期間未使用の端末でドメインとの"
                    "信頼関係エラー。ドメインへの再参加が必要なため、"
                    "端末保守事業者へ対応を依頼する旨を説明。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": "端末番号 {device}。端末保守事業者へドメイン再参加作業を依頼。",
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "端末保守事業者です。ドメインへの再参加作業を行い、"
                    "ログインできることを確認いたしました。"
                    "あわせて、未適用だった更新プログラムを適用しております。"
                ),
            },
        ],
        "resolution": (
            "端末保守事業者が端末のドメイン再参加を行い、ログインできるようにした。"
        ),
    },
    {
        "type": "fault",
        "service": "printer",
        "impact": "division",
        "urgency": "medium",
        "subject": "{floor}の複合機で紙詰まりの表示が消えない",
        "description": (
            "{floor}の{device}で、「紙詰まりが発生しました。トレイ2を確認して"
            "ください」と表示されたままになっています。"
            "トレイ2と前面カバーの中を確認しましたが、詰まった用紙は見当たりません。"
            "フロアの職員が印刷できず困っています。"
        ),
        "outcome": "escalate_terminal_vendor",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。紙詰まり表示が解除されない。"
                    "電源の入れ直しを案内したが改善せず。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "センサー異常または内部に紙片が残っている可能性。"
                    "端末保守事業者へ保守員の派遣を依頼。"
                    "申告者には、近くの別の複合機を利用いただくよう案内済み。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "端末保守事業者です。本日訪問し、給紙ローラー付近に残っていた"
                    "紙片を除去いたしました。テスト印刷で正常に動作することを"
                    "確認しております。"
                ),
            },
        ],
        "resolution": (
            "保守員が複合機内部に残っていた紙片を除去し、正常動作を確認した。"
        ),
    },
    {
        "type": "fault",
        "service": "printer",
        "impact": "division",
        "urgency": "high",
        "subject": "印刷を実行しても複合機から出力されない",
        "description": (
            "{time}から、印刷を実行しても{device}から出力されません。"
            "印刷キューには「エラー - 印刷中」と表示されたままです。"
            "課内の他の職員も同様で、急ぎの資料が印刷できず困っています。"
        ),
        "outcome": "escalate_operations",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。同一フロアの複数名から同様の申告あり。"
                    "複合機本体でのコピーは可能なため、プリントサーバ側の問題と推測。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": "運用事業者へプリントサーバの確認を依頼。",
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。プリントサーバの印刷スプーラーサービスが"
                    "停止していたため、再起動を行いました。"
                    "滞留していた印刷ジョブは順次出力されております。"
                    "停止の原因については引き続き調査いたします。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。印刷が再開されたことを確認いたしました。"
                    "重複して印刷された場合は、お手数ですが不要分の廃棄を"
                    "お願いいたします。"
                ),
            },
        ],
        "resolution": (
            "運用事業者がプリントサーバの印刷スプーラーサービスを再起動し、"
            "印刷が再開された。"
        ),
    },
    {
        "type": "fault",
        "service": "fileserver",
        "impact": "site",
        "urgency": "high",
        "subject": "{site}でファイルサーバへのアクセスが非常に遅い",
        "description": (
            "{time}から、ファイルサーバのフォルダを開くのに1分以上かかるように"
            "なりました。課内だけでなく、同じ庁舎の他の課でも同様と聞いています。"
            "メールやポータルは通常どおり使えています。"
        ),
        "outcome": "escalate_operations",
        "conversation": [
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "{site}から同様の申告が5件。ファイルサーバの応答遅延として"
                    "運用事業者へエスカレーション。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。ファイルサーバでウイルス対策ソフトのフルスキャンが"
                    "業務時間帯に実行されていたことが原因でした。"
                    "スキャンを停止し、応答時間が通常に戻ったことを確認しております。"
                    "今後は夜間に実行するよう設定を見直しました。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。ファイルサーバの応答速度が回復いたしました。"
                    "ご不便をおかけいたしました。"
                ),
            },
        ],
        "resolution": (
            "業務時間帯に実行されていたフルスキャンを運用事業者が停止し、"
            "夜間実行に設定を変更した。"
        ),
    },
    {
        "type": "fault",
        "service": "fileserver",
        "impact": "person",
        "urgency": "medium",
        "subject": "Hドライブを開くと「ネットワーク パスが見つかりません」と出る",
        "description": (
            "お疲れ様です。{time}から、Hドライブをダブルクリックすると"
            "「\\\\fs02\\home にアクセスできません。ネットワーク パスが"
            "見つかりませんでした。」と表示されます。"
            "インターネットやメールは使えています。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。Hドライブのみ接続不可。"
                    "リモート操作で確認したところ、ドライブの割り当てが切断状態と"
                    "なっていた。ログオンスクリプトを再実行したところ、"
                    "Hドライブにアクセスできるようになった。"
                ),
            },
        ],
        "resolution": "ログオンスクリプトを再実行し、ドライブの割り当てを復旧した。",
    },
    {
        "type": "fault",
        "service": "vpn",
        "impact": "person",
        "urgency": "medium",
        "subject": "自宅からVPNに接続しようとすると「エラー 809」が表示される",
        "description": (
            "本日テレワーク中です。VPNに接続しようとすると"
            "「VPNサーバーとの接続を確立できませんでした（エラー 809）」と"
            "表示され、接続できません。自宅のWi-Fiでインターネットは見られます。"
            "先週までは同じ環境で接続できていました。"
        ),
        "outcome": "pending_requester",
        "channel_weights": {"phone": 60, "mail": 30, "portal": 10},
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "携帯電話より着信（テレワーク中）。VPN接続時にエラー809。"
                    "自宅ルーターのファームウェア更新後から発生している可能性あり。"
                    "公用スマートフォンのテザリングで接続を試していただくよう依頼。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お電話ありがとうございました。ご案内のとおり、公用スマートフォンの"
                    "テザリングでの接続をお試しいただき、結果をお知らせください。"
                    "テザリングで接続できる場合は、ご自宅のルーターの設定"
                    "（VPNパススルー）が原因と考えられます。"
                ),
            },
        ],
        "resolution": "",
    },
    {
        "type": "fault",
        "service": "vpn",
        "impact": "ministry",
        "urgency": "high",
        "subject": "朝からVPNに接続できない（テレワーク職員の複数名から申告）",
        "description": (
            "テレワーク中の職員から、朝からVPNに接続できないとの連絡が"
            "相次いでいます。接続時に「認証サーバーに接続できません」と"
            "表示されるとのことです。当課だけで既に4名が業務を開始できていません。"
        ),
        "outcome": "escalate_operations",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。{time}以降、テレワーク職員のVPN接続不可の"
                    "申告が急増（30分で12件）。いずれも認証サーバーへの接続エラー。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "全庁的な障害と判断し、運用事業者へエスカレーション。"
                    "ポータルのトップに障害のお知らせを掲載済み。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。VPN装置と認証サーバー間の証明書の更新漏れにより、"
                    "認証処理が失敗しておりました。証明書を更新し、接続が回復したことを"
                    "確認しております。再発防止策については別途ご報告いたします。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。VPNの接続障害は復旧いたしました。"
                    "接続できない場合は、VPNクライアントを一度終了してから"
                    "再度接続をお試しください。"
                ),
            },
        ],
        "resolution": (
            "運用事業者がVPN装置と認証サーバー間の期限切れ証明書を更新し、"
            "接続が回復した。"
        ),
    },
    {
        "type": "fault",
        "service": "mail",
        "impact": "person",
        "urgency": "medium",
        "subject": "取引先から送られたはずのメールが届いていない",
        "description": (
            "取引先の担当者から、{time}に送ったメールが届いていないかと"
            "電話がありました。受信トレイと迷惑メールフォルダを確認しましたが"
            "見当たりません。先方には送信エラーは返ってきていないとのことです。"
        ),
        "outcome": "escalate_operations",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "恐れ入りますが、先方の送信元メールアドレスをお知らせいただけます"
                    "でしょうか。メールゲートウェイの記録を運用事業者に確認いたします。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": (
                    "送信元は sales@example.com です。送信時刻は{time}とのことです。"
                    "よろしくお願いいたします。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。該当のメールは、添付ファイル（パスワード付きZIP）が"
                    "ウイルスチェックで判定不能となり、ゲートウェイで保留されておりました。"
                    "送信元と内容を確認のうえ保留を解除し、配送いたしました。"
                ),
            },
        ],
        "resolution": (
            "ゲートウェイで保留されていたメールを運用事業者が確認・解除し、配送した。"
        ),
    },
    {
        "type": "fault",
        "service": "mail",
        "impact": "person",
        "urgency": "low",
        "subject": "送信したメールが「配信不能」で戻ってくる",
        "description": (
            "{time}に送信したメールが、「配信不能:」という件名で戻ってきました。"
            "本文には「550 5.1.1 User unknown」と書かれています。"
            "宛先は以前にもやり取りしたことのある相手です。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。「550 5.1.1 User unknown」は、"
                    "宛先のメールアドレスが先方のサーバーに存在しないことを示すエラーです。"
                    "Outlookの入力候補に古いアドレスが残っている可能性がございますので、"
                    "宛先の綴りをご確認いただくとともに、入力候補の右側の×印で"
                    "古い候補を削除してください。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": (
                    "先方のアドレスが先月変更になっていたようです。"
                    "新しいアドレスで送信できました。"
                ),
            },
        ],
        "resolution": (
            "エラーの意味を説明し、古い宛先候補の削除と正しいアドレスでの再送を"
            "案内した。"
        ),
    },
    {
        "type": "fault",
        "service": "auth",
        "impact": "person",
        "urgency": "high",
        "subject": "パスワードを何度か間違えてアカウントがロックされた",
        "description": (
            "パスワードを変更した直後に、古いパスワードで何度かログインしようとして"
            "しまい、「参照されたアカウントは現在ロックアウトされているため、"
            "ログオンできない可能性があります。」と表示されるようになりました。"
            "ロックの解除をお願いいたします。"
        ),
        "outcome": "first_line",
        "channel_weights": {"phone": 85, "portal": 5, "mail": 10},
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。職員番号・氏名・内線番号で本人確認を実施。"
                    "アカウントのロックを解除し、新しいパスワードでログインできたことを"
                    "確認。公用スマートフォンに古いパスワードが残っているとロックが"
                    "再発するため、更新を案内。"
                ),
            },
        ],
        "resolution": (
            "本人確認のうえアカウントのロックを解除し、"
            "公用スマートフォンのパスワード更新を案内した。"
        ),
    },
    {
        "type": "fault",
        "service": "wan",
        "impact": "site",
        "urgency": "high",
        "subject": "{site}全体で本省のシステムに接続できない",
        "description": (
            "{time}から、{site}の全ての端末で本省のファイルサーバやグループウェアに"
            "接続できなくなっています。庁舎内のPC同士やプリンターは使えています。"
            "窓口業務に影響が出ておりますので、至急確認をお願いいたします。"
        ),
        "outcome": "escalate_operations",
        "channel_weights": {"phone": 90, "mail": 10, "portal": 0},
        "requester_site_kinds": ["external", "regional", "dr"],
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。{site}全体で本省のシステムへ接続不可。"
                    "拠点内の通信は可能とのことから、拠点間回線（WAN）の障害を疑う。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "運用事業者へエスカレーション。運用事業者から回線事業者へ"
                    "故障申告を行うとの回答あり。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。回線事業者の中継設備の故障により、{site}の"
                    "拠点間回線が不通となっておりました。回線事業者による設備の切替が"
                    "完了し、通信の復旧を確認しております。障害の詳細は、回線事業者の"
                    "報告書を受領後にご報告いたします。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。拠点間回線の障害は復旧いたしました。"
                    "本省のシステムに接続できることをご確認ください。"
                ),
            },
        ],
        "resolution": "回線事業者が中継設備を切り替え、拠点間回線が復旧した。",
    },
    {
        "type": "fault",
        "service": "wifi",
        "impact": "division",
        "urgency": "medium",
        "subject": "{floor}の大会議室で無線LANが頻繁に切断される",
        "description": (
            "{floor}の大会議室で、会議中に無線LANの接続が数分おきに切断されます。"
            "参加者が20名を超えると特に不安定になるようです。"
            "来週も同じ会議室で大きな会議を予定しているため、"
            "改善をお願いできますでしょうか。"
        ),
        "outcome": "open",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "大会議室のアクセスポイントの接続状況を運用事業者に確認いたします。"
                    "当面の対応として、資料投影用のPCは有線LANでの接続をお勧めいたします。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "運用事業者へアクセスポイントのログ確認と、同時接続数の上限設定の"
                    "確認を依頼済み。来週の会議日程までに回答が必要。"
                ),
            },
        ],
        "resolution": "",
    },
    {
        "type": "fault",
        "service": "groupware",
        "impact": "ministry",
        "urgency": "high",
        "subject": "ポータルを開くと「503 Service Unavailable」と表示される",
        "description": (
            "{time}から、ポータル（グループウェア）を開こうとすると"
            "「503 Service Unavailable」と表示されます。同じ課の職員全員が"
            "同じ状況です。本日締切の申請をポータルから提出する必要があり、"
            "困っています。"
        ),
        "outcome": "escalate_operations",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。ポータルにアクセスできない。"
                    "同時刻に他の拠点からも同様の申告が多数あり、全庁的な障害と判断。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "運用事業者へエスカレーション。全職員向けに障害発生のお知らせを"
                    "メールで送信済み。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。ポータルサーバのアプリケーションの停止を確認し、"
                    "サービスを再起動いたしました。現在は正常にアクセスできる状態です。"
                    "停止の原因はメモリ不足によるもので、監視設定を強化いたしました。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。ポータルは復旧いたしました。"
                    "障害により提出が遅れた申請の取扱いについては、"
                    "各所管課にご相談ください。"
                ),
            },
        ],
        "resolution": "運用事業者がポータルサーバのサービスを再起動し、復旧した。",
    },
    {
        "type": "fault",
        "service": "webconf",
        "impact": "person",
        "urgency": "high",
        "subject": "Web会議で相手の声が聞こえない",
        "description": (
            "Web会議（１０時〜）に参加しましたが、相手の声がまったく聞こえません！"
            "こちらの声は相手に届いているようです。"
            "PCのｽﾋﾟｰｶｰからは他のアプリの音は出ます。"
        ),
        "outcome": "first_line",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。Web会議アプリのオーディオ設定で、"
                    "出力先が未接続のヘッドセットになっていた。出力先を"
                    "「スピーカー（内蔵）」に変更したところ、音声が聞こえるようになった。"
                ),
            },
        ],
        "resolution": (
            "Web会議アプリの音声出力先をスピーカーに変更し、"
            "音声が聞こえることを確認した。"
        ),
    },
    {
        "type": "fault",
        "service": "pc",
        "impact": "person",
        "urgency": "medium",
        "subject": "PCの画面に縦線が入り、表示がちらつく",
        "description": (
            "{device}の画面に縦の線が何本か入り、ときどき画面全体がちらつくように"
            "なりました。目が疲れるので、できれば早めに見ていただきたいです。"
        ),
        "outcome": "escalate_terminal_vendor",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。ご不便をおかけしております。"
                    "液晶パネルの故障の可能性がございますので、"
                    "端末保守事業者に点検を依頼いたしました。"
                    "訪問日時が決まり次第ご連絡いたします。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "端末保守事業者へ点検を依頼済み。液晶交換となる場合に備え、"
                    "代替機の在庫を確認済み。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "端末保守事業者です。本日訪問し、液晶パネルの故障を確認いたしました。"
                    "液晶パネルを交換し、表示に異常がないことを確認しております。"
                ),
            },
        ],
        "resolution": "端末保守事業者が液晶パネルを交換し、表示の異常が解消した。",
    },
    {
        "type": "fault",
        "service": "pc",
        "impact": "person",
        "urgency": "medium",
        "subject": "PCの動作が極端に遅く、Excelが固まる",
        "description": (
            "ここ数日、{device}の動作が非常に遅く、Excelで少し大きなファイルを開くと"
            "「応答なし」になってしまいます。再起動しても改善しません。"
            "業務に支障が出ているため、見ていただけますでしょうか。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。リモート操作で確認したところ、"
                    "Cドライブの空き容量が1GBを切っていた。ダウンロードフォルダに"
                    "大容量のファイルが多数あったため、ご本人に確認のうえ"
                    "不要なファイルを削除していただいた。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "その後、動作がかなり軽くなりました。ありがとうございました。",
            },
        ],
        "resolution": (
            "Cドライブの空き容量不足が原因であったため、"
            "不要ファイルを削除いただき動作が改善した。"
        ),
    },
    {
        "type": "fault",
        "service": "printer",
        "impact": "person",
        "urgency": "medium",
        "subject": "自分のPCからだけ印刷できない",
        "description": (
            "同じ課の他の職員は印刷できているのですが、私のPC（{device}）からだけ"
            "印刷できません。印刷を実行しても何も起こらず、エラーも表示されません。"
            "先週、席替えがありました。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。席替えに伴い、既定のプリンターが"
                    "旧フロアの複合機のままになっていた。リモート操作で現在のフロアの"
                    "複合機を追加して既定のプリンターに設定し、テスト印刷できたことを確認。"
                ),
            },
        ],
        "resolution": (
            "既定のプリンターを現在のフロアの複合機に変更し、印刷できることを確認した。"
        ),
    },
    {
        "type": "fault",
        "service": "network",
        "impact": "person",
        "urgency": "medium",
        "subject": "情報コンセントにつないでも「識別されていないネットワーク」になる",
        "description": (
            "レイアウト変更で席が移動になり、新しい席の情報コンセントに"
            "LANケーブルを接続しましたが、「識別されていないネットワーク」と"
            "表示されて接続できません。ケーブルを別のものに替えても同じでした。"
        ),
        "outcome": "escalate_operations",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。隣の席の情報コンセントでは接続できることを"
                    "確認。当該ポートが無効化されている可能性があるため、"
                    "運用事業者に確認を依頼する旨を説明。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。該当の情報コンセントのスイッチポートが、"
                    "未使用ポートとして無効化されておりました。"
                    "ポートを有効化し、業務用VLANを設定いたしました。"
                ),
            },
        ],
        "resolution": (
            "運用事業者が無効化されていたスイッチポートを有効化し、"
            "接続できるようになった。"
        ),
    },
    {
        "type": "fault",
        "service": "auth",
        "impact": "person",
        "urgency": "medium",
        "subject": "ポータルのログイン画面が何度も切り替わって先に進まない",
        "description": (
            "{time}から、ポータルを開くとログイン画面と空白の画面が何度も"
            "切り替わり、ログインできません。ブラウザを再起動しても同じです。"
            "別のPCでは、私のアカウントでもログインできました。"
        ),
        "outcome": "open",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。シングルサインオンのリダイレクトが"
                    "繰り返される事象。ブラウザのキャッシュとCookieの削除を案内したが"
                    "改善せず。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "端末固有の事象と思われる。証明書ストアの状態をリモートで確認予定。"
                    "ご本人には当面、別のブラウザでの利用を案内済み。"
                ),
            },
        ],
        "resolution": "",
    },
    {
        "type": "fault",
        "service": "mail",
        "impact": "person",
        "urgency": "high",
        "subject": "「メールボックスがいっぱいです」と表示されメールを送信できない",
        "description": (
            "Outlookの上部に「メールボックスがいっぱいです。」という黄色い帯が"
            "表示され、メールを送信できなくなりました。受信はできているようです。"
            "急ぎの返信があるので困っています。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。メールボックス容量（2GB）の上限超過。"
                    "送信済みアイテムと削除済みアイテムの整理、添付ファイルの大きい"
                    "メールの削除手順を案内。容量が上限を下回り、送信できることを確認。"
                ),
            },
        ],
        "resolution": (
            "メールボックスの整理手順を案内し、容量が上限を下回って"
            "送信できるようになった。"
        ),
    },
    {
        "type": "fault",
        "service": "pc",
        "impact": "person",
        "urgency": "high",
        "subject": "ノートPCのバッテリーが膨らんでいるように見える",
        "description": (
            "{device}の底面が少し膨らんでいて、机に置くとガタつきます。"
            "キーボードの一部も浮き上がってきました。"
            "発熱は特に感じませんが、このまま使ってよいか不安です。"
        ),
        "outcome": "open",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。バッテリー膨張の疑い。発火の危険があるため、"
                    "直ちに使用を中止し、ACアダプターを外して電源を切るよう案内。"
                    "作業中のデータは共有フォルダに保存済みとのこと。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "端末保守事業者へバッテリー（または本体）の交換と代替機の手配を"
                    "依頼済み。代替機の到着は明日午前の見込み。"
                ),
            },
        ],
        "resolution": "",
    },
    {
        "type": "fault",
        "service": "printer",
        "impact": "division",
        "urgency": "low",
        "subject": "カラー印刷で青色の部分だけがかすれる",
        "description": (
            "{floor}の{device}でカラー印刷をすると、青色の部分だけがかすれて"
            "筋が入ったようになります。トナーの残量は十分と表示されています。"
            "白黒印刷は問題ありません。"
        ),
        "outcome": "pending_requester",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "お手数ですが、複合機の操作パネルから［設定］→［レポート］→"
                    "［テストページ印刷］を実行し、印刷結果をそのまま複合機でスキャンして"
                    "本件に添付いただけますでしょうか。"
                    "かすれ方を確認のうえ、保守員の派遣を手配いたします。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": "テストページのスキャン待ち。ドラムユニット劣化の可能性あり。",
            },
        ],
        "resolution": "",
    },
    # ======================================================================
    # Service requests (申請)
    # ======================================================================
    {
        "type": "request",
        "service": "auth",
        "impact": "person",
        "urgency": "medium",
        "subject": "新規着任する非常勤職員のアカウント発行のお願い",
        "description": (
            "来週月曜日付けで、当課に非常勤職員が1名着任いたします。"
            "着任日からPCとメールが使えるよう、アカウントの発行をお願いいたします。"
            "アカウント発行申請書は本日ポータルから提出済みです。"
        ),
        "outcome": "escalate_operations",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ご依頼いただきありがとうございます。ヘルプデスクでございます。"
                    "アカウント発行申請書を受領いたしました。情報化推進室の承認後、"
                    "運用事業者にてアカウントを作成いたします。"
                    "初期パスワードは、着任日当日に所属の庶務担当者様宛てに"
                    "封書でお届けいたします。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": "情報化推進室の承認済み。運用事業者へアカウント作成を依頼。",
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。アカウントおよびメールボックスの作成が完了いたしました。"
                    "課の共有フォルダとメーリングリストへの登録も済んでおります。"
                ),
            },
        ],
        "resolution": (
            "情報化推進室の承認を経て、運用事業者がアカウントとメールボックスを"
            "作成した。"
        ),
    },
    {
        "type": "request",
        "service": "fileserver",
        "impact": "division",
        "urgency": "low",
        "subject": "検討チーム用の共有フォルダを新規に作成してほしい",
        "description": (
            "来月から、複数の拠点の職員が参加する検討チームが発足します。"
            "チームのメンバーのみがアクセスできる共有フォルダを作成していただけます"
            "でしょうか。メンバーは現時点で8名です。"
        ),
        "outcome": "escalate_operations",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ヘルプデスクでございます。共有フォルダの新規作成には"
                    "「共有フォルダ作成申請」が必要です。申請書のメンバー欄に"
                    "参加者の職員番号をご記入のうえ、所属課長の承認を得て"
                    "ご提出ください。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "申請書を提出しました。よろしくお願いいたします。",
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。共有フォルダ「検討チーム」を作成し、"
                    "申請のあった8名にアクセス権を付与いたしました。"
                    "各メンバーのPCでは、次回ログオン時からPドライブ配下に表示されます。"
                ),
            },
        ],
        "resolution": (
            "運用事業者が共有フォルダを作成し、申請メンバーにアクセス権を付与した。"
        ),
    },
    {
        "type": "request",
        "service": "mail",
        "impact": "division",
        "urgency": "low",
        "subject": "課のメーリングリストに新しいメンバーを追加してほしい",
        "description": (
            "当課のメーリングリストに、今月着任した職員2名を追加していただけます"
            "でしょうか。職員番号は申請フォームに記載しております。"
        ),
        "outcome": "first_line",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ご依頼いただきありがとうございます。ヘルプデスクでございます。"
                    "メーリングリストに2名を追加いたしました。反映まで最大1時間程度"
                    "かかる場合がございます。追加された方宛てにテストメールを送信し、"
                    "ご確認いただけますと幸いです。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": (
                    "テストメールが届いたことを確認しました。ありがとうございました。"
                ),
            },
        ],
        "resolution": (
            "メーリングリストに新任職員2名を追加し、テストメールの受信を確認いただいた。"
        ),
    },
    {
        "type": "request",
        "service": "pc",
        "impact": "person",
        "urgency": "low",
        "subject": "出張用にモバイルPCを1週間借りたい",
        "description": (
            "来週、5日間の地方出張があり、出張先で資料の修正を行う必要があります。"
            "貸出用のモバイルPCを1台お借りすることはできますでしょうか。"
        ),
        "outcome": "first_line",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "貸出用モバイルPCを来週の期間で1台確保いたしました。"
                    "出張の前日までに、別館1階のヘルプデスク窓口へ職員証をお持ちのうえ"
                    "お越しください。次回からはポータルの「貸出機器予約」からも"
                    "ご予約いただけます。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "窓口で受け取りました。ありがとうございます。",
            },
        ],
        "resolution": "貸出用モバイルPCを確保し、窓口でお渡しした。",
    },
    {
        "type": "request",
        "service": "vpn",
        "impact": "person",
        "urgency": "low",
        "subject": "テレワーク用モバイルPCの利用を申請したい",
        "description": (
            "育児のため、来月から週3日のテレワークを予定しています。"
            "テレワーク用のモバイルPCの利用を申請したいのですが、"
            "手続きを教えてください。"
        ),
        "outcome": "pending_requester",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "お問い合わせいただきありがとうございます。ヘルプデスクでございます。"
                    "テレワーク用モバイルPCの利用には、「テレワーク実施計画書」と"
                    "「モバイルPC利用申請書」の2点が必要です。いずれもポータルの"
                    "申請メニューからダウンロードできます。所属課長の承認を得たうえで"
                    "ヘルプデスクへご提出ください。書類の受領後、5営業日程度で"
                    "モバイルPCをお渡しいたします。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "書類を作成しましたので、課長の決裁後に提出いたします。",
            },
        ],
        "resolution": "",
    },
    {
        "type": "request",
        "service": "network",
        "impact": "division",
        "urgency": "medium",
        "subject": "記者発表のため講堂に臨時の有線LANを用意してほしい",
        "description": (
            "再来週、{site}の講堂で記者発表を行います。配信用のPCを2台、"
            "有線LANで接続したいのですが、講堂には情報コンセントが1つしか"
            "ありません。臨時で接続口を増やしていただくことは可能でしょうか。"
        ),
        "outcome": "open",
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ご依頼いただきありがとうございます。ヘルプデスクでございます。"
                    "臨時のネットワーク敷設は運用事業者による作業となります。"
                    "現地調査の日程を調整いたしますので、"
                    "講堂の予約状況をお知らせいただけますでしょうか。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": (
                    "講堂は発表の前日午後から押さえています。"
                    "それ以外の日は通常の会議で使用されています。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": "運用事業者へ現地調査を依頼。前日午後の設置作業で調整中。",
            },
        ],
        "resolution": "",
    },
    {
        "type": "request",
        "service": "printer",
        "impact": "division",
        "urgency": "low",
        "subject": "レイアウト変更に伴い複合機を移設してほしい",
        "description": (
            "来月の執務室のレイアウト変更に伴い、{floor}の{device}を"
            "同じフロア内の窓側に移設したいと考えております。"
            "移設の手続きと、必要な準備について教えてください。"
        ),
        "outcome": "escalate_terminal_vendor",
        "channel_weights": _PORTAL_HEAVY,
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ご依頼いただきありがとうございます。ヘルプデスクでございます。"
                    "複合機の移設は端末保守事業者が実施いたします。移設先に専用の"
                    "電源コンセントと情報コンセントが必要となりますので、"
                    "レイアウト図を添付のうえ、ご希望の作業日をお知らせください。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "レイアウト図を添付します。作業は土曜日の午前を希望します。",
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "端末保守事業者です。ご希望の日程で移設作業を完了いたしました。"
                    "移設後のテスト印刷・スキャンともに正常に動作することを"
                    "確認しております。"
                ),
            },
        ],
        "resolution": (
            "端末保守事業者が休日に複合機を移設し、印刷・スキャンの動作を確認した。"
        ),
    },
    {
        "type": "request",
        "service": "auth",
        "impact": "person",
        "urgency": "medium",
        "subject": "退職した職員のアカウントを停止してほしい",
        "description": (
            "当課の非常勤職員が本日付けで退職いたしました。"
            "アカウントの停止と、メールボックス内の業務メールの引継ぎについて"
            "ご対応をお願いいたします。"
        ),
        "outcome": "escalate_operations",
        "channel_weights": {"portal": 50, "mail": 40, "phone": 10},
        "conversation": [
            {
                "kind": "public_reply",
                "by": "agent",
                "body": (
                    "ご連絡いただきありがとうございます。ヘルプデスクでございます。"
                    "退職者のアカウントは本日18時15分をもって停止いたします。"
                    "業務メールの引継ぎをご希望の場合は、引継ぎ先の職員と対象期間を"
                    "お知らせください。"
                ),
            },
            {
                "kind": "requester_reply",
                "by": "requester",
                "body": "引継ぎ先は課長補佐、対象期間は直近1年分でお願いいたします。",
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "運用事業者です。アカウントを停止し、直近1年分のメールを"
                    "引継ぎ先のメールボックスの「引継ぎ」フォルダへ移行いたしました。"
                ),
            },
        ],
        "resolution": (
            "運用事業者がアカウントを停止し、業務メールを引継ぎ先へ移行した。"
        ),
    },
    # ======================================================================
    # Security incidents (セキュリティ事案)
    # ======================================================================
    {
        "type": "security",
        "service": "infosec",
        "impact": "division",
        "urgency": "high",
        "subject": "不審なメールの添付ファイルを開いてしまいました",
        "description": (
            "{time}に、取引先を名乗る差出人から「請求書の送付について」という件名の"
            "メールが届き、添付のWordファイルを開いてしまいました。"
            "開いたところ「コンテンツの有効化」というボタンが表示され、"
            "押してしまったかもしれません。"
            "その後、差出人のアドレスが取引先のものと違うことに気付きました。"
        ),
        "outcome": "escalate_security",
        "channel_weights": {"phone": 85, "mail": 10, "portal": 5},
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。不審メールの添付ファイル（Word、マクロ"
                    "有効化の可能性あり）を開封。直ちにLANケーブルを抜き、無線LANを"
                    "オフにしたうえで、PCの電源は入れたままにするよう指示。"
                    "該当メールの削除・転送はしないよう依頼。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "セキュリティ事案としてセキュリティチームへ即時エスカレーション。"
                    "端末番号 {device}、受信時刻と件名を共有済み。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "セキュリティチームです。該当端末を調査した結果、マクロは実行されて"
                    "おらず、不審な通信やファイルの作成も確認されませんでした。"
                    "同じ不審メールが庁内の他の職員17名にも届いていたため、"
                    "メールゲートウェイで削除し、送信元をブロックしております。"
                    "端末のフルスキャン完了後、ネットワークへの再接続を許可いたします。"
                ),
            },
        ],
        "resolution": (
            "セキュリティチームが端末を調査して感染がないことを確認し、"
            "同種メールの削除と送信元のブロックを行った。"
        ),
    },
    {
        "type": "security",
        "service": "infosec",
        "impact": "division",
        "urgency": "high",
        "subject": "業務用USBメモリを紛失しました",
        "description": (
            "昨日、{site}の会議室で会議を行った後、業務用USBメモリ"
            "（管理番号付き、暗号化機能あり）が見当たらなくなりました。"
            "会議資料の電子データと、委員の方の連絡先一覧が保存されていた可能性が"
            "あります。会議室と移動経路は確認しましたが、見つかっていません。"
        ),
        "outcome": "escalate_security",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。業務用USBメモリ（暗号化機能付き）の紛失。"
                    "個人情報（委員の連絡先）を含む可能性あり。情報セキュリティ事案の"
                    "報告手順に従い、所属課長への報告を依頼。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "セキュリティチームおよび情報化推進室へ報告。"
                    "USBメモリの管理番号と保存データの内容を確認中。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "セキュリティチームです。管理台帳上、当該USBメモリはパスワードによる"
                    "暗号化が有効であり、第三者が内容を閲覧できる可能性は低いと"
                    "判断しております。引き続き、遺失物の届出と所属での捜索を"
                    "お願いいたします。情報化推進室へは報告済みです。"
                ),
            },
        ],
        "resolution": (
            "セキュリティチームが暗号化の有効性を確認してリスクを評価し、"
            "情報化推進室への報告と遺失届の手続きを行った。"
        ),
    },
    {
        "type": "security",
        "service": "infosec",
        "impact": "person",
        "urgency": "high",
        "subject": "ウイルス対策ソフトから「脅威が検出されました」と警告が出た",
        "description": (
            "{time}に、{device}の画面右下に「脅威が検出されました」という"
            "ウイルス対策ソフトの通知が表示されました。"
            "直前に、外部のWebサイトから資料（PDF）をダウンロードしていました。"
            "今はPCをそのままにしています。"
        ),
        "outcome": "escalate_security",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。ウイルス対策ソフトの検知通知。"
                    "LANケーブルを抜いて待機するよう依頼。"
                    "検知名とファイルのパスを読み上げていただき記録した。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "セキュリティチームへエスカレーション。"
                    "検知名：Trojan:JS/Downloader（隔離済みと表示）。"
                    "端末番号 {device}。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "セキュリティチームです。検知されたファイルはダウンロード直後に"
                    "隔離されており、実行された形跡はありませんでした。"
                    "端末のフルスキャンでも他の検知はありません。ダウンロード元の"
                    "サイトは閲覧ブロックの対象に追加しております。"
                    "ネットワークに再接続していただいて問題ございません。"
                ),
            },
        ],
        "resolution": (
            "セキュリティチームが隔離状況と実行の有無を確認し、ダウンロード元サイトを"
            "ブロックしたうえで端末の再接続を許可した。"
        ),
    },
    {
        "type": "security",
        "service": "infosec",
        "impact": "division",
        "urgency": "high",
        "subject": "偽のログイン画面にIDとパスワードを入力してしまったかもしれない",
        "description": (
            "「メールボックスの容量が上限に達しました」というメールのリンクを開き、"
            "表示された画面にIDとパスワードを入力してしまいました。"
            "入力した後で、アドレスが庁内のものではないことに気付きました。"
            "{time}のことです。"
        ),
        "outcome": "escalate_security",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。フィッシングサイトへの認証情報入力の"
                    "可能性。直ちにパスワードを変更していただき、変更完了を確認。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "セキュリティチームへエスカレーション。"
                    "該当URLと受信メールのヘッダ情報を共有。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "セキュリティチームです。該当アカウントの認証ログを確認したところ、"
                    "パスワード変更までの間に海外のIPアドレスからのログイン試行が"
                    "2回ありましたが、多要素認証により失敗しております。"
                    "当該URLはプロキシでブロックし、同じメールを受信した職員へ"
                    "注意喚起を行いました。"
                ),
            },
        ],
        "resolution": (
            "パスワードを直ちに変更し、セキュリティチームが不正ログインの未成立を"
            "確認したうえで当該URLをブロックした。"
        ),
    },
    {
        "type": "security",
        "service": "infosec",
        "impact": "division",
        "urgency": "high",
        "subject": "個人情報を含むファイルを誤って外部に送信してしまった",
        "description": (
            "{time}に、研修の受講者名簿（氏名・所属・連絡先、約40名分）を添付した"
            "メールを、宛先の似た別の外部の方に誤って送信してしまいました。"
            "ファイルにパスワードは設定しておりません。"
            "先方にはまだ連絡できていません。"
        ),
        "outcome": "escalate_security",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。個人情報を含むファイルの外部への誤送信。"
                    "所属課長への報告と、誤送信先への削除依頼の連絡を優先して"
                    "いただくよう案内。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "セキュリティチームへエスカレーション。"
                    "情報化推進室へも第一報を入れた。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "セキュリティチームです。送信ログから誤送信先のアドレスと送信時刻を"
                    "確認いたしました。誤送信先から削除した旨の回答を得ていると"
                    "所属より伺っております。事案報告書の様式をお送りしますので、"
                    "本日中のご提出をお願いいたします。"
                ),
            },
        ],
        "resolution": (
            "誤送信先から削除の回答を得たうえで、"
            "セキュリティチームの指示により事案報告書を提出いただいた。"
        ),
    },
    {
        "type": "security",
        "service": "infosec",
        "impact": "division",
        "urgency": "high",
        "subject": "ヘルプデスクを名乗る電話でパスワードを聞かれた",
        "description": (
            "{time}に外線で、「ヘルプデスクの者ですが、システム更新のため"
            "パスワードを教えてください」という電話がありました。"
            "不審に思い、答えずに電話を切りました。"
            "同じ課の職員にも同様の電話があったようです。"
        ),
        "outcome": "escalate_security",
        "channel_weights": _PHONE_HEAVY,
        "conversation": [
            {
                "kind": "phone_call",
                "by": "agent",
                "body": (
                    "内線{extension}より着信。ヘルプデスクを名乗る不審電話の報告。"
                    "ヘルプデスクから電話でパスワードを尋ねることはない旨を説明。"
                    "発信元の番号は非通知とのこと。"
                ),
            },
            {
                "kind": "internal_note",
                "by": "agent",
                "body": (
                    "セキュリティチームへエスカレーション。"
                    "同じ課で少なくとも3名に同様の着信あり。"
                ),
            },
            {
                "kind": "public_reply",
                "by": "vendor",
                "body": (
                    "セキュリティチームです。他の拠点でも同様の不審電話が確認されて"
                    "おります。全職員向けに注意喚起のメールを配信いたしました。"
                    "パスワードを答えてしまった職員がいないか、"
                    "各課でご確認をお願いいたします。"
                ),
            },
        ],
        "resolution": (
            "セキュリティチームが全職員に注意喚起を配信し、被害がないことを確認した。"
        ),
    },
]

# ---------------------------------------------------------------------------
# Ticket spec generator
# ---------------------------------------------------------------------------

JST = timezone(timedelta(hours=9), "JST")

# Reference "now" used when the caller does not pass one: a Wednesday
# afternoon in Japan time.  Keeping it fixed makes the default output
# deterministic; pass ``now`` to align business hours with the real clock.
REFERENCE_NOW = datetime(2026, 3, 11, 15, 30, tzinfo=JST)

_DAY = 24 * 60
_DEFAULT_CHANNEL_WEIGHTS: dict[Channel, int] = {"portal": 60, "phone": 25, "mail": 15}
# Target share of each ticket type in the generated specs.
_TYPE_MIX: dict[TicketType, int] = {
    "inquiry": 45,
    "fault": 35,
    "request": 12,
    "security": 8,
}

# Business-hour blocks (minutes since midnight, JST) and their relative weight
# per minute: the morning peak, lunch dip, afternoon and the evening tail.
_BUSINESS_BLOCKS: list[tuple[int, int, float]] = [
    (8 * 60 + 30, 10 * 60, 1.6),
    (10 * 60, 12 * 60, 1.3),
    (12 * 60, 13 * 60, 0.5),
    (13 * 60, 17 * 60, 1.1),
    (17 * 60, 18 * 60 + 15, 0.6),
]

_ASSET_PREFIX: dict[str, str] = {
    "hq": "HQ",
    "hq-annex": "ANX",
    "ext-minato": "MNT",
    "ext-tachikawa": "TCK",
    "ext-makuhari": "MKH",
    "reg-hokkaido": "HKD",
    "reg-kanto": "KNT",
    "reg-kinki": "KNK",
    "reg-kyushu": "KYS",
    "dr-center": "DRC",
}


def _to_jst(now: datetime) -> datetime:
    """Return ``now`` in JST; naive datetimes are taken to be UTC."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(JST)


def _business_minute(rng: random.Random) -> int:
    weights = [(end - start) * w for start, end, w in _BUSINESS_BLOCKS]
    start, end, _ = rng.choices(_BUSINESS_BLOCKS, weights=weights)[0]
    return rng.randrange(start, end)


def _age_window(rng: random.Random, outcome: Outcome) -> tuple[int, int]:
    """Pick the range of "minutes ago" a ticket with this outcome opens in."""
    recent = (30, 2 * _DAY)
    if outcome == "open":
        return recent if rng.random() < 0.7 else (2 * _DAY, 10 * _DAY)
    if outcome == "pending_requester":
        return recent if rng.random() < 0.45 else (2 * _DAY, 14 * _DAY)
    share = 0.06 if outcome == "first_line" else 0.04
    return recent if rng.random() < share else (2 * _DAY, 60 * _DAY)


def _pick_opened_minutes_ago(
    rng: random.Random, now_jst: datetime, outcome: Outcome, steps: int
) -> int:
    lo, hi = _age_window(rng, outcome)
    lo = max(lo, 20 + 10 * steps)
    for _ in range(400):
        day_offset = rng.randint(lo // _DAY, hi // _DAY)
        day = (now_jst - timedelta(days=day_offset)).date()
        is_weekday = day.weekday() < 5
        if not is_weekday and rng.random() > 0.12:
            continue
        if is_weekday and rng.random() < 0.92:
            minute_of_day = _business_minute(rng)
        else:
            minute_of_day = rng.randrange(0, _DAY)
        opened = datetime.combine(day, time(0, 0), tzinfo=JST) + timedelta(
            minutes=minute_of_day
        )
        ago = int((now_jst - opened).total_seconds() // 60)
        if lo <= ago <= hi:
            return ago
    return rng.randint(lo, hi)


def _pick_floor(rng: random.Random, site: Site) -> tuple[str, str]:
    """Return a floor label (e.g. "北棟5階") and its tag for asset names."""
    if site["code"] == "hq":
        wing = rng.choice(["北棟", "南棟", ""])
        number = rng.randint(2, 11)
        tag = {"北棟": "N", "南棟": "S", "": ""}[wing] + f"{number}F"
        return f"{wing}{number}階", tag
    if site["kind"] == "hq":
        number = rng.randint(1, 8)
    elif site["kind"] == "regional":
        number = rng.randint(2, 9)
    elif site["kind"] == "dr":
        number = rng.randint(1, 3)
    else:
        number = rng.randint(1, 6)
    return f"{number}階", f"{number}F"


def _pick_device(rng: random.Random, service: str, site: Site, floor_tag: str) -> str:
    prefix = _ASSET_PREFIX.get(site["code"], site["code"][:3].upper())
    if service == "printer":
        return f"複合機 MFP-{floor_tag}-{rng.randint(1, 4):02d}"
    if service == "vpn":
        return f"MPC-{prefix}-{rng.randint(100, 2999):05d}"
    return f"PC-{prefix}-{rng.randint(100, 9999):05d}"


def _format_time(rng: random.Random, opened_at: datetime) -> str:
    """A plausible "when it started" time shortly before the ticket opened."""
    moment = opened_at - timedelta(minutes=5 * rng.randint(1, 18))
    minute = moment.minute - moment.minute % 5
    if minute == 0:
        return f"{moment.hour}時頃"
    return f"{moment.hour}時{minute}分頃"


def _fill(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def _step_gap(
    rng: random.Random, step: ConversationStep, first: bool, channel: Channel
) -> int:
    if step["kind"] == "phone_call":
        if first and channel == "phone":
            return rng.randint(1, 4)
        return rng.randint(5, 40)
    if step["by"] == "vendor":
        return rng.randint(45, 420)
    if step["kind"] == "requester_reply":
        return rng.randint(15, 480)
    if step["kind"] == "internal_note":
        return rng.randint(3, 30)
    return rng.randint(8, 120)


def _step_offsets(
    rng: random.Random,
    conversation: list[ConversationStep],
    channel: Channel,
    opened_minutes_ago: int,
) -> list[int]:
    """Strictly increasing minutes-after-open that all lie in the past."""
    offsets: list[int] = []
    total = 0
    for index, step in enumerate(conversation):
        total += _step_gap(rng, step, index == 0, channel)
        offsets.append(total)
    limit = max(len(offsets), opened_minutes_ago - 1)
    if offsets and offsets[-1] > limit:
        factor = limit / offsets[-1]
        scaled: list[int] = []
        previous = 0
        for offset in offsets:
            value = max(previous + 1, int(offset * factor))
            scaled.append(value)
            previous = value
        offsets = scaled
    return offsets


def _build_spec(
    rng: random.Random,
    scenario: Scenario,
    requesters: list[Person],
    requester_weights: list[int],
    sites: dict[str, Site],
    now_jst: datetime,
) -> TicketSpec:
    allowed_kinds = scenario.get("requester_site_kinds")
    pool = requesters
    weights = requester_weights
    if allowed_kinds:
        pairs = [
            (person, weight)
            for person, weight in zip(requesters, requester_weights, strict=True)
            if sites[person["site"]]["kind"] in allowed_kinds
        ]
        pool = [person for person, _ in pairs]
        weights = [weight for _, weight in pairs]
    requester = rng.choices(pool, weights=weights)[0]
    site = sites[requester["site"]]

    channel_weights = scenario.get("channel_weights", _DEFAULT_CHANNEL_WEIGHTS)
    channels = list(channel_weights)
    channel = rng.choices(channels, weights=[channel_weights[c] for c in channels])[0]

    conversation = scenario["conversation"]
    opened_minutes_ago = _pick_opened_minutes_ago(
        rng, now_jst, scenario["outcome"], len(conversation)
    )
    opened_at = now_jst - timedelta(minutes=opened_minutes_ago)
    floor_label, floor_tag = _pick_floor(rng, site)
    values = {
        "{site}": site["name_ja"],
        "{floor}": floor_label,
        "{device}": _pick_device(rng, scenario["service"], site, floor_tag),
        "{time}": _format_time(rng, opened_at),
        "{extension}": requester["extension"],
    }

    offsets = _step_offsets(rng, conversation, channel, opened_minutes_ago)
    steps: list[SpecStep] = []
    for step, offset in zip(conversation, offsets, strict=True):
        body = _fill(step["body"], values)
        if step["kind"] == "phone_call" and channel != "phone":
            # The ticket did not arrive by phone, so the agent called back.
            body = body.replace("より着信", "へ折り返し架電", 1)
        steps.append(
            {
                "kind": step["kind"],
                "by": step["by"],
                "body": body,
                "minutes_after_open": offset,
            }
        )

    return {
        "type": scenario["type"],
        "service": scenario["service"],
        "impact": scenario["impact"],
        "urgency": scenario["urgency"],
        "channel": channel,
        "requester": requester["email"],
        "subject": _fill(scenario["subject"], values),
        "description": _fill(scenario["description"], values),
        "opened_minutes_ago": opened_minutes_ago,
        "outcome": scenario["outcome"],
        "conversation": steps,
        "resolution": _fill(scenario["resolution"], values),
    }


def _pick_scenarios(rng: random.Random, count: int) -> list[int]:
    """Scenario indices: each scenario once, then types in _TYPE_MIX shares.

    Within a type the scenarios are dealt in shuffled rounds, so every
    scenario of a type is used about equally often.
    """
    total = len(TICKET_SCENARIOS)
    if count < total:
        return rng.sample(range(total), count)
    by_type: dict[TicketType, list[int]] = {}
    for index, scenario in enumerate(TICKET_SCENARIOS):
        by_type.setdefault(scenario["type"], []).append(index)
    mix_total = sum(_TYPE_MIX[kind] for kind in by_type)
    raw = {kind: count * _TYPE_MIX[kind] / mix_total for kind in by_type}
    quota = {kind: max(len(by_type[kind]), int(raw[kind])) for kind in by_type}
    by_remainder = sorted(by_type, key=lambda kind: raw[kind] - int(raw[kind]))
    while sum(quota.values()) < count:
        quota[by_remainder.pop()] += 1
        if not by_remainder:
            by_remainder = list(by_type)
    while sum(quota.values()) > count:
        largest = max(
            (kind for kind in by_type if quota[kind] > len(by_type[kind])),
            key=lambda kind: quota[kind],
        )
        quota[largest] -= 1
    picks: list[int] = []
    for kind, indices in by_type.items():
        dealt: list[int] = []
        while len(dealt) < quota[kind]:
            batch = list(indices)
            rng.shuffle(batch)
            dealt.extend(batch)
        picks.extend(dealt[: quota[kind]])
    return picks


def generate_ticket_specs(
    seed: int = 2026, count: int = 300, *, now: datetime | None = None
) -> list[TicketSpec]:
    """Expand ``TICKET_SCENARIOS`` into ``count`` deterministic ticket specs.

    Every scenario is used at least once when ``count >= len(TICKET_SCENARIOS)``.
    Placeholders are filled with the requester's site, a floor, a device and a
    time; requesters are drawn from ``PEOPLE`` with role ``"requester"`` (the
    first one, the demo login, twice as often as the others).

    ``opened_minutes_ago`` counts back from ``now`` and favours Japanese
    business hours (weekdays 8:30-18:15 JST).  ``now`` defaults to
    ``REFERENCE_NOW`` so the result depends on ``seed`` and ``count`` only; the
    seeding code may pass the real current time (aware, or naive UTC) so that
    opening times land in business hours on the actual calendar.  Open and
    pending tickets are mostly from the last two days, finished ones mostly
    older.  The list is ordered oldest first.
    """
    if count <= 0:
        return []
    rng = random.Random(seed)
    now_jst = REFERENCE_NOW if now is None else _to_jst(now)

    picks = _pick_scenarios(rng, count)

    requesters = [person for person in PEOPLE if person["role"] == "requester"]
    requester_weights = [2 if index == 0 else 1 for index in range(len(requesters))]
    sites = {site["code"]: site for site in SITES}

    specs = [
        _build_spec(
            rng, TICKET_SCENARIOS[index], requesters, requester_weights, sites, now_jst
        )
        for index in picks
    ]
    specs.sort(key=lambda spec: -spec["opened_minutes_ago"])
    return specs
