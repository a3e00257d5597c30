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
    let cli = rel::cli::Cli::parse();
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
            }
            e.exit_code()
        }
    };
    std::process::exit(code);
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
