//! Working days as coordinators count them: Monday to Friday in the
//! Netherlands (Europe/Amsterdam). Public holidays are not known here; a
//! reminder on one is a day early, never late.

use time::{Date, OffsetDateTime, Time, UtcOffset, Weekday};

use crate::amsterdam::amsterdam_time;

fn is_working_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The moment a day starts in Amsterdam, in UTC. Summer time switches at
/// 02:00/03:00 local time, so local midnight is never skipped or doubled.
pub fn local_midnight(date: Date) -> OffsetDateTime {
    let guess = date.with_time(Time::MIDNIGHT).assume_offset(UtcOffset::from_hms(1, 0, 0).expect("valid offset"));
    let offset = amsterdam_time(guess).offset();
    date.with_time(Time::MIDNIGHT).assume_offset(offset).to_offset(UtcOffset::UTC)
}

/// The end of the `n`th working day after `from` (the day of `from` itself
/// does not count): a form that came in on Monday with `n = 2` is due at
/// the end of Wednesday, one that came in on Saturday at the end of Tuesday.
pub fn end_of_working_days_after(from: OffsetDateTime, n: u32) -> OffsetDateTime {
    let mut date = amsterdam_time(from).date();
    let mut left = n;
    while left > 0 {
        date = date.next_day().expect("a date before the year 9999");
        if is_working_day(date) {
            left -= 1;
        }
    }
    local_midnight(date.next_day().expect("a date before the year 9999"))
}

/// The moment before which whatever started is due by `now`: for every
/// `from`, `end_of_working_days_after(from, n) <= now` exactly when
/// `from < due_if_started_before(now, n)`. Lets a store count what is due
/// with one comparison.
pub fn due_if_started_before(now: OffsetDateTime, n: u32) -> OffsetDateTime {
    // Nothing that started today is due yet (due at the end of a later day);
    // step back while the day before is not due either.
    let mut first_not_due = amsterdam_time(now).date();
    while let Some(day_before) = first_not_due.previous_day() {
        if end_of_working_days_after(local_midnight(day_before), n) <= now {
            break;
        }
        first_not_due = day_before;
    }
    local_midnight(first_not_due)
}

