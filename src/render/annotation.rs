//! GitHub Actions workflow commands (`::error file=F,line=L::message`), as
//! the runner reads them: the message escapes `%`, CR and LF, and property
//! values also `:` and `,`, which would otherwise end the value. Unescaped,
//! a file named `notes, v1: 100%.yaml` lands on the wrong path and `%0A`
//! in a message becomes a line break.

/// One annotation of `kind` (`error`, `warning`, `notice`) on `file`, at
/// `line` when known.
pub fn github(kind: &str, file: &str, line: Option<usize>, message: &str) -> String {
    let mut properties = format!("file={}", property(file));
    if let Some(l) = line {
        properties.push_str(&format!(",line={l}"));
    }
    format!("::{kind} {properties}::{}", data(message))
}

/// Escapes a message (the runner's `escapeData`).
pub fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (the runner's `escapeProperty`).
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_data_and_properties_as_the_runner_expects() {
        assert_eq!(
            github(
                "error",
                "releases/notes, v1: 100%.yaml",
                Some(3),
                "a%0Ab\nc:d,e"
            ),
            "::error file=releases/notes%2C v1%3A 100%25.yaml,line=3::a%250Ab%0Ac:d,e"
        );
        assert_eq!(
            github("notice", "policy.yaml", None, "ok"),
            "::notice file=policy.yaml::ok"
        );
        assert_eq!(data("\r\n%"), "%0D%0A%25");
    }
}
