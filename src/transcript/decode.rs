//! Bytes → text. The rule is simple so users can predict it: a BOM decides; else valid UTF-8 is
//! UTF-8; else GB18030 (which covers GBK/GB2312 exports) if it decodes without errors; else an
//! error naming the byte offset of the first invalid sequence. Newlines come out as `\n`.
//! UTF-32 (which `encoding_rs` does not know) is decoded here: its BOM `FF FE 00 00` starts like
//! UTF-16's, so it is checked first.

use super::{Encoding, LineIndex};
use crate::error::InputError;
use encoding_rs::{DecoderResult, GB18030, UTF_16BE, UTF_16LE};

const BOM_UTF8: &[u8] = &[0xEF, 0xBB, 0xBF];
const BOM_UTF16LE: &[u8] = &[0xFF, 0xFE];
const BOM_UTF16BE: &[u8] = &[0xFE, 0xFF];
const BOM_UTF32LE: &[u8] = &[0xFF, 0xFE, 0x00, 0x00];
const BOM_UTF32BE: &[u8] = &[0x00, 0x00, 0xFE, 0xFF];

/// Decodes `bytes` (a forced encoding wins over detection), strips a BOM, turns CRLF and lone CR
/// into `\n`. Invalid bytes give an error at `source:line:column` naming the byte offset.
pub fn decode(source: &str, bytes: &[u8], forced: Option<Encoding>) -> Result<(String, Encoding), InputError> {
    let (text, encoding) = match forced {
        Some(enc) => {
            let body = bytes.strip_prefix(bom(enc)).unwrap_or(bytes);
            let skipped = bytes.len() - body.len();
            let text = strict(enc, body).map_err(|at| invalid(source, enc, body, at, skipped))?;
            (text, enc)
        }
        None => detect_and_decode(source, bytes)?,
    };
    let text = text.strip_prefix('\u{FEFF}').map(str::to_string).unwrap_or(text);
    Ok((normalize_newlines(text), encoding))
}

fn detect_and_decode(source: &str, bytes: &[u8]) -> Result<(String, Encoding), InputError> {
    // UTF-32 first: its little-endian BOM begins with UTF-16's. `FF FE 00 00` is also UTF-16LE
    // text starting with U+0000, so it is UTF-32 unless it is empty after the BOM, or decodes as
    // UTF-16 but not as NUL-free UTF-32 (UTF-16 code units paired up are almost never valid
    // UTF-32); a file that is neither gets the UTF-32 error.
    for enc in [Encoding::Utf8, Encoding::Utf32Le, Encoding::Utf32Be, Encoding::Utf16Le, Encoding::Utf16Be] {
        if let Some(body) = bytes.strip_prefix(bom(enc)) {
            if enc == Encoding::Utf32Le && !body.is_empty() {
                let as_utf16 = || strict(Encoding::Utf16Le, &bytes[2..]);
                match strict(enc, body) {
                    Ok(text) if !text.contains('\0') => return Ok((text, enc)),
                    // Bad as UTF-32 but good as UTF-16: UTF-16 text that starts with U+0000.
                    _ if as_utf16().is_ok() => continue,
                    Ok(text) => return Ok((text, enc)),
                    Err(at) => return Err(invalid(source, enc, body, at, bytes.len() - body.len())),
                }
            }
            if enc == Encoding::Utf32Le {
                continue; // empty after the BOM, or UTF-16
            }
            let skipped = bytes.len() - body.len();
            let text = strict(enc, body).map_err(|at| invalid(source, enc, body, at, skipped))?;
            return Ok((text, enc));
        }
    }
    let utf8_bad = match std::str::from_utf8(bytes) {
        Ok(text) => return no_nul(source, text.to_string(), Encoding::Utf8),
        Err(e) => e.valid_up_to(),
    };
    let gb_bad = match strict(Encoding::Gb18030, bytes) {
        Ok(text) => return no_nul(source, text, Encoding::Gb18030),
        Err(at) => at,
    };
    // The encoding that decoded further is the likelier intent; point at its first bad byte.
    let (enc, at) = if gb_bad > utf8_bad { (Encoding::Gb18030, gb_bad) } else { (Encoding::Utf8, utf8_bad) };
    let pos = position_of(enc, bytes, at);
    let hint = match utf16_guess(bytes) {
        Some(order) => {
            format!("it has NUL bytes, like UTF-16 without a byte order mark: pass --encoding {order}")
        }
        None => "convert it to UTF-8 or pass --encoding".to_string(),
    };
    Err(InputError::at(
        source,
        pos.line,
        pos.column,
        format!(
            "invalid byte sequence at byte offset {at}: the file is neither UTF-8 (first invalid \
             byte at offset {utf8_bad}) nor GB18030/GBK (first invalid byte at offset {gb_bad}); {hint}"
        ),
    ))
}

