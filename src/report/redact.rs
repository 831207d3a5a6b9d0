//! PII redaction for reports: mainland mobile numbers, landlines, ID card numbers, bank card
//! numbers, e-mail addresses, the contact ids customers gave (WeChat ids such as `qz-zhang`) and
//! verification codes read out in the call are masked in every text a report shows.
//!
//! Matching runs on the original text before redaction, so a captured contact still counts.
//! Masks keep the character count (`13800138000` → `138****8000`, `qz-zhang` → `qz-*****`), so
//! every finding's span still points at the same characters and evidence stays readable.
//!
//! Numbers are also recognised as ASR writes them: in Chinese digits (零〇一二三四五六七八九, 幺 for
//! 1, 两 for 2), mixed with ASCII digits, and split into groups by spaces, commas, `、` or `-`
//! (at most two separator characters between groups). Such a number is masked by the rule of its
//! ASCII twin, digit for digit, keeping the separators: `幺三八 零零幺三八 零零零` (twin
//! `13800138000`) → `幺三八 ****八 零零零`. When the whole number is none of the kinds, each group
//! is tried on its own. Words such as 十, 百, 万, 块 or a unit end a number, so 五十九块, 三十个G or
//! 五百分钟 are never digit runs that could be masked.
//!
//! A verification code is a number of exactly 6 digits (any of the forms above) in a text that
//! names a code (验证码, 校验码, 动态码), or, in a call, in a turn where the same turn or one of
//! the two turns before it names one (坐席：把验证码报给我 / 客户：是四八二九一六). It is masked
//! whole (`482916` → `******`), wherever it recurs in the call. A 6-digit number followed by a unit
//! (元, 块, 万, %, GB, 分钟 …) or preceded by a currency sign is not a code, nor is any number
//! far from a code word.

use super::Results;
use crate::error::InputError;
use crate::eval::context::excerpt;
use crate::eval::result::CallResult;
use crate::transcript::Role;
use regex::Regex;
use std::sync::LazyLock;

/// What a pattern masks, which decides how much stays visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Keep the first 3 and last 4 digits.
    Mobile,
    /// Keep the area code and the last 4 digits.
    Landline,
    /// Keep the first 6 (region) and last 2.
    IdCard,
    /// Keep the last 4.
    BankCard,
    /// Any other long number: keep the last 4.
    Number,
    /// Keep the first character and the domain.
    Email,
    /// Keep the first 2 characters (and a separator right after them).
    ContactId,
    /// A verification code: mask every digit.
    Code,
    /// A rubric or command-line pattern: mask everything.
    Custom,
}

/// An e-mail address as typed (`zhang.q@example.com`), with a full-width `＠`, or as ASR writes
/// one read out (`zhangq 艾特 qq 点 com`, a local part spelled letter by letter included).
/// Numbers are not patterns: [`digit_runs`] finds them in every form.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:[A-Za-z0-9] )*[A-Za-z0-9._%+\-０-９Ａ-Ｚａ-ｚ]+ ?(?:@|＠|艾特|爱特) ?[A-Za-z0-9\-０-９Ａ-Ｚａ-ｚ]+(?: ?(?:\.|．|。|点) ?[A-Za-z０-９Ａ-Ｚａ-ｚ0-9\-]+)+",
    )
    .expect("e-mail pattern compiles")
});

/// Whether `text` may hold an e-mail address: most texts have no at-sign in any form and skip
/// the regex.
fn may_hold_email(text: &str) -> bool {
    text.contains('@') || text.contains('＠') || text.contains("艾特") || text.contains("爱特")
}

/// A contact id a customer might spell out: ASCII, 5–20 characters, starting with a letter and
/// containing a digit, `-` or `_` (plain words such as `wechat` or `ok` are not ids).
static CONTACT_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^A-Za-z0-9_-])([A-Za-z][A-Za-z0-9_-]{4,19})($|[^A-Za-z0-9_-])").expect("compiles")
});

/// A contact id spelled out through ASR: letters, then 下划线/杠 and more letters or digits
/// (`zhangq下划线二零二四`, `qz杠zhang`); ASR may write a spelled id letter by letter and put
/// spaces around the separator word (`q z 杠 zhang`).
static SPOKEN_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:[A-Za-z] )*[A-Za-z][A-Za-z0-9]*(?:下划线|横杠|杠|减号|点| ?(?:下划线|横杠|杠|减号) ?)[A-Za-z0-9零一二三四五六七八九幺两]+",
    )
    .expect("compiles")
});

/// Words that introduce a verification code (simplified and traditional).
static CODE_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"验证码|校验码|动态码|驗證碼|校驗碼|動態碼").expect("compiles"));

/// Words that name a QQ number: a number of 5 to 12 digits near one is masked whole.
static QQ_WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)qq|扣扣|企鹅号").expect("compiles"));

/// A whole 18-digit ID card number as ASCII digits (the twin of a written or spoken one).
static ID_CARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])[0-9]{2}[0-9]{3}[0-9Xx]$").expect("compiles")
});

/// A whole 15-digit ID card number (issued before 1999: a 2-digit year, no check digit).
static ID_CARD_15: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[1-9][0-9]{5}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}$").expect("compiles")
});

/// The value of a digit character: ASCII, full-width, or Chinese as ASR writes numbers read
/// out digit by digit (幺 is 1 and 两 is 2, as in phone numbers).
fn digit_value(c: char) -> Option<char> {
    Some(match c {
        '0'..='9' => c,
        '０'..='９' => char::from(b'0' + (u32::from(c) - u32::from('０')) as u8),
        '零' | '〇' => '0',
        '一' | '幺' => '1',
        '二' | '两' | '兩' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        _ => return None,
    })
}

