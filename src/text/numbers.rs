//! Numbers: Chinese numerals → digits during normalization, and numeric claims (value + unit)
//! extracted from normalized text.
//!
//! Conversion is deliberately conservative: a numeral run is only rewritten when it is clearly a
//! quantity, because words like 一定 一直 统一 第一 十分 万一 千万 contain numerals too.

use super::normalize::{Normalized, normalize};
use serde::Serialize;

/// A number stated in a turn, with its canonical unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberClaim {
    /// The value, with 万/亿 multipliers applied (`50万人次` → 500000).
    pub value: f64,
    /// Canonical unit from [`canonical_unit`]; empty when no known unit follows.
    pub unit: String,
    /// Normalized character offset of the first digit.
    pub start: usize,
    /// Normalized character offset after the number and its unit.
    pub end: usize,
}

/// Maps a raw unit as written (in a transcript or a rubric fact) to its canonical form.
///
/// 块/块钱/元/rmb → `元`; g/gb/个g → `GB`; m/mb/兆 → `MB`; 分钟; 小时/个小时 → `小时`; 天;
/// 个月/月 → `月`; 年; %/百分之 → `%`; 人次; 人; 折; 倍; 岁; 秒. Anything else → empty.
/// Width and case are folded first, so `ＧＢ` and `Gb` work too.
pub fn canonical_unit(raw: &str) -> String {
    let n = normalize(raw.trim());
    canonical_normalized(&n.text).to_string()
}

/// [`canonical_unit`] for text that is already normalized (no allocation).
fn canonical_normalized(u: &str) -> &'static str {
    match u {
        // 快 is ASR's homophone of 块 (五十九快), taken as a unit only at a clause end.
        "块" | "块钱" | "快" | "快钱" | "元" | "rmb" | "¥" | "人民币" => "元",
        "g" | "gb" | "个g" | "个gb" => "GB",
        "m" | "mb" | "兆" | "个m" | "个mb" => "MB",
        "分钟" | "min" => "分钟",
        "小时" | "个小时" => "小时",
        "天" => "天",
        "个月" | "月" => "月",
        "年" => "年",
        "%" | "百分之" => "%",
        "人次" => "人次",
        "人" => "人",
        "折" => "折",
        "倍" => "倍",
        "岁" => "岁",
        "秒" => "秒",
        _ => "",
    }
}

/// Units recognized after a number when extracting claims, longest first.
const CLAIM_UNITS: &[&str] = &[
    "个小时",
    "块钱",
    "个gb",
    "个mb",
    "个月",
    "人民币",
    "个g",
    "个m",
    "分钟",
    "小时",
    "人次",
    "rmb",
    "gb",
    "mb",
    "块",
    "快钱",
    "快",
    "元",
    "g",
    "m",
    "兆",
    "天",
    "月",
    "年",
    "%",
    "人",
    "折",
    "倍",
    "岁",
    "秒",
];

