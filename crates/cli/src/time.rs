//! Time arguments and printing for management commands, with std only: parses RFC 3339
//! timestamps (`2026-11-30T10:00:00Z`, `2026-11-30T12:00:00.5+02:00`), dates (`2026-11-30`,
//! UTC midnight) and ages (`30m`, `1h`, `2d`: that long before now) into unix
//! milliseconds, and prints unix milliseconds as UTC `YYYY-MM-DD HH:MM:SS`.
//!
//! Invariants: calendar arithmetic is the proleptic Gregorian calendar in UTC (Hinnant's
//! days-from-civil algorithm), exact for every year 0000..=9999; every value is range
//! checked (month 1-12, day within its month, 23:59:60 is not accepted) so a typo is an
//! error, never a silently shifted time.

const MS_PER_SEC: i64 = 1_000;
const SECS_PER_DAY: i64 = 86_400;

/// Parses a time argument (see the module doc) into unix ms; `now_ms` anchors ages.
pub fn parse_time(s: &str, now_ms: i64) -> Result<i64, String> {
    let s = s.trim();
    if !s.is_ascii() {
        return Err(TIME_FORMS.into());
    }
    if let Some(age) = parse_age(s) {
        return age.map(|ms| now_ms - ms);
    }
    if s.len() == 10 {
        return parse_date(s).map(|days| days * SECS_PER_DAY * MS_PER_SEC);
    }
    parse_rfc3339(s)
}

/// What a time argument may look like, for error messages.
const TIME_FORMS: &str =
    "expected RFC 3339 (2026-11-30T10:00:00Z), a date (2026-11-30) or an age (30m, 1h, 2d)";

/// `Some` if `s` looks like an age (digits then one of s, m, h, d): its length in ms.
fn parse_age(s: &str) -> Option<Result<i64, String>> {
    let unit = s.chars().last()?;
    let secs = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => SECS_PER_DAY,
        _ => return None,
    };
    let digits = &s[..s.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        digits
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(secs * MS_PER_SEC))
            .ok_or_else(|| format!("age {s:?} is too large")),
    )
}

/// Parses `YYYY-MM-DD` into days since 1970-01-01.
fn parse_date(s: &str) -> Result<i64, String> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(TIME_FORMS.into());
    }
    let year = number(&s[0..4])?;
    let month = number(&s[5..7])?;
    let day = number(&s[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(format!("{s:?} is not a calendar date"));
    }
    Ok(days_from_civil(year, month, day))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` (RFC 3339 §5.6) into unix ms;
/// the fraction is truncated to milliseconds.
fn parse_rfc3339(s: &str) -> Result<i64, String> {
    if s.len() < 20 || !s.is_ascii() {
        return Err(TIME_FORMS.into());
    }
    let days = parse_date(&s[..10])?;
    let b = s.as_bytes();
    if !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return Err(TIME_FORMS.into());
    }
    let (hour, min, sec) = (
        number(&s[11..13])?,
        number(&s[14..16])?,
        number(&s[17..19])?,
    );
    if hour > 23 || min > 59 || sec > 59 {
        return Err(format!("{s:?} has an invalid time of day"));
    }
    let mut rest = &s[19..];
    let mut ms = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let len = frac.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return Err(TIME_FORMS.into());
        }
        let padded = format!("{:0<3}", &frac[..len.min(3)]);
        ms = number(&padded)?;
        rest = &frac[len..];
    }
    let offset_secs = match rest {
        "Z" | "z" => 0,
        _ => {
            let ob = rest.as_bytes();
            if ob.len() != 6 || !matches!(ob[0], b'+' | b'-') || ob[3] != b':' {
                return Err(format!("{s:?} needs a zone: Z or +HH:MM"));
            }
            let (oh, om) = (number(&rest[1..3])?, number(&rest[4..6])?);
            if oh > 23 || om > 59 {
                return Err(format!("{s:?} has an invalid zone offset"));
            }
            let sign = if ob[0] == b'-' { -1 } else { 1 };
            sign * (oh * 3_600 + om * 60)
        }
    };
    let secs = days * SECS_PER_DAY + hour * 3_600 + min * 60 + sec - offset_secs;
    Ok(secs * MS_PER_SEC + ms)
}

/// A run of ASCII digits as a number.
fn number(s: &str) -> Result<i64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TIME_FORMS.into());
    }
    s.parse().map_err(|_| TIME_FORMS.to_string())
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a Gregorian date (Hinnant, `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Gregorian date of a day count since 1970-01-01 (Hinnant, `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats unix ms as UTC `YYYY-MM-DD HH:MM:SS` (milliseconds dropped).
pub fn format_utc(ms: i64) -> String {
    let secs = ms.div_euclid(MS_PER_SEC);
    let (days, sod) = (secs.div_euclid(SECS_PER_DAY), secs.rem_euclid(SECS_PER_DAY));
    let (y, mo, d) = civil_from_days(days);
    format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}",
        sod / 3_600,
        sod % 3_600 / 60,
        sod % 60
    )
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_032_800_000; // 2026-11-30T10:00:00Z

    #[test]
    fn rfc3339_forms() {
        assert_eq!(parse_time("2026-11-30T10:00:00Z", 0), Ok(NOW));
        assert_eq!(parse_time("2026-11-30t10:00:00z", 0), Ok(NOW));
        assert_eq!(parse_time("2026-11-30T12:00:00+02:00", 0), Ok(NOW));
        assert_eq!(parse_time("2026-11-30T07:30:00-02:30", 0), Ok(NOW));
        assert_eq!(parse_time("2026-11-30T10:00:00.25Z", 0), Ok(NOW + 250));
        assert_eq!(parse_time("2026-11-30T10:00:00.123456Z", 0), Ok(NOW + 123));
        assert_eq!(parse_time("1970-01-01T00:00:00Z", 0), Ok(0));
    }

    #[test]
    fn dates_are_utc_midnight() {
        assert_eq!(parse_time("2026-11-30", 0), Ok(NOW - 10 * 3_600_000));
        assert_eq!(parse_time("1970-01-01", 0), Ok(0));
        assert_eq!(parse_time("2024-02-29", 0), Ok(1_709_164_800_000));
    }

    #[test]
    fn ages_count_back_from_now() {
        assert_eq!(parse_time("30m", NOW), Ok(NOW - 1_800_000));
        assert_eq!(parse_time("1h", NOW), Ok(NOW - 3_600_000));
        assert_eq!(parse_time("2d", NOW), Ok(NOW - 172_800_000));
        assert_eq!(parse_time("0s", NOW), Ok(NOW));
        assert!(parse_time("99999999999999999d", NOW).is_err());
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in [
            "",
            "yesterday",
            "h",
            "-1h",
            "1.5h",
            "2026-13-01",
            "2026-02-30",
            "2025-02-29",
            "2026-11-30T24:00:00Z",
            "2026-11-30T10:00:00",
            "2026-11-30T10:00:00+2:00",
            "2026-11-30T10:00:00.Z",
            "2026-11-30 10:00",
            "2026-11-3é",
            "2é26-11-3",
            "2026-11-30T10:00:00Zé",
        ] {
            assert!(parse_time(bad, NOW).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn formats_utc_seconds() {
        assert_eq!(format_utc(NOW + 999), "2026-11-30 10:00:00");
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(1_709_164_800_000), "2024-02-29 00:00:00");
        assert_eq!(format_utc(-1), "1969-12-31 23:59:59");
    }

    #[test]
    fn civil_round_trip() {
        for days in (-800_000..3_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