/// Characters that may split a number into groups: ASR pauses, people reading in groups, the
/// ways numbers are written (`138-1234-5678`, `138.1234.5678`, `(010) 87654321`, full-width
/// forms) and 杠, which is how a dash is read out.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{3000}'
            | '\t'
            | ','
            | '，'
            | '、'
            | '-'
            | '－'
            | '‐'
            | '‑'
            | '–'
            | '—'
            | '.'
            | '．'
            | '·'
            | '/'
            | '／'
            | '_'
            | '('
            | ')'
            | '（'
            | '）'
            | '['
            | ']'
            | '杠'
    )
}

/// Most separator characters between two groups of one number (`) ` in `(010) 8765…`, ` 杠 `).
const MAX_SEPARATORS: usize = 3;

/// A unit or multiplier right after a number: it is an amount, not a code.
fn is_unit_start(c: char) -> bool {
    matches!(
        c,
        '元' | '块'
            | '圆'
            | '角'
            | '毛'
            | '万'
            | '亿'
            | '千'
            | '百'
            | '十'
            | '%'
            | '％'
            | '‰'
            | '个'
            | '分'
            | '秒'
            | '天'
            | '月'
            | '年'
            | '岁'
            | '次'
            | '人'
            | '倍'
            | '折'
            | '兆'
            | '小'
            | '号'
            | '日'
            | '期'
            | '条'
            | '张'
            | '位'
            | '户'
            | '台'
            | '件'
            | '笔'
    )
}

/// Whether the ASCII letters at the start of `rest` are a unit (`30GB`, `100MB`, `5G`,
/// `100Mbps`): a number before one is an amount. Any other letters are not.
fn is_ascii_unit(rest: &str) -> bool {
    let word: String = rest.chars().take_while(char::is_ascii_alphabetic).collect::<String>().to_ascii_lowercase();
    matches!(
        word.as_str(),
        "g" | "gb" | "m" | "mb" | "k" | "kb" | "t" | "tb" | "b" | "mbps" | "kbps" | "gbps" | "min" | "ms" | "s" | "h"
    )
}

/// A number in a text: digit characters (ASCII, full-width or Chinese), possibly split into
/// groups.
#[derive(Debug)]
struct DigitRun {
    /// The digits as ASCII (an ID card's final `X` kept), separators dropped.
    digits: Vec<char>,
    /// Byte offset in the text of each digit, parallel to `digits`.
    at: Vec<usize>,
    /// Index into `digits` where each group starts (the first is 0).
    groups: Vec<usize>,
    /// The separator characters between each group and the next (`groups.len() - 1` entries).
    seps: Vec<String>,
    /// Whether it follows a currency sign (an amount).
    after_currency: bool,
    /// Whether a unit follows it (an amount, a duration …).
    before_unit: bool,
}

impl DigitRun {
    /// An amount: a currency sign before it or a unit after it.
    fn is_amount(&self) -> bool {
        self.after_currency || self.before_unit
    }

    /// The digit count of group `g`.
    fn group_len(&self, g: usize) -> usize {
        self.groups.get(g + 1).copied().unwrap_or(self.digits.len()) - self.groups[g]
    }

    /// Whether it starts with a date written with `-`, `/` or `.` (`2024-10-15`, `2024/1/5`)
    /// and whatever follows the date (a time) is shorter than a number worth masking.
    fn starts_with_date(&self) -> bool {
        if self.groups.len() < 3 || self.group_len(0) != 4 || !(1..=2).contains(&self.group_len(1)) {
            return false;
        }
        if !(1..=2).contains(&self.group_len(2)) {
            return false;
        }
        let same_sep =
            self.seps[0] == self.seps[1] && matches!(self.seps[0].as_str(), "-" | "/" | "." | "－" | "／" | "．");
        let number = |g: usize| -> u32 {
            let s = self.groups[g];
            self.digits[s..s + self.group_len(g)].iter().fold(0, |n, d| n * 10 + d.to_digit(10).unwrap_or(0))
        };
        let (year, month, day) = (number(0), number(1), number(2));
        let rest = self.digits.len() - self.groups.get(3).copied().unwrap_or(self.digits.len());
        same_sep
            && (1900..=2099).contains(&year)
            && (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && rest < LONG_RUN
    }
}

/// Every maximal number of `text`.
fn digit_runs(text: &str) -> Vec<DigitRun> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if digit_value(chars[i].1).is_none() {
            i += 1;
            continue;
        }
        let mut run = DigitRun {
            digits: Vec::new(),
            at: Vec::new(),
            groups: vec![0],
            seps: Vec::new(),
            after_currency: i > 0 && matches!(chars[i - 1].1, '¥' | '￥' | '$' | '＄' | '€' | '£'),
            before_unit: false,
        };
        let mut j = i;
        loop {
            while let Some(&(at, c)) = chars.get(j) {
                let Some(d) = digit_value(c) else { break };
                run.digits.push(d);
                run.at.push(at);
                j += 1;
            }
            let mut k = j;
            while k < chars.len() && k - j < MAX_SEPARATORS && is_separator(chars[k].1) {
                k += 1;
            }
            if k > j && chars.get(k).is_some_and(|&(_, c)| digit_value(c).is_some()) {
                run.groups.push(run.digits.len());
                run.seps.push(chars[j..k].iter().map(|&(_, c)| c).collect());
                j = k;
            } else {
                break;
            }
        }
        // An ID card number ends in X.
        if matches!(run.digits.len(), 17)
            && chars.get(j).is_some_and(|&(_, c)| matches!(c, 'X' | 'x' | 'Ｘ' | 'ｘ'))
            && !chars.get(j + 1).is_some_and(|&(_, c)| c.is_ascii_alphanumeric())
        {
            run.digits.push('X');
            run.at.push(chars[j].0);
            j += 1;
        }
        // A unit may follow after a space (`30 GB`, `59 元`).
        let mut u = j;
        while chars.get(u).is_some_and(|&(_, c)| c == ' ' || c == '\u{3000}') {
            u += 1;
        }
        run.before_unit = chars.get(u).is_some_and(|&(at, c)| is_unit_start(c) || is_ascii_unit(&text[at..]));
        runs.push(run);
        i = j;
    }
    runs
}

