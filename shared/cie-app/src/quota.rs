//! The daily archive quota: how many bytes each supplier organisation (or, for documents of no
//! organisation, each sending user) has had archived whole today, Japan time. Counted in the process,
//! seeded from the archive the first time a sender is seen each day (several servers behind one balancer
//! each count what they received on top of what was archived before they first saw the sender).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use cie_domain::TenantId;

use crate::AppState;
use crate::error::Error;

/// Who a quota is counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    /// A supplier organisation.
    Organisation(i64),
    /// A user sending documents of no known organisation.
    User(i64),
}

/// The bytes each sender has had archived today.
#[derive(Debug)]
pub struct DailyQuota {
    limit: u64,
    used: Mutex<HashMap<(TenantId, Sender), (NaiveDate, u64)>>,
}

/// The start of `day` in Japan (UTC+9), as an instant.
fn start_of_japan_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc() - Duration::hours(9)
}

impl DailyQuota {
    /// A quota of `limit` bytes a day per sender; 0 for none.
    pub fn new(limit: u64) -> DailyQuota {
        DailyQuota {
            limit,
            used: Mutex::new(HashMap::new()),
        }
    }

    fn recorded(&self, key: &(TenantId, Sender), day: NaiveDate) -> Option<u64> {
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        used.get(key)
            .and_then(|(seen, bytes)| (*seen == day).then_some(*bytes))
    }

    /// Counts `bytes` for `sender` at `at` if they fit in today's quota; otherwise says why not (the message
    /// the sender is given).
    pub async fn admit(
        &self,
        state: &AppState,
        tenant: &TenantId,
        sender: Sender,
        at: DateTime<Utc>,
        bytes: u64,
    ) -> Result<Result<(), String>, Error> {
        if self.limit == 0 {
            return Ok(Ok(()));
        }
        let day = cie_workflow::japan_day(at);
        let key = (tenant.clone(), sender);
        if self.recorded(&key, day).is_none() {
            let (org, user) = match sender {
                Sender::Organisation(org) => (Some(org), None),
                Sender::User(user) => (None, Some(user)),
            };
            let archived = state
                .store
                .bytes_archived_since(tenant, org, user, start_of_japan_day(day))
                .await?;
            let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
            let entry = used.entry(key.clone()).or_insert((day, 0));
            if entry.0 != day {
                *entry = (day, 0);
            }
            entry.1 = entry.1.max(u64::try_from(archived).unwrap_or(0));
        }
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let entry = used.entry(key).or_insert((day, 0));
        if entry.0 != day {
            *entry = (day, 0);
        }
        if entry.1.saturating_add(bytes) > self.limit {
            return Ok(Err(format!(
                "the daily archive quota of {} bytes for this sender is used up ({} bytes archived today, this \
                 document has {bytes}); it starts again at midnight Japan time",
                self.limit, entry.1
            )));
        }
        entry.1 += bytes;
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_japan_day_starts_at_15_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        assert_eq!(
            start_of_japan_day(day).to_rfc3339(),
            "2026-03-31T15:00:00+00:00"
        );
    }
}
