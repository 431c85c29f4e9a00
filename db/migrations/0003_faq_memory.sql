-- Per-tenant memory: FAQ entries and code chunks, each with an embedding for nearest-neighbour
-- retrieval and a tsvector for the full-text fallback (no embedding model configured).
--
-- Dimension strategy: `embedding vector` has no typmod, so any model's vectors fit, and each
-- row records `embedding_model` and `embedding_dim` (generated from the vector, so it cannot
-- disagree). Vectors of different models are never compared: every search filters on the model.
-- HNSW needs a fixed dimension, so the indexes are partial expression indexes, one per common
-- dimension, on `embedding::vector(N)` WHERE embedding_dim = N; a query uses one when it is
-- written with that same cast and predicate (db/faq.py builds it). 384/768/1024/1536 cover the
-- usual open and OpenAI models; 3072 (text-embedding-3-large) exceeds HNSW's 2000-dimension limit
-- for `vector`, so it is indexed as `halfvec(3072)` (limit 4000). Another dimension still works,
-- exactly, by sequential scan until a migration adds its index. One fixed `vector(N)` column
-- would tie the schema to one model and force a table rewrite to change it.

-- A repository's rows must belong to the repository's tenant: foreign-key checks bypass RLS, so
-- the composite key below is what stops tenant A from pointing a row at B's repository id.
ALTER TABLE repositories ADD CONSTRAINT repositories_tenant_id_id_key UNIQUE (tenant_id, id);

CREATE TABLE faq_entries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    repository_id   bigint NOT NULL,
    question        text NOT NULL CHECK (btrim(question) <> ''),
    answer          text NOT NULL,
    -- [{"path", "start_line", "end_line"} | {"kind": "issue"|"pull", "number", "url"}, ...]
    sources         jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(sources) = 'array'),
    source_pr       integer,
    source_commit   text,
    embedding       vector,
    embedding_model text,
    embedding_dim   integer GENERATED ALWAYS AS (vector_dims(embedding)) STORED,
    stale           boolean NOT NULL DEFAULT false,
    -- the upsert key for an exactly repeated question (case and spacing aside); near-duplicates
    -- are found by embedding similarity in db/faq.py
    question_key    text GENERATED ALWAYS AS
                    (md5(lower(regexp_replace(btrim(question), '\s+', ' ', 'g')))) STORED,
    search_text     tsvector GENERATED ALWAYS AS
                    (to_tsvector('english', question || ' ' || answer)) STORED,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, repository_id) REFERENCES repositories (tenant_id, id)
        ON DELETE CASCADE,
    CHECK ((embedding IS NULL) = (embedding_model IS NULL)),
    UNIQUE (tenant_id, repository_id, question_key)
);
CREATE INDEX faq_entries_search_text_idx ON faq_entries USING gin (search_text);

CREATE TABLE code_chunks (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    repository_id   bigint NOT NULL,
    commit_sha      text NOT NULL,
    path            text NOT NULL,
    start_line      integer NOT NULL CHECK (start_line >= 1),
    end_line        integer NOT NULL CHECK (end_line >= start_line),
    content         text NOT NULL,
    -- sha256 of the UTF-8 content: an unchanged chunk keeps its row and is not re-embedded
    content_sha256  text NOT NULL,
    embedding       vector,
    embedding_model text,
    embedding_dim   integer GENERATED ALWAYS AS (vector_dims(embedding)) STORED,
    search_text     tsvector GENERATED ALWAYS AS
                    (to_tsvector('simple', path || ' ' || content)) STORED,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, repository_id) REFERENCES repositories (tenant_id, id)
        ON DELETE CASCADE,
    CHECK ((embedding IS NULL) = (embedding_model IS NULL))
);
CREATE INDEX code_chunks_repository_path_idx ON code_chunks (tenant_id, repository_id, path);
CREATE INDEX code_chunks_search_text_idx ON code_chunks USING gin (search_text);

-- HNSW (cosine) per indexed dimension, on both tables; m and ef_construction are pgvector's
-- defaults (16, 64): bench/memory.py measures recall with them.
DO $$
DECLARE
    t text;
    dim integer;
    kind text;
BEGIN
    FOREACH t IN ARRAY ARRAY['faq_entries', 'code_chunks']
    LOOP
        FOREACH dim IN ARRAY ARRAY[384, 768, 1024, 1536, 3072]
        LOOP
            kind := CASE WHEN dim > 2000 THEN 'halfvec' ELSE 'vector' END;
            EXECUTE format('CREATE INDEX %I ON %I USING hnsw ((embedding::%s(%s)) %s_cosine_ops)'
                           ' WHERE embedding_dim = %s',
                           format('%s_embedding_%s_idx', t, dim), t, kind, dim, kind, dim);
        END LOOP;
    END LOOP;
END
$$;

-- Row-level security, as for every tenant table (0001_core.sql).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['faq_entries', 'code_chunks']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY owner_maintenance ON %I TO %I USING (true) WITH CHECK (true)',
                       t, current_user);
    END LOOP;
END
$$;

CREATE POLICY tenant_isolation ON faq_entries TO morningai_app
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY tenant_isolation ON code_chunks TO morningai_app
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON faq_entries, code_chunks TO morningai_app;
