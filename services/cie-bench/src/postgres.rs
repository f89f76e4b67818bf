//! A throwaway PostgreSQL database, `cie_bench_<random>`, created on a server whose user may CREATE DATABASE
//! and dropped afterwards.

use anyhow::Context;
use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// A database created for one benchmark run.
pub(crate) struct TempDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TempDatabase {
    /// Creates a fresh database through `admin_url`.
    pub(crate) async fn create(admin_url: &str) -> anyhow::Result<TempDatabase> {
        let name = format!("cie_bench_{:016x}", rand::random::<u64>());
        let mut conn = connect(admin_url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .with_context(|| format!("CREATE DATABASE {name}"))?;
        let _ = conn.close().await;
        Ok(TempDatabase {
            url: replace_database(admin_url, &name),
            admin_url: admin_url.to_owned(),
            name,
        })
    }

    /// A fresh database for a run on `backend`: none for SQLite (the server makes its file), a new one on
    /// `postgres_url` for PostgreSQL.
    pub(crate) async fn for_backend(
        backend: crate::Backend,
        postgres_url: Option<&str>,
    ) -> anyhow::Result<Option<TempDatabase>> {
        match backend {
            crate::Backend::Sqlite => Ok(None),
            crate::Backend::Postgres => Ok(Some(
                TempDatabase::create(
                    postgres_url.context("no PostgreSQL URL (CIE_TEST_POSTGRES_URL)")?,
                )
                .await?,
            )),
        }
    }

    /// Drops `database`, if any, saying on stderr when it could not.
    pub(crate) async fn drop_quietly(database: Option<TempDatabase>) {
        if let Some(database) = database
            && let Err(error) = database.drop_database().await
        {
            eprintln!("cie-bench: warning: {error:#}");
        }
    }

    /// The URL of the new database.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database, disconnecting whoever is still on it.
    pub(crate) async fn drop_database(self) -> anyhow::Result<()> {
        let mut conn = connect(&self.admin_url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut conn)
        .await
        .with_context(|| format!("DROP DATABASE {}", self.name))?;
        let _ = conn.close().await;
        Ok(())
    }
}

async fn connect(admin_url: &str) -> anyhow::Result<PgConnection> {
    PgConnection::connect(admin_url).await.with_context(|| {
        format!("connecting to the PostgreSQL server (CIE_TEST_POSTGRES_URL / --postgres-url {admin_url})")
    })
}

/// `url` with its database (the path) replaced by `database`, the query kept.
fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host = match base[scheme_end..].find('/') {
        Some(start) => &base[..scheme_end + start],
        None => base,
    };
    match query {
        Some(query) => format!("{host}/{database}?{query}"),
        None => format!("{host}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn the_database_is_replaced_and_the_query_kept() {
        assert_eq!(
            replace_database("postgres://cie@127.0.0.1:5432/postgres", "x"),
            "postgres://cie@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://cie@h/postgres?sslmode=disable", "x"),
            "postgres://cie@h/x?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://cie@h", "x"),
            "postgres://cie@h/x"
        );
    }
}