/// Extracts the numeric claims of a normalized text.
///
/// Digits (with optional `,` thousands groups and decimal part), an optional 百/千 and 万/亿
/// multiplier, then an optional unit (one space allowed before it). Not claims: digits inside an
/// ASCII word or id (`qz-zhang2024`, `v2`), runs of ≥7 digits or digit groups joined by spaces
/// or hyphens totalling ≥7 digits (phone numbers, dates), times (`10:30`), versions (`1.2.3`),
/// ordinals (`第2个月`), and network generations (`4g`, `5g`). In a range (`25-45岁`,
/// `3到5天`) the first number inherits the unit of the second.
pub fn extract_numbers(norm: &Normalized) -> Vec<NumberClaim> {
    let c = &norm.chars;
    let n = c.len();
    let mut out: Vec<NumberClaim> = Vec::new();
    let digit = |k: usize| c.get(k).is_some_and(|x| x.is_ascii_digit());
    let mut i = 0;
    while i < n {
        if !c[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let prev = if i > 0 { Some(c[i - 1]) } else { None };
        let skip_to = alnum_run_end(c, i);
        // Digits glued to letters or id punctuation are part of an identifier.
        let id_dash = prev == Some('-') && i >= 2 && c[i - 2].is_ascii_alphabetic();
        if id_dash
            || prev.is_some_and(|p| {
                p.is_ascii_alphabetic() || matches!(p, '_' | '@' | '#' | '/' | '\\' | '.' | '第' | ':')
            })
        {
            i = skip_to;
            continue;
        }
        // Integer part, with thousands groups.
        let mut j = i;
        while digit(j) {
            j += 1;
        }
        let mut longest_run = j - i;
        let mut text: String = c[i..j].iter().collect();
        while j < n && c[j] == ',' && (1..=3).all(|k| digit(j + k)) && !digit(j + 4) {
            text.extend(&c[j + 1..j + 4]);
            j += 4;
        }
        // Decimal part; a second dot makes it a version number.
        if j + 1 < n && c[j] == '.' && digit(j + 1) {
            let f = j + 1;
            let mut k = f;
            while digit(k) {
                k += 1;
            }
            longest_run = longest_run.max(k - f);
            if k + 1 < n && c[k] == '.' && digit(k + 1) {
                i = skip_to;
                continue;
            }
            text.push('.');
            text.extend(&c[f..k]);
            j = k;
        }
        if longest_run >= 7 {
            i = skip_to;
            continue;
        }
        // Times (10:30) are not quantities.
        if j + 1 < n && c[j] == ':' && digit(j + 1) {
            i = skip_to;
            continue;
        }
        // Phone numbers and dates read in groups: 138 1234 5678, 2024-01-05.
        let chain_end = digit_chain_end(c, i, j);
        if let Some(end) = chain_end {
            i = end;
            continue;
        }
        let Ok(mut value) = text.parse::<f64>() else {
            i = skip_to;
            continue;
        };
        // Multipliers: 5千, 50万, 1.2亿, 5千万.
        let mut k = j;
        let mut mult = 1.0;
        if let Some(&m) = c.get(k)
            && matches!(m, '百' | '千')
        {
            mult *= if m == '百' { 100.0 } else { 1000.0 };
            k += 1;
        }
        if let Some(&m) = c.get(k)
            && matches!(m, '万' | '亿')
        {
            mult *= if m == '万' { 1e4 } else { 1e8 };
            k += 1;
        }
        value *= mult;
        // Unit, possibly after one space.
        let unit_at = if c.get(k) == Some(&' ') { k + 1 } else { k };
        let unit = match_unit(c, unit_at, CLAIM_UNITS);
        if unit.is_none() && k == j && c.get(k).is_some_and(|x| x.is_ascii_alphabetic()) {
            // 2024abc: an identifier, not a number.
            i = skip_to;
            continue;
        }
        let (unit_str, end) = match unit {
            Some(u) => (canonical_normalized(u), unit_at + u.chars().count()),
            None => ("", k),
        };
        // 4G/5G is a network generation, not a data amount.
        if unit == Some("g") && mult == 1.0 && (2.0..=5.0).contains(&value) && value.fract() == 0.0 {
            i = end;
            continue;
        }
        // 这两块 / 哪几块 / 每一块: 块 as a classifier after a demonstrative is not money.
        if unit == Some("块") && i > 0 && matches!(c[i - 1], '这' | '那' | '哪' | '每') {
            i = end;
            continue;
        }
        out.push(NumberClaim { value, unit: unit_str.to_string(), start: i, end });
        i = end.max(i + 1);
    }
    inherit_range_units(c, &mut out);
    out
}

/// End of the run of ASCII alphanumerics (and id punctuation) starting at `i`, so a rejected
/// number skips its whole identifier.
fn alnum_run_end(c: &[char], i: usize) -> usize {
    let mut k = i;
    while k < c.len() && (c[k].is_ascii_alphanumeric() || matches!(c[k], '_' | '.' | ',' | ':' | '@' | '-')) {
        k += 1;
    }
    k.max(i + 1)
}

/// When digit groups joined by single spaces or hyphens (starting with the group `[i, j)`)
/// total ≥7 digits, returns the end of the whole chain (it is a phone number or a date).
fn digit_chain_end(c: &[char], i: usize, j: usize) -> Option<usize> {
    let mut total = c[i..j].iter().filter(|x| x.is_ascii_digit()).count();
    let mut end = j;
    let mut groups = 1;
    while end + 1 < c.len() && matches!(c[end], ' ' | '-') && c[end + 1].is_ascii_digit() {
        let mut k = end + 1;
        while k < c.len() && c[k].is_ascii_digit() {
            k += 1;
        }
        total += k - end - 1;
        groups += 1;
        end = k;
    }
    (groups > 1 && total >= 7).then_some(end)
}

/// In `25-45岁` / `3到5天` the first number takes the second's unit.
fn inherit_range_units(c: &[char], claims: &mut [NumberClaim]) {
    for k in 1..claims.len() {
        let (a, b) = (&claims[k - 1], &claims[k]);
        if a.unit.is_empty()
            && !b.unit.is_empty()
            && b.start == a.end + 1
            && let Some(&j) = c.get(a.end)
            && matches!(j, '-' | '~' | '到' | '至')
        {
            let unit = b.unit.clone();
            claims[k - 1].unit = unit;
        }
    }
}

/// Longest unit of `units` (sorted longest first) at `at`; an ASCII unit must not run on into
/// more ASCII letters or digits (`5gb` yes, `5game` no).
fn match_unit(c: &[char], at: usize, units: &[&'static str]) -> Option<&'static str> {
    for &u in units {
        let mut k = at;
        let mut ok = true;
        for uc in u.chars() {
            if c.get(k) != Some(&uc) {
                ok = false;
                break;
            }
            k += 1;
        }
        if !ok {
            continue;
        }
        // 快 (ASR for 块) only where nothing follows in the clause: 三十快了 is "almost thirty".
        if u == "快" && c.get(k).is_some_and(|&x| !(x.is_whitespace() || crate::text::normalize::is_space_or_punct(x)))
        {
            continue;
        }
        let ascii_tail = u.chars().last().is_some_and(|x| x.is_ascii_alphanumeric());
        if ascii_tail && c.get(k).is_some_and(|x| x.is_ascii_alphanumeric()) {
            continue;
        }
        return Some(u);
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Chinese numerals → digits (normalization step 5).

/// Value of a digit-word (零〇 一幺 二两 三 … 九).
fn digit_value(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '幺' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// Value of a magnitude word (十 百 千 万 亿).
fn mag_value(c: char) -> Option<u64> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        '万' => 10_000,
        '亿' => 100_000_000,
        _ => return None,
    })
}

/// True for Chinese numeral characters (digit-words and magnitudes).
pub(crate) fn is_numeral(c: char) -> bool {
    digit_value(c).is_some() || mag_value(c).is_some()
}

/// Units after a Chinese numeral run, longest first, with whether they are strong (a true
/// measure: converts even a lone digit-word) or a classifier (converts only runs with 十/百/千).
const NUMERAL_UNITS: &[(&str, bool)] = &[
    ("个小时", true),
    ("个星期", true),
    ("块钱", true),
    ("个gb", true),
    ("个mb", true),
    ("个月", true),
    ("个g", true),
    ("个m", true),
    ("分钟", true),
    ("小时", true),
    ("人次", true),
    ("星期", true),
    ("gb", true),
    ("mb", true),
    ("块", true),
    ("快钱", true),
    ("快", true),
    ("元", true),
    ("g", true),
    ("m", true),
    ("兆", true),
    ("天", true),
    ("月", true),
    ("年", true),
    ("%", true),
    ("折", true),
    ("倍", true),
    ("岁", true),
    ("秒", true),
    ("周", true),
    ("个", false),
    ("人", false),
    ("次", false),
    ("号", false),
    ("条", false),
    ("张", false),
    ("位", false),
    ("台", false),
    ("部", false),
    ("家", false),
    ("名", false),
    ("户", false),
];

/// The unit right after a numeral run ending at `j`: (text, strong).
fn numeral_unit(c: &[char], j: usize) -> Option<(&'static str, bool)> {
    'units: for &(u, strong) in NUMERAL_UNITS {
        let mut k = j;
        for uc in u.chars() {
            if c.get(k) != Some(&uc) {
                continue 'units;
            }
            k += 1;
        }
        // 快 (ASR for 块) only where nothing follows in the clause: 三十快了 is "almost thirty".
        if u == "快" && c.get(k).is_some_and(|&x| !(x.is_whitespace() || crate::text::normalize::is_space_or_punct(x)))
        {
            continue;
        }
        let ascii_tail = u.chars().last().is_some_and(|x| x.is_ascii_alphanumeric());
        if ascii_tail && c.get(k).is_some_and(|x| x.is_ascii_alphanumeric()) {
            continue;
        }
        return Some((u, strong));
    }
    None
}

/// End of the numeral run starting at `i`; 点 is included once, between a numeral and a
/// digit-word (九十九点九), so 一点 (a bit) and 三点 (o'clock) stay outside.
fn run_end(chars: &[char], i: usize) -> usize {
    let mut k = i;
    let mut point = false;
    while k < chars.len() {
        let c = chars[k];
        if is_numeral(c) {
            k += 1;
        } else if c == '点' && !point && k > i && chars.get(k + 1).is_some_and(|&x| digit_value(x).is_some()) {
            point = true;
            k += 1;
        } else {
            break;
        }
    }
    k
}

fn is_pure(run: &[char]) -> bool {
    run.iter().all(|&x| digit_value(x).is_some())
}

/// Pure digit-word runs separated by single spaces (幺三八 一二三四 五六七八): when there are at
/// least two runs, one of them ≥2 long and ≥3 digit-words in all, returns the group's end.
fn digit_group(chars: &[char], i: usize, j: usize) -> Option<usize> {
    let (mut end, mut total, mut runs, mut longest) = (j, j - i, 1, j - i);
    while chars.get(end) == Some(&' ') && chars.get(end + 1).is_some_and(|&x| digit_value(x).is_some()) {
        let e2 = run_end(chars, end + 1);
        if !is_pure(&chars[end + 1..e2]) {
            break;
        }
        let len = e2 - end - 1;
        total += len;
        longest = longest.max(len);
        runs += 1;
        end = e2;
    }
    (runs >= 2 && total >= 3 && longest >= 2).then_some(end)
}

/// Parses an integer written with magnitudes (五十九, 一百零五, 三万五, 两千三).
/// `allow_leading` accepts a leading 百/千 without a digit (百分之百).
fn parse_int_mag(run: &[char], allow_leading: bool) -> Option<u64> {
    let (mut yi, mut wan, mut section) = (0u64, 0u64, 0u64);
    let mut num: Option<u64> = None;
    let mut last_small = u64::MAX;
    let mut last_mag = 0u64;
    for (idx, &c) in run.iter().enumerate() {
        if let Some(d) = digit_value(c) {
            if num.is_some() {
                return None; // 二三十: a range, not a number
            }
            if d == 0 {
                last_mag = 0; // 一百零五: no elision after 零
                continue;
            }
            num = Some(d);
        } else if let Some(m) = mag_value(c) {
            match m {
                10 | 100 | 1000 => {
                    if m >= last_small {
                        return None;
                    }
                    let k = match num {
                        Some(k) => k,
                        None if m == 10 || (idx == 0 && allow_leading) => 1,
                        None => return None,
                    };
                    section = section.checked_add(k.checked_mul(m)?)?;
                    last_small = m;
                }
                10_000 => {
                    let v = section.checked_add(num.unwrap_or(0))?;
                    if v == 0 || wan != 0 {
                        return None;
                    }
                    wan = v.checked_mul(m)?;
                    section = 0;
                    last_small = u64::MAX;
                }
                _ => {
                    let v = wan.checked_add(section)?.checked_add(num.unwrap_or(0))?;
                    if v == 0 || yi != 0 {
                        return None;
                    }
                    yi = v.checked_mul(m)?;
                    wan = 0;
                    section = 0;
                    last_small = u64::MAX;
                }
            }
            num = None;
            last_mag = m;
        } else {
            return None;
        }
    }
    // Colloquial elision: 一百五 = 150, 三万五 = 35000 (not after 十: 二十五 = 25).
    let tail = match num {
        Some(d) if last_mag >= 100 => d.checked_mul(last_mag / 10)?,
        Some(d) => d,
        None => 0,
    };
    yi.checked_add(wan)?.checked_add(section)?.checked_add(tail)
}

/// Digits of a pure digit-word run.
fn pure_digits(run: &[char]) -> Option<String> {
    run.iter().map(|&c| digit_value(c).and_then(|d| char::from_digit(d as u32, 10))).collect()
}

/// The digit form of a numeral run: `五十万` → `50万`, `九十九点九` → `99.9`.
fn numeral_repr(run: &[char], allow_leading: bool) -> Option<String> {
    // A trailing 万/亿 is kept as a suffix (五十万 → 50万) unless the run has another one.
    let (body, suffix) = match run.split_last() {
        Some((&last, body))
            if matches!(last, '万' | '亿') && !body.is_empty() && !body.iter().any(|&c| matches!(c, '万' | '亿')) =>
        {
            (body, Some(last))
        }
        _ => (run, None),
    };
    let (int, frac) = match body.iter().position(|&c| c == '点') {
        Some(p) => (&body[..p], Some(&body[p + 1..])),
        None => (body, None),
    };
    if int.is_empty() {
        return None;
    }
    let mut s = if int.iter().all(|&c| digit_value(c).is_some()) {
        pure_digits(int)?
    } else {
        parse_int_mag(int, allow_leading)?.to_string()
    };
    if let Some(f) = frac {
        if f.is_empty() {
            return None;
        }
        s.push('.');
        s.push_str(&pure_digits(f)?);
    }
    if let Some(x) = suffix {
        s.push(x);
    }
    Some(s)
}

/// Whether a numeral run (not blocked, not part of a digit group) is a quantity to convert.
fn should_convert(run: &[char], unit: Option<(&'static str, bool)>) -> bool {
    let has_mag = run.iter().any(|&c| mag_value(c).is_some());
    let point = run.iter().position(|&c| c == '点');
    let digit_words = run.iter().filter(|&&c| digit_value(c).is_some()).count();
    if let Some(p) = point {
        return run[..p].iter().any(|&c| mag_value(c).is_some()) || unit.is_some();
    }
    if !has_mag {
        // One digit-word before a true unit (两分钟); two are a range (两三天); three or more
        // are digits read out (二零二四, phone numbers). A lone 一 before 天/块 is an idiom
        // (一天到晚, 一块去) far more often than a quantity.
        return digit_words >= 3
            || (digit_words == 1
                && matches!(unit, Some((u, true)) if !(run[0] == '一' && matches!(u, "天" | "块" | "快"))));
    }
    unit.is_some() || matches!(run.last(), Some('万' | '亿'))
}

/// Pushes `repr` (+ `extra`) onto the output, every char carrying the whole source range
/// `src` (a non-empty slice of the input's ranges).
fn emit(out: &mut Parallel, src: &[(usize, usize)], repr: &str, extra: Option<char>) {
    let range = match (src.first(), src.last()) {
        (Some(a), Some(b)) => (a.0, b.1),
        _ => return,
    };
    for c in repr.chars().chain(extra) {
        out.0.push(c);
        out.1.push(range);
    }
}

/// After 百分之: a numeral run or ASCII digits; returns the digits and the end index.
fn percent_body(chars: &[char], k: usize) -> Option<(String, usize)> {
    let first = *chars.get(k)?;
    if first.is_ascii_digit() {
        let mut e = k;
        while chars.get(e).is_some_and(|x| x.is_ascii_digit() || *x == '.') {
            e += 1;
        }
        let s: String = chars[k..e].iter().collect();
        let s = s.trim_end_matches('.').to_string();
        let e = k + s.chars().count();
        return s.parse::<f64>().is_ok().then_some((s, e));
    }
    if !is_numeral(first) {
        return None;
    }
    let e = run_end(chars, k);
    numeral_repr(&chars[k..e], true).map(|s| (s, e))
}

/// A character vector and its parallel vector of original ranges.
pub(crate) type Parallel = (Vec<char>, Vec<(usize, usize)>);

/// Normalization step 5: rewrites Chinese numerals as digits where they are a quantity.
/// `chars` and `orig` are parallel (a character and its original range).
///
/// Converted: 百分之X → X%; a run with 十/百/千/万 before a unit or classifier (三十个G,
/// 五百分钟, 十五号) or ending in 万/亿 (五十万 → 50万); a single digit-word before a true unit
/// (两分钟); a decimal with a magnitude or a unit (九十九点九, 三点五G); ≥3 digit-words, and
/// space-separated groups of them (幺三八 一二三四 → 1381234). Never converted: runs after 第
/// (ordinals), 几/数 (几十块 is approximate) or an ASCII digit, runs starting with 百/千/万/亿 (千万, 万一), and anything else (一定 统一 十分).
pub(crate) fn convert_numerals(chars: Vec<char>, orig: Vec<(usize, usize)>) -> Parallel {
    let n = chars.len().min(orig.len());
    let ch = |k: usize| chars.get(k).copied();
    // Most texts with numerals have nothing to convert (一下, 一直 …): the output is only
    // created at the first conversion; input before `copied` has been moved to it.
    let mut out: Option<Parallel> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < n {
        let c = chars[i];
        if !is_numeral(c) {
            i += 1;
            continue;
        }
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let mut conversion: Option<(String, Option<char>, usize)> = None;
        let mut next = i + 1;
        if c == '百'
            && ch(i + 1) == Some('分')
            && ch(i + 2) == Some('之')
            && !prev.is_some_and(is_numeral)
            && let Some((repr, end)) = percent_body(&chars[..n], i + 3)
        {
            conversion = Some((repr, Some('%'), end));
        }
        if conversion.is_none() {
            let j = run_end(&chars[..n], i);
            next = j;
            let blocked = (mag_value(c).is_some() && c != '十')
                || prev.is_some_and(|p| matches!(p, '第' | '几' | '数' | '.') || p.is_ascii_digit());
            if !blocked {
                if is_pure(&chars[i..j])
                    && let Some(end) = digit_group(&chars[..n], i, j)
                {
                    let digits: String = chars[i..end]
                        .iter()
                        .filter_map(|&x| digit_value(x).and_then(|d| char::from_digit(d as u32, 10)))
                        .collect();
                    conversion = Some((digits, None, end));
                } else if should_convert(&chars[i..j], numeral_unit(&chars[..n], j))
                    && let Some(r) = numeral_repr(&chars[i..j], false)
                {
                    conversion = Some((r, None, j));
                }
            }
        }
        match conversion {
            Some((repr, extra, end)) => {
                let o = out.get_or_insert_with(|| (Vec::with_capacity(n), Vec::with_capacity(n)));
                o.0.extend_from_slice(&chars[copied..i]);
                o.1.extend_from_slice(&orig[copied..i]);
                emit(o, &orig[i..end], &repr, extra);
                copied = end;
                i = end;
            }
            None => i = next,
        }
    }
    match out {
        Some(mut o) => {
            o.0.extend_from_slice(&chars[copied..n]);
            o.1.extend_from_slice(&orig[copied..n]);
            o
        }
        None => (chars, orig),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(s).text
    }

    fn claims(s: &str) -> Vec<(f64, String, String)> {
        let n = normalize(s);
        extract_numbers(&n).into_iter().map(|c| (c.value, c.unit, n.chars[c.start..c.end].iter().collect())).collect()
    }

    #[test]
    fn converts_quantities() {
        assert_eq!(norm("五十九块"), "59块");
        assert_eq!(norm("三十个G"), "30个g");
        assert_eq!(norm("五百分钟"), "500分钟");
        assert_eq!(norm("五十万"), "50万");
        assert_eq!(norm("五十万人次"), "50万人次");
        assert_eq!(norm("百分之九十六"), "96%");
        assert_eq!(norm("百分之百"), "100%");
        assert_eq!(norm("百分之96"), "96%");
        assert_eq!(norm("两分钟"), "2分钟");
        assert_eq!(norm("二十四小时"), "24小时");
        assert_eq!(norm("九十九点九"), "99.9");
        assert_eq!(norm("百分之九十九点九"), "99.9%");
        assert_eq!(norm("一百零五块"), "105块");
        assert_eq!(norm("一百五十块钱"), "150块钱");
        assert_eq!(norm("三万五千块"), "35000块");
        assert_eq!(norm("一个月"), "1个月");
        assert_eq!(norm("十分钟"), "10分钟");
        assert_eq!(norm("三点五G"), "3.5g");
        assert_eq!(norm("二零二四年"), "2024年");
        assert_eq!(norm("十五号"), "15号");
        assert_eq!(norm("一千万"), "1000万");
        assert_eq!(norm("一块钱"), "1块钱");
    }

    #[test]
    fn converts_digit_sequences() {
        assert_eq!(norm("一三八"), "138");
        assert_eq!(norm("一三八 幺"), "1381");
        assert_eq!(norm("幺三八 一二三四 五六七八"), "13812345678");
    }

    #[test]
    fn leaves_words_alone() {
        for w in [
            "几十块",
            "十几块",
            "三十多块",
            "百万用户",
            "一定",
            "一直",
            "一下",
            "一样",
            "统一",
            "第一",
            "唯一",
            "十分感谢",
            "万一",
            "一些",
            "千万别",
            "千万",
            "一点",
            "有一点贵",
            "一个问题",
            "两三天",
            "一天到晚",
            "我们一块去",
            "第一个月",
            "一五一十",
            "三四个",
        ] {
            assert_eq!(norm(w), w, "{w}");
        }
    }

    #[test]
    fn int_parser() {
        assert_eq!(parse_int_mag(&['十'], false), Some(10));
        assert_eq!(parse_int_mag(&['十', '五'], false), Some(15));
        assert_eq!(parse_int_mag(&['两', '千', '三'], false), Some(2300));
        assert_eq!(parse_int_mag(&['两', '亿', '五', '千', '万'], false), Some(250_000_000));
        assert_eq!(parse_int_mag(&['百'], false), None);
        assert_eq!(parse_int_mag(&['百'], true), Some(100));
        assert_eq!(parse_int_mag(&['十', '十'], false), None);
        assert_eq!(parse_int_mag(&['二', '三', '十'], false), None);
    }

    #[test]
    fn canonical_units() {
        for (raw, want) in [
            ("块", "元"),
            ("块钱", "元"),
            ("元", "元"),
            ("RMB", "元"),
            ("g", "GB"),
            ("GB", "GB"),
            ("个G", "GB"),
            ("个g", "GB"),
            ("G", "GB"),
            ("m", "MB"),
            ("MB", "MB"),
            ("兆", "MB"),
            ("分钟", "分钟"),
            ("小时", "小时"),
            ("个小时", "小时"),
            ("天", "天"),
            ("个月", "月"),
            ("月", "月"),
            ("年", "年"),
            ("%", "%"),
            ("％", "%"),
            ("百分之", "%"),
            ("人次", "人次"),
            ("人", "人"),
            ("折", "折"),
            ("倍", "倍"),
            ("斤", ""),
            ("", ""),
        ] {
            assert_eq!(canonical_unit(raw), want, "{raw}");
        }
    }

    #[test]
    fn canonical_unit_is_idempotent() {
        for u in ["元", "GB", "MB", "分钟", "小时", "天", "月", "年", "%", "人次", "人", "折", "倍", "岁", "秒"]
        {
            assert_eq!(canonical_unit(u), u);
        }
    }

    #[test]
    fn extracts_claims() {
        let s = |v: f64, u: &str, t: &str| (v, u.to_string(), t.to_string());
        assert_eq!(claims("首月半价只要59元"), vec![s(59.0, "元", "59元")]);
        assert_eq!(claims("五十九块钱"), vec![s(59.0, "元", "59块钱")]);
        assert_eq!(claims("30GB"), vec![s(30.0, "GB", "30gb")]);
        assert_eq!(claims("三十个G流量"), vec![s(30.0, "GB", "30个g")]);
        assert_eq!(claims("30g"), vec![s(30.0, "GB", "30g")]);
        assert_eq!(claims("50万人次"), vec![s(500_000.0, "人次", "50万人次")]);
        assert_eq!(claims("超过50万"), vec![s(500_000.0, "", "50万")]);
        assert_eq!(claims("满意度96%"), vec![s(96.0, "%", "96%")]);
        assert_eq!(claims("百分之九十六"), vec![s(96.0, "%", "96%")]);
        assert_eq!(claims("99.9%"), vec![s(99.9, "%", "99.9%")]);
        assert_eq!(claims("24小时内响应"), vec![s(24.0, "小时", "24小时")]);
        assert_eq!(claims("500 分钟"), vec![s(500.0, "分钟", "500 分钟")]);
        assert_eq!(claims("1,000元"), vec![s(1000.0, "元", "1,000元")]);
        assert_eq!(claims("1.2亿"), vec![s(120_000_000.0, "", "1.2亿")]);
        assert_eq!(claims("25-45岁"), vec![s(25.0, "岁", "25"), s(45.0, "岁", "45岁")]);
        assert_eq!(claims("打8折"), vec![s(8.0, "折", "8折")]);
    }

    #[test]
    fn skips_ids_phones_and_such() {
        assert!(claims("qz-zhang2024").is_empty());
        assert!(claims("13812345678").is_empty());
        assert!(claims("138 1234 5678").is_empty());
        assert!(claims("幺三八 一二三四 五六七八").is_empty());
        assert!(claims("2024-01-05").is_empty());
        assert!(claims("10:30开会").is_empty());
        assert!(claims("版本1.2.3").is_empty());
        assert!(claims("第2个月").is_empty());
        assert!(claims("5G网络").is_empty());
        assert!(claims("abc123").is_empty());
        assert!(claims("2024abc").is_empty());
        assert!(claims("v2").is_empty());
        assert!(claims("abc-2024").is_empty());
    }

    #[test]
    fn claim_offsets_in_bounds() {
        for s in ["1", "1万", "5 ", "9.", "1,", "1,00", "百分之", "百分之.", "100%%", "3到5天"] {
            let n = normalize(s);
            for c in extract_numbers(&n) {
                assert!(c.start < c.end && c.end <= n.len(), "{s}");
            }
        }
    }
}
