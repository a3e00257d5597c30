use clap::Parser;

fn main() {
    // `rel list | head` must end quietly, like other command-line tools,
    // instead of panicking on the closed pipe after its work is done.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any other
    // thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // `--json` anywhere on the command line: errors are also JSON.
    let json = std::env::args_os().any(|a| a == "--json");
    let cli = match rel::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if json && e.use_stderr() => {
            let text = e.render().to_string();
            let message = text.trim().trim_start_matches("error: ");
            let _ = e.print();
            json_error(2, message);
            std::process::exit(2);
        }
        Err(e) => e.exit(),
    };
    let code = match now().and_then(|now| {
        let cwd = std::env::current_dir()
            .map_err(|e| rel::Error::data(format!("cannot read the current directory: {e}")))?;
        rel::run(cli, now, cwd)
    }) {
        Ok(()) => 0,
        Err(e) => {
            let message = e.to_string();
            if !message.is_empty() {
                eprintln!("error: {message}");
                if json {
                    json_error(e.exit_code(), &message);
                }
            }
            e.exit_code()
        }
    };
    std::process::exit(code);
}

/// Under `--json`, the error as one line of JSON on stderr (after the
/// line a person reads), so a script can parse it as it parses stdout.
fn json_error(code: i32, message: &str) {
    let error = serde_json::json!({ "error": { "code": code, "message": message } });
    eprintln!("{error}");
}

/// The one place the clock is read; `REL_NOW` (RFC 3339) overrides it.
fn now() -> rel::Result<rel::model::Timestamp> {
    match std::env::var("REL_NOW") {
        Ok(text) => chrono::DateTime::parse_from_rfc3339(&text).map_err(|e| {
            rel::Error::usage(format!(
                "REL_NOW: `{text}` is not an RFC 3339 time such as 2025-03-10T09:00:00+00:00 ({e})"
            ))
        }),
        Err(_) => Ok(chrono::Local::now().fixed_offset()),
    }
}