/// Whole working days from `from` to `now` (the day of `from` not counted,
/// the day of `now` counted once it has ended): how long a form has waited.
pub fn working_days_between(from: OffsetDateTime, now: OffsetDateTime) -> u32 {
    let (start, end) = (amsterdam_time(from).date(), amsterdam_time(now).date());
    let mut days = 0;
    let mut date = start;
    while date < end {
        date = date.next_day().expect("a date before the year 9999");
        if date < end && is_working_day(date) {
            days += 1;
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn monday_morning_is_due_at_the_end_of_wednesday() {
        // 2026-11-23 is a Monday; winter time (UTC+1): Thursday 00:00 local is Wednesday 23:00 UTC.
        assert_eq!(end_of_working_days_after(datetime!(2026-11-23 09:00 UTC), 2), datetime!(2026-11-25 23:00 UTC));
    }

    #[test]
    fn late_evening_counts_by_the_dutch_date() {
        // Monday 23:30 UTC is already Tuesday 00:30 in Amsterdam.
        assert_eq!(end_of_working_days_after(datetime!(2026-11-23 23:30 UTC), 2), datetime!(2026-11-26 23:00 UTC));
    }

    #[test]
    fn weekends_do_not_count() {
        // Thursday: Friday, Monday -> end of Monday.
        assert_eq!(end_of_working_days_after(datetime!(2026-11-26 10:00 UTC), 2), datetime!(2026-11-30 23:00 UTC));
        // Friday: Monday, Tuesday.
        assert_eq!(end_of_working_days_after(datetime!(2026-11-27 10:00 UTC), 2), datetime!(2026-12-01 23:00 UTC));
        // Saturday and Sunday: Monday, Tuesday.
        assert_eq!(end_of_working_days_after(datetime!(2026-11-28 10:00 UTC), 2), datetime!(2026-12-01 23:00 UTC));
        assert_eq!(end_of_working_days_after(datetime!(2026-11-29 10:00 UTC), 2), datetime!(2026-12-01 23:00 UTC));
    }

    #[test]
    fn across_the_switch_to_summer_time() {
        // Summer time starts Sunday 29 March 2026. Friday 27 March: Monday 30, Tuesday 31;
        // Wednesday 1 April 00:00 is UTC+2, so 22:00 UTC on Tuesday.
        assert_eq!(end_of_working_days_after(datetime!(2026-03-27 12:00 UTC), 2), datetime!(2026-03-31 22:00 UTC));
        // Thursday 26 March: Friday 27 (winter), Monday 30 (summer).
        assert_eq!(end_of_working_days_after(datetime!(2026-03-26 12:00 UTC), 2), datetime!(2026-03-30 22:00 UTC));
    }

    #[test]
    fn across_the_switch_back_to_winter_time() {
        // Winter time starts Sunday 25 October 2026. Friday 23 October: Monday 26, Tuesday 27;
        // Wednesday 28 October 00:00 is UTC+1, so 23:00 UTC on Tuesday.
        assert_eq!(end_of_working_days_after(datetime!(2026-10-23 12:00 UTC), 2), datetime!(2026-10-27 23:00 UTC));
        // Thursday 22 October (summer): Friday 23 (summer) -> Saturday 00:00 is still UTC+2.
        assert_eq!(end_of_working_days_after(datetime!(2026-10-22 12:00 UTC), 1), datetime!(2026-10-23 22:00 UTC));
    }

    #[test]
    fn local_midnight_on_the_switch_days() {
        assert_eq!(local_midnight(time::macros::date!(2026 - 03 - 29)), datetime!(2026-03-28 23:00 UTC));
        assert_eq!(local_midnight(time::macros::date!(2026 - 03 - 30)), datetime!(2026-03-29 22:00 UTC));
        assert_eq!(local_midnight(time::macros::date!(2026 - 10 - 25)), datetime!(2026-10-24 22:00 UTC));
        assert_eq!(local_midnight(time::macros::date!(2026 - 10 - 26)), datetime!(2026-10-25 23:00 UTC));
    }

    #[test]
    fn other_counts_and_the_reminder_chain() {
        let arrived = datetime!(2026-11-23 09:00 UTC); // Monday
        assert_eq!(end_of_working_days_after(arrived, 1), datetime!(2026-11-24 23:00 UTC));
        assert_eq!(end_of_working_days_after(arrived, 5), datetime!(2026-11-30 23:00 UTC));
        // Reminder at Thursday 00:00 local; two working days later: Friday, Monday.
        let reminded = end_of_working_days_after(arrived, 2);
        assert_eq!(end_of_working_days_after(reminded, 2), datetime!(2026-11-30 23:00 UTC));
    }

    #[test]
    fn due_if_started_before_agrees_with_the_rule_at_every_hour() {
        let start = datetime!(2026-10-19 00:30 UTC); // three weeks around the switch to winter time
        for n in 0..=3 {
            for now_hours in (0..21 * 24).step_by(5) {
                let now = start + time::Duration::hours(now_hours) + time::Duration::minutes(17);
                let cutoff = due_if_started_before(now, n);
                for from_hours in 0..21 * 24 {
                    let from = start + time::Duration::hours(from_hours);
                    let due = end_of_working_days_after(from, n) <= now;
                    assert_eq!(due, from < cutoff, "n={n} now={now} from={from} cutoff={cutoff}");
                }
            }
        }
    }

    #[test]
    fn age_in_working_days() {
        let arrived = datetime!(2026-11-27 10:00 UTC); // Friday
        assert_eq!(working_days_between(arrived, datetime!(2026-11-29 10:00 UTC)), 0, "only the weekend passed");
        assert_eq!(working_days_between(arrived, datetime!(2026-11-30 10:00 UTC)), 0, "Monday has not ended");
        assert_eq!(working_days_between(arrived, datetime!(2026-12-01 10:00 UTC)), 1);
        assert_eq!(working_days_between(arrived, datetime!(2026-12-02 10:00 UTC)), 2);
    }
}
