//! Spoken and written contact ids: a WeChat id, QQ number, phone number or e-mail address as a
//! customer says it through ASR — letters spelled one by one (`q z 杠 zhang`), Chinese digits
//! (`z q 一九八九`), separators said as words (杠, 下划线, 点, 艾特) — joined into one id.
//!
//! A run of letters and digits is only an id when it looks like one (long enough, not a product
//! name such as Wi-Fi, iPhone 15 or 5G) and the call is talking about a contact ([`has_context`]).

use crate::text::segment::Analyzed;

/// Separators said or written inside an id, with how many characters each spans.
const SEPARATORS: &[&str] = &["下划线", "减号", "横杠", "杠", "点", "艾特", "-", "_", ".", "@"];

/// Words of contact channels: an id is only taken as one where the turn (or the request it
/// answers) names a channel.
const CHANNELS: &[&str] = &[
    "微信",
    "wechat",
    "vx",
    "wx",
    "v信",
    "qq",
    "邮箱",
    "email",
    "e-mail",
    "mail",
    "手机号",
    "手机",
    "电话",
    "号码",
    "联系方式",
    "加我",
    "搜我",
    "账号",
    "号是",
];

/// Letters-and-digits runs that name products, networks and units, never a contact.
const NOT_IDS: &[&str] = &[
    "wifi", "wi-fi", "iphone", "ipad", "app", "5g", "4g", "gb", "mb", "vip", "ok", "okay", "plan", "data", "wechat",
    "vx", "wx", "qq", "sim", "esim", "pm", "am", "tv", "pc", "cpu", "id", "pro", "max", "plus", "mate", "pad",
    "huawei", "xiaomi", "oppo", "vivo", "honor", "redmi", "galaxy", "pixel", "budget", "meeting", "info", "cashback",
];

/// Chinese digits as an ASR writes a number read out digit by digit.
fn chinese_digit(c: char) -> bool {
    matches!(c, '零' | '〇' | '一' | '幺' | '二' | '两' | '三' | '四' | '五' | '六' | '七' | '八' | '九')
}

fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || chinese_digit(c)
}