/// The kind of a whole number given as ASCII digits, and how many leading digits are a
/// country code (`86`, `0086`) kept in front of a mobile number.
fn classify(digits: &str) -> Option<(Kind, usize)> {
    let n = digits.len();
    let all_digits = digits.bytes().all(|b| b.is_ascii_digit());
    let mobile = |d: &str| d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9');
    if ID_CARD.is_match(digits) {
        Some((Kind::IdCard, 0))
    } else if !all_digits {
        None
    } else if mobile(digits) {
        Some((Kind::Mobile, 0))
    } else if ID_CARD_15.is_match(digits) {
        Some((Kind::IdCard, 0))
    } else if (16..=19).contains(&n) {
        Some((Kind::BankCard, 0))
    } else if (10..=12).contains(&n) && digits.starts_with('0') && !digits.starts_with("0086") {
        Some((Kind::Landline, 0))
    } else {
        ["0086", "86"]
            .iter()
            .find_map(|cc| digits.strip_prefix(cc).filter(|d| mobile(d)).map(|_| (Kind::Mobile, cc.len())))
    }
}

/// Digits kept at the front and the back of a number of `kind`; `first_group` is the number of
/// digits before the first separator (a landline's area code, like the part before `-`).
fn kept_digits(kind: Kind, first_group: usize) -> (usize, usize) {
    match kind {
        Kind::Mobile => (3, 4),
        Kind::Landline => (if (3..=4).contains(&first_group) { first_group } else { 4 }, 4),
        Kind::IdCard => (6, 2),
        Kind::BankCard | Kind::Number => (0, 4),
        _ => (0, 0),
    }
}

/// Fewest digits of anything [`find_numbers`] reports: a 5-digit QQ number (codes are 6 digits,
/// phones, ids and cards longer).
const MIN_NUMBER_DIGITS: usize = 5;

/// A run of this many digits or more is masked whatever it is, unless it is an amount or a
/// date: nothing in a report shows 7 digits of a number in a row.
const LONG_RUN: usize = 7;

/// Whether `text` has enough digit characters (ASCII or spoken) for [`find_numbers`] to find
/// anything: most turns do not, and are spared the scan.
fn may_hold_number(text: &str) -> bool {
    text.chars().filter(|&c| digit_value(c).is_some()).nth(MIN_NUMBER_DIGITS - 1).is_some()
}

/// A number found in a text and the byte offsets of the characters its mask replaces.
#[derive(Debug)]
struct FoundNumber {
    kind: Kind,
    /// Byte range of the number (the whole run, or one group of it).
    range: std::ops::Range<usize>,
    /// Byte offsets of the digit characters the mask replaces with `*`.
    masked: Vec<usize>,
}

/// What makes a short number secret in a text: a code word (验证码) or a QQ word near it.
#[derive(Debug, Clone, Copy, Default)]
struct Near {
    /// A 6-digit number is a verification code.
    code: bool,
    /// A number of 5 to 12 digits is a QQ number.
    qq: bool,
}

/// The numbers of `text` to mask, in every written and spoken form: numbers of the built-in
/// kinds (mobile, landline, ID card, bank card) with the hint of their kind; near a code word, 6-digit verification codes and near a
/// QQ word, QQ numbers, masked whole; and any other run of [`LONG_RUN`] digits or more that is
/// neither an amount nor a date, with its last 4 digits kept.
fn find_numbers(text: &str, near: Near) -> Vec<FoundNumber> {
    let mut found = Vec::new();
    if !may_hold_number(text) {
        return found;
    }
    for run in digit_runs(text) {
        // The whole run first, then each group on its own.
        let n = run.digits.len();
        let mut parts = vec![(0, n, run.groups.get(1).copied().unwrap_or(n))];
        if run.groups.len() > 1 {
            for (g, &s) in run.groups.iter().enumerate() {
                let e = run.groups.get(g + 1).copied().unwrap_or(n);
                parts.push((s, e, e - s));
            }
        }
        let before = found.len();
        for (k, &(s, e, first_group)) in parts.iter().enumerate() {
            let digits: String = run.digits[s..e].iter().collect();
            let amount = (s == 0 && run.after_currency) || (e == n && run.before_unit);
            let all_digits = digits.bytes().all(|b| b.is_ascii_digit());
            let is_code = near.code && !amount && digits.len() == 6 && all_digits;
            let is_qq = near.qq && !amount && (5..=12).contains(&digits.len()) && all_digits;
            let kind = match classify(&digits) {
                Some(kind) => Some(kind),
                None if is_code || is_qq => Some((Kind::Code, 0)),
                None => None,
            };
            let Some((kind, prefix)) = kind else { continue };
            // Digits read in groups of other sizes that add up to a card's length are more
            // likely two numbers side by side: each group is tried on its own.
            if kind == Kind::BankCard
                && k == 0
                && (0..run.groups.len()).any(|g| run.group_len(g) > 4)
                && run.groups.len() > 1
            {
                continue;
            }
            let (front, back) = kept_digits(kind, first_group.saturating_sub(prefix));
            // A country code counts towards the digits shown in a row (`008613…` is 6).
            let front = front.min((LONG_RUN - 1).saturating_sub(prefix));
            let len = e - s;
            let masked = (0..len).filter(|&d| d >= prefix + front && d + back < len).map(|d| run.at[s + d]).collect();
            found.push(FoundNumber { kind, range: run.at[s]..end_of(text, run.at[e - 1]), masked });
            if k == 0 {
                break;
            }
        }
        if found.len() == before && n >= LONG_RUN && !run.is_amount() && !run.starts_with_date() {
            let masked = (0..n.saturating_sub(4)).map(|d| run.at[d]).collect();
            found.push(FoundNumber { kind: Kind::Number, range: run.at[0]..end_of(text, run.at[n - 1]), masked });
        }
    }
    found
}

