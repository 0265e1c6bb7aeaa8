//! Parses the dates real feeds and news pages write. Pure: text, a time zone and (for list pages) the
//! fetch time in; an instant or nothing out.
//!
//! Forms read (the tests list them all): RFC 822/2822 and its loose variants (no weekday, a wrong one,
//! two-digit years, no seconds, full or lower-case names, month before day, an offset glued to the time,
//! `GMT+08:00`, a trailing `(CST)` comment), asctime and Twitter's `Wed Jan 22 10:00:00 +0800 2025`, US
//! `December 16, 2023 2:02 PM`, RFC 3339/ISO 8601 (fractions, `+0800`, `+08`, a space for `T`, compact
//! `20240228T105200Z`), Unix seconds, and the Chinese numeric forms (`2024-02-28 10:52`, `2024/02/28`,
//! `2024年2月28日 下午2:02`). With the fetch time given, list-page forms too: `11-25 10:52` and `11月25日`
//! (no year: the latest such day not in the future), `10:52` (today), `3小时前`, `刚刚`, `昨天 20:00`.
//!
//! Rules: `CST` means China Standard Time (+08:00), as on every Chinese site; a time without a zone is in
//! the source's zone (Asia/Shanghai unless configured), never silently UTC; a zone word we do not know
//! makes the date unreadable rather than guessed; `AM`/`PM` (and 上午/下午) move the hour as they say.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Parses `text` as a date, reading zone-less times in `timezone`. `None` when no form fits.
///
/// ```
/// use regionfeed::feed::dates::parse_date;
/// let shanghai = chrono_tz::Asia::Shanghai;
/// // chinanews' zone-less form means Beijing time: 10:52 there is 02:52 UTC.
/// let date = parse_date("2024-02-28 10:52:00", shanghai).unwrap();
/// assert_eq!(date.to_rfc3339(), "2024-02-28T02:52:00+00:00");
/// // CST on a Chinese site is China Standard Time, not US Central.
/// assert_eq!(parse_date("Wed, 28 Feb 2024 10:52:00 CST", shanghai), Some(date));
/// ```
pub fn parse_date(text: &str, timezone: Tz) -> Option<DateTime<Utc>> {
    parse(text, timezone, None)
}

/// Like [`parse_date`], and also the forms of news list pages that need the fetch time `now`: a day
/// without a year (the latest such day not after `now`), a time without a day (today, or yesterday when
/// later than `now`), and relative times (`3小时前`, `刚刚`, `昨天 20:00`).
pub fn parse_date_near(text: &str, timezone: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    parse(text, timezone, Some(now))
}

fn parse(text: &str, timezone: Tz, now: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    let text = clean(text);
    if text.is_empty() {
        return None;
    }
    if let Some(date) = unix_seconds(&text) {
        return Some(date);
    }
    if let Some(now) = now
        && let Some(date) = relative(&text, timezone, now)
    {
        return Some(date);
    }
    let tokens = tokenize(&text)?;
    let fields = Fields::read(&tokens)?;
    fields.resolve(timezone, now)
}

/// The text without surrounding brackets, a trailing `(comment)`, and with full-width characters folded.
fn clean(text: &str) -> String {
    let folded: String = text
        .trim()
        .chars()
        .map(|c| match c {
            // Full-width digits, colon and plus/minus, as some Chinese pages write them.
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '：' => ':',
            '＋' => '+',
            '－' => '-',
            '\u{a0}' | '\u{3000}' => ' ',
            other => other,
        })
        .collect();
    let mut text = folded.trim();
    // `Wed, 28 Feb 2024 10:52:00 +0800 (CST)`: a mail-style comment after the zone.
    if text.ends_with(')')
        && let Some(open) = text.rfind('(')
        && open > 0
    {
        text = text[..open].trim_end();
    }
    let text = text
        .trim_start_matches(['[', '【', '('])
        .trim_end_matches([']', '】', ')'])
        .trim();
    // `2:02 p.m.` → `2:02 pm`.
    text.replace("a.m.", "am")
        .replace("p.m.", "pm")
        .replace("A.M.", "am")
        .replace("P.M.", "pm")
}

/// Ten digits (or thirteen, milliseconds) between 2000 and 2100: Unix time.
fn unix_seconds(text: &str) -> Option<DateTime<Utc>> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = text.parse().ok()?;
    let seconds = match text.len() {
        10 => value,
        13 => value / 1000,
        _ => return None,
    };
    let date = DateTime::from_timestamp(seconds, 0)?;
    (2000..2100).contains(&date.year()).then_some(date)
}

