//! Logins under attack: password hashing bounded to a few at once (memory stays flat however many guesses
//! arrive), and failed logins throttled per account and per client address with an exponentially growing
//! lock, so that guessing costs the guesser time instead of the server memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Failures forgiven before a lock: a person mistyping is not throttled.
const FREE_FAILURES: u32 = 5;
/// The first lock; each further failure doubles it.
const FIRST_LOCK_SECONDS: i64 = 2;
/// The longest lock.
const MAX_LOCK_SECONDS: i64 = 15 * 60;
/// Failures older than this are forgotten.
const MEMORY_SECONDS: i64 = 60 * 60;
/// Entries kept at most; past it the oldest are dropped (a flood of made-up names cannot grow it).
const MAX_ENTRIES: usize = 100_000;

/// Who a login attempt is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A user name (or finance client id) in a tenant, as typed.
    Account(String, String),
    /// The client's address.
    Address(IpAddr),
    /// The platform operator's key.
    Operator,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

/// A refused attempt: when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    /// Seconds until the lock ends.
    pub retry_after_seconds: i64,
}

/// The login guard of one server process.
#[derive(Debug)]
pub struct LoginGuard {
    hashing: Semaphore,
    /// Argon2 working memory, one set per check running at once.
    pub memory: crate::auth::HashingMemory,
    failures: Mutex<HashMap<Subject, Failures>>,
}

impl LoginGuard {
    /// A guard letting `concurrent_hashes` password checks run at once.
    pub fn new(concurrent_hashes: usize) -> Self {
        Self {
            hashing: Semaphore::new(concurrent_hashes.max(1)),
            memory: crate::auth::HashingMemory::default(),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// A turn to hash a password, waiting at most `wait`; none when the server is busy hashing.
    pub async fn hashing_turn(&self, wait: Duration) -> Option<SemaphorePermit<'_>> {
        tokio::time::timeout(wait, self.hashing.acquire())
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// Whether any of `subjects` is locked at `now`.
    pub fn check(&self, subjects: &[Subject], now: DateTime<Utc>) -> Result<(), Locked> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let longest = subjects
            .iter()
            .filter_map(|s| failures.get(s))
            .filter_map(|f| f.locked_until)
            .filter(|until| *until > now)
            .max();
        match longest {
            Some(until) => Err(Locked {
                retry_after_seconds: (until - now).num_seconds().max(1),
            }),
            None => Ok(()),
        }
    }

    /// Counts a failed attempt against `subjects`; returns the lock it started, if any.
    pub fn failed(&self, subjects: &[Subject], now: DateTime<Utc>) -> Option<Locked> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() >= MAX_ENTRIES {
            let horizon = now - chrono::Duration::seconds(MEMORY_SECONDS);
            failures.retain(|_, f| f.last > horizon);
            if failures.len() >= MAX_ENTRIES {
                failures.clear();
            }
        }
        let mut started = None;
        for subject in subjects {
            let entry = failures.entry(subject.clone()).or_insert(Failures {
                count: 0,
                last: now,
                locked_until: None,
            });
            if (now - entry.last).num_seconds() > MEMORY_SECONDS {
                entry.count = 0;
            }
            entry.count += 1;
            entry.last = now;
            if entry.count > FREE_FAILURES {
                let doublings = (entry.count - FREE_FAILURES - 1).min(20);
                let seconds = (FIRST_LOCK_SECONDS << doublings).min(MAX_LOCK_SECONDS);
                entry.locked_until = Some(now + chrono::Duration::seconds(seconds));
                let lock = Locked {
                    retry_after_seconds: seconds,
                };
                if started.is_none_or(|s: Locked| s.retry_after_seconds < seconds) {
                    started = Some(lock);
                }
            }
        }
        started
    }

    /// Forgets the failures of `subject` after a successful login.
    pub fn succeeded(&self, subject: &Subject) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(subject);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default()
    }

    #[test]
    fn five_mistakes_are_free_then_the_lock_doubles() {
        let guard = LoginGuard::new(2);
        let account = [Subject::Account("city-a".into(), "staff".into())];
        for i in 0..5 {
            assert_eq!(guard.failed(&account, at(i)), None);
            assert!(guard.check(&account, at(i)).is_ok());
        }
        assert_eq!(
            guard.failed(&account, at(5)),
            Some(Locked {
                retry_after_seconds: 2
            })
        );
        assert!(guard.check(&account, at(6)).is_err());
        assert!(guard.check(&account, at(8)).is_ok(), "the lock ended");
        assert_eq!(
            guard.failed(&account, at(8)).map(|l| l.retry_after_seconds),
            Some(4)
        );
        guard.succeeded(&account[0]);
        assert!(guard.check(&account, at(9)).is_ok());
    }

    #[test]
    fn the_lock_is_capped_and_one_address_locks_every_account_it_tries() {
        let guard = LoginGuard::new(2);
        let address = Subject::Address(IpAddr::from([10, 0, 0, 1]));
        let mut last = None;
        for i in 0..40 {
            let subjects = [
                Subject::Account("c".into(), format!("user{i}")),
                address.clone(),
            ];
            last = guard.failed(&subjects, at(i * 2000));
        }
        assert_eq!(last.map(|l| l.retry_after_seconds), Some(MAX_LOCK_SECONDS));
        let fresh = [Subject::Account("c".into(), "someone".into()), address];
        assert!(guard.check(&fresh, at(78_001)).is_err());
    }
}
