//! PII redaction for reports: mainland mobile numbers, landlines, ID card numbers, bank card
//! numbers, e-mail addresses and the contact ids customers gave (WeChat ids such as
//! `qz-zhang`) are masked in every text a report shows.
//!
//! Matching runs on the original text before redaction, so a captured contact still counts.
//! Masks keep the character count (`13800138000` → `138****8000`, `qz-zhang` → `qz-*****`), so
//! every finding's span still points at the same characters and evidence stays readable.

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
/// (`zhangq下划线二零二四`, `qz杠zhang`).
static SPOKEN_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z][A-Za-z0-9]*(?:下划线|横杠|杠|减号|点)[A-Za-z0-9零一二三四五六七八九幺两]+").expect("compiles")
});

/// Masks personal data in report texts.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    custom: Vec<Regex>,
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
            let keep = if chars.get(2).is_some_and(|c| matches!(c, '-' | '_')) { 3 } else { 2 };
            chars.iter().enumerate().map(|(i, &c)| if i < keep { c } else { '*' }).collect()
        }
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

impl Redactor {
    /// A redactor with the built-in patterns plus `extra` regexes (from the command line or the
    /// rubric), whose matches are masked entirely.
    pub fn new(extra: &[String]) -> Result<Redactor, regex::Error> {
        Ok(Redactor { custom: extra.iter().map(|p| Regex::new(p)).collect::<Result<_, _>>()? })
    }

    /// Masks `text` with the built-in and custom patterns and the given contact ids.
    pub fn text(&self, text: &str, ids: &[String]) -> String {
        let mut s = text.to_string();
        for id in ids {
            if s.contains(id.as_str()) {
                s = s.replace(id.as_str(), &mask(id, Kind::ContactId));
            }
        }
        for (re, kind) in BUILTIN.iter() {
            s = replace_all(&s, re, *kind);
        }
        for re in &self.custom {
            s = replace_all(&s, re, Kind::Custom);
        }
        s
    }

    /// Contact ids the customer spelled out in this call.
    fn contact_ids(call: &CallResult) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for t in call.turns.iter().filter(|t| t.role == Role::Customer) {
            for caps in CONTACT_ID.captures_iter(&t.text) {
                if let Some(m) = caps.get(2) {
                    let id = m.as_str();
                    let idish = id.chars().any(|c| c.is_ascii_digit() || c == '-' || c == '_');
                    if idish && !ids.iter().any(|x| x == id) {
                        ids.push(id.to_string());
                    }
                }
            }
        }
        for t in call.turns.iter().filter(|t| t.role == Role::Customer) {
            for m in SPOKEN_ID.find_iter(&t.text) {
                if !ids.iter().any(|x| x == m.as_str()) {
                    ids.push(m.as_str().to_string());
                }
            }
        }
        // Longest first, so an id that contains another is masked whole.
        ids.sort_by_key(|s| std::cmp::Reverse(s.len()));
        ids
    }

    /// Masks one call in place: turn texts, finding excerpts and messages, metadata values.
    pub fn call(&self, call: &mut CallResult) {
        let ids = Self::contact_ids(call);
        for t in &mut call.turns {
            t.text = self.text(&t.text, &ids);
        }
        for f in &mut call.findings {
            f.excerpt = self.text(&f.excerpt, &ids);
            f.message = self.text(&f.message, &ids);
        }
        for v in call.meta.values_mut() {
            *v = self.text(v, &ids);
        }
    }

    /// Masks every call of a batch (the aggregate's worst-call messages too).
    pub fn results(&self, results: &mut Results) {
        for c in &mut results.calls {
            self.call(c);
        }
        let strip = |s: &str| self.text(s, &[]);
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
    fn custom_patterns_mask_everything() {
        let red = Redactor::new(&["工号\\d+".to_string()]).unwrap();
        assert_eq!(red.text("我的工号8848", &[]), "我的******");
    }
}
