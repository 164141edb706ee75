//! The SQLite and PostgreSQL schemas after every migration agree: the same tables, columns (type,
//! nullability, default), primary keys, indexes, unique constraints and foreign keys. The two
//! migration sets are written by hand per backend; this is what keeps them from drifting.
//!
//! It needs both databases: on the PostgreSQL pass it compares a migrated PostgreSQL database with
//! a migrated SQLite one; on a SQLite-only run it checks that SQLite's description is whole.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Statement};
use std::collections::BTreeSet;
use store::Backend;
use store::testing::{TestDb, backend};

async fn rows(c: &DatabaseConnection, sql: &str) -> Vec<QueryResult> {
    c.query_all_raw(Statement::from_string(c.get_database_backend(), sql.to_owned())).await.expect(sql)
}

fn text(r: &QueryResult, column: &str) -> String {
    r.try_get::<Option<String>>("", column).expect(column).unwrap_or_default()
}

/// A declared type as the class both databases store it in.
fn class(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int" | "smallint" => "int",
        "text" | "character varying" | "varchar" => "text",
        "boolean" | "bool" => "bool",
        "date" => "date",
        "blob" | "bytea" => "bytes",
        "real" | "double precision" | "float" => "float",
        _ => "other",
    }
}

/// A default as written, without the casts, quotes and spellings that differ.
fn default_of(raw: &str) -> String {
    let mut d = raw.trim();
    if let Some((value, _cast)) = d.split_once("::") {
        d = value;
    }
    let d = d.trim_matches(|c| c == '(' || c == ')').trim_matches('\'');
    match d.to_ascii_lowercase().as_str() {
        "false" => "0".to_owned(),
        "true" => "1".to_owned(),
        _ => d.to_owned(),
    }
}

async fn sqlite_schema(c: &DatabaseConnection) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let tables = rows(c, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").await;
    for t in tables.iter().map(|r| text(r, "name")) {
        out.insert(format!("table {t}"));
        let mut pk = Vec::new();
        for col in
            rows(c, &format!("SELECT name, type, \"notnull\" AS nn, dflt_value, pk FROM pragma_table_info('{t}')"))
                .await
        {
            let name = text(&col, "name");
            let key: i64 = col.try_get("", "pk").expect("pk");
            let not_null: i64 = col.try_get("", "nn").expect("notnull");
            if key > 0 {
                pk.push((key, name.clone()));
            }
            let default = col.try_get::<Option<String>>("", "dflt_value").expect("default").map(|d| default_of(&d));
            out.insert(format!(
                "column {t}.{name} {} not_null={} default={default:?}",
                class(&text(&col, "type")),
                not_null == 1 || key > 0
            ));
        }
        pk.sort();
        if !pk.is_empty() {
            out.insert(format!("primary key {t} ({})", pk.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join(",")));
        }
        for index in rows(c, &format!("SELECT name, \"unique\" AS uq, origin FROM pragma_index_list('{t}')")).await {
            let name = text(&index, "name");
            let origin = text(&index, "origin");
            let unique: i64 = index.try_get("", "uq").expect("unique");
            let columns: Vec<String> = rows(c, &format!("SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"))
                .await
                .iter()
                .map(|r| text(r, "name"))
                .collect();
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    out.insert(format!("unique {t} ({})", columns.join(",")));
                }
                _ => {
                    out.insert(format!("index {name} on {t} ({}) unique={}", columns.join(","), unique == 1));
                }
            }
        }
        for fk in rows(
            c,
            &format!(
                "SELECT \"from\" AS col, \"table\" AS other, \"to\" AS target FROM pragma_foreign_key_list('{t}')"
            ),
        )
        .await
        {
            let target = text(&fk, "target");
            let target = if target.is_empty() { "id".to_owned() } else { target };
            out.insert(format!("foreign key {t}.{} -> {}.{target}", text(&fk, "col"), text(&fk, "other")));
        }
    }
    out
}