/// Text never holds NUL, but UTF-16 stores every ASCII character (`:`, digits, newlines) with a
/// zero byte: after it (little endian, odd offsets) or before it (big endian, even offsets).
fn utf16_guess(bytes: &[u8]) -> Option<&'static str> {
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        if b == 0 {
            if i % 2 == 0 { even += 1 } else { odd += 1 }
        }
    }
    match (even, odd) {
        (0, 0) => None,
        (e, o) if o >= e => Some("utf-16le"),
        _ => Some("utf-16be"),
    }
}

/// A UTF-16 file without a BOM decodes as "valid" UTF-8 full of NULs; no transcript holds NUL,
/// so refuse it with a hint instead of producing garbage.
fn no_nul(source: &str, text: String, enc: Encoding) -> Result<(String, Encoding), InputError> {
    match text.find('\0') {
        None => Ok((text, enc)),
        Some(at) => {
            let pos = LineIndex::new(&text).position(at);
            Err(InputError::at(
                source,
                pos.line,
                pos.column,
                format!(
                    "NUL byte at byte offset {at}: this looks like UTF-16 without a byte order \
                     mark; pass --encoding utf-16le or utf-16be"
                ),
            ))
        }
    }
}

fn bom(enc: Encoding) -> &'static [u8] {
    match enc {
        Encoding::Utf8 => BOM_UTF8,
        Encoding::Utf16Le => BOM_UTF16LE,
        Encoding::Utf16Be => BOM_UTF16BE,
        Encoding::Utf32Le => BOM_UTF32LE,
        Encoding::Utf32Be => BOM_UTF32BE,
        // GB18030's own BOM (84 31 95 33) decodes to U+FEFF, which `decode` strips.
        Encoding::Gb18030 => &[],
    }
}

fn invalid(source: &str, enc: Encoding, body: &[u8], at: usize, skipped: usize) -> InputError {
    let pos = position_of(enc, body, at);
    InputError::at(
        source,
        pos.line,
        pos.column,
        format!(
            "invalid {enc} byte sequence at byte offset {}; check the file's encoding \
             (--encoding)",
            at + skipped
        ),
    )
}

/// Line and column of byte offset `at`, computed from the valid text before it.
fn position_of(enc: Encoding, bytes: &[u8], at: usize) -> super::Position {
    let prefix = bytes.get(..at).unwrap_or(bytes);
    let text = match utf32_order(enc) {
        // The prefix ends at the first bad unit, so it decodes.
        Some(big) => utf32(prefix, big).unwrap_or_default(),
        None => encoding(enc).decode_without_bom_handling(prefix).0.into_owned(),
    };
    let text = normalize_newlines(text);
    LineIndex::new(&text).position(text.len())
}

/// Some(big endian?) for the UTF-32 encodings.
fn utf32_order(enc: Encoding) -> Option<bool> {
    match enc {
        Encoding::Utf32Le => Some(false),
        Encoding::Utf32Be => Some(true),
        _ => None,
    }
}

/// Decodes UTF-32; `Err` holds the byte offset of the first unit that is not a Unicode scalar
/// value (a surrogate, above U+10FFFF) or of a trailing partial unit.
fn utf32(bytes: &[u8], big_endian: bool) -> Result<String, usize> {
    let mut out = String::with_capacity(bytes.len() / 2);
    for (i, unit) in bytes.chunks(4).enumerate() {
        let Ok(unit) = <[u8; 4]>::try_from(unit) else { return Err(i * 4) };
        let code = if big_endian { u32::from_be_bytes(unit) } else { u32::from_le_bytes(unit) };
        out.push(char::from_u32(code).ok_or(i * 4)?);
    }
    Ok(out)
}