/// The byte offset just past the character at `at`.
fn end_of(text: &str, at: usize) -> usize {
    at + text[at..].chars().next().map_or(1, char::len_utf8)
}

/// Masks every run of [`LONG_RUN`] digits or more that is still visible in `text` (digits a
/// kind's mask kept that join the digits of a neighbouring number), keeping its last 4: the
/// last pass of [`Redactor::text`], which makes "no 7 digits in a row" hold whatever came
/// before.
fn mask_long_runs(text: &str) -> String {
    if !may_hold_number(text) {
        return text.to_string();
    }
    let mut masked: Vec<usize> = Vec::new();
    for run in digit_runs(text) {
        let n = run.digits.len();
        if n >= LONG_RUN && !run.is_amount() && !run.starts_with_date() {
            masked.extend((0..n - 4).map(|d| run.at[d]));
        }
    }
    star_at(text, &masked)
}

/// `text` with the characters at `masked` (byte offsets) replaced by `*`.
fn star_at(text: &str, masked: &[usize]) -> String {
    if masked.is_empty() {
        return text.to_string();
    }
    text.char_indices().map(|(i, c)| if masked.binary_search(&i).is_ok() { '*' } else { c }).collect()
}

/// Masks personal data in report texts.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    custom: Vec<Regex>,
}

/// What one call (or a whole batch) told: the contact ids the customer gave and the
/// verification codes read out, masked wherever they recur.
#[derive(Debug, Default)]
struct Secrets {
    /// Contact ids, longest first.
    ids: Vec<String>,
    /// Verification codes as written, longest first.
    codes: Vec<String>,
}

impl Secrets {
    fn add(list: &mut Vec<String>, item: &str) {
        if !list.iter().any(|x| x == item) {
            list.push(item.to_string());
        }
    }

    /// Longest first, so an id that contains another is masked whole.
    fn sort(&mut self) {
        self.ids.sort_by_key(|s| std::cmp::Reverse(s.len()));
        self.codes.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// The contact ids the customer spelled out in this call, and the verification codes read
    /// out in it (a 6-digit number in a turn that names a code, or right after such a turn).
    fn of(call: &CallResult) -> Secrets {
        let mut found = Secrets::default();
        for t in call.turns.iter().filter(|t| t.role == Role::Customer) {
            for caps in CONTACT_ID.captures_iter(&t.text) {
                if let Some(m) = caps.get(2) {
                    let id = m.as_str();
                    let idish = id.chars().any(|c| c.is_ascii_digit() || c == '-' || c == '_');
                    if idish {
                        Self::add(&mut found.ids, id);
                    }
                }
            }
        }
        for t in call.turns.iter().filter(|t| t.role == Role::Customer) {
            for m in SPOKEN_ID.find_iter(&t.text) {
                Self::add(&mut found.ids, m.as_str());
            }
        }
        for (i, t) in call.turns.iter().enumerate() {
            let window = &call.turns[i.saturating_sub(2)..=i];
            let near = Near {
                code: window.iter().any(|t| CODE_WORD.is_match(&t.text)),
                qq: window.iter().any(|t| QQ_WORD.is_match(&t.text)),
            };
            if near.code || near.qq {
                for n in find_numbers(&t.text, near).into_iter().filter(|n| n.kind == Kind::Code) {
                    Self::add(&mut found.codes, &t.text[n.range]);
                }
            }
        }
        found.sort();
        found
    }
}

fn mask(s: &str, kind: Kind) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    match kind {
        Kind::Email => {
            // Everything from the at-sign on (typed, full-width or read out as 艾特) stays.
            let at = chars.iter().position(|&c| matches!(c, '@' | '＠' | '艾' | '爱')).unwrap_or(n);
            chars.iter().enumerate().map(|(i, &c)| if i == 0 || i >= at || c == ' ' { c } else { '*' }).collect()
        }
        Kind::ContactId => {
            // Spaces of an id spelled letter by letter (`q z 杠 zhang`) stay, and do not count.
            let mut seen = 0;
            chars
                .iter()
                .map(|&c| {
                    if c.is_whitespace() {
                        return c;
                    }
                    seen += 1;
                    let keep = seen <= 2 || (seen == 3 && matches!(c, '-' | '_'));
                    if keep { c } else { '*' }
                })
                .collect()
        }
        Kind::Code => chars.iter().map(|&c| if digit_value(c).is_some() || c == 'X' { '*' } else { c }).collect(),
        Kind::Custom => "*".repeat(n),
        // Numbers are masked where they are found (`find_numbers`), never through here.
        Kind::Mobile | Kind::Landline | Kind::IdCard | Kind::BankCard | Kind::Number => "*".repeat(n),
    }
}

/// Replaces capture group 2 (or the whole match) of every match with its mask.
fn replace_all(text: &str, re: &Regex, kind: Kind) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for caps in re.captures_iter(text) {
        let Some(m) = caps.get(2).or_else(|| caps.get(0)) else { continue };
        if m.start() < last || m.as_str().is_empty() {
            continue;
        }
        out.push_str(&text[last..m.start()]);
        out.push_str(&mask(m.as_str(), kind));
        last = m.end();
    }
    out.push_str(&text[last..]);
    out
}