/// `刚刚`, `N秒前`/`N分钟前`/`N小时前`/`N天前`, `N minutes ago`, relative to `now`.
fn relative(text: &str, timezone: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if matches!(compact.as_str(), "刚刚" | "刚才" | "justnow") {
        return Some(now);
    }
    for (units, seconds) in [
        (&["秒前", "secondsago", "secondago"][..], 1),
        (
            &["分钟前", "分前", "minutesago", "minuteago", "minsago"][..],
            60,
        ),
        (&["小时前", "个小时前", "hoursago", "hourago"][..], 3600),
        (&["天前", "daysago", "dayago"][..], 86_400),
    ] {
        for unit in units {
            if let Some(number) = compact.strip_suffix(unit)
                && let Ok(n) = number.parse::<i64>()
            {
                let back = Duration::try_seconds(n.checked_mul(seconds)?)?;
                return now.checked_sub_signed(back);
            }
        }
    }
    // 昨天 20:00, 前天 08:30, 今天 09:00.
    for (word, days_back) in [("今天", 0), ("昨天", 1), ("前天", 2)] {
        if let Some(rest) = compact.strip_prefix(word) {
            let today = now.with_timezone(&timezone).date_naive();
            let day = today.checked_sub_signed(Duration::days(days_back))?;
            let time = if rest.is_empty() {
                NaiveTime::MIN
            } else {
                let tokens = tokenize(rest)?;
                let fields = Fields::read(&tokens)?;
                fields.time()?
            };
            return local_to_utc(day.and_time(time), timezone);
        }
    }
    None
}

/// One piece of a date's text.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// Digits, with how many there were (`08` is 8 with 2 digits).
    Number(u32, usize),
    /// A run of ASCII letters, lower-cased.
    Word(String),
    /// `h:m` or `h:m:s` (a fraction of a second is dropped).
    Time(u32, u32, u32),
    /// An offset from UTC in seconds: `+0800`, `+08:00`, `+08`, `-5`.
    Offset(i32),
    /// 年, 月, 日 after a number.
    Cjk(char),
    /// 上午/凌晨/早上 (false) or 下午/晚上/中午 (true): the half of the day.
    HalfDay(bool),
    /// The `T` between an ISO date and its time, or `Z`.
    Separator,
}

/// Splits date text into tokens; `None` on a character no date form has.
fn tokenize(text: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let (token, next) = number_or_time(&chars, i);
            tokens.push(token);
            i = next;
        } else if c == '+' || c == '-' {
            match offset_at(&chars, i, &tokens) {
                Some((offset, next)) => {
                    tokens.push(Token::Offset(offset));
                    i = next;
                }
                // A dash between date parts.
                None => i += 1,
            }
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphabetic() {
                i += 1;
            }
            let word: String = chars[start..i]
                .iter()
                .collect::<String>()
                .to_ascii_lowercase();
            tokens.push(word_token(word));
        } else if let Some((token, next)) = cjk_token(&chars, i) {
            tokens.push(token);
            i = next;
        } else if matches!(c, ',' | '/' | '.' | ' ' | '\t' | '\n' | '\r' | '、') {
            i += 1;
        } else {
            return None;
        }
    }
    Some(tokens)
}

/// A number, or a time `h:m(:s(.frac)?)?` starting at `start`; and where the text goes on.
fn number_or_time(chars: &[char], start: usize) -> (Token, usize) {
    let digits = |from: usize| {
        let mut end = from;
        while end < chars.len() && chars[end].is_ascii_digit() {
            end += 1;
        }
        end
    };
    let value = |from: usize, to: usize| -> u32 {
        chars[from..to]
            .iter()
            .collect::<String>()
            .parse()
            .unwrap_or(u32::MAX)
    };
    let end = digits(start);
    let is_time_mark =
        |at: usize| at < chars.len() && matches!(chars[at], ':' | '时' | '点' | '時' | '點');
    if is_time_mark(end) && end + 1 < chars.len() && chars[end + 1].is_ascii_digit() {
        let hour = value(start, end);
        let minute_end = digits(end + 1);
        let minute = value(end + 1, minute_end);
        let mut next = minute_end;
        let mut second = 0;
        if next < chars.len() && matches!(chars[next], ':' | '分') {
            let second_end = digits(next + 1);
            if second_end > next + 1 {
                second = value(next + 1, second_end);
                next = second_end;
            } else {
                next += 1;
            }
        }
        // Fractions of a second, and 秒.
        if next < chars.len()
            && matches!(chars[next], '.' | ',')
            && next + 1 < chars.len()
            && chars[next + 1].is_ascii_digit()
        {
            next = digits(next + 1);
        }
        if next < chars.len() && chars[next] == '秒' {
            next += 1;
        }
        return (Token::Time(hour, minute, second), next);
    }
    // `10时` alone (an hour), `10点`.
    if is_time_mark(end) {
        return (Token::Time(value(start, end), 0, 0), end + 1);
    }
    (Token::Number(value(start, end), end - start), end)
}

