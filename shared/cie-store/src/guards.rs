//! The append-only guards: the triggers that refuse to change or delete archive entries and audit-log rows.
//! Someone with database access can drop, disable or replace them; the server checks them at start and puts
//! back what is missing, and verify-archive reports them.

use sqlx::Row;

use crate::error::StoreError;
use crate::{Backend, Store};

/// A trigger that is not as the migrations made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardProblem {
    /// The trigger's name.
    pub trigger: &'static str,
    /// What is wrong with it: `missing`, `disabled` or `altered`.
    pub state: &'static str,
}

impl std::fmt::Display for GuardProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the append-only trigger {} is {}",
            self.trigger, self.state
        )
    }
}

struct Guard {
    name: &'static str,
    table: &'static str,
    /// Text the trigger's definition must contain.
    marker: &'static str,
    create: &'static str,
}

const SQLITE_GUARDS: [Guard; 4] = [
    Guard {
        name: "archive_entries_no_update",
        table: "archive_entries",
        marker: "RAISE(ABORT, 'archive_entries is append-only')",
        create: "CREATE TRIGGER archive_entries_no_update BEFORE UPDATE ON archive_entries
                 BEGIN SELECT RAISE(ABORT, 'archive_entries is append-only'); END",
    },
    Guard {
        name: "archive_entries_no_delete",
        table: "archive_entries",
        marker: "RAISE(ABORT, 'archive_entries is append-only')",
        create: "CREATE TRIGGER archive_entries_no_delete BEFORE DELETE ON archive_entries
                 BEGIN SELECT RAISE(ABORT, 'archive_entries is append-only'); END",
    },
    Guard {
        name: "audit_log_no_update",
        table: "audit_log",
        marker: "RAISE(ABORT, 'audit_log is append-only')",
        create: "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                 BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    },
    Guard {
        name: "audit_log_no_delete",
        table: "audit_log",
        marker: "RAISE(ABORT, 'audit_log is append-only')",
        create: "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                 BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    },
];

const POSTGRES_GUARDS: [Guard; 4] = [
    Guard {
        name: "archive_entries_no_update",
        table: "archive_entries",
        marker: "refuse_archive_change",
        create:
            "CREATE TRIGGER archive_entries_no_update BEFORE UPDATE OR DELETE ON archive_entries
                 FOR EACH ROW EXECUTE FUNCTION refuse_archive_change()",
    },
    Guard {
        name: "archive_entries_no_truncate",
        table: "archive_entries",
        marker: "refuse_archive_change",
        create: "CREATE TRIGGER archive_entries_no_truncate BEFORE TRUNCATE ON archive_entries
                 FOR EACH STATEMENT EXECUTE FUNCTION refuse_archive_change()",
    },
    Guard {
        name: "audit_log_no_update",
        table: "audit_log",
        marker: "refuse_audit_change",
        create: "CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
                 FOR EACH ROW EXECUTE FUNCTION refuse_audit_change()",
    },
    Guard {
        name: "audit_log_no_truncate",
        table: "audit_log",
        marker: "refuse_audit_change",
        create: "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                 FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change()",
    },
];

/// The functions the PostgreSQL triggers call, as the migrations made them.
const POSTGRES_FUNCTIONS: [(&str, &str); 2] = [
    (
        "refuse_archive_change",
        "CREATE OR REPLACE FUNCTION refuse_archive_change() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'archive_entries is append-only'; END; $$",
    ),
    (
        "refuse_audit_change",
        "CREATE OR REPLACE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$",
    ),
];

fn guards(backend: Backend) -> &'static [Guard] {
    match backend {
        Backend::Sqlite => &SQLITE_GUARDS,
        Backend::Postgres => &POSTGRES_GUARDS,
    }
}

impl Store {
    /// The append-only triggers that are missing, disabled or altered.
    pub async fn guard_problems(&self) -> Result<Vec<GuardProblem>, StoreError> {
        let mut problems = Vec::new();
        for guard in guards(self.backend()) {
            let state = match self.backend() {
                Backend::Sqlite => {
                    let sql: Option<String> = sqlx::query_scalar(
                        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $1 AND tbl_name = $2",
                    )
                    .bind(guard.name)
                    .bind(guard.table)
                    .fetch_optional(self.read())
                    .await?;
                    match sql {
                        None => Some("missing"),
                        Some(sql) if !sql.contains(guard.marker) => Some("altered"),
                        Some(_) => None,
                    }
                }
                Backend::Postgres => {
                    let row = sqlx::query(
                        "SELECT t.tgenabled::text AS enabled, p.proname::text AS function,
                             pg_get_functiondef(p.oid) AS body
                         FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                         WHERE t.tgname = $1 AND t.tgrelid = $2::regclass",
                    )
                    .bind(guard.name)
                    .bind(guard.table)
                    .fetch_optional(self.read())
                    .await?;
                    match row {
                        None => Some("missing"),
                        Some(row) => {
                            let enabled: String = row.try_get("enabled")?;
                            let function: String = row.try_get("function")?;
                            let body: String = row.try_get("body")?;
                            if enabled == "D" {
                                Some("disabled")
                            } else if function != guard.marker || !body.contains("RAISE EXCEPTION")
                            {
                                Some("altered")
                            } else {
                                None
                            }
                        }
                    }
                }
            };
            if let Some(state) = state {
                problems.push(GuardProblem {
                    trigger: guard.name,
                    state,
                });
            }
        }
        Ok(problems)
    }

    /// Puts the append-only triggers back as the migrations made them; returns what was wrong.
    pub async fn restore_guards(&self) -> Result<Vec<GuardProblem>, StoreError> {
        let problems = self.guard_problems().await?;
        if problems.is_empty() {
            return Ok(problems);
        }
        let mut tx = self.write().begin().await?;
        if self.backend() == Backend::Postgres {
            for (_, create) in POSTGRES_FUNCTIONS {
                sqlx::query(create).execute(&mut *tx).await?;
            }
        }
        for problem in &problems {
            let guard = guards(self.backend())
                .iter()
                .find(|g| g.name == problem.trigger)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown guard {}", problem.trigger)))?;
            let drop = match self.backend() {
                Backend::Sqlite => format!("DROP TRIGGER IF EXISTS {}", guard.name),
                Backend::Postgres => {
                    format!("DROP TRIGGER IF EXISTS {} ON {}", guard.name, guard.table)
                }
            };
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&mut *tx)
                .await?;
            sqlx::query(guard.create).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(problems)
    }
}