/// Masks every occurrence of the number `code` that is not part of a longer number.
fn replace_number(text: &str, code: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(code) {
        let end = at + code.len();
        let digit_before = text[..at].chars().next_back().is_some_and(|c| digit_value(c).is_some());
        let digit_after = text[end..].chars().next().is_some_and(|c| digit_value(c).is_some());
        if at < last || digit_before || digit_after {
            continue;
        }
        out.push_str(&text[last..at]);
        out.push_str(&mask(code, Kind::Code));
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

impl Redactor {
    /// A redactor with the built-in patterns plus `extra` regexes (from the command line or the
    /// rubric), whose matches are masked entirely.
    pub fn new(extra: &[String]) -> Result<Redactor, regex::Error> {
        Ok(Redactor { custom: extra.iter().map(|p| Regex::new(p)).collect::<Result<_, _>>()? })
    }

    /// A redactor for reports of calls scored with `rubric`: the built-in patterns, the
    /// rubric's `[redact] regex` and the command line's `extra` (`--redact`). The error can only
    /// come from `extra`: a rubric with an invalid regex does not load.
    pub fn with_rubric(extra: &[String], rubric: &crate::rubric::CompiledRubric) -> Result<Redactor, regex::Error> {
        let from_rubric = rubric.file.redact.regex.iter().map(|p| p.get_ref().clone());
        let mut all: Vec<String> = from_rubric.collect();
        all.extend(extra.iter().cloned());
        Redactor::new(&all)
    }

    /// Masks `text` with the built-in and custom patterns and the given contact ids. A 6-digit
    /// number is masked as a verification code when `text` itself names a code.
    pub fn text(&self, text: &str, ids: &[String]) -> String {
        self.mask_text(text, &Secrets { ids: ids.to_vec(), codes: Vec::new() })
    }

    fn mask_text(&self, text: &str, secrets: &Secrets) -> String {
        let mut s = text.to_string();
        for id in &secrets.ids {
            if s.contains(id.as_str()) {
                s = s.replace(id.as_str(), &mask(id, Kind::ContactId));
            }
        }
        // An excerpt cut short inside an id (…微信号是zhangqian…) ends with a prefix of it.
        if let Some(body) = s.strip_suffix('…') {
            let cut = secrets.ids.iter().find_map(|id| {
                let chars: Vec<char> = id.chars().collect();
                (3..chars.len()).rev().find_map(|k| {
                    let prefix: String = chars[..k].iter().collect();
                    body.ends_with(&prefix)
                        .then(|| (prefix.len(), mask(id, Kind::ContactId).chars().take(k).collect::<String>()))
                })
            });
            if let Some((len, masked)) = cut {
                s = format!("{}{masked}…", &body[..body.len() - len]);
            }
        }
        for code in &secrets.codes {
            if s.contains(code.as_str()) {
                s = replace_number(&s, code);
            }
        }
        if may_hold_number(&s) {
            let near = Near { code: CODE_WORD.is_match(&s), qq: QQ_WORD.is_match(&s) };
            let mut masked: Vec<usize> = find_numbers(&s, near).into_iter().flat_map(|n| n.masked).collect();
            if !masked.is_empty() {
                masked.sort_unstable();
                masked.dedup();
                s = star_at(&s, &masked);
            }
        }
        if may_hold_email(&s) {
            s = replace_all(&s, &EMAIL, Kind::Email);
        }
        for re in &self.custom {
            s = replace_all(&s, re, Kind::Custom);
        }
        // Last: whatever the passes above left, no 7 digits in a row.
        mask_long_runs(&s)
    }

    fn mask_call(&self, call: &mut CallResult, secrets: &Secrets) {
        call.call_id = self.mask_text(&call.call_id, secrets);
        // Masked whole, then cut: an excerpt cut inside a number (`13812345…`) is masked as the
        // number it was cut from.
        let texts: Vec<String> = call.turns.iter().map(|t| self.mask_text(&t.text, secrets)).collect();
        for f in &mut call.findings {
            let raw = std::mem::take(&mut f.excerpt);
            let from_turn = call.turns.get(f.turn).is_some_and(|t| excerpt(&t.text, f.span[0], f.span[1]) == raw);
            f.excerpt = match texts.get(f.turn) {
                Some(text) if from_turn => excerpt(text, f.span[0], f.span[1]),
                _ => self.mask_text(&raw, secrets),
            };
            // A message quotes the excerpt (`价格不对：{excerpt}`): the masked one.
            let message = if raw.is_empty() { f.message.clone() } else { f.message.replace(&raw, &f.excerpt) };
            f.message = self.mask_text(&message, secrets);
        }
        for (t, text) in call.turns.iter_mut().zip(texts) {
            t.text = text;
            t.speaker = self.mask_text(&t.speaker, secrets);
        }
        for r in &mut call.roles {
            r.speaker = self.mask_text(&r.speaker, secrets);
            for e in &mut r.evidence {
                *e = self.mask_text(e, secrets);
            }
        }
        if let Some(w) = &call.role_warning {
            call.role_warning = Some(self.mask_text(w, secrets));
        }
        for v in call.meta.values_mut() {
            *v = self.mask_text(v, secrets);
        }
    }

    /// Masks one call in place: its id, turn texts and speakers, finding excerpts (cut again
    /// from the masked turn) and messages, metadata values. Masks keep every text's length, so
    /// spans still point at the same characters.
    pub fn call(&self, call: &mut CallResult) {
        let secrets = Secrets::of(call);
        call.source = self.source(&call.source);
        self.mask_call(call, &secrets);
    }

    /// Masks an input error: the input it quotes (each quote cut to [`QUOTE_CHARS`] characters,
    /// the whole message to [`MESSAGE_CHARS`]) and the source's path.
    pub fn error(&self, error: &mut InputError) {
        error.message = self.text(&clip_message(&error.message), &[]);
        error.source = self.source(&error.source);
    }

    /// Masks a message that may quote input (an error): cut short as [`Redactor::error`] cuts
    /// it, then masked.
    pub fn message(&self, message: &str) -> String {
        self.text(&clip_message(message), &[])
    }

    /// Masks the path of a source (`path`, `path:line` or `path:line:column`), keeping the line
    /// and column: a file named after a phone number is personal data, a line number is not.
    pub fn source(&self, source: &str) -> String {
        let (path, _, _) = super::source_key(source);
        let masked = self.text(path, &[]);
        if masked == path { source.to_string() } else { format!("{masked}{}", &source[path.len()..]) }
    }

    /// Masks every call of a batch and every input error. The aggregate is left alone: it is
    /// computed from masked calls (see [`super::Results::new`]), so that a run in shards and
    /// their merge agree byte for byte.
    pub fn results(&self, results: &mut Results) {
        for c in &mut results.calls {
            self.call(c);
        }
        for e in &mut results.errors {
            self.error(e);
        }
    }
}

/// Longest quote of the input an error message keeps, in characters.
pub const QUOTE_CHARS: usize = 40;
/// Longest error message kept, in characters.
pub const MESSAGE_CHARS: usize = 300;

/// `message` with every quoted part (between backticks, straight or corner quotes) cut to
/// [`QUOTE_CHARS`] characters and the whole cut to [`MESSAGE_CHARS`]: an error names what was
/// wrong, it does not echo the input.
fn clip_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MESSAGE_CHARS * 4));
    let mut quote: Option<(char, usize)> = None;
    let mut total = 0;
    for c in message.chars() {
        if total >= MESSAGE_CHARS {
            out.push('…');
            break;
        }
        match quote {
            Some((close, _)) if c == close => {
                quote = None;
            }
            Some((close, n)) => {
                quote = Some((close, n + 1));
                if n + 1 > QUOTE_CHARS {
                    if n == QUOTE_CHARS {
                        out.push('…');
                        total += 1;
                    }
                    continue;
                }
            }
            None => {
                quote = match c {
                    '`' => Some(('`', 0)),
                    '"' => Some(('"', 0)),
                    '「' => Some(('」', 0)),
                    '“' => Some(('”', 0)),
                    _ => None,
                };
            }
        }
        out.push(c);
        total += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_shorter_than_the_fast_path_bound_are_never_masked() {
        // `may_hold_number` skips texts with fewer digits than MIN_NUMBER_DIGITS: no kind may be
        // that short, and a text just long enough is still scanned.
        for n in 1..MIN_NUMBER_DIGITS {
            for lead in ["0", "1", "13", "6"] {
                let digits: String = lead.chars().chain(std::iter::repeat('8')).take(n).collect();
                assert_eq!(classify(&digits).map(|k| k.0), None, "{digits}");
                assert!(
                    find_numbers(&format!("验证码{digits}"), Near { code: true, qq: false }).is_empty(),
                    "{digits}"
                );
            }
        }
        assert!(may_hold_number("验证码是幺二三四五六"));
        assert_eq!(find_numbers("验证码是幺二三四五六", Near { code: true, qq: false }).len(), 1);
        assert!(!may_hold_number("共计二三四五个"));
    }

    #[test]
    fn an_excerpt_cut_inside_an_id_masks_the_part_shown() {
        let r = Redactor::new(&[]).unwrap();
        let ids = vec!["zhangqian2024".to_string()];
        let cut = r.text("好的，我的微信号是zhangqian…", &ids);
        assert!(!cut.contains("zhangqian"), "{cut}");
        assert_eq!(cut.chars().count(), "好的，我的微信号是zhangqian…".chars().count());
        assert!(cut.ends_with('…'));
        // A word that merely starts like an id elsewhere is left alone.
        assert_eq!(r.text("我是张先生…", &ids), "我是张先生…");
    }

    fn r(s: &str) -> String {
        Redactor::default().text(s, &[])
    }

    #[test]
    fn masks_keep_length_and_a_readable_hint() {
        assert_eq!(r("就发这个手机吧，13800138000，短信发我"), "就发这个手机吧，138****8000，短信发我");
        assert_eq!(r("座机010-12345678"), "座机010-****5678");
        assert_eq!(r("身份证110101199003071234"), "身份证110101**********34");
        assert_eq!(r("卡号6222 0212 3456 7890"), "卡号**** **** **** 7890");
        assert_eq!(r("邮箱 zhang.q@example.com"), "邮箱 z******@example.com");
        for s in ["13800138000", "110101199003071234", "zhang.q@example.com"] {
            assert_eq!(r(s).chars().count(), s.chars().count());
        }
    }

    #[test]
    fn contact_ids_are_masked_where_the_customer_gave_them() {
        let red = Redactor::default();
        let ids = vec!["qz-zhang".to_string(), "zhangq_2024".to_string()];
        assert_eq!(red.text("好的，qz-zhang已记下", &ids), "好的，qz-*****已记下");
        assert_eq!(red.text("zhangq_2024", &ids), "zh*********");
    }

    #[test]
    fn ordinary_numbers_and_words_stay() {
        for s in ["首月半价59元，30GB流量，500分钟", "满意度96%，50万人次", "24小时内响应", "发我WeChat"]
        {
            assert_eq!(r(s), s);
        }
    }

    #[test]
    fn spoken_numbers_are_masked_like_their_ascii_twins() {
        // The mobile of fixtures/dev/asr_noisy_contact_ab.txt, as ASR split it and in one piece.
        assert_eq!(r("就手机吧 幺三八 零零幺三八 零零零"), "就手机吧 幺三八 ****八 零零零");
        assert_eq!(r("好的 幺三八零零幺三八零零零 我马上发您"), "好的 幺三八****八零零零 我马上发您");
        // Mixed with ASCII digits, split by commas, ASCII read in groups.
        assert_eq!(r("号码138零零幺三八000"), "号码138****八000");
        assert_eq!(r("幺三八，零零幺三，八零零零"), "幺三八，****，八零零零");
        assert_eq!(r("手机 138 0013 8000 对"), "手机 138 **** 8000 对");
        // 2 is not a mobile prefix: an 11-digit number of no kind keeps its last 4.
        assert_eq!(r("两三八零零幺三八零零零"), "*******八零零零");
        // The other kinds keep the hint of their ASCII twin.
        assert_eq!(r("座机零幺零-幺二三四五六七八"), "座机零幺零-****五六七八");
        assert_eq!(r("座机零幺零 幺二三四五六七八"), "座机零幺零 ****五六七八");
        assert_eq!(r("身份证幺幺零幺零幺幺九九零零三零七幺二三四"), "身份证幺幺零幺零幺**********三四");
        assert_eq!(r("身份证幺幺零幺零幺幺九九零零三零七幺二三X"), "身份证幺幺零幺零幺**********三X");
        assert_eq!(r("卡号六二二二 零二幺二 三四五六 七八九零"), "卡号**** **** **** 七八九零");
        // A number the whole run is not: each group on its own.
        assert_eq!(r("幺三八零零幺三八零零零，两个"), "幺三八****八零零零，两个");
        for s in ["就手机吧 幺三八 零零幺三八 零零零", "身份证幺幺零幺零幺幺九九零零三零七幺二三X", "138 0013 8000"]
        {
            assert_eq!(r(s).chars().count(), s.chars().count(), "{s}");
        }
    }

    #[test]
    fn verification_codes_are_masked_where_a_code_is_named() {
        assert_eq!(r("验证码也要报？行吧，482916。"), "验证码也要报？行吧，******。");
        assert_eq!(r("验证码是四八二九一六"), "验证码是******");
        assert_eq!(r("校验码 四八二 九幺六"), "校验码 *** ***");
        assert_eq!(r("动态码48二九一六"), "动态码******");
        assert_eq!(r("驗證碼是482916"), "驗證碼是******");
        // 8 digits are no code, but too long to show.
        assert_eq!(r("验证码是48291677"), "验证码是****1677");
        // Not near a code word, not 6 digits, or an amount: stays.
        for s in [
            "行吧，482916。",
            "是四八二九一六",
            "验证码是4829",
            "验证码免费，我们有500000人次用户",
            "验证码不收费，¥100000以内",
            "验证码发了，流量100000MB",
        ] {
            assert_eq!(r(s), s);
        }
    }

    fn score(text: &str) -> CallResult {
        let engine = crate::Engine::new(crate::rubric::default_rubric().unwrap(), crate::Options::default());
        engine.score_bytes("call.txt", text.as_bytes()).remove(0).unwrap()
    }

    #[test]
    fn a_code_asked_for_in_the_turn_before_is_masked_throughout_the_call() {
        let mut call = score(
            "坐席：我给您发了验证码短信，您把六位验证码报给我。\n客户：哦，是四八二九一六。\n坐席：好的，四八二九一六，已经提交了。\n",
        );
        Redactor::default().call(&mut call);
        let texts: Vec<&str> = call.turns.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts[1], "哦，是******。");
        assert_eq!(texts[2], "好的，******，已经提交了。");
        for f in &call.findings {
            assert!(!f.excerpt.contains("四八二九一六") && !f.message.contains("四八二九一六"), "{f:?}");
        }
        // Three turns after the code word, a 6-digit number is an ordinary number.
        let mut call = score("坐席：验证码不用给我。\n客户：好。\n坐席：好的。\n客户：我家门牌号是三二零一零五。\n");
        Redactor::default().call(&mut call);
        assert_eq!(call.turns[3].text, "我家门牌号是三二零一零五。");
    }

    #[test]
    fn ordinary_spoken_numbers_stay() {
        for s in [
            "首月半价 最低只要五十九块 不绑定长期合约",
            "每月可享三十个G不限速流量 再加五百分钟国内通话",
            "满意度百分之九十六，五十万人次",
            "二零二四年十月十五日，两分钟",
            "一二三四五六，说完了",
            "首月半价59元，30GB流量，500分钟，满意度96%，2024-10-15",
            "一两个月，三五天，七八十块",
        ] {
            assert_eq!(r(s), s);
        }
    }

    #[test]
    fn ids_spelled_letter_by_letter_are_contact_ids() {
        let found: Vec<&str> = SPOKEN_ID.find_iter("威信啊 就是 z q 杠 zhang").map(|m| m.as_str()).collect();
        assert_eq!(found, ["z q 杠 zhang"]);
        assert_eq!(SPOKEN_ID.find("行吧 微信号是 q z 杠 zhang").map(|m| m.as_str()), Some("q z 杠 zhang"));
        assert_eq!(mask("q z 杠 zhang", Kind::ContactId), "q z * *****");
        assert_eq!(mask("qz-zhang", Kind::ContactId), "qz-*****");
        assert_eq!(SPOKEN_ID.find("发我WeChat 点一下"), None);
    }

    #[test]
    fn the_rubric_adds_patterns_to_the_command_line() {
        let text = format!("{}\n[redact]\nregex = [\"工号\\\\d{{4,}}\"]\n", crate::rubric::DEFAULT_RUBRIC);
        let rubric = crate::rubric::from_str_with(
            crate::rubric::DEFAULT_RUBRIC_PATH,
            &text,
            crate::rubric::load::Includes::Embedded(crate::rubric::EMBEDDED_INCLUDES),
        )
        .unwrap();
        let red = Redactor::with_rubric(&["订单[0-9]+".to_string()], &rubric).unwrap();
        assert_eq!(red.text("我的工号8848，订单123", &[]), "我的******，*****");
        let plain = Redactor::with_rubric(&[], &crate::rubric::default_rubric().unwrap()).unwrap();
        assert_eq!(plain.text("我的工号8848", &[]), "我的工号8848");
        assert!(Redactor::with_rubric(&["(".to_string()], &rubric).is_err());
    }

    #[test]
    fn custom_patterns_mask_everything() {
        let red = Redactor::new(&["工号\\d+".to_string()]).unwrap();
        assert_eq!(red.text("我的工号8848", &[]), "我的******");
    }

    #[test]
    fn phone_numbers_in_every_written_form_are_masked() {
        let cases = [
            ("+8613812345671", "+86138****5671"),
            ("008613812345672", "008613*****5672"),
            ("86-138-1234-5673", "86-138-****-5673"),
            ("138.1234.5678", "138.****.5678"),
            ("(138)12345678", "(138)****5678"),
            ("１３８１２３４５６７８", "１３８****５６７８"),
            ("幺三八杠幺二三四杠五六七八", "幺三八杠****杠五六七八"),
            ("(010) 87654321", "(010) ****4321"),
            ("座机０１０－８７６５４３２１", "座机０１０－****４３２１"),
        ];
        for (raw, masked) in cases {
            assert_eq!(r(raw), masked, "{raw}");
            assert_eq!(r(raw).chars().count(), raw.chars().count(), "{raw}");
        }
    }

    #[test]
    fn old_id_numbers_qq_numbers_and_emails_in_every_form_are_masked() {
        assert_eq!(r("身份证号110101900307123"), "身份证号110101*******23");
        assert_eq!(r("我QQ是12345，加我"), "我QQ是*****，加我");
        assert_eq!(r("扣扣号幺二三四五六"), "扣扣号******");
        assert_eq!(r("邮箱zhang.q＠example.com"), "邮箱z******＠example.com");
        assert_eq!(r("邮箱是 zhangq 艾特 qq 点 com"), "邮箱是 z***** 艾特 qq 点 com");
        assert_eq!(r("z h a n g艾特163点com"), "z * * * *艾特163点com");
        // A 5-digit number with no QQ word near is an ordinary number.
        assert_eq!(r("编号12345"), "编号12345");
    }

    #[test]
    fn any_other_long_number_keeps_only_its_last_four_digits() {
        assert_eq!(r("订单号1234567"), "订单号***4567");
        assert_eq!(r("客服热线四零零八二零八八二零"), "客服热线******八八二零");
        // Side by side, the digits a mobile's mask keeps would join the next number's: 7 in a row
        // never show.
        assert_eq!(r("13800138000，12345678"), "138********，****5678");
        // Amounts with a unit and dates stay.
        for s in ["一共1234567元", "流量12345678GB", "通话1234567 分钟", "增长1234567%", "2024-10-15 10:30", "¥1234567"]
        {
            assert_eq!(r(s), s);
        }
    }

    #[test]
    fn a_finding_excerpt_cut_inside_a_number_is_masked_as_the_whole_number() {
        let mut call = score("坐席：您好。\n客户：我的号码是13812345678。\n");
        let long = format!("{}13812345678后面还有", "啊".repeat(52));
        call.turns[1].text = long.clone();
        call.findings.push(crate::eval::result::Finding {
            code: "X1".into(),
            criterion: "privacy".into(),
            severity: crate::rubric::model::Severity::Minor,
            turn: 1,
            span: [0, long.chars().count()],
            excerpt: excerpt(&long, 0, long.chars().count()),
            message: format!("quoted: {}", excerpt(&long, 0, long.chars().count())),
            rule: "x".into(),
            help: None,
            at_s: None,
        });
        Redactor::default().call(&mut call);
        let f = call.findings.last().unwrap();
        assert!(f.excerpt.ends_with("138****5…"), "{}", f.excerpt);
        assert!(!f.message.contains("13812345"), "{}", f.message);
    }

    #[test]
    fn ids_speakers_meta_sources_and_errors_are_masked() {
        let mut call = score("坐席：您好。\n客户：好的。\n");
        call.call_id = "call-13812345678".into();
        call.source = "calls/13812345678.txt:3".into();
        call.turns[1].speaker = "客户13812345678".into();
        call.roles[0].speaker = "客户13812345678".into();
        call.meta.insert("phone".into(), "13812345678".into());
        Redactor::default().call(&mut call);
        assert_eq!(call.call_id, "call-138****5678");
        assert_eq!(call.source, "calls/138****5678.txt:3");
        assert_eq!(call.turns[1].speaker, "客户138****5678");
        assert_eq!(call.roles[0].speaker, "客户138****5678");
        assert_eq!(call.meta["phone"], "138****5678");
        let mut e = InputError::at("a.jsonl", 1234567, 1, format!("unknown speaker `{}13812345678`", "x".repeat(80)));
        Redactor::default().error(&mut e);
        assert_eq!(e.source, "a.jsonl:1234567:1", "line numbers stay");
        assert!(!e.message.contains("13812345678") && e.message.chars().count() < 80, "{}", e.message);
    }

    #[test]
    fn error_messages_quote_at_most_a_short_excerpt() {
        let long = "字".repeat(500);
        let clipped = clip_message(&format!("bad value `{long}` and \"{long}\""));
        assert_eq!(clipped.chars().filter(|&c| c == '字').count(), 2 * QUOTE_CHARS);
        assert!(clipped.contains('`') && clipped.ends_with('"'));
        assert!(clip_message(&"x".repeat(1000)).chars().count() <= MESSAGE_CHARS + 1);
    }
}
