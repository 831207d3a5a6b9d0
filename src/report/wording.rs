//! Small wording helpers shared by the text reports: counts with the right plural
//! ("1 call", "2 calls") and signed changes that never read "-0.0".

/// `n` followed by the singular or the plural noun: `count(1, "call", "calls")` is "1 call".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A change with its sign and one decimal: "+1.5", "-2.0", and "+0.0" for anything that
/// rounds to zero (a tiny negative difference must not print as "-0.0").
pub fn signed1(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    // -0.0 == 0.0: whatever rounds to zero is printed as the positive zero.
    format!("{:+.1}", if r == 0.0 { 0.0 } else { r })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count(0, "call", "calls"), "0 calls");
        assert_eq!(count(1, "call", "calls"), "1 call");
        assert_eq!(count(2, "fact", "facts"), "2 facts");
    }

    #[test]
    fn zero_changes_have_no_minus() {
        assert_eq!(signed1(-0.0), "+0.0");
        assert_eq!(signed1(-0.04), "+0.0");
        assert_eq!(signed1(-0.06), "-0.1");
        assert_eq!(signed1(2.0), "+2.0");
    }
}
