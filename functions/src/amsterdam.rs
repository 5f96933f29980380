//! Local time in the Netherlands, for coordinators reading a mail.
//!
//! The EU rule (summer time from the last Sunday of March to the last
//! Sunday of October, switching at 01:00 UTC) is all we need; a full
//! time-zone database would add weight to the Lambda binary for nothing.

use time::{Date, Month, OffsetDateTime, UtcOffset};

pub fn amsterdam_time(utc: OffsetDateTime) -> OffsetDateTime {
    let utc = utc.to_offset(UtcOffset::UTC);
    let year = utc.year();
    let starts = last_sunday(year, Month::March).midnight().assume_utc() + time::Duration::HOUR;
    let ends = last_sunday(year, Month::October).midnight().assume_utc() + time::Duration::HOUR;
    let hours = if utc >= starts && utc < ends { 2 } else { 1 };
    utc.to_offset(UtcOffset::from_hms(hours, 0, 0).expect("valid offset"))
}

fn last_sunday(year: i32, month: Month) -> Date {
    let last = Date::from_calendar_date(year, month, month.length(year)).expect("valid date");
    let back = last.weekday().number_days_from_sunday();
    last - time::Duration::days(i64::from(back))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn winter_is_utc_plus_one() {
        assert_eq!(amsterdam_time(datetime!(2026-01-15 12:00 UTC)).offset().whole_hours(), 1);
        assert_eq!(amsterdam_time(datetime!(2026-11-24 12:00 UTC)).offset().whole_hours(), 1);
    }

    #[test]
    fn summer_is_utc_plus_two() {
        assert_eq!(amsterdam_time(datetime!(2026-07-01 12:00 UTC)).offset().whole_hours(), 2);
    }

    #[test]
    fn switches_at_one_utc_on_the_last_sundays() {
        // 2026: 29 March and 25 October.
        assert_eq!(amsterdam_time(datetime!(2026-03-29 00:59 UTC)).offset().whole_hours(), 1);
        assert_eq!(amsterdam_time(datetime!(2026-03-29 01:00 UTC)).offset().whole_hours(), 2);
        assert_eq!(amsterdam_time(datetime!(2026-10-25 00:59 UTC)).offset().whole_hours(), 2);
        assert_eq!(amsterdam_time(datetime!(2026-10-25 01:00 UTC)).offset().whole_hours(), 1);
    }
}