async fn postgres_schema(c: &DatabaseConnection) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    // A partitioned table is described once, by its parent (the scan log on PostgreSQL).
    let not_partition = "NOT IN (SELECT relname FROM pg_class WHERE relispartition)";
    for t in rows(c, &format!("SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name {not_partition}")).await {
        out.insert(format!("table {}", text(&t, "name")));
    }
    let columns = rows(
        c,
        &format!("SELECT table_name::text AS t, column_name::text AS name, data_type::text AS type, is_nullable::text AS nullable, \
         column_default::text AS dflt, is_identity::text AS identity FROM information_schema.columns WHERE table_schema = 'public' \
         AND table_name {not_partition}"),
    )
    .await;
    for col in columns {
        let default = col
            .try_get::<Option<String>>("", "dflt")
            .expect("default")
            .filter(|d| !d.starts_with("nextval("))
            .map(|d| default_of(&d));
        out.insert(format!(
            "column {}.{} {} not_null={} default={default:?}",
            text(&col, "t"),
            text(&col, "name"),
            class(&text(&col, "type")),
            text(&col, "nullable") == "NO"
        ));
    }
    let indexes = rows(
        c,
        "SELECT t.relname::text AS t, i.relname::text AS name, ix.indisunique AS uq, ix.indisprimary AS pk, \
         EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid AND k.contype = 'u') AS constraint_backed, \
         array_to_string(ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) \
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n), ',') AS columns \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' AND NOT t.relispartition",
    )
    .await;
    for index in indexes {
        let (t, name, columns) = (text(&index, "t"), text(&index, "name"), text(&index, "columns"));
        let flag = |c: &str| index.try_get::<bool>("", c).expect(c);
        if flag("pk") {
            out.insert(format!("primary key {t} ({columns})"));
        } else if t == "scan" && name == "scan_key" {
            // The partitioned scan log's identity: a unique index holding the partition key (see
            // PostgreSQL's migration 0014), where SQLite has `id` as its key.
            assert_eq!(columns, "product_id,scanned_at,id");
            out.insert("primary key scan (id)".to_owned());
        } else if flag("constraint_backed") {
            out.insert(format!("unique {t} ({columns})"));
        } else {
            out.insert(format!("index {name} on {t} ({columns}) unique={}", flag("uq")));
        }
    }
    let keys = rows(
        c,
        "SELECT tc.table_name::text AS t, kcu.column_name::text AS col, ccu.table_name::text AS other, \
         ccu.column_name::text AS target FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
         JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
         WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'",
    )
    .await;
    for fk in keys {
        out.insert(format!(
            "foreign key {}.{} -> {}.{}",
            text(&fk, "t"),
            text(&fk, "col"),
            text(&fk, "other"),
            text(&fk, "target")
        ));
    }
    out
}

#[tokio::test]
async fn the_sqlite_and_postgresql_schemas_agree() {
    let sqlite = TestDb::on_sqlite().await;
    let lite = sqlite_schema(sqlite.db.conn()).await;
    // Whole: every kind of fact is there (a query that silently returned nothing would agree).
    for kind in ["table ", "column ", "primary key ", "index ", "unique ", "foreign key "] {
        assert!(lite.iter().any(|l| l.starts_with(kind)), "no {kind}in the SQLite description");
    }
    assert!(lite.contains("column certificate.evidence text not_null=true default=Some(\"decision\")"), "{lite:#?}");
    if backend() != Backend::Postgres {
        eprintln!("the comparison itself runs on the PostgreSQL pass (OCOP_TEST_DATABASE_URL)");
        return;
    }
    let pg = TestDb::new().await;
    let post = postgres_schema(pg.db.conn()).await;
    let only_sqlite: Vec<&String> = lite.difference(&post).collect();
    let only_postgres: Vec<&String> = post.difference(&lite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the migration sets drifted apart:\nonly in SQLite: {only_sqlite:#?}\nonly in PostgreSQL: {only_postgres:#?}"
    );
}