fn encoding(enc: Encoding) -> &'static encoding_rs::Encoding {
    match enc {
        // Never asked for: UTF-32 is decoded by `utf32`.
        Encoding::Utf32Le | Encoding::Utf32Be => encoding_rs::UTF_8,
        Encoding::Utf8 => encoding_rs::UTF_8,
        Encoding::Utf16Le => UTF_16LE,
        Encoding::Utf16Be => UTF_16BE,
        Encoding::Gb18030 => GB18030,
    }
}

/// Decodes without replacement characters; `Err` holds the byte offset of the first malformed
/// sequence.
fn strict(enc: Encoding, bytes: &[u8]) -> Result<String, usize> {
    if enc == Encoding::Utf8 {
        return std::str::from_utf8(bytes).map(str::to_string).map_err(|e| e.valid_up_to());
    }
    if let Some(big) = utf32_order(enc) {
        return utf32(bytes, big);
    }
    let mut decoder = encoding(enc).new_decoder_without_bom_handling();
    let guess = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len());
    let mut out = String::with_capacity(guess);
    let mut done = 0;
    loop {
        let rest = bytes.get(done..).unwrap_or_default();
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut out, true);
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => {
                done += read;
                out.reserve(rest.len().saturating_mul(3).max(16));
            }
            DecoderResult::Malformed(bad, extra) => {
                return Err((done + read).saturating_sub(bad as usize + extra as usize));
            }
        }
    }
}

