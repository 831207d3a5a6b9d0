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
    /// Keep the first character and the domain.
    Email,
    /// Keep the first 2 characters (and a separator right after them).
    ContactId,
    /// A verification code: mask every digit.
    Code,
    /// A rubric or command-line pattern: mask everything.
    Custom,
}

/// Built-in patterns, most specific first. Digit runs are bounded so a mobile number inside a
/// longer digit run (a card number) is not matched as a mobile.
static BUILTIN: LazyLock<Vec<(Regex, Kind)>> = LazyLock::new(|| {
    [
        (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", Kind::Email),
        (r"(^|[^0-9])([1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])[0-9]{2}[0-9]{3}[0-9Xx])($|[^0-9])", Kind::IdCard),
        (r"(^|[^0-9])([0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}([ -]?[0-9]{1,3})?)($|[^0-9])", Kind::BankCard),
        (r"(^|[^0-9])(1[3-9][0-9]{9})($|[^0-9])", Kind::Mobile),
        (r"(^|[^0-9])(0[0-9]{2,3}-?[0-9]{7,8})($|[^0-9])", Kind::Landline),
    ]
    .into_iter()
    .map(|(p, k)| (Regex::new(p).expect("built-in pattern compiles"), k))
    .collect()
});

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

/// A whole ID card number as ASCII digits (the twin of a spoken one).
static ID_CARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])[0-9]{2}[0-9]{3}[0-9Xx]$").expect("compiles")
});

/// The value of a digit character: ASCII, or Chinese as ASR writes numbers read out digit by
/// digit (幺 is 1 and 两 is 2, as in phone numbers).
fn digit_value(c: char) -> Option<char> {
    Some(match c {
        '0'..='9' => c,
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

/// Characters that may split a number into groups (ASR pauses, people reading in groups).
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{3000}' | ',' | '，' | '、' | '-')
}

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
    ) || c.is_ascii_alphabetic()
}

/// A number in a text: digit characters (ASCII or Chinese), possibly split into groups.
#[derive(Debug)]
struct DigitRun {
    /// The digits as ASCII (an ID card's final `X` kept), separators dropped.
    digits: Vec<char>,
    /// Byte offset in the text of each digit, parallel to `digits`.
    at: Vec<usize>,
    /// Index into `digits` where each group starts (the first is 0).
    groups: Vec<usize>,
    /// Whether a Chinese digit or a separator occurs: otherwise the built-in patterns see it.
    spoken: bool,
    /// Whether it follows a currency sign (an amount).
    after_currency: bool,
    /// Whether a unit follows it (an amount, a duration …).
    before_unit: bool,
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
            spoken: false,
            after_currency: i > 0 && matches!(chars[i - 1].1, '¥' | '￥' | '$'),
            before_unit: false,
        };
        let mut j = i;
        loop {
            while let Some(&(at, c)) = chars.get(j) {
                let Some(d) = digit_value(c) else { break };
                run.spoken |= !c.is_ascii_digit();
                run.digits.push(d);
                run.at.push(at);
                j += 1;
            }
            let mut k = j;
            while k < chars.len() && k - j < 2 && is_separator(chars[k].1) {
                k += 1;
            }
            if k > j && chars.get(k).is_some_and(|&(_, c)| digit_value(c).is_some()) {
                run.spoken = true;
                run.groups.push(run.digits.len());
                j = k;
            } else {
                break;
            }
        }
        // An ID card number ends in X.
        if run.digits.len() == 17
            && chars.get(j).is_some_and(|&(_, c)| matches!(c, 'X' | 'x'))
            && !chars.get(j + 1).is_some_and(|&(_, c)| c.is_ascii_alphanumeric())
        {
            run.digits.push('X');
            run.at.push(chars[j].0);
            j += 1;
        }
        run.before_unit = chars.get(j).is_some_and(|&(_, c)| is_unit_start(c));
        runs.push(run);
        i = j;
    }
    runs
}

/// The kind of a whole number given as ASCII digits, by the rules of the built-in patterns.
fn classify(digits: &str) -> Option<Kind> {
    let n = digits.len();
    let all_digits = digits.bytes().all(|b| b.is_ascii_digit());
    if ID_CARD.is_match(digits) {
        Some(Kind::IdCard)
    } else if !all_digits {
        None
    } else if (16..=19).contains(&n) {
        Some(Kind::BankCard)
    } else if n == 11 && digits.starts_with('1') && matches!(digits.as_bytes()[1], b'3'..=b'9') {
        Some(Kind::Mobile)
    } else if (10..=12).contains(&n) && digits.starts_with('0') {
        Some(Kind::Landline)
    } else {
        None
    }
}

/// Digits kept at the front and the back of a number of `kind`; `first_group` is the number of
/// digits before the first separator (a landline's area code, like the part before `-`).
fn kept_digits(kind: Kind, first_group: usize) -> (usize, usize) {
    match kind {
        Kind::Mobile => (3, 4),
        Kind::Landline => (if (3..=4).contains(&first_group) { first_group } else { 4 }, 4),
        Kind::IdCard => (6, 2),
        Kind::BankCard => (0, 4),
        _ => (0, 0),
    }
}

/// Fewest digits of anything [`find_numbers`] reports: a 6-digit code (phones, ids and cards
/// are longer).
const MIN_NUMBER_DIGITS: usize = 6;

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

