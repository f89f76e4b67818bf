//! The city's calendar: Japan Standard Time (UTC+9, no daylight saving), in which every deadline is counted.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// The day in Japan at instant `at`.
pub fn japan_day(at: DateTime<Utc>) -> NaiveDate {
    let jst = FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
    at.with_timezone(&jst).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_city_day_is_japan_time() {
        let late_evening_utc = DateTime::parse_from_rfc3339("2026-03-31T15:30:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(
            japan_day(late_evening_utc),
            NaiveDate::from_ymd_opt(2026, 4, 1).expect("valid")
        );
        assert_eq!(
            japan_day(late_evening_utc - Duration::hours(1)),
            NaiveDate::from_ymd_opt(2026, 3, 31).expect("valid")
        );
    }
}
