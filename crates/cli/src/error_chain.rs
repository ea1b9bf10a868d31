//! An error and its causes on one line, each cause once.
//!
//! Why: retag's library errors about a file (`DataError::Io` and its kin in
//! each crate) put the I/O error in their own message, so that a plain `{}`
//! still says why, and also return it as their `source`. anyhow's `{:#}`
//! printed it twice: "x.txt: No such file or directory (os error 2): No
//! such file or directory (os error 2)".

/// `error`'s chain joined by ": ", leaving out a cause whose text the line
/// already ends with.
pub fn error_chain(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use std::{fmt, io};

    use super::*;

    /// The shape of the libraries' file errors: the cause in the message and as the source.
    #[derive(Debug)]
    struct FileError {
        path: String,
        source: io::Error,
    }

    impl fmt::Display for FileError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}: {}", self.path, self.source)
        }
    }

    impl std::error::Error for FileError {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    fn file_error(path: &str, why: &str) -> anyhow::Error {
        anyhow::Error::new(FileError { path: path.into(), source: io::Error::other(why.to_string()) })
    }

    #[test]
    fn prints_each_cause_once() {
        let cases = [
            (file_error("x.txt", "no such file"), "x.txt: no such file"),
            (file_error("x.txt", "no such file").context("reading the data"), "reading the data: x.txt: no such file"),
            (anyhow::anyhow!("outer").context("middle").context("top"), "top: middle: outer"),
            // A cause that only appears inside the line, not at its end, is kept.
            (anyhow::Error::new(io::Error::other("disk")).context("disk full on /tmp"), "disk full on /tmp: disk"),
        ];
        for (error, expected) in cases {
            assert_eq!(error_chain(&error), expected);
        }
    }
}
