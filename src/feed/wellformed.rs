//! What JSON text is refused before it is read (invalid UTF-8, a lone surrogate, nesting
//! too deep), and serde_json's errors turned into one line a person understands.

/// Refuses text JSON must not hold even where it is not read: bytes that are not UTF-8, and
/// an escaped UTF-16 surrogate without its pair (`"\ud800"`), in any string.
pub fn check_text(bytes: &[u8]) -> Result<(), String> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(format!("not valid UTF-8 (at byte {})", e.valid_up_to()));
    }
    if memchr::memchr(b'\\', bytes).is_none() {
        return Ok(());
    }
    // Escapes: a high surrogate must be followed by a low one, and a low one preceded by a high.
    let mut i = 0;
    let mut in_string = false;
    let hex = |at: usize| -> Option<u32> {
        let s = bytes.get(at..at + 4)?;
        u32::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok()
    };
    while i < bytes.len() {
        let b = bytes[i];
        if !in_string {
            in_string = b == b'"';
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = false,
            b'\\' if bytes.get(i + 1) == Some(&b'u') => {
                if let Some(u) = hex(i + 2) {
                    if (0xD800..0xDC00).contains(&u) {
                        let paired = bytes.get(i + 6..i + 8) == Some(b"\\u")
                            && hex(i + 8).is_some_and(|l| (0xDC00..0xE000).contains(&l));
                        if !paired {
                            return Err(format!("a string holds a lone UTF-16 surrogate (\\u{u:04x})"));
                        }
                        i += 12;
                        continue;
                    }
                    if (0xDC00..0xE000).contains(&u) {
                        return Err(format!("a string holds a lone UTF-16 surrogate (\\u{u:04x})"));
                    }
                }
                i += 2;
                continue;
            }
            b'\\' => {
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The deepest nesting of arrays and objects a report may have (a report needs 2).
pub const MAX_DEPTH: usize = 32;

/// Refuses documents nested deeper than [`MAX_DEPTH`], before any parsing (serde_json does
/// not bound the depth of the unknown fields it skips).
pub fn check_depth(bytes: &[u8]) -> Result<(), String> {
    // Fast path (a loop the compiler vectorizes): too few brackets to nest too deep at all.
    if memchr::memchr2_iter(b'[', b'{', bytes).nth(MAX_DEPTH).is_none() {
        return Ok(());
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!("nesting too deep (more than {MAX_DEPTH} levels of arrays and objects)"));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A serde_json error's text with what it quotes of the input cut short (an unknown field's
/// name may be a megabyte long), and where it is.
pub fn json_error_text(e: &serde_json::Error) -> String {
    let text = crate::text::escape_controls(&e.to_string());
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(head) => format!("{}{suffix}", crate::text::cut(head, 200)),
        None => crate::text::cut(&text, 240),
    }
}

/// Turns a serde_json error into a reason a person understands.
pub fn describe_json_error(e: &serde_json::Error) -> String {
    let text = json_error_text(e);
    if text.contains("recursion limit exceeded") {
        return format!("nesting too deep (more than 128 levels) at line {} column {}", e.line(), e.column());
    }
    match e.classify() {
        serde_json::error::Category::Data => {
            if text.starts_with("invalid type") {
                // e.g. "invalid type: integer `5`, expected struct RawReport at line 1 column 1"
                let found =
                    text.trim_start_matches("invalid type: ").split(", expected").next().unwrap_or("something else");
                format!("a report must be a JSON object, found {found}")
            } else {
                format!("not a report: {text}")
            }
        }
        serde_json::error::Category::Eof => format!("not valid JSON (it ends too early): {text}"),
        _ => format!("not valid JSON: {text}"),
    }
}