/// An offset at `start` (`+0800`, `+08:00`, `+08`, `-5`), when what comes before makes it one: a time, a
/// zone word (`GMT+8`), or a space. A `-` between date numbers (`2024-02-28`) is not an offset.
fn offset_at(chars: &[char], start: usize, tokens: &[Token]) -> Option<(i32, usize)> {
    let follows_time_or_zone = matches!(
        tokens.last(),
        Some(Token::Time(..)) | Some(Token::Word(_)) | Some(Token::Separator)
    ) || (start > 0
        && chars[start - 1] == ' '
        && !matches!(tokens.last(), Some(Token::Number(..))));
    if !follows_time_or_zone {
        return None;
    }
    let sign = if chars[start] == '-' { -1 } else { 1 };
    let mut end = start + 1;
    while end < chars.len() && (chars[end].is_ascii_digit() || chars[end] == ':') {
        end += 1;
    }
    let body: String = chars[start + 1..end]
        .iter()
        .filter(|c| **c != ':')
        .collect();
    let (hours, minutes) = match body.len() {
        1 | 2 => (body.parse::<i32>().ok()?, 0),
        3 => (
            body[..1].parse::<i32>().ok()?,
            body[1..].parse::<i32>().ok()?,
        ),
        4 => (
            body[..2].parse::<i32>().ok()?,
            body[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if hours > 14 || minutes > 59 {
        return None;
    }
    Some((sign * (hours * 3600 + minutes * 60), end))
}

/// A Chinese date or time word at `start`.
fn cjk_token(chars: &[char], start: usize) -> Option<(Token, usize)> {
    let c = chars[start];
    if matches!(c, '年' | '月' | '日' | '号' | '號') {
        return Some((
            Token::Cjk(if matches!(c, '号' | '號') { '日' } else { c }),
            start + 1,
        ));
    }
    let two: String = chars[start..(start + 2).min(chars.len())].iter().collect();
    // 星期三, 周三, 礼拜三: a weekday, ignored like `Wed`.
    for (word, length) in [("星期", 3), ("礼拜", 3), ("禮拜", 3), ("周", 2), ("週", 2)] {
        let weekday = |at: usize| {
            chars
                .get(at)
                .is_some_and(|c| "一二三四五六日天".contains(*c))
        };
        if two.starts_with(word) && weekday(start + word.chars().count()) {
            return Some((Token::Separator, start + length));
        }
    }
    let half = match two.as_str() {
        "上午" | "凌晨" | "早上" | "清晨" => false,
        "下午" | "晚上" | "中午" | "傍晚" => true,
        _ => return None,
    };
    Some((Token::HalfDay(half), start + 2))
}

/// A word's meaning: a month, a weekday (ignored), AM/PM, a zone, `T`/`Z`.
fn word_token(word: String) -> Token {
    match word.as_str() {
        "t" => Token::Separator,
        "am" | "a" => Token::HalfDay(false),
        "pm" | "p" => Token::HalfDay(true),
        _ => Token::Word(word),
    }
}

/// The month a word names (`feb`, `February`, `sept`), 1-based.
fn month_of(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if word.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|month| {
            month.starts_with(word)
                || (word.starts_with(&month[..3])
                    && month.starts_with(&word[..3])
                    && word.len() <= 4)
        })
        .map(|index| index as u32 + 1)
}

/// English weekday names, Monday first (also `<skipDays>`'s day names).
pub(super) const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn is_weekday(word: &str) -> bool {
    word.len() >= 3
        && WEEKDAYS.iter().any(|day| {
            day.starts_with(word)
                || (word.len() <= 5 && day.starts_with(&word[..3]) && word.starts_with(&day[..3]))
        })
}

/// The offset a zone word names, seconds east of UTC. `CST` is China Standard Time.
fn zone_offset(word: &str) -> Option<i32> {
    let hours = match word {
        "z" | "ut" | "utc" | "gmt" | "wet" => 0,
        "cst" | "bjt" | "hkt" | "sgt" | "awst" | "pht" | "myt" => 8,
        "jst" | "kst" => 9,
        "cet" | "met" | "bst" | "wat" => 1,
        "cest" | "mest" | "eet" => 2,
        "eest" | "msk" => 3,
        "est" => -5,
        "edt" => -4,
        "cdt" => -5,
        "mst" => -7,
        "mdt" => -6,
        "pst" => -8,
        "pdt" => -7,
        "akst" => -9,
        "akdt" => -8,
        "hst" => -10,
        "ast" => -4,
        "adt" => -3,
        _ => return None,
    };
    Some(hours * 3600)
}

/// What the tokens say, before a calendar check.
#[derive(Debug, Default)]
struct Fields {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    time: Option<(u32, u32, u32)>,
    half_day: Option<bool>,
    offset: Option<i32>,
}

impl Fields {
    /// Reads date parts from tokens in whatever order the form has them; `None` on anything left over
    /// or contradictory (two months, an unknown word).
    fn read(tokens: &[Token]) -> Option<Fields> {
        let mut fields = Fields::default();
        let mut numbers: Vec<(u32, usize, Option<char>)> = Vec::new();
        let mut iter = tokens.iter().peekable();
        while let Some(token) = iter.next() {
            match token {
                Token::Number(value, digits) => {
                    // A number marked 年/月/日 says what it is.
                    let mark = match iter.peek() {
                        Some(Token::Cjk(mark)) => {
                            let mark = *mark;
                            iter.next();
                            Some(mark)
                        }
                        _ => None,
                    };
                    numbers.push((*value, *digits, mark));
                }
                Token::Word(word) => fields.read_word(word)?,
                Token::Time(h, m, s) => set_once(&mut fields.time, (*h, *m, *s))?,
                Token::Offset(offset) => fields.add_offset(*offset)?,
                Token::HalfDay(pm) => set_once(&mut fields.half_day, *pm)?,
                Token::Cjk(_) => return None,
                Token::Separator => {}
            }
        }
        fields.read_numbers(&numbers)?;
        Some(fields)
    }

    fn read_word(&mut self, word: &str) -> Option<()> {
        if let Some(month) = month_of(word) {
            return set_once(&mut self.month, month);
        }
        if is_weekday(word) {
            return Some(());
        }
        if let Some(offset) = zone_offset(word) {
            // `GMT+08:00`: the word, then the offset added to it.
            return set_once(&mut self.offset, offset);
        }
        if matches!(word, "etc" | "th" | "st" | "nd" | "rd" | "of" | "at" | "on") {
            return Some(());
        }
        None
    }

    fn add_offset(&mut self, offset: i32) -> Option<()> {
        // After `GMT`/`UTC` an offset adds to it (`GMT+8`); otherwise it is the zone.
        match self.offset {
            Some(0) | None => {
                self.offset = Some(offset);
                Some(())
            }
            Some(_) => None,
        }
    }

    /// Numbers by their marks and sizes: a 4-digit one is the year; `2024-02-28`-shaped runs are year,
    /// month, day; with a month word, the remaining numbers are day and (2- or 4-digit) year.
    fn read_numbers(&mut self, numbers: &[(u32, usize, Option<char>)]) -> Option<()> {
        let mut unmarked: Vec<(u32, usize)> = Vec::new();
        for &(value, digits, mark) in numbers {
            match mark {
                Some('年') => set_once(&mut self.year, year_of(value, digits)?)?,
                Some('月') => set_once(&mut self.month, value)?,
                Some('日') => set_once(&mut self.day, value)?,
                _ => unmarked.push((value, digits)),
            }
        }
        // Compact ISO: `20240228`.
        if let [(value, 8)] = unmarked[..] {
            self.year = Some((value / 10_000) as i32);
            self.month = Some(value / 100 % 100);
            self.day = Some(value % 100);
            return self.time_from_compact(None);
        }
        if let [(date, 8), (time, 6 | 4)] = unmarked[..] {
            self.year = Some((date / 10_000) as i32);
            self.month = Some(date / 100 % 100);
            self.day = Some(date % 100);
            return self.time_from_compact(Some(time));
        }
        if self.month.is_some() {
            // With a month word (or 月): a day and a year, in either order.
            for (value, digits) in unmarked {
                if digits == 4 || (self.day.is_some() && self.year.is_none()) {
                    set_once(&mut self.year, year_of(value, digits)?)?;
                } else {
                    set_once(&mut self.day, value)?;
                }
            }
            return Some(());
        }
        match unmarked[..] {
            [] => Some(()),
            // 2024-02-28, 2024/2/8
            [(year, 4), (month, 1..=2), (day, 1..=2)] => {
                self.year = Some(year as i32);
                self.month = Some(month);
                self.day = Some(day);
                Some(())
            }
            // 2024-02 (a month)
            [(year, 4), (month, 1..=2)] => {
                self.year = Some(year as i32);
                self.month = Some(month);
                self.day = Some(1);
                Some(())
            }
            // 11-25 on a list page: month and day, year from the fetch time.
            [(month, 1..=2), (day, 1..=2)] => {
                self.month = Some(month);
                self.day = Some(day);
                Some(())
            }
            _ => None,
        }
    }

    fn time_from_compact(&mut self, time: Option<u32>) -> Option<()> {
        if let Some(time) = time {
            let (h, m, s) = if time >= 10_000 {
                (time / 10_000, time / 100 % 100, time % 100)
            } else {
                (time / 100, time % 100, 0)
            };
            set_once(&mut self.time, (h, m, s))?;
        }
        Some(())
    }

    /// The time of day, AM/PM applied.
    fn time(&self) -> Option<NaiveTime> {
        let (mut hour, minute, second) = self.time.unwrap_or((0, 0, 0));
        match self.half_day {
            Some(true) if hour < 12 => hour += 12,
            Some(false) if hour == 12 => hour = 0,
            Some(_) if hour > 12 => return None,
            _ => {}
        }
        NaiveTime::from_hms_opt(hour, minute, second.min(59))
    }

    /// The instant: in the offset given, else in `timezone`. A missing year takes the latest such day not
    /// after `now`; a missing day (a time alone) takes today, or yesterday when that time is still ahead.
    fn resolve(&self, timezone: Tz, now: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        let time = self.time()?;
        let date = match (self.year, self.month, self.day) {
            (Some(year), Some(month), Some(day)) => NaiveDate::from_ymd_opt(year, month, day)?,
            (Some(year), Some(month), None) => NaiveDate::from_ymd_opt(year, month, 1)?,
            (None, Some(month), Some(day)) => {
                let now = now?;
                return self.latest_day_not_after(month, day, time, timezone, now);
            }
            (None, None, None) if self.time.is_some() => {
                let now = now?;
                let local_now = now.with_timezone(&timezone);
                let today = local_now.date_naive();
                let at = local_to_utc(today.and_time(time), timezone)?;
                return if at > now + Duration::minutes(5) {
                    local_to_utc((today - Duration::days(1)).and_time(time), timezone)
                } else {
                    Some(at)
                };
            }
            _ => return None,
        };
        let naive = date.and_time(time);
        match self.offset {
            Some(offset) => {
                let zone = chrono::FixedOffset::east_opt(offset)?;
                zone.from_local_datetime(&naive)
                    .single()
                    .map(|d| d.with_timezone(&Utc))
            }
            None => local_to_utc(naive, timezone),
        }
    }

    fn latest_day_not_after(
        &self,
        month: u32,
        day: u32,
        time: NaiveTime,
        timezone: Tz,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let year = now.with_timezone(&timezone).year();
        for candidate_year in [year, year - 1] {
            if let Some(date) = NaiveDate::from_ymd_opt(candidate_year, month, day) {
                let at = local_to_utc(date.and_time(time), timezone)?;
                if at <= now + Duration::minutes(5) {
                    return Some(at);
                }
            }
        }
        None
    }
}

/// A year as written: four digits as they are; two digits in 1990–2089 (feeds from before 1990 are
/// not news).
fn year_of(value: u32, digits: usize) -> Option<i32> {
    match digits {
        4 => Some(value as i32),
        2 if value >= 90 => Some(1900 + value as i32),
        2 => Some(2000 + value as i32),
        _ => None,
    }
}

/// Sets `slot` once; a second, different value means the text contradicts itself.
fn set_once<T: PartialEq>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(existing) if *existing != value => None,
        _ => {
            *slot = Some(value);
            Some(())
        }
    }
}