/// The spoken or written contact ids in a turn, as normalized character ranges: runs of ASCII
/// letters, digits and Chinese digits, joined across single spaces and said separators, that
/// hold at least one letter and five characters, or seven digits and more (a phone or QQ
/// number) — and are not a product word with a model number (iPhone 15, Wi-Fi).
pub fn spoken_ids(a: &Analyzed) -> Vec<(usize, usize)> {
    let c = &a.norm.chars;
    let lower: Vec<char> = c.iter().map(|x| x.to_ascii_lowercase()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if !lower[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        // Grow the run: id characters, single spaces between parts, said separators.
        let start = i;
        let mut end = i;
        let mut j = i;
        let mut parts: Vec<String> = Vec::new();
        let mut current = String::new();
        loop {
            if j < c.len() && id_char(lower[j]) {
                current.push(lower[j]);
                j += 1;
                end = j;
                continue;
            }
            let mut k = j;
            while k < c.len() && c[k] == ' ' {
                k += 1;
            }
            if let Some(sep) = SEPARATORS.iter().find(|s| starts_with(&lower[k..], s)) {
                let mut m = k + sep.chars().count();
                while m < c.len() && c[m] == ' ' {
                    m += 1;
                }
                if m < c.len() && id_char(lower[m]) {
                    if !current.is_empty() {
                        parts.push(std::mem::take(&mut current));
                    }
                    parts.push("-".into());
                    j = m;
                    continue;
                }
            }
            // A phone number read in groups: 159，2208，3371 (digits on both sides of a comma).
            if k == j
                && k + 1 < c.len()
                && matches!(c[k], '，' | ',' | '、')
                && current.chars().all(|x| x.is_ascii_digit() || chinese_digit(x))
                && !current.is_empty()
                && (lower[k + 1].is_ascii_digit() || chinese_digit(lower[k + 1]))
            {
                parts.push(std::mem::take(&mut current));
                j = k + 1;
                continue;
            }
            // One space between single letters or digits that go on (q z zhang, 1 3 8 …).
            if k > j && k - j <= 1 && k < c.len() && id_char(lower[k]) {
                if !current.is_empty() {
                    parts.push(std::mem::take(&mut current));
                }
                j = k;
                continue;
            }
            break;
        }
        if !current.is_empty() {
            parts.push(current);
        }
        i = end.max(start + 1);
        let joined: String = parts.concat();
        if looks_like_id(&joined, &parts) {
            out.push((start, end));
        }
    }
    out
}

fn starts_with(hay: &[char], needle: &str) -> bool {
    let mut it = hay.iter();
    needle.chars().all(|c| it.next() == Some(&c))
}

/// Whether a joined run is an id: long enough, and not a product word or a model number.
fn looks_like_id(joined: &str, parts: &[String]) -> bool {
    let alnum: Vec<char> = joined.chars().filter(|&c| c != '-').collect();
    let letters = alnum.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let digits = alnum.len() - letters;
    if letters == 0 {
        return digits >= 7;
    }
    if alnum.len() < 5 {
        return false;
    }
    // A product word with or without its model number (iphone15, wi-fi, 5g) is not an id.
    let words: Vec<&String> = parts.iter().filter(|p| p.as_str() != "-").collect();
    let product = |w: &str| {
        NOT_IDS.iter().any(|n| w == *n || (w.starts_with(n) && w[n.len()..].chars().all(|c| c.is_ascii_digit())))
    };
    if words.iter().all(|w| product(w) || w.chars().all(|c| c.is_ascii_digit() || chinese_digit(c))) {
        return false;
    }
    NOT_IDS.iter().all(|n| joined.replace('-', "") != n.replace('-', ""))
}

/// Words for "my phone number" and the links that make a contact the same as it
/// (微信就是我这个手机号, 就我这手机号, 微信同手机号).
const PHONE: &[&str] = &["手机号", "电话号", "这个号", "手机", "这号"];
const SAME_AS: &[&str] = &["就是", "就", "同", "跟", "也是", "一样", "是"];

/// Where a turn says its contact is the phone number it is called on (normalized range of the
/// phone word): a "same as" link right before a phone word, in a clause of the turn.
pub fn same_as_phone(a: &Analyzed) -> Option<(usize, usize)> {
    let c = &a.norm.chars;
    for p in PHONE {
        let n = p.chars().count();
        for i in 0..c.len().saturating_sub(n - 1) {
            if !c[i..i + n].iter().copied().eq(p.chars()) {
                continue;
            }
            // The link within the few characters before (就是我这个手机号, 就我这手机号).
            let from = i.saturating_sub(5);
            let before: String = c[from..i].iter().collect();
            let linked = SAME_AS.iter().any(|w| before.contains(w));
            // Not a question about it (你们怎么有我手机号, 手机号要换吗).
            let after: String = c[i + n..c.len().min(i + n + 3)].iter().collect();
            let asks = ["吗", "么", "?", "？", "要", "怎"].iter().any(|w| after.contains(w) || before.contains(w));
            if linked && !asks && !before.contains('不') {
                return Some((i, i + n));
            }
        }
    }
    None
}

/// Whether a turn's text names a contact channel (微信, QQ, 邮箱, 手机号 …).
pub fn has_context(a: &Analyzed) -> bool {
    let lower: Vec<char> = a.norm.chars.iter().map(|x| x.to_ascii_lowercase()).collect();
    CHANNELS.iter().any(|w| (0..lower.len()).any(|i| starts_with(&lower[i..], w)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::segment::Analyzer;

    fn ids(text: &str) -> Vec<String> {
        let a = Analyzer::new(&[]).analyze(text);
        spoken_ids(&a).into_iter().map(|(s, e)| a.norm.chars[s..e].iter().collect()).collect()
    }

    #[test]
    fn spelled_ids_are_joined() {
        assert_eq!(ids("微信好是 q z 杠 zhang"), vec!["q z 杠 zhang"]);
        assert_eq!(ids("zhangqiang 下划线 pm"), vec!["zhangqiang 下划线 pm"]);
        assert_eq!(ids("微信qz-zhang，你发我"), vec!["qz-zhang"]);
        assert_eq!(ids("w x 下划线 123"), vec!["w x 下划线 123"]);
        assert_eq!(ids("l i 杠 q i a n g 88"), vec!["l i 杠 q i a n g 88"]);
    }

    #[test]
    fn letters_with_chinese_digits_and_phone_numbers() {
        assert_eq!(ids("z q 一九八九").len(), 1);
        assert_eq!(ids("手机号13812345678").len(), 1);
    }

    #[test]
    fn product_words_are_not_ids() {
        assert!(ids("家里Wi-Fi老掉线").is_empty());
        assert!(ids("我用的iPhone 15").is_empty());
        assert!(ids("5G信号不好").is_empty());
        assert!(ids("每月30GB流量").is_empty());
        assert!(ids("这个plan的data够不够").is_empty());
    }

    #[test]
    fn the_phone_number_as_the_contact() {
        let an = Analyzer::new(&[]);
        assert!(same_as_phone(&an.analyze("微信就是我这个手机号。")).is_some());
        assert!(same_as_phone(&an.analyze("就我这手机号。")).is_some());
        assert!(same_as_phone(&an.analyze("你们怎么有我手机号的？")).is_none());
        assert!(same_as_phone(&an.analyze("微信就手机号，幺五九，二二零八，三三七一。")).is_some());
        assert_eq!(ids("微信就手机号，159，2208，3371。").len(), 1);
    }

    #[test]
    fn channels_give_context() {
        let an = Analyzer::new(&[]);
        assert!(has_context(&an.analyze("我微信是这个")));
        assert!(has_context(&an.analyze("你加我QQ吧")));
        assert!(!has_context(&an.analyze("家里网老掉线")));
    }
}