/// The numbers of `text` to mask: spoken or grouped numbers of the built-in kinds and, when
/// `codes` (a code word is near), 6-digit verification codes in any form. Plain ASCII numbers of
/// the built-in kinds are left to the built-in patterns.
fn find_numbers(text: &str, codes: bool) -> Vec<FoundNumber> {
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
        for (k, &(s, e, first_group)) in parts.iter().enumerate() {
            let digits: String = run.digits[s..e].iter().collect();
            let amount = (s == 0 && run.after_currency) || (e == n && run.before_unit);
            let is_code = codes && !amount && digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit());
            let kind = match classify(&digits) {
                Some(kind) if run.spoken => Some(kind),
                None if is_code => Some(Kind::Code),
                _ => None,
            };
            let Some(kind) = kind else { continue };
            let (front, back) = kept_digits(kind, first_group);
            let len = e - s;
            let masked = (0..len).filter(|&d| d >= front && d + back < len).map(|d| run.at[s + d]).collect();
            let end = run.at[e - 1] + text[run.at[e - 1]..].chars().next().map_or(1, char::len_utf8);
            found.push(FoundNumber { kind, range: run.at[s]..end, masked });
            if k == 0 {
                break;
            }
        }
    }
    found
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

    fn extend(&mut self, other: Secrets) {
        for id in &other.ids {
            Self::add(&mut self.ids, id);
        }
        for code in &other.codes {
            Self::add(&mut self.codes, code);
        }
        self.sort();
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
            let near_code_word = call.turns[i.saturating_sub(2)..=i].iter().any(|t| CODE_WORD.is_match(&t.text));
            if near_code_word {
                for n in find_numbers(&t.text, true).into_iter().filter(|n| n.kind == Kind::Code) {
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
    let digits_kept = |keep_front: usize, keep_back: usize| -> String {
        chars
            .iter()
            .enumerate()
            .map(|(i, &c)| if i < keep_front || i + keep_back >= n || !c.is_ascii_alphanumeric() { c } else { '*' })
            .collect()
    };
    match kind {
        Kind::Mobile => digits_kept(3, 4),
        Kind::Landline => {
            let area = s.find('-').map_or(4.min(n), |i| s[..i].chars().count() + 1);
            digits_kept(area, 4)
        }
        Kind::IdCard => digits_kept(6, 2),
        Kind::BankCard => digits_kept(0, 4),
        Kind::Email => {
            let at = chars.iter().position(|&c| c == '@').unwrap_or(n);
            chars.iter().enumerate().map(|(i, &c)| if i == 0 || i >= at { c } else { '*' }).collect()
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
            let mut masked: Vec<usize> =
                find_numbers(&s, CODE_WORD.is_match(&s)).into_iter().flat_map(|n| n.masked).collect();
            if !masked.is_empty() {
                masked.sort_unstable();
                s = star_at(&s, &masked);
            }
        }
        // Every built-in pattern needs an ASCII digit, or an `@` for e-mail: most turns have
        // neither, and skip the regexes.
        let (digit, at) = (s.bytes().any(|b| b.is_ascii_digit()), s.contains('@'));
        for (re, kind) in BUILTIN.iter() {
            if (*kind == Kind::Email && at) || (*kind != Kind::Email && digit) {
                s = replace_all(&s, re, *kind);
            }
        }
        for re in &self.custom {
            s = replace_all(&s, re, Kind::Custom);
        }
        s
    }

    fn mask_call(&self, call: &mut CallResult, secrets: &Secrets) {
        for t in &mut call.turns {
            t.text = self.mask_text(&t.text, secrets);
        }
        for f in &mut call.findings {
            f.excerpt = self.mask_text(&f.excerpt, secrets);
            f.message = self.mask_text(&f.message, secrets);
        }
        for v in call.meta.values_mut() {
            *v = self.mask_text(v, secrets);
        }
    }

    /// Masks one call in place: turn texts, finding excerpts and messages, metadata values.
    pub fn call(&self, call: &mut CallResult) {
        let secrets = Secrets::of(call);
        self.mask_call(call, &secrets);
    }

    /// Masks every call of a batch, and the aggregate's texts (worst calls' messages, unmatched
    /// questions) with what any call told.
    pub fn results(&self, results: &mut Results) {
        let mut all = Secrets::default();
        for c in &mut results.calls {
            let secrets = Secrets::of(c);
            self.mask_call(c, &secrets);
            all.extend(secrets);
        }
        let strip = |s: &str| self.mask_text(s, &all);
        for w in &mut results.aggregate.worst {
            w.top_message = w.top_message.as_deref().map(strip);
        }
        for q in &mut results.aggregate.unmatched_questions {
            q.text = strip(&q.text);
        }
        for g in &mut results.aggregate.groups {
            for w in &mut g.aggregate.worst {
                w.top_message = w.top_message.as_deref().map(strip);
            }
        }
    }
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
                assert_eq!(classify(&digits), None, "{digits}");
                assert!(find_numbers(&format!("验证码{digits}"), true).is_empty(), "{digits}");
            }
        }
        assert!(may_hold_number("验证码是幺二三四五六"));
        assert_eq!(find_numbers("验证码是幺二三四五六", true).len(), 1);
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
        assert_eq!(r("两三八零零幺三八零零零"), "两三八零零幺三八零零零", "2 is not a mobile prefix");
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
        // Not near a code word, not 6 digits, or an amount: stays.
        for s in [
            "行吧，482916。",
            "是四八二九一六",
            "验证码是4829",
            "验证码是48291677",
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
            "客服热线四零零八二零八八二零",
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
}
