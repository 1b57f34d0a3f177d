"""knowledge base: articles with versions, categories, tags, ratings and deflections

Revision ID: 4b1f0c2a9e70
Revises: d53882b8372c
Create Date: 2026-11-29 07:20:00.000000

Articles are searched like tickets (see 9b4f286410e0): ``articles.search_text`` holds the
NFKC-normalised, lower-cased title, tags and body; PostgreSQL indexes it with pg_trgm, SQLite
keeps a standalone FTS5 trigram table ``article_search`` that the application keeps in step
(``helpdesk.knowledge.search``). Terms shorter than three characters use LIKE on the column.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '4b1f0c2a9e70'
down_revision = 'd53882b8372c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('name_ja', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_categories')),
    sa.UniqueConstraint('name_ja', name=op.f('uq_kb_categories_name_ja'))
    )
    op.create_table('kb_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_tags')),
    sa.UniqueConstraint('key', name=op.f('uq_kb_tags_key'))
    )
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'archived', name='articlestatus', native_enum=False, length=32), nullable=False),
    sa.Column('audience', sa.Enum('staff', 'agents', name='audience', native_enum=False, length=32), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source_ticket_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('deflection_count', sa.Integer(), nullable=False),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['kb_categories.id'], name=op.f('fk_articles_category_id_kb_categories')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_articles_created_by_id_users')),
    sa.ForeignKeyConstraint(['source_ticket_id'], ['tickets.id'], name=op.f('fk_articles_source_ticket_id_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_articles_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_articles_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_articles_status_updated', ['status', 'updated_at'], unique=False)

    op.create_table('article_deflections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('suggestion', 'article', name='deflectionsource', native_enum=False, length=32), nullable=False),
    sa.Column('draft_subject', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_deflections_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_article_deflections_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_deflections')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_article_deflections_user_id_key'))
    )
    with op.batch_alter_table('article_deflections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_deflections_article_id'), ['article_id'], unique=False)
        batch_op.create_index('ix_article_deflections_user_article', ['user_id', 'article_id', 'created_at'], unique=False)

    op.create_table('article_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_article_ratings_stars_range')),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_ratings_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_article_ratings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_ratings')),
    sa.UniqueConstraint('article_id', 'user_id', name=op.f('uq_article_ratings_article_id_user_id'))
    )
    with op.batch_alter_table('article_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_ratings_user_id'), ['user_id'], unique=False)

    op.create_table('article_tags',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_tags_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['kb_tags.id'], name=op.f('fk_article_tags_tag_id_kb_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'tag_id', name=op.f('pk_article_tags'))
    )
    with op.batch_alter_table('article_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_tags_tag_id'), ['tag_id'], unique=False)

    op.create_table('article_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_versions_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_article_versions_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_versions')),
    sa.UniqueConstraint('article_id', 'number', name=op.f('uq_article_versions_article_id_number'))
    )

    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_articles_search_trgm ON articles USING gin (search_text gin_trgm_ops)')
    else:
        try:
            op.execute("CREATE VIRTUAL TABLE article_search USING fts5(search_text, tokenize='trigram')")
        except sa.exc.OperationalError:
            pass  # SQLite older than 3.34: article search uses LIKE only


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_articles_search_trgm')
    else:
        op.execute('DROP TABLE IF EXISTS article_search')
    with op.batch_alter_table('article_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_tags_tag_id'))

    op.drop_table('article_tags')
    op.drop_table('article_versions')
    with op.batch_alter_table('article_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_ratings_user_id'))

    op.drop_table('article_ratings')
    with op.batch_alter_table('article_deflections', schema=None) as batch_op:
        batch_op.drop_index('ix_article_deflections_user_article')
        batch_op.drop_index(batch_op.f('ix_article_deflections_article_id'))

    op.drop_table('article_deflections')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_status_updated')
        batch_op.drop_index(batch_op.f('ix_articles_category_id'))

    op.drop_table('articles')
    op.drop_table('kb_tags')
    op.drop_table('kb_categories')
