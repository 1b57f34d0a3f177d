"""Demo knowledge base: categories and published articles for the usage questions staff ask most.

Loaded through the real services, written by the first demo agent, only into an empty
article table, so ``make run`` shows suggestions on the new-ticket page out of the box.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import func, select

from helpdesk.accounts import services as accounts
from helpdesk.accounts.models import Role, User
from helpdesk.core.actor import SYSTEM
from helpdesk.core.db import unit_of_work
from helpdesk.knowledge import services as kb
from helpdesk.knowledge.models import Article, Audience

CATEGORIES = [
    ("VPN・リモート接続", "VPN and remote access"),
    ("プリンタ・複合機", "Printers"),
    ("アカウント・パスワード", "Accounts and passwords"),
    ("ファイルサーバ", "File server"),
    ("メール・Outlook", "Mail and Outlook"),
]


class ArticleSpec(TypedDict):
    """One demo article."""

    category: str
    title: str
    tags: list[str]
    audience: str
    body: str


ARTICLES: list[ArticleSpec] = [
    {
        "category": "VPN・リモート接続", "title": "VPNに接続できない時の確認手順",
        "tags": ["VPN", "在宅勤務", "証明書"],
        "audience": "staff",
        "body": """在宅勤務や出張先で **VPNに接続できない** ときは、次の順に確認してください。

## 1. インターネットにつながっているか
ブラウザで省外のページ（例: 天気予報のサイト）が開けるか確認します。
開けない場合は、自宅のルーターやモバイルルーターを確認してください。

## 2. 証明書の有効期限
「証明書が無効です」「認証に失敗しました」と表示される場合は、端末の証明書の期限切れが考えられます。

1. タスクバーの VPN クライアントを右クリックし、**証明書の確認** を選びます。
2. 有効期限が過ぎている場合は、登庁時に情報システム窓口で更新してください。

## 3. VPN クライアントの再起動
VPN クライアントを終了し、PCを再起動してから再度接続してください。

## それでも接続できない場合
エラーメッセージの画面を撮影し、**新しい問い合わせ** から「障害の連絡」で送ってください。""",
    },
    {
        "category": "プリンタ・複合機", "title": "プリンタ（複合機）の追加方法",
        "tags": ["プリンタ", "複合機", "印刷"],
        "audience": "staff",
        "body": """席替えや新しいPCで、フロアの複合機を使えるようにする手順です。

1. **スタート** → **設定** → **Bluetooth とデバイス** → **プリンターとスキャナー** を開きます。
2. **デバイスの追加** を押し、一覧から近くの複合機（例: `HQ-3F-MFP01`）を選びます。
3. 一覧に出ない場合は **手動で追加** を選び、複合機に貼られた名前を入力します。
4. テストページを印刷して確認します。

- 印刷できない・白紙が出る場合は、トナーと用紙を確認してください。
- 「ドライバーが見つかりません」と表示される場合は、ヘルプデスクへお問い合わせください。""",
    },
    {
        "category": "アカウント・パスワード", "title": "パスワードの変更方法",
        "tags": ["パスワード", "アカウント"],
        "audience": "staff",
        "body": """パスワードは90日ごとに変更が必要です。期限の14日前からログオン時にお知らせが表示されます。

## 変更の手順
1. PCにログオンした状態で **Ctrl + Alt + Delete** を押します。
2. **パスワードの変更** を選びます。
3. 現在のパスワードと、新しいパスワードを2回入力します。

## 新しいパスワードの条件
- 12文字以上
- 英大文字・英小文字・数字・記号のうち3種類以上
- 過去5回に使ったパスワードは使えません

パスワードを忘れた・ロックされた場合は、本人確認のうえ再設定しますので、ヘルプデスクへお電話ください。""",
    },
    {
        "category": "ファイルサーバ", "title": "共有フォルダへのアクセス方法",
        "tags": ["共有フォルダ", "ファイルサーバ", "アクセス権"],
        "audience": "staff",
        "body": """課の共有フォルダは、エクスプローラーから開けます。

1. **エクスプローラー** を開きます。
2. アドレスバーに `\\\\fs01\\課名` を入力して **Enter** を押します。
3. よく使う場合は、フォルダを右クリックして **クイックアクセスにピン留め** しておくと便利です。

## 「アクセスが拒否されました」と表示される場合
共有フォルダのアクセス権は、課の **フォルダ管理者** が申請します。異動直後は反映まで1営業日かかります。

## フォルダが見つからない場合
VPN 接続中は、VPN がつながっているか確認してください。""",
    },
    {
        "category": "メール・Outlook", "title": "Outlookの署名の設定",
        "tags": ["Outlook", "署名", "メール"],
        "audience": "staff",
        "body": """メールの末尾に自動で入る署名を設定します。

1. Outlook で **ファイル** → **オプション** → **メール** → **署名** を開きます。
2. **新規作成** を押し、署名の名前（例: 標準）を付けます。
3. 所属・氏名・内線番号を入力します。
4. **新しいメッセージ** と **返信/転送** で使う署名を選び、**OK** を押します。

署名には、省のガイドラインに沿って **所属・氏名・内線** を入れてください。
携帯電話番号は入れないでください。""",
    },
    {
        "category": "VPN・リモート接続", "title": "VPN障害時の一次切り分け（ヘルプデスク向け）",
        "tags": ["VPN", "切り分け"],
        "audience": "agents",
        "body": """複数の拠点・利用者から VPN 接続不可の連絡が続いた場合の一次切り分けです。

1. 監視ポータルで VPN 装置の状態を確認する。
2. 同一拠点から3件以上なら **重大障害の候補** としてスーパーバイザーに報告する。
3. 運用事業者へ引継ぎ（影響範囲・開始時刻・エラー内容を記載）。""",
    },
]


def load(*, now: datetime) -> int:
    """Create the demo categories and articles into an empty knowledge base; the number created."""
    with unit_of_work() as session:
        if session.scalar(select(func.count()).select_from(Article)):
            return 0
        writer = session.scalar(select(User).where(User.role == Role.AGENT).order_by(User.id))
    if writer is None:
        return 0
    actor = accounts.actor_for(writer)
    categories = {}
    for name_ja, name_en in CATEGORIES:
        categories[name_ja] = kb.save_category(name_ja, name_en, actor=SYSTEM, now=now).id
    for index, spec in enumerate(ARTICLES):
        written = now - timedelta(days=30 - index)
        article = kb.create_article(
            kb.ArticleFields(title=spec["title"], body=spec["body"], audience=Audience(spec["audience"]),
                             category_id=categories[spec["category"]], tags=spec["tags"]),
            actor=actor, now=written)
        kb.publish(article.id, actor=actor, now=written)
    return len(ARTICLES)