/// CRLF and lone CR → LF, so every parser and every line number agrees on what a line is.
pub(crate) fn normalize_newlines(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str, big_endian: bool, with_bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = std::iter::once(0xFEFF).filter(|_| with_bom).chain(s.encode_utf16());
        for u in units {
            let b = if big_endian { u.to_be_bytes() } else { u.to_le_bytes() };
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn utf8_plain_and_bom() {
        assert_eq!(decode("f", "坐席：你好".as_bytes(), None).unwrap(), ("坐席：你好".into(), Encoding::Utf8));
        let mut b = BOM_UTF8.to_vec();
        b.extend_from_slice("坐席：你好".as_bytes());
        assert_eq!(decode("f", &b, None).unwrap(), ("坐席：你好".into(), Encoding::Utf8));
    }

    #[test]
    fn utf16_with_bom() {
        let le = utf16("客户：好的\r\n", false, true);
        assert_eq!(decode("f", &le, None).unwrap(), ("客户：好的\n".into(), Encoding::Utf16Le));
        let be = utf16("客户：好的", true, true);
        assert_eq!(decode("f", &be, None).unwrap(), ("客户：好的".into(), Encoding::Utf16Be));
    }

    #[test]
    fn forced_utf16_without_bom() {
        let le = utf16("A: hi", false, false);
        let (text, enc) = decode("f", &le, Some(Encoding::Utf16Le)).unwrap();
        assert_eq!((text.as_str(), enc), ("A: hi", Encoding::Utf16Le));
        // Auto-detection refuses it with a hint rather than returning NUL-riddled text.
        let e = decode("f", &le, None).unwrap_err();
        assert!(e.message.contains("--encoding utf-16le"), "{e}");
    }

    #[test]
    fn odd_utf16_is_an_error() {
        let mut le = utf16("AB", false, true);
        le.push(0x41);
        let e = decode("f", &le, None).unwrap_err();
        assert!(e.message.contains("byte offset 6"), "{e}");
    }

    #[test]
    fn gbk_bytes() {
        let (bytes, _, bad) = encoding_rs::GBK.encode("坐席：您好，这里是长江移动。\n客户：嗯。");
        assert!(!bad);
        let (text, enc) = decode("f", &bytes, None).unwrap();
        assert_eq!(enc, Encoding::Gb18030);
        assert_eq!(text, "坐席：您好，这里是长江移动。\n客户：嗯。");
        let forced = decode("f", &bytes, Some(Encoding::Gb18030)).unwrap();
        assert_eq!(forced.0, text);
    }

    #[test]
    fn invalid_bytes_name_the_offset() {
        // 0x80 and 0xFF are invalid both as UTF-8 lead bytes and in GB18030.
        let mut b = b"A: ok\nB: ".to_vec();
        b.extend_from_slice(&[0xFF, 0x80]);
        let e = decode("calls/x.txt", &b, None).unwrap_err();
        assert!(e.message.contains("byte offset 9"), "{e}");
        assert_eq!(e.source, "calls/x.txt:2:4");
    }

    /// Issue #5: UTF-16 without a BOM that is not valid UTF-8 either (CJK text: `：` is
    /// `1A FF`) gets the `--encoding` it needs, in the right byte order.
    #[test]
    fn utf16_without_bom_gets_a_hint() {
        let le = utf16("坐席：您好\n客户：嗯", false, false);
        let e = decode("f", &le, None).unwrap_err();
        assert!(e.message.contains("pass --encoding utf-16le"), "{e}");
        let be = utf16("坐席：您好\n客户：嗯", true, false);
        let e = decode("f", &be, None).unwrap_err();
        assert!(e.message.contains("pass --encoding utf-16be"), "{e}");
        // Forced, both decode.
        assert_eq!(decode("f", &le, Some(Encoding::Utf16Le)).unwrap().0, "坐席：您好\n客户：嗯");
    }

    #[test]
    fn forced_utf8_rejects_gbk() {
        let (bytes, _, _) = encoding_rs::GBK.encode("ab你好");
        let e = decode("f", &bytes, Some(Encoding::Utf8)).unwrap_err();
        assert!(e.message.contains("invalid utf-8 byte sequence at byte offset 2"), "{e}");
        assert_eq!(e.source, "f:1:3");
    }

    fn utf32(s: &str, big_endian: bool) -> Vec<u8> {
        std::iter::once('\u{FEFF}')
            .chain(s.chars())
            .flat_map(|c| if big_endian { (c as u32).to_be_bytes() } else { (c as u32).to_le_bytes() })
            .collect()
    }

    /// Issue 18: a UTF-32 file with a BOM was taken for UTF-16 and scored as NUL-riddled text.
    #[test]
    fn utf32_with_bom() {
        let le = utf32("坐席：您好😀\r\n客户：嗯", false);
        assert_eq!(decode("f", &le, None).unwrap(), ("坐席：您好😀\n客户：嗯".into(), Encoding::Utf32Le));
        let be = utf32("A: hi", true);
        assert_eq!(decode("f", &be, None).unwrap(), ("A: hi".into(), Encoding::Utf32Be));
        // A truncated last unit and a surrogate are errors at their byte offset.
        let mut cut = utf32("A: hi", false);
        cut.pop();
        let e = decode("f", &cut, None).unwrap_err();
        assert!(e.message.contains("invalid utf-32le byte sequence at byte offset 20"), "{e}");
        let mut bad = utf32("A: h", false);
        bad.extend(0xD800u32.to_le_bytes());
        let e = decode("f", &bad, None).unwrap_err();
        assert!(e.message.contains("byte offset 20"), "{e}");
        assert_eq!(e.source, "f:1:5");
        // UTF-16LE text that starts with U+0000 has the same first four bytes; it stays UTF-16.
        let utf16: Vec<u8> = [0xFF, 0xFE, 0, 0, 0x41, 0, 0x3A, 0, 0x42, 0].to_vec();
        assert_eq!(decode("f", &utf16, None).unwrap(), ("\0A:B".into(), Encoding::Utf16Le));
        assert_eq!(decode("f", &[0xFF, 0xFE, 0, 0], None).unwrap(), ("\0".into(), Encoding::Utf16Le));
        // Forced, with or without the BOM.
        assert_eq!(decode("f", &le[4..], Some(Encoding::Utf32Le)).unwrap().0, "坐席：您好😀\n客户：嗯");
    }

    #[test]
    fn newlines() {
        let (t, _) = decode("f", b"a\r\nb\rc\n", None).unwrap();
        assert_eq!(t, "a\nb\nc\n");
    }
}