fn local_to_utc(naive: NaiveDateTime, timezone: Tz) -> Option<DateTime<Utc>> {
    timezone
        .from_local_datetime(&naive)
        .earliest()
        .map(|date| date.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    fn check(text: &str, expect_utc: Option<&str>) {
        let parsed = parse_date(text, SHANGHAI).map(|d| d.to_rfc3339());
        assert_eq!(parsed.as_deref(), expect_utc, "parsing {text:?}");
    }

    #[test]
    fn every_form_real_feeds_use() {
        // (input, the same instant in UTC)
        let table = [
            (
                "Wed, 28 Feb 2024 10:52:00 +0800",
                Some("2024-02-28T02:52:00+00:00"),
            ),
            (
                "Wed, 28 Feb 2024 10:52:00 GMT",
                Some("2024-02-28T10:52:00+00:00"),
            ),
            (
                "Wed, 28 Feb 2024 10:52:00 CST",
                Some("2024-02-28T02:52:00+00:00"),
            ),
            (
                "2024-02-28T10:52:00+08:00",
                Some("2024-02-28T02:52:00+00:00"),
            ),
            ("2024-02-28T02:52:00Z", Some("2024-02-28T02:52:00+00:00")),
            ("2024-02-28 10:52:00", Some("2024-02-28T02:52:00+00:00")),
            ("2024-02-28 10:52", Some("2024-02-28T02:52:00+00:00")),
            ("2024/02/28 10:52:00", Some("2024-02-28T02:52:00+00:00")),
            ("2024年02月28日 10:52", Some("2024-02-28T02:52:00+00:00")),
            ("2024年2月28日 10:52:00", Some("2024-02-28T02:52:00+00:00")),
            ("2024-02-28", Some("2024-02-27T16:00:00+00:00")),
            (
                "Wed,14-Dec-2022 11:37:37 GMT",
                Some("2022-12-14T11:37:37+00:00"),
            ),
            (
                "2024-02-28 10:52:00 +0800",
                Some("2024-02-28T02:52:00+00:00"),
            ),
            ("  2024-02-28 10:52:00\n", Some("2024-02-28T02:52:00+00:00")),
            ("yesterday", None),
            ("", None),
        ];
        for (input, expect) in table {
            check(input, expect);
        }
    }

    #[test]
    fn zoneless_time_uses_the_source_zone() {
        let taipei = parse_date("2024-02-28 10:52:00", chrono_tz::Asia::Taipei).unwrap();
        assert_eq!(taipei.to_rfc3339(), "2024-02-28T02:52:00+00:00");
        let utc = parse_date("2024-02-28 10:52:00", chrono_tz::UTC).unwrap();
        assert_eq!(utc.to_rfc3339(), "2024-02-28T10:52:00+00:00");
    }

    /// (input, the same instant in UTC), read with Asia/Shanghai as the source's zone.
    const LOOSE_RFC822: &[(&str, &str)] = &[
        ("Wed, 28 Feb 2024 10:52:00 UT", "2024-02-28T10:52:00+00:00"),
        ("Wed, 28 Feb 2024 10:52:00 Z", "2024-02-28T10:52:00+00:00"),
        (
            "Wed, 28 Feb 2024 10:52:00 -0000",
            "2024-02-28T10:52:00+00:00",
        ),
        (
            "Wed, 28 Feb 2024 10:52:00 +08:00",
            "2024-02-28T02:52:00+00:00",
        ),
        (
            "Wed, 28 Feb 2024 10:52:00 -05:00",
            "2024-02-28T15:52:00+00:00",
        ),
        (
            "Wed, 28 Feb 2024 10:52:00 +0530",
            "2024-02-28T05:22:00+00:00",
        ),
        ("Wed, 28 Feb 2024 10:52:00 EST", "2024-02-28T15:52:00+00:00"),
        ("Wed, 28 Feb 2024 10:52:00 PDT", "2024-02-28T17:52:00+00:00"),
        ("Wed, 28 Feb 2024 10:52:00 UTC", "2024-02-28T10:52:00+00:00"),
        (
            "Wed, 28 Feb 2024 10:52:00 GMT+08:00",
            "2024-02-28T02:52:00+00:00",
        ),
        (
            "Wed, 28 Feb 2024 10:52:00 GMT+8",
            "2024-02-28T02:52:00+00:00",
        ),
        (
            "Wed, 28 Feb 2024 10:52:00 GMT-0500",
            "2024-02-28T15:52:00+00:00",
        ),
        (
            "Wed, 28 Feb 2024 10:52:00 Etc/GMT",
            "2024-02-28T10:52:00+00:00",
        ),
        (
            "Wed, 28 Feb 2024 10:52:00 +0800 (CST)",
            "2024-02-28T02:52:00+00:00",
        ),
        ("Wed, 28 Feb 2024 10:52:00 +08", "2024-02-28T02:52:00+00:00"),
        ("Wed, 28 Feb 2024 10:52 +0800", "2024-02-28T02:52:00+00:00"),
        (
            "Wed, 8 Feb 2024 10:52:00 +0800",
            "2024-02-08T02:52:00+00:00",
        ),
        ("Wed, 28 Feb 24 10:52:00 +0800", "2024-02-28T02:52:00+00:00"),
        ("Sun, 28 Feb 99 10:52:00 +0800", "1999-02-28T02:52:00+00:00"),
        ("28 Feb 2024 10:52:00 +0800", "2024-02-28T02:52:00+00:00"),
        (
            "Thu, 28 Feb 2024 10:52:00 +0800",
            "2024-02-28T02:52:00+00:00",
        ),
        (
            "Wed 28 Feb 2024 10:52:00 +0800",
            "2024-02-28T02:52:00+00:00",
        ),
        (
            "Wednesday, 28 February 2024 10:52:00 +0800",
            "2024-02-28T02:52:00+00:00",
        ),
        ("wed, 28 feb 2024 10:52:00 gmt", "2024-02-28T10:52:00+00:00"),
        ("WED, 28 FEB 2024 10:52:00 GMT", "2024-02-28T10:52:00+00:00"),
        (
            "Wed, 28 Sept 2024 10:52:00 +0800",
            "2024-09-28T02:52:00+00:00",
        ),
        (
            "Wed, 28 Feb, 2024 10:52:00 +0800",
            "2024-02-28T02:52:00+00:00",
        ),
        (
            "Wed, Feb 28 2024 10:52:00 +0800",
            "2024-02-28T02:52:00+00:00",
        ),
        (
            "Wed, Feb 28, 2024 10:52:00 +0800",
            "2024-02-28T02:52:00+00:00",
        ),
        (
            "Tue, 27 Dec 2005 13:08:54+0900",
            "2005-12-27T04:08:54+00:00",
        ),
        (
            "Wed, 28 Feb 2024 10:52:00+08:00",
            "2024-02-28T02:52:00+00:00",
        ),
        ("15 Jan 2025 09:30:00+0800", "2025-01-15T01:30:00+00:00"),
        (
            "Wed, 28 Feb 2024 10:52:00.123 +0800",
            "2024-02-28T02:52:00+00:00",
        ),
        ("Wed, 28-Feb-2024 10:52:00 GMT", "2024-02-28T10:52:00+00:00"),
        // No zone: the source's zone.
        ("Wed, 28 Feb 2024 10:52:00", "2024-02-28T02:52:00+00:00"),
        ("28 Feb 2024 10:52:00", "2024-02-28T02:52:00+00:00"),
        ("28 Feb 2024", "2024-02-27T16:00:00+00:00"),
        // Twelve-hour clocks, month before day.
        ("Sat, Dec 16 2023 02:02:33 PM", "2023-12-16T06:02:33+00:00"),
        ("Mon, Dec 18 2023 12:05:10 PM", "2023-12-18T04:05:10+00:00"),
        ("Mon, Dec 18 2023 12:30:00 AM", "2023-12-17T16:30:00+00:00"),
        ("4 Jan 2004 4:29 PM", "2004-01-04T08:29:00+00:00"),
        (
            "Wed, 28 Feb 2024 02:52:00 PM +0800",
            "2024-02-28T06:52:00+00:00",
        ),
        ("December 16, 2023 2:02 p.m.", "2023-12-16T06:02:00+00:00"),
        ("Jan 4, 2004", "2004-01-03T16:00:00+00:00"),
        ("Sunday, January 4, 2004", "2004-01-03T16:00:00+00:00"),
        // asctime and Twitter.
        ("Fri Feb 28 21:15:00 2025", "2025-02-28T13:15:00+00:00"),
        (
            "Wed Jan 22 10:00:00 +0800 2025",
            "2025-01-22T02:00:00+00:00",
        ),
    ];

    #[test]
    fn loose_rfc822_forms() {
        for (input, expect) in LOOSE_RFC822 {
            check(input, Some(expect));
        }
    }

    /// (input, the same instant in UTC), read with Asia/Shanghai as the source's zone.
    const ISO_AND_NUMERIC: &[(&str, &str)] = &[
        ("2024-02-28t02:52:00z", "2024-02-28T02:52:00+00:00"),
        ("2024-02-28T10:52:00.123+08:00", "2024-02-28T02:52:00+00:00"),
        ("2024-02-28T10:52:00+0800", "2024-02-28T02:52:00+00:00"),
        ("2024-02-28T10:52:00 +08:00", "2024-02-28T02:52:00+00:00"),
        ("2024-02-28T10:52+08:00", "2024-02-28T02:52:00+00:00"),
        ("2024-02-28T10:52:00+08", "2024-02-28T02:52:00+00:00"),
        ("2024-02-28T10:52:00", "2024-02-28T02:52:00+00:00"),
        ("2024-02-28 02:52:00Z", "2024-02-28T02:52:00+00:00"),
        ("2024-02-28 10:52:00 GMT", "2024-02-28T10:52:00+00:00"),
        ("2024-2-8", "2024-02-07T16:00:00+00:00"),
        ("2005-12-27 13:08:54.0", "2005-12-27T05:08:54+00:00"),
        ("20240228", "2024-02-27T16:00:00+00:00"),
        ("20240228T105200Z", "2024-02-28T10:52:00+00:00"),
        ("1709088720", "2024-02-28T02:52:00+00:00"),
        ("2024.02.28 10:52", "2024-02-28T02:52:00+00:00"),
        ("2024年2月28日 下午2:02", "2024-02-28T06:02:00+00:00"),
        ("2024年2月28日 星期三 10:52", "2024-02-28T02:52:00+00:00"),
        ("2024年02月28日10时52分", "2024-02-28T02:52:00+00:00"),
        (
            "２０２４－０２－２８　１０：５２",
            "2024-02-28T02:52:00+00:00",
        ),
    ];

    #[test]
    fn iso_and_numeric_forms() {
        for (input, expect) in ISO_AND_NUMERIC {
            check(input, Some(expect));
        }
    }

    #[test]
    fn what_no_form_fits_stays_unread() {
        for input in [
            "N/A",
            "TBD",
            "Invalid Date",
            "Sunday evening",
            "下午 2:02",
            "0000-00-00 00:00:00",
            "2024-02-30",
            "Wed, 31 Feb 2024 10:52:00 +0800",
            "Wed, 28 Feb 2024 10:52:00 XYZT",
            "28/02/2024",
            "11-25 10:52",
            "昨天 20:00",
            "3小时前",
        ] {
            check(input, None);
        }
    }

    #[test]
    fn list_page_forms_read_against_the_fetch_time() {
        // 2026-11-30 10:00 in Beijing.
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap();
        let near = |text: &str| parse_date_near(text, SHANGHAI, now).map(|d| d.to_rfc3339());
        assert_eq!(
            near("11-25 10:52").as_deref(),
            Some("2026-11-25T02:52:00+00:00")
        );
        assert_eq!(
            near("[11-25]").as_deref(),
            Some("2026-11-24T16:00:00+00:00")
        );
        assert_eq!(
            near("11月25日").as_deref(),
            Some("2026-11-24T16:00:00+00:00")
        );
        // A day later in the year than today is last year's.
        assert_eq!(
            near("12-31 08:00").as_deref(),
            Some("2025-12-31T00:00:00+00:00")
        );
        assert_eq!(near("09:30").as_deref(), Some("2026-11-30T01:30:00+00:00"));
        // A time still ahead today is yesterday's.
        assert_eq!(near("23:00").as_deref(), Some("2026-11-29T15:00:00+00:00"));
        assert_eq!(near("刚刚").as_deref(), Some("2026-11-30T02:00:00+00:00"));
        assert_eq!(
            near("3小时前").as_deref(),
            Some("2026-11-29T23:00:00+00:00")
        );
        assert_eq!(
            near("15分钟前").as_deref(),
            Some("2026-11-30T01:45:00+00:00")
        );
        assert_eq!(
            near("2 hours ago").as_deref(),
            Some("2026-11-30T00:00:00+00:00")
        );
        assert_eq!(
            near("昨天 20:00").as_deref(),
            Some("2026-11-29T12:00:00+00:00")
        );
        // Full dates read as without the fetch time.
        assert_eq!(
            near("2024-02-28 10:52").as_deref(),
            Some("2024-02-28T02:52:00+00:00")
        );
    }
}
